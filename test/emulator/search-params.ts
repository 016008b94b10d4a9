/**
 * Query-string parameters shared by the deposition list and the records search (contract 1.4, 3.2):
 * `q`, `sort`, `page`, `size`, `all_versions`; and running a search over index documents.
 */
import { ApiError, MESSAGES, validationError } from './api-error.ts';
import { evaluate, parseQuery } from './search-query.ts';
import { indexedSnapshot } from './store.ts';
import type { IndexedDoc } from './store.ts';

export interface SearchParams {
  q: string;
  sort: string;
  page: number;
  size: number;
  allVersions: boolean;
}

type Scored = { doc: IndexedDoc; score: number };
type Comparator = (a: Scored, b: Scored) => number;

const snap = (d: IndexedDoc) => indexedSnapshot(d);
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
const newest: Comparator = (a, b) => cmp(b.doc.dep.created, a.doc.dep.created);
const oldest: Comparator = (a, b) => cmp(a.doc.dep.created, b.doc.dep.created);
const byMeta =
  (key: string, direction: 1 | -1): Comparator =>
  (a, b) =>
    direction * cmp(String(snap(a.doc).metadata[key] ?? ''), String(snap(b.doc).metadata[key] ?? '')) || newest(a, b);

/**
 * `RDM_SORT_OPTIONS` plus Zenodo's legacy names (`LEGACY_SORT_OPTIONS`, contract 1.4). View and download
 * counts are always 0 here, so those orders fall back to newest first.
 */
const SORTS: Record<string, Comparator> = {
  bestmatch: (a, b) => b.score - a.score || newest(a, b),
  '-bestmatch': (a, b) => a.score - b.score || newest(a, b),
  newest,
  mostrecent: newest,
  oldest,
  '-mostrecent': oldest,
  version: (a, b) => b.doc.dep.index - a.doc.dep.index || newest(a, b),
  '-version': (a, b) => a.doc.dep.index - b.doc.dep.index || newest(a, b),
  'updated-desc': (a, b) => cmp(snap(b.doc).updated, snap(a.doc).updated),
  'updated-asc': (a, b) => cmp(snap(a.doc).updated, snap(b.doc).updated),
  mostviewed: newest,
  '-mostviewed': newest,
  mostdownloaded: newest,
  'publication-desc': byMeta('publication_date', -1),
  'publication-asc': byMeta('publication_date', 1),
  publication_date: byMeta('publication_date', -1),
  '-publication_date': byMeta('publication_date', 1),
  journal: byMeta('journal_title', 1),
  '-journal': byMeta('journal_title', -1),
  conference_session: byMeta('conference_session', 1),
  '-conference_session': byMeta('conference_session', -1),
};

const TRUE = new Set(['t', 'true', 'on', 'y', 'yes', '1']);
const FALSE = new Set(['f', 'false', 'off', 'n', 'no', '0']);

function integer(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw validationError([{ field: name, messages: ['Not a valid integer.'] }]);
  const value = Number(raw);
  if (value < 1) throw validationError([{ field: name, messages: ['Must be greater than or equal to 1.'] }]);
  return value;
}

export interface ParamLimits {
  maxSize: number;
  /** Message when `size` is too large (ZR params.py; REC:J1). */
  sizeMessage: string;
}

export function parseSearchParams(url: URL, limits: ParamLimits): SearchParams {
  const q = url.searchParams.get('q') ?? '';
  const size = integer(url, 'size', 25);
  if (size > limits.maxSize) throw validationError([{ field: 'size', messages: [limits.sizeMessage] }]);
  const page = integer(url, 'page', 1);
  // Beyond the first 10 000 hits (RRR pagination `default_max_results`).
  if (page * size > 10_000) throw new ApiError(400, MESSAGES.invalidQuerystring);
  const rawAll = url.searchParams.get('all_versions') ?? url.searchParams.get('allversions');
  let allVersions = false;
  if (rawAll !== null) {
    const v = rawAll.trim().toLowerCase();
    if (TRUE.has(v)) allVersions = true;
    else if (!FALSE.has(v)) throw validationError([{ field: 'all_versions', messages: ['Not a valid boolean.'] }]);
  }
  let sort = url.searchParams.get('sort') ?? (q.trim() ? 'bestmatch' : 'newest');
  // Without a query, "bestmatch" means the no-query default (RRR SortParam `_handle_empty_query`).
  if (!q.trim() && sort === 'bestmatch') sort = 'newest';
  if (!(sort in SORTS)) {
    // A marshmallow ValidationError without a field name, rendered under "_schema" (RRR SortParam).
    throw validationError([{ field: '_schema', messages: [`Invalid sort option '${sort}'.`] }]);
  }
  return { q, sort, page, size, allVersions };
}

export interface SearchResult {
  hits: IndexedDoc[];
  total: number;
}

export function runSearch(docs: IndexedDoc[], params: SearchParams): SearchResult {
  const query = parseQuery(params.q);
  const matched: Scored[] = [];
  for (const doc of docs) {
    const result = evaluate(query, doc);
    if (result.match) matched.push({ doc, score: result.score });
  }
  matched.sort(SORTS[params.sort]!);
  const start = (params.page - 1) * params.size;
  return { hits: matched.slice(start, start + params.size).map((s) => s.doc), total: matched.length };
}

/** `links` of a result page: `self`, and `prev`/`next` when they exist (query keys sorted, as in REC:H8). */
export function pageLinks(base: string, params: SearchParams, total: number, extra: Record<string, string> = {}): Record<string, string> {
  const link = (page: number) => {
    const args: Record<string, string> = { ...extra, page: String(page), size: String(params.size), sort: params.sort };
    if (params.q) args.q = params.q;
    const query = Object.keys(args)
      .sort()
      .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(args[k]!)}`)
      .join('&');
    return `${base}?${query}`;
  };
  const links: Record<string, string> = { self: link(params.page) };
  if (params.page > 1) links.prev = link(params.page - 1);
  if (params.page * params.size < total) links.next = link(params.page + 1);
  return links;
}
