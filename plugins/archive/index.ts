import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { ArchiveImages } from './archive-images.ts';

/** Images in files and folders, both ways: `docker save` tars, OCI layouts and tars of them. */
const plugin: DonodoPlugin<'image-source', Record<string, never>> = {
  kind: 'image-source',
  name: 'archive',
  transports: ['docker-archive', 'oci-archive', 'oci'],
  description: 'Image archives and layouts: docker-archive:PATH[:NAME:TAG], oci-archive:PATH[:REF], oci:DIR[:REF]',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: (_options, deps) => new ArchiveImages(deps.logger),
};

export default plugin;
