import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { defaultMetadata } from './default-metadata.ts';

/** The original donodo's default deposition metadata, rendered for the image, with our own description. */
const plugin: DonodoPlugin<'metadata', Record<string, never>> = {
  kind: 'metadata',
  name: 'defaults',
  description: "The original donodo's default metadata (title, version, creators, date, notes with the image id), and restore instructions",
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    provide: (metadata, context) => ({ ...defaultMetadata(context.image, context.archive), ...metadata }),
  }),
};

export default plugin;
