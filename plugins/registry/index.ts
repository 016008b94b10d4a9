import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { RegistryImages } from './registry-images.ts';

export interface RegistryOptions {
  /** Registry hosts (`HOST` or `HOST:PORT`) spoken to over plain http; this machine always is. */
  insecure?: string[];
}

/** Images straight from an OCI registry (the distribution API), with no engine: `docker://HOST/NAME:TAG`. */
const plugin: DonodoPlugin<'image-source', RegistryOptions> = {
  kind: 'image-source',
  name: 'registry',
  transports: ['docker'],
  description: 'OCI registries, read with no engine: docker://HOST/NAME:TAG, docker://HOST/NAME@sha256:…',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      insecure: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Registry hosts spoken to over plain http (this machine always is).' },
    },
  },
  create: (options, deps) => new RegistryImages(deps, options.insecure ?? []),
};

export default plugin;
