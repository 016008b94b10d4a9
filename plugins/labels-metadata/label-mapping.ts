import type { DepositionMetadata } from '../../src/plugin-api.ts';

const OCI = 'org.opencontainers.image.';
const LS = 'org.label-schema.';

/**
 * Map image labels onto deposition fields. The tag stays the version (records are found by it),
 * so version labels are not used.
 */
export function metadataFromLabels(labels: Record<string, string>, current: DepositionMetadata, options: { title: boolean }): { fields: DepositionMetadata; warnings: string[] } {
  const get = (...keys: string[]) => keys.map((k) => labels[k]?.trim()).find((v) => v);
  const fields: DepositionMetadata = {};
  const warnings: string[] = [];

  const title = get(`${OCI}title`, `${LS}name`);
  if (title && options.title) fields.title = title;

  const description = get(`${OCI}description`, `${LS}description`);
  if (description) {
    const restore = typeof current.description === 'string' ? current.description : '';
    fields.description = `<p>${escapeHtml(description)}</p>${restore ? `\n${restore}` : ''}`;
  }

  const authors = get(`${OCI}authors`);
  if (authors) {
    const creators = splitAuthors(authors);
    if (creators.length) fields.creators = creators.map((name) => ({ name }));
  }

  const licenses = get(`${OCI}licenses`);
  if (licenses) {
    if (/^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(licenses)) fields.license = licenses.toLowerCase();
    else warnings.push(`the license expression "${licenses}" is not a single license id; the license was left as it was`);
  }

  const created = get(`${OCI}created`, `${LS}build-date`);
  if (created && /^\d{4}-\d{2}-\d{2}/.test(created)) fields.publication_date = created.slice(0, 10);

  const related: Array<Record<string, string>> = Array.isArray(current.related_identifiers) ? [...(current.related_identifiers as Array<Record<string, string>>)] : [];
  const add = (identifier: string | undefined, relation: string) => {
    if (!identifier || !/^https?:\/\//.test(identifier)) return;
    if (!related.some((r) => r.identifier === identifier)) related.push({ identifier, relation, scheme: 'url' });
  };
  const source = get(`${OCI}source`, `${LS}vcs-url`)?.replace(/\.git$/, '');
  const revision = get(`${OCI}revision`, `${LS}vcs-ref`);
  add(source, 'isDerivedFrom');
  if (source && revision && /^https:\/\/(github\.com|gitlab\.com|codeberg\.org)\//.test(source)) add(`${source}/tree/${revision}`, 'isDerivedFrom');
  add(get(`${OCI}documentation`, `${LS}usage`), 'isDocumentedBy');
  add(get(`${OCI}url`, `${LS}url`), 'isSupplementTo');
  if (related.length) fields.related_identifiers = related;

  return { fields, warnings };
}

/**
 * "Jane Doe <jane@x.org>, John Roe" → ["Jane Doe", "John Roe"]; with a ";" anywhere, only ";"
 * separates (so "Doe, Jane; Roe, John" keeps Zenodo's "Family, Given" form). E-mail addresses are
 * not published.
 */
function splitAuthors(text: string): string[] {
  return text
    .split(text.includes(';') ? ';' : /,(?![^<]*>)/)
    .map((part) => part.replace(/<[^>]*>/g, '').replace(/\([^)]*@[^)]*\)/g, '').replace(/\S+@\S+/g, '').trim())
    .filter((name) => name.length > 0);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
