import { createHash } from 'node:crypto';
import { OCI_MEDIA, readCapped } from '../../src/plugin-api.ts';
import type { Platform } from '../../src/plugin-api.ts';
import { registryErrors } from './registry-errors.ts';
import type { RegistrySession } from './registry-session.ts';

/** A content descriptor (index entries, a manifest's config and layers). */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Platform & { 'os.version'?: string };
  annotations?: Record<string, string>;
}

/** A manifest or index as the registry served it: its bytes (kept as they are, so is its digest), and what it says. */
export interface Served {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface ImageManifest extends Served {
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex extends Served {
  manifests: Descriptor[];
}

export const MANIFESTS = new Set<string>([OCI_MEDIA.manifest, OCI_MEDIA.dockerManifest]);
export const INDEXES = new Set<string>([OCI_MEDIA.index, OCI_MEDIA.dockerList]);
const ACCEPT = [OCI_MEDIA.index, OCI_MEDIA.dockerList, OCI_MEDIA.manifest, OCI_MEDIA.dockerManifest].join(', ');
/** Manifests and indexes are small; a larger answer is not one. */
const MANIFEST_LIMIT = 4 * 1024 * 1024;

export const sha256Of = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * The manifest or index a tag or digest names, with both media-type families asked for. A digest
 * reference must be served with that digest; a tag's answer must have the digest the registry
 * states for it (`Docker-Content-Digest`), where it states one.
 */
export async function fetchManifest(session: RegistrySession, reference: string, input: string, expected?: string): Promise<ImageManifest | ImageIndex> {
  const what = reference.startsWith('sha256:') ? `manifest ${reference}` : `tag ${reference}`;
  const response = await session.request('GET', `manifests/${reference}`, what, { accept: ACCEPT });
  const bytes = await readCapped(response.body as AsyncIterable<Uint8Array> | null, MANIFEST_LIMIT, () => registryErrors.corrupt(input, `the ${what}`, `it is larger than ${MANIFEST_LIMIT} bytes`));
  const digest = sha256Of(bytes);
  const wanted = expected ?? (reference.startsWith('sha256:') ? reference : undefined);
  if (wanted && digest !== wanted) throw registryErrors.digestMismatch(input, `the ${what}`, wanted, digest);
  const stated = response.headers.get('docker-content-digest');
  if (stated && stated.startsWith('sha256:') && stated !== digest) throw registryErrors.digestMismatch(input, `the ${what}`, stated, digest);
  let value: { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; config?: unknown; layers?: unknown };
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw registryErrors.corrupt(input, `the ${what}`, 'it is not JSON');
  }
  const header = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const mediaType = typeof value.mediaType === 'string' ? value.mediaType : header || (Array.isArray(value.manifests) ? OCI_MEDIA.index : OCI_MEDIA.manifest);
  if (INDEXES.has(mediaType)) {
    if (!Array.isArray(value.manifests)) throw registryErrors.corrupt(input, `the ${what}`, 'the index lists no manifests');
    return { digest, mediaType, bytes, manifests: value.manifests.map((entry, at) => descriptor(entry, input, `${what} manifests[${at}]`)) };
  }
  if (!MANIFESTS.has(mediaType)) throw registryErrors.mediaType(input, mediaType);
  if (!value.config || !Array.isArray(value.layers)) throw registryErrors.corrupt(input, `the ${what}`, 'it names no config or layers');
  return { digest, mediaType, bytes, config: descriptor(value.config, input, `${what} config`), layers: value.layers.map((layer, at) => descriptor(layer, input, `${what} layers[${at}]`)) };
}

export const isIndex = (served: ImageManifest | ImageIndex): served is ImageIndex => 'manifests' in served;

function descriptor(value: unknown, input: string, where: string): Descriptor {
  const entry = value as Partial<Descriptor> | null;
  if (!entry || typeof entry !== 'object' || typeof entry.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(entry.digest) || typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw registryErrors.corrupt(input, where, 'it is not a content descriptor with a sha256 digest and a size');
  }
  return entry as Descriptor;
}
