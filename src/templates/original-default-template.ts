/**
 * The default deposition-metadata template of the original donodo (pauleve/donodo,
 * donodo/templates.py, `deposition_templates`), as data. Every expression is the original's,
 * character for character, so records made by either tool carry the same metadata; only the
 * `description` is written anew (same facts: what the file is and how to restore it).
 * Render it with renderTemplate().
 */
export interface OriginalDefaultTemplate {
  readonly upload_type: string;
  readonly access_right: string;
  readonly license: string;
  readonly creators: readonly { readonly name: string }[];
  readonly title: string;
  readonly version: string;
  readonly publication_date: string;
  readonly keywords: readonly string[];
  readonly notes: string;
  readonly description: string;
}

const DESCRIPTION = [
  '<p>This record holds the Docker image <strong>{image.name}:{image.tag}</strong>,',
  'exported with <code>docker save</code> and compressed with gzip',
  '(<code>image.tar.gz</code>).</p>',
  '<p>To restore the image, download the file and load it into Docker:</p>',
  '<pre><code>docker load -i image.tar.gz</code></pre>',
  '<p>or let <code>donodo</code> download and load it in one step:</p>',
  '<pre><code>donodo pull &lt;DOI&gt;</code></pre>',
  '',
].join('\n');

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const ORIGINAL_DEFAULT_TEMPLATE: OriginalDefaultTemplate = deepFreeze({
  upload_type: 'other',
  access_right: 'open',
  license: 'cc-by',
  creators: [{ name: "{image.name.split('/')[0]}" }],
  title: 'Docker image {image.name}',
  version: '{image.tag}',
  publication_date: "{image.labels.get('org.label-schema.build-date', image.inspect['Created'])[:10]}",
  keywords: ['docker image'],
  notes: '{{ "docker-id" : "{image.inspect[\'Id\']}", "docker-image-name" : "{image.name}:{image.tag}" }}',
  description: DESCRIPTION,
});
