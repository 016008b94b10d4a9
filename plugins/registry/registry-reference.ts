import { parseImageRef, type ImageRef } from '../../src/plugin-api.ts';
import { registryErrors } from './registry-errors.ts';

/** A registry reference, `docker://HOST/NAME:TAG` or `docker://HOST/NAME@sha256:…`, split. */
export interface RegistryReference {
  /** The registry host (and port) as written; Docker Hub is `docker.io`. */
  host: string;
  /** The repository in that registry (`team/tool`; Docker Hub's official images are `library/x`). */
  repository: string;
  tag?: string;
  digest?: string;
  /** The name the image is archived under, as Docker names it (`ghcr.io/team/tool`, `alpine`, `127.0.0.1:5000/x`). */
  name: string;
  /** What the user wrote. */
  input: string;
}

/** Parse what follows `docker://` (as skopeo does: no host means Docker Hub, no tag means `latest`; only sha256 digests). */
export function parseRegistryReference(reference: string, input: string): RegistryReference {
  let parsed: ImageRef;
  try {
    parsed = parseImageRef(reference);
  } catch (cause) {
    throw registryErrors.reference(input, (cause as Error).message.replace(/^Image reference "[^"]*" is not valid: /, '').replace(/\.$/, ''));
  }
  const { digest } = parsed;
  if (digest && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw registryErrors.reference(input, `"${digest}" is not a sha256 digest`);
  let host = parsed.domain ?? 'docker.io';
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') host = 'docker.io';
  const repository = host === 'docker.io' && !parsed.path.includes('/') ? `library/${parsed.path}` : parsed.path;
  const tag = parsed.tag ?? (digest ? undefined : 'latest');
  const name = host === 'docker.io' ? repository.replace(/^library\//, '') : `${host}/${repository}`;
  return { host, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), name, input };
}

/** Whether a host is this machine, which Docker speaks to over plain http. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/** The API base of a registry: https, except for this machine and the hosts named insecure. Docker Hub's API is registry-1.docker.io. */
export function registryBase(host: string, insecure: readonly string[]): URL {
  const api = host === 'docker.io' ? 'registry-1.docker.io' : host;
  const plain = isLoopback(host) || insecure.includes(host) || insecure.includes(host.replace(/:\d+$/, ''));
  return new URL(`${plain ? 'http' : 'https'}://${api}/v2/`);
}
