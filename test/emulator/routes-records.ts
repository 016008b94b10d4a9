/**
 * Records API, the pull side (contract 3): record JSON, search, versions, latest-version redirect and
 * file content.
 */
import { noSuchFile, notFound, permissionDenied, pidDoesNotExist, pidNotRegistered } from './api-error.ts';
import { sendJson } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { serveFile } from './file-download.ts';
import type { Router } from './router.ts';
import { pageLinks, parseSearchParams, runSearch } from './search-params.ts';
import { wantsRdm } from './representation.ts';
import { rdmRecord } from './serializers-native.ts';
import { zenodoRecord } from './serializers.ts';
import type { Deposition } from './store.ts';


/** A published record by id: unknown/concept id → 404 "does not exist"; draft only → 404 "not registered". */
function publishedRecord(ex: Exchange, id: string): Deposition {
  const dep = ex.ctx.store.resolve(id);
  // The message for a never-published id is UNCONFIRMED (contract 3.1).
  if (!dep.record) throw pidNotRegistered();
  return dep;
}

function isRestricted(dep: Deposition): boolean {
  const access = dep.record!.metadata.access_right;
  if (access === 'restricted') return true;
  if (access === 'embargoed') {
    const until = dep.record!.metadata.embargo_date;
    return typeof until !== 'string' || until > new Date().toISOString().slice(0, 10);
  }
  return false;
}

/** `GET /api/records/<id>` → ZenodoSchema (REC:F1). */
async function getRecord(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  const { store, urls } = ex.ctx;
  const dep = publishedRecord(ex, id!);
  const doc = { dep, concept: store.concept(dep), isLatest: store.isLatest(dep) };
  await sendJson(ex, 200, rdm ? rdmRecord(urls, store, dep, 'record') : zenodoRecord(urls, doc), { ETag: `"${dep.record!.revision}"` });
}

/**
 * `GET /api/records?q=…` → `{"hits": {"hits": […], "total": N}, "aggregations": {}, "links": {…}}`
 * (contract 3.2). Only the latest version of each concept unless `all_versions`; guests may ask for at
 * most 25 hits per page, token holders 100 (REC:J1). Facet aggregations are not computed (always `{}`).
 */
async function searchRecords(ex: Exchange): Promise<void> {
  const rdm = wantsRdm(ex);
  const { store, urls } = ex.ctx;
  const params = parseSearchParams(
    ex.url,
    ex.userId === null
      ? { maxSize: 25, sizeMessage: 'Page size cannot be greater than 25. Please use authenticated requests to increase the limit to 100.' }
      : { maxSize: 100, sizeMessage: 'Page size cannot be greater than 100.' },
  );
  const docs = store.recordsIndex.visible().filter((doc) => params.allVersions || doc.isLatest);
  const { hits, total } = runSearch(docs, params);
  const extra: Record<string, string> = params.allVersions ? { allversions: 'true' } : {};
  await sendJson(ex, 200, {
    hits: { hits: hits.map((doc) => (rdm ? rdmRecord(urls, store, doc.dep, 'record') : zenodoRecord(urls, doc, { hit: true }))), total },
    aggregations: {},
    links: pageLinks(`${urls.api}/records`, params, total, extra),
  });
}

/** `GET /api/records/<id>/versions`: published versions of the concept, newest first (REC:H8). */
async function listVersions(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  const { store, urls } = ex.ctx;
  const dep = store.resolve(id!);
  if (!dep.record && ex.userId !== dep.ownerId) throw permissionDenied();
  const url = new URL(ex.url);
  if (!url.searchParams.has('sort')) url.searchParams.set('sort', 'version');
  const params = parseSearchParams(url, { maxSize: ex.userId === null ? 25 : 100, sizeMessage: 'Page size cannot be greater than 100.' });
  const docs = store.recordsIndex.visible().filter((doc) => doc.dep.conceptId === dep.conceptId);
  const { hits, total } = runSearch(docs, params);
  await sendJson(ex, 200, {
    hits: { hits: hits.map((doc) => (rdm ? rdmRecord(urls, store, doc.dep, 'record') : zenodoRecord(urls, doc, { hit: true }))), total },
    links: pageLinks(`${urls.api}/records/${dep.pid}/versions`, params, total),
  });
}

/**
 * `GET /api/records/<id or concept id>/versions/latest` → 301 with
 * `{"status": 301, "message": "Redirecting...", "location": …}` and a Location header (REC:H11).
 */
async function latestVersion(ex: Exchange, [id]: string[]): Promise<void> {
  const { store, urls } = ex.ctx;
  const n = store.pids.get(id!) ?? NaN;
  const dep = store.versions.get(n);
  let conceptId: number;
  if (dep) {
    if (!dep.record) throw pidNotRegistered();
    conceptId = dep.conceptId;
  } else if (store.concepts.has(n)) {
    conceptId = n;
  } else throw pidDoesNotExist();
  const latest = store.latestPublished(store.concepts.get(conceptId)!);
  // A concept without any published version: "Failed to fetch the record versions." → NoResultFound → 404.
  if (!latest) throw notFound();
  const location = `${urls.api}/records/${latest.pid}`;
  await sendJson(ex, 301, { status: 301, message: 'Redirecting...', location }, { Location: location });
}

/** `GET /api/records/<id>/files/<key>/content`: the published file (REC:H11 headers). */
async function recordContent(ex: Exchange, [id, key]: string[]): Promise<void> {
  const dep = publishedRecord(ex, id!);
  const file = dep.record!.files.find((f) => f.key === key);
  if (!file) throw noSuchFile(dep.id, key!);
  // Restricted or embargoed files: only the owner (contract 3.1).
  if (isRestricted(dep) && ex.userId !== dep.ownerId) throw permissionDenied();
  await serveFile(ex, file);
}

/** `GET /api/records/<id>/draft/files/<key>/content`: a draft's file, owner only (the legacy `download` link). */
async function draftContent(ex: Exchange, [id, key]: string[]): Promise<void> {
  const { store } = ex.ctx;
  const dep = store.resolve(id!);
  if (!dep.draft) throw notFound();
  store.requireOwner(ex.userId, dep);
  const file = dep.draft.files.find((f) => f.key === key);
  if (!file) throw noSuchFile(dep.id, key!);
  await serveFile(ex, file);
}

export function addRecordRoutes(router: Router): void {
  router
    .add('GET', /^\/api\/records$/, searchRecords)
    .add('GET', /^\/api\/records\/([^/]+)$/, getRecord)
    .add('GET', /^\/api\/records\/([^/]+)\/versions$/, listVersions)
    .add('GET', /^\/api\/records\/([^/]+)\/versions\/latest$/, latestVersion)
    .add('GET', /^\/api\/records\/([^/]+)\/files\/([^/]+)\/content$/, recordContent)
    .add('GET', /^\/api\/records\/([^/]+)\/draft\/files\/([^/]+)\/content$/, draftContent);
}

