import { ORIGINAL_DEFAULT_TEMPLATE, renderTemplate, templateScope, type DepositionMetadata, type MetadataContext, type NamedImage } from '../../src/plugin-api.ts';

/**
 * The values the original donodo's default template gives for an image (rendered from its very
 * expressions), with a description of our own that says how to restore the image and which id it has.
 */
export function defaultMetadata(image: NamedImage, archive: MetadataContext['archive']): DepositionMetadata {
  const { description: _theirs, ...template } = ORIGINAL_DEFAULT_TEMPLATE;
  const rendered = renderTemplate(template, templateScope(image), { source: 'the default template' }) as DepositionMetadata;
  return { ...rendered, description: describe(image, archive) };
}

function describe(image: NamedImage, archive: MetadataContext['archive']): string {
  const reference = escapeHtml(`${image.name}:${image.tag}`);
  const key = escapeHtml(archive.key);
  const what = archive.format === 'oci-layout' ? 'an OCI image layout (each layer gzip-compressed) that <code>docker load</code> and <code>podman load</code> read' : 'a compressed <code>docker save</code> export';
  return [
    `<p>This record archives the container image <strong>${reference}</strong> (image id <code>${escapeHtml(image.id)}</code>)`,
    ` as <code>${key}</code>: ${what}.</p>`,
    `<p>To restore it, download the file and run <code>docker load -i ${key}</code>;`,
    ' or run <code>donodo pull &lt;DOI of this record&gt;</code>, which downloads, loads and checks the image id in one step.</p>',
  ].join('');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
