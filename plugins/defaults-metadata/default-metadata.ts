import { ORIGINAL_DEFAULT_TEMPLATE, renderTemplate, templateScope, type DepositionMetadata, type NamedImage } from '../../src/plugin-api.ts';

/**
 * The values the original donodo's default template gives for an image (rendered from its very
 * expressions), with a description of our own that says how to restore the image and which id it has.
 */
export function defaultMetadata(image: NamedImage): DepositionMetadata {
  const { description: _theirs, ...template } = ORIGINAL_DEFAULT_TEMPLATE;
  const rendered = renderTemplate(template, templateScope(image), { source: 'the default template' }) as DepositionMetadata;
  return { ...rendered, description: describe(image) };
}

function describe(image: NamedImage): string {
  const reference = escapeHtml(`${image.name}:${image.tag}`);
  return [
    `<p>This record archives the container image <strong>${reference}</strong> (image id <code>${escapeHtml(image.id)}</code>)`,
    ' as <code>image.tar.gz</code>: a gzip-compressed <code>docker save</code> export.</p>',
    '<p>To restore it, download the file and run <code>docker load -i image.tar.gz</code>;',
    ' or run <code>donodo pull &lt;DOI of this record&gt;</code>, which downloads, loads and checks the image id in one step.</p>',
  ].join('');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
