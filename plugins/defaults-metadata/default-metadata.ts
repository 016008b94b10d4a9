import { formatDonodoNotes, type DepositionMetadata, type ImageDetails } from '../../src/plugin-api.ts';

/** The values the original donodo's default template produces for an image, with our own description. */
export function defaultMetadata(image: ImageDetails): DepositionMetadata {
  const reference = `${image.name}:${image.tag}`;
  return {
    upload_type: 'other',
    access_right: 'open',
    license: 'cc-by',
    creators: [{ name: image.name.split('/')[0] }],
    title: `Docker image ${image.name}`,
    version: image.tag,
    publication_date: (image.labels['org.label-schema.build-date'] ?? image.created).slice(0, 10),
    keywords: ['docker image'],
    notes: formatDonodoNotes(image.id, reference),
    description: [
      `<p>This record archives the container image <code>${escapeHtml(reference)}</code>`,
      ` (image id <code>${escapeHtml(image.id)}</code>) as a gzip-compressed <code>docker save</code> export.</p>`,
      '<p>To restore it, download <code>image.tar.gz</code> and run <code>docker load -i image.tar.gz</code>,',
      ' or run <code>donodo pull DOI</code> with the DOI of this record, which also checks the image id.</p>',
    ].join(''),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
