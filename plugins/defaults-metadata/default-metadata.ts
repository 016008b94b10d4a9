import { ORIGINAL_DEFAULT_TEMPLATE, renderTemplate, templateScope, type DepositionMetadata, type MetadataContext, type NamedImage } from '../../src/plugin-api.ts';

/**
 * The values the original donodo's default template gives for an image (rendered from its very
 * expressions), with a description of our own that says how to restore the image and which id it has.
 */
export function defaultMetadata(image: NamedImage, archive: MetadataContext['archive']): DepositionMetadata {
  const { description: _theirs, ...template } = ORIGINAL_DEFAULT_TEMPLATE;
  const rendered = renderTemplate(template, templateScope(image), { source: 'the default template' }) as DepositionMetadata;
  return { ...rendered, ...creatorsPastRegistry(image.name), description: describe(image, archive) };
}

/**
 * The original's creator is the name's first path component (`lab/tool` → `lab`); a registry host
 * there (`localhost:5000/lab/tool`, `ghcr.io/lab/tool`) names no one, so the component after it is
 * taken (`lab`). A component is a registry host as Docker decides it: it holds a "." or a ":", or
 * is `localhost`.
 */
function creatorsPastRegistry(name: string): Pick<DepositionMetadata, 'creators'> | undefined {
  const [first, ...rest] = name.split('/');
  const isHost = rest.length > 0 && (first!.includes('.') || first!.includes(':') || first === 'localhost');
  return isHost ? { creators: [{ name: rest[0]! }] } : undefined;
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
