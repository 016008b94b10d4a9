import type { ArchivedRecord } from '../contracts/storage-backend.ts';
import { spdxLicense } from '../schema/formats.ts';

export const CITATION_FORMATS = ['apa', 'bibtex', 'csl-json', 'cff'] as const;
export type CitationFormat = (typeof CITATION_FORMATS)[number];

/** A person (`Family, Given`) or a name to keep as it is (an organisation, a single name). */
type Author = { family: string; given?: string; orcid?: string; affiliation?: string } | { literal: string; orcid?: string; affiliation?: string };

/** What a citation says, from a record's metadata. An archived image is cited as software. */
export interface Citable {
  key: string;
  title: string;
  /** Absent for a concept: it cites every version. */
  version?: string;
  /** `YYYY-MM-DD` (or `YYYY`). */
  date?: string;
  doi?: string;
  url?: string;
  publisher?: string;
  authors: Author[];
  license?: string;
  keywords: string[];
}

/**
 * The citation of a version, or (`concept`) of the concept it belongs to: the concept DOI, no
 * version, the metadata of the version given (the latest, for a concept reference).
 */
export function citable(record: ArchivedRecord, concept: boolean): Citable {
  const metadata = record.metadata;
  const doi = concept ? record.conceptDoi : record.doi;
  const date = typeof metadata.publication_date === 'string' ? metadata.publication_date : undefined;
  const license = typeof metadata.license === 'string' ? metadata.license : (metadata.license as { id?: unknown } | undefined)?.id;
  const publisher = typeof metadata.publisher === 'string' ? metadata.publisher : doi && /^10\.(5281|5072)\//.test(doi) ? 'Zenodo' : undefined;
  return {
    key: (doi ? doi.slice(doi.indexOf('/') + 1) : `record${concept ? record.conceptRecId : record.recordId}`).replace(/[^\w.:-]/g, '_'),
    title: record.title || String(metadata.title ?? ''),
    version: concept ? undefined : record.version,
    date,
    doi,
    url: doi ? `https://doi.org/${doi}` : concept ? undefined : record.webUrl,
    publisher,
    authors: (Array.isArray(metadata.creators) ? metadata.creators : []).map(author),
    license: typeof license === 'string' ? spdxLicense(license) : undefined,
    keywords: Array.isArray(metadata.keywords) ? metadata.keywords.filter((k): k is string => typeof k === 'string') : [],
  };
}

function author(creator: { name?: unknown; orcid?: unknown; affiliation?: unknown }): Author {
  const name = String(creator?.name ?? '').trim();
  const extra = {
    ...(typeof creator?.orcid === 'string' && creator.orcid ? { orcid: creator.orcid.replace(/^https:\/\/orcid\.org\//, '') } : {}),
    ...(typeof creator?.affiliation === 'string' && creator.affiliation ? { affiliation: creator.affiliation } : {}),
  };
  const comma = name.indexOf(',');
  if (comma <= 0) return { literal: name, ...extra };
  const given = name.slice(comma + 1).trim();
  return { family: name.slice(0, comma).trim(), ...(given ? { given } : {}), ...extra };
}

export function formatCitation(citation: Citable, format: CitationFormat): string {
  switch (format) {
    case 'bibtex':
      return bibtex(citation);
    case 'csl-json':
      // One line: it is read by tools (pandoc, Zotero), and stays one line in a shell pipeline.
      return JSON.stringify([cslJson(citation)]) + '\n';
    case 'cff':
      return cff(citation);
    default:
      return apa(citation);
  }
}

/** APA 7: `Doe, J., & Roe, R. (2025). Title (Version 1.0) [Computer software]. Zenodo. https://doi.org/…` */
function apa(c: Citable): string {
  const names = c.authors.map((a) => ('literal' in a ? a.literal : `${a.family}${a.given ? `, ${initials(a.given)}` : ''}`));
  const authors = names.length > 1 ? `${names.slice(0, -1).join(', ')}, & ${names.at(-1)}` : (names[0] ?? c.title);
  const year = c.date ? c.date.slice(0, 4) : 'n.d.';
  const parts = [`${authors} (${year}). ${c.title}${c.version ? ` (Version ${c.version})` : ''} [Computer software].`, c.publisher ? `${c.publisher}.` : undefined, c.url];
  return parts.filter(Boolean).join(' ') + '\n';
}

function initials(given: string): string {
  return given
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word.split('-').map((part) => `${part[0]!.toUpperCase()}.`).join('-'))
    .join(' ');
}

function bibtex(c: Citable): string {
  const authors = c.authors.map((a) => ('literal' in a ? `{${escapeTex(a.literal)}}` : `${escapeTex(a.family)}${a.given ? `, ${escapeTex(a.given)}` : ''}`)).join(' and ');
  const fields: Array<[string, string | undefined]> = [
    ['author', authors || undefined],
    ['title', `{${escapeTex(c.title)}}`],
    ['year', c.date?.slice(0, 4)],
    ['date', c.date],
    ['version', c.version && escapeTex(c.version)],
    ['publisher', c.publisher && escapeTex(c.publisher)],
    ['doi', c.doi && escapeTex(c.doi)],
    ['url', c.url],
    ['license', c.license],
  ];
  const lines = fields.filter(([, value]) => value).map(([name, value]) => `  ${name.padEnd(9)} = {${value}},`);
  return `@software{${c.key},\n${lines.join('\n')}\n}\n`;
}

/** BibTeX's special characters, escaped (URLs are left alone: url fields are verbatim). */
function escapeTex(text: string): string {
  return text.replace(/[\\{}&%$#_^~]/g, (char) => (char === '\\' ? '\\textbackslash{}' : char === '^' || char === '~' ? `\\${char}{}` : `\\${char}`));
}

function cslJson(c: Citable): Record<string, unknown> {
  const parts = c.date ? c.date.split('-').map(Number).filter(Number.isInteger) : [];
  return {
    id: c.key,
    type: 'software',
    title: c.title,
    author: c.authors.map((a) => ('literal' in a ? { literal: a.literal } : { family: a.family, ...(a.given ? { given: a.given } : {}) })),
    ...(parts.length ? { issued: { 'date-parts': [parts] } } : {}),
    ...(c.version ? { version: c.version } : {}),
    ...(c.doi ? { DOI: c.doi } : {}),
    ...(c.url ? { URL: c.url } : {}),
    ...(c.publisher ? { publisher: c.publisher } : {}),
    ...(c.keywords.length ? { keyword: c.keywords.join(', ') } : {}),
  };
}

/** CITATION.cff (format 1.2.0); every scalar is written as a JSON string, which YAML reads as the same string. */
function cff(c: Citable): string {
  const q = (value: string) => JSON.stringify(value);
  const lines = ['cff-version: 1.2.0', `message: ${q('If you use this software, please cite it as below.')}`, 'type: software', `title: ${q(c.title)}`];
  if (c.version) lines.push(`version: ${q(c.version)}`);
  if (c.date && /^\d{4}-\d{2}-\d{2}$/.test(c.date)) lines.push(`date-released: ${q(c.date)}`);
  if (c.doi) lines.push(`doi: ${q(c.doi)}`);
  if (c.url) lines.push(`url: ${q(c.url)}`);
  if (c.license) lines.push(`license: ${q(c.license)}`);
  lines.push('authors:');
  const authors = c.authors.length ? c.authors : [{ literal: 'anonymous' }];
  for (const a of authors) {
    const entry = 'literal' in a ? [`name: ${q(a.literal)}`] : [`family-names: ${q(a.family)}`, ...(a.given ? [`given-names: ${q(a.given)}`] : [])];
    if (a.orcid) entry.push(`orcid: ${q(`https://orcid.org/${a.orcid}`)}`);
    if (a.affiliation) entry.push(`affiliation: ${q(a.affiliation)}`);
    lines.push(...entry.map((line, i) => `${i === 0 ? '  - ' : '    '}${line}`));
  }
  if (c.keywords.length) lines.push('keywords:', ...c.keywords.map((k) => `  - ${q(k)}`));
  return lines.join('\n') + '\n';
}

/** A Markdown DOI badge, as Zenodo serves them (`<origin>/badge/DOI/<doi>.svg`), linking the DOI. */
export function doiBadge(doi: string, webUrl: string | undefined): string {
  const origin = webUrl && /^https?:/.test(webUrl) ? new URL(webUrl).origin : 'https://zenodo.org';
  return `[![DOI](${origin}/badge/DOI/${doi}.svg)](https://doi.org/${doi})\n`;
}
