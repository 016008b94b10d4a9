import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { metadataFromLabels } from './label-mapping.ts';

/** Deposition fields from the image's OCI (`org.opencontainers.image.*`) and label-schema labels. */
const plugin: DonodoPlugin<'metadata', { title?: boolean }> = {
  kind: 'metadata',
  name: 'labels',
  description: 'Title, description, creators, license, source links and date from the image labels',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      title: {
        type: 'boolean',
        default: true,
        description: 'Take the title from org.opencontainers.image.title. The concept is found by title unless conceptrecid is set, so a title label that changes between tags starts a new concept.',
      },
    },
  },
  create: (options, deps) => ({
    provide(metadata, { image }) {
      const { fields, warnings } = metadataFromLabels(image.labels, metadata, { title: options.title !== false });
      for (const warning of warnings) deps.logger.warn(`${image.name}:${image.tag}: ${warning}`);
      return { ...metadata, ...fields };
    },
  }),
};

export default plugin;
