import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { defaultMetadata } from './default-metadata.ts';

/** The original donodo's default deposition metadata, computed for the image. */
const plugin: DonodoPlugin<'metadata', Record<string, never>> = {
  kind: 'metadata',
  name: 'defaults',
  description: "The original donodo's default metadata (title, version, creators, notes with the image id…)",
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    provide: (metadata, context) => ({ ...defaultMetadata(context.image), ...metadata }),
  }),
};

export default plugin;
