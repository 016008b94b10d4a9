import { renderTemplate, templateScope, type DonodoPlugin } from '../../src/plugin-api.ts';

/**
 * Renders the templates that apply to the image (the config's defaults, its repository's, then
 * --templates) and lets their keys override what came before, as the original donodo's templates do.
 */
const plugin: DonodoPlugin<'metadata', Record<string, never>> = {
  kind: 'metadata',
  name: 'templates',
  description: 'Deposition templates of the configuration and --templates (original donodo syntax, never evaluated as code)',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    provide(metadata, context) {
      let result = metadata;
      for (const { source, template } of context.templates) {
        const rendered = renderTemplate(template, templateScope(context.image), { source }) as Record<string, unknown>;
        result = { ...result, ...rendered };
      }
      return result;
    },
  }),
};

export default plugin;
