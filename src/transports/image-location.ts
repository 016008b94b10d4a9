import type { ImageLocation, Transport } from '../contracts/image-location.ts';
import { errors } from '../errors/catalogue.ts';

export type { ImageLocation, Transport } from '../contracts/image-location.ts';

/** Engines: what follows the transport is a NAME:TAG. */
const ENGINES = new Set<Transport>(['docker-daemon', 'podman']);
/** Archives: a path, then optionally `:REFERENCE` (split at the first colon, as skopeo does). */
const ARCHIVES = new Set<Transport>(['docker-archive', 'oci-archive', 'oci']);
export const TRANSPORTS: readonly Transport[] = [...ENGINES, ...ARCHIVES];

/**
 * Parse `[TRANSPORT:]…` (`destination`: where a pull writes, so an engine's NAME:TAG is optional).
 * A prefix that is no transport is part of a plain reference
 * (`localhost:5000/x:1` is the Docker engine's image `localhost:5000/x`, tag 1).
 */
export function parseImageLocation(input: string, options: { destination?: boolean } = {}): ImageLocation {
  const colon = input.indexOf(':');
  const prefix = colon > 0 ? input.slice(0, colon) : '';
  const rest = input.slice(colon + 1);
  if (prefix === 'docker' && rest.startsWith('//')) {
    // A registry, as skopeo names it: docker://HOST/NAME:TAG or docker://HOST/NAME@sha256:….
    if (rest.length === 2) throw errors.transportIncomplete(input, 'docker://HOST/NAME:TAG (or docker://HOST/NAME@sha256:…)');
    return { transport: 'docker', reference: rest.slice(2), input };
  }
  if (ENGINES.has(prefix as Transport)) {
    // A pull into an engine may leave the name out (`podman:`): the image gets the record's.
    if (!rest && !options.destination) throw errors.transportIncomplete(input, `${prefix}:NAME:TAG`);
    return { transport: prefix as Transport, ...(rest ? { reference: rest } : {}), input };
  }
  if (ARCHIVES.has(prefix as Transport)) {
    const split = rest.indexOf(':');
    const path = split < 0 ? rest : rest.slice(0, split);
    const reference = split < 0 ? undefined : rest.slice(split + 1);
    if (!path) throw errors.transportIncomplete(input, `${prefix}:PATH${prefix === 'docker-archive' ? '[:NAME:TAG]' : '[:REF]'}`);
    if (reference === '') throw errors.transportIncomplete(input, `${prefix}:PATH${prefix === 'docker-archive' ? ':NAME:TAG' : ':REF'} (nothing follows the second colon)`);
    return { transport: prefix as Transport, path, ...(reference ? { reference } : {}), input };
  }
  return { transport: 'docker-daemon', reference: input, input, defaulted: true };
}

/** Whether the transport names an engine (images are loaded and tagged) rather than a file or folder. */
export const isEngine = (transport: Transport): boolean => ENGINES.has(transport);
