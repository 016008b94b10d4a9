/**
 * The native InvenioRDM API (contract 8): drafts, DOI reservation, the file transfer
 * (init → content → commit), publish, versions, the caller's records, community reviews.
 */
import { ApiError, MESSAGES, noSuchFile, permissionDenied } from './api-error.ts';
import { drain, negotiate, readJson, sendEmpty, sendJson } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import {
  commitFile,
  createRecordDraft,
  deleteDraftFile,
  draftWithOpenFiles,
  initFiles,
  ownDraft,
  pendingEntry,
  reserveDoi,
  updateRecordDraft,
} from './native-drafts.ts';
import type { FieldError } from './api-error.ts';
import { wantsRdm } from './representation.ts';
import { acceptReview, communityJson, declineReview, deleteReview, draftReview, findCommunity, readRequest, setReview, submitReview } from './reviews.ts';
import type { Router } from './router.ts';
import { newFile, receive, requireOctetStream, stillWritable } from './routes-files.ts';
import { pageLinks, parseSearchParams, runSearch } from './search-params.ts';
import { completedFileEntry, filesList, pendingFileEntry, rdmRecord, requestJson, zenodoDraft } from './serializers-native.ts';
import { zenodoRecord } from './serializers.ts';
import type { Deposition } from './store.ts';
import { isoNow } from './timestamps.ts';

function draftBody(ex: Exchange, dep: Deposition, rdm: boolean, errors?: FieldError[]): Record<string, unknown> {
  const { urls, store } = ex.ctx;
  return rdm ? rdmRecord(urls, store, dep, 'draft', { errors }) : zenodoDraft(urls, store, dep);
}

function recordBody(ex: Exchange, dep: Deposition, rdm: boolean): Record<string, unknown> {
  const { urls, store } = ex.ctx;
  if (rdm) return rdmRecord(urls, store, dep, 'record');
  return zenodoRecord(urls, { dep, concept: store.concept(dep), isLatest: store.isLatest(dep) });
}

async function create(ex: Exchange): Promise<void> {
  const rdm = wantsRdm(ex);
  const body = await readJson(ex);
  const { dep, errors } = createRecordDraft(ex.ctx.store, ex.userId, body);
  await sendJson(ex, 201, draftBody(ex, dep, rdm, errors), { ETag: `"${dep.draft!.revision}"` });
}

async function readDraft(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  const dep = ownDraft(ex.ctx.store, ex.userId, id!);
  await sendJson(ex, 200, draftBody(ex, dep, rdm), { ETag: `"${dep.draft.revision}"` });
}

async function updateDraft(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  const body = await readJson(ex);
  const header = ex.req.headers['if-match'];
  const { dep, errors } = updateRecordDraft(ex.ctx.store, ex.userId, id!, body, header);
  await sendJson(ex, 200, draftBody(ex, dep, rdm, errors), { ETag: `W/"${dep.draft!.revision}"` });
}

/** `POST /api/records/<id>/draft`: the edit draft of a published record (201). */
async function editRecord(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  const dep = ex.ctx.store.edit(ex.userId, id!);
  await sendJson(ex, 201, draftBody(ex, dep, rdm));
}

/** `DELETE /api/records/<id>/draft` → 204; afterwards GET → 404 (REC:H9). */
function discardDraft(ex: Exchange, [id]: string[]): void {
  negotiate(ex, ['application/json']);
  ex.ctx.store.deleteDraft(ex.userId, id!);
  sendEmpty(ex, 204);
}

async function reserve(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  await sendJson(ex, 201, draftBody(ex, reserveDoi(ex.ctx.store, ex.userId, id!), rdm));
}

/** `POST …/draft/actions/publish` → 202 with the record (REC:A7, REC:H3); errors as REC:H2, H4, H6. */
async function publish(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  const dep = ex.ctx.store.publish(ex.userId, id!);
  await sendJson(ex, 202, recordBody(ex, dep, rdm));
}

/** `POST /api/records/<id>/versions` → 201, the new-version draft, without files (DRR `new_version`). */
async function newVersion(ex: Exchange, [id]: string[]): Promise<void> {
  const rdm = wantsRdm(ex);
  const dep = ex.ctx.store.newVersionDraft(ex.userId, id!);
  await sendJson(ex, 201, draftBody(ex, dep, rdm));
}

/** `POST …/draft/actions/files-import` → 201 with the files; again → 400 (REC:H5). */
async function filesImport(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const { store, urls } = ex.ctx;
  const dep = ownDraft(store, ex.userId, id!);
  store.importFiles(ex.userId, dep);
  await sendJson(ex, 201, filesList(urls, dep, dep.draft, true));
}

// ------------------------------------------------------------------ files
// The files resources offer `application/json` only (invenio-records-resources' file resource config has
// no other serializer), so `Accept: application/vnd.inveniordm.v1+json` answers 406 there.

async function listDraftFiles(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const dep = ownDraft(ex.ctx.store, ex.userId, id!);
  await sendJson(ex, 200, filesList(ex.ctx.urls, dep, dep.draft, true));
}

async function initDraftFiles(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const body = await readJson(ex);
  const { store, urls, options } = ex.ctx;
  const dep = initFiles(store, ex.userId, id!, body, options.maxFiles);
  await sendJson(ex, 201, filesList(urls, dep, dep.draft!, true));
}

async function readDraftFile(ex: Exchange, [id, key]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const dep = ownDraft(ex.ctx.store, ex.userId, id!);
  const entry = pendingEntry(dep, key!);
  if (entry) return sendJson(ex, 200, pendingFileEntry(ex.ctx.urls, dep, entry));
  const file = dep.draft.files.find((f) => f.key === key);
  if (!file) throw noSuchFile(dep.pid, key!);
  await sendJson(ex, 200, completedFileEntry(ex.ctx.urls, dep, file, true));
}

function removeDraftFile(ex: Exchange, [id, key]: string[]): void {
  negotiate(ex, ['application/json']);
  deleteDraftFile(ex.ctx.store, ex.userId, id!, key!);
  sendEmpty(ex, 204);
}

/**
 * `PUT …/draft/files/<key>/content` (octet-stream) → 200, still `pending` (REC:A4). Same checks as the
 * bucket PUT (content type, Content-Length, limits), which the same RRR stream parser applies.
 */
async function putContent(ex: Exchange, [id, key]: string[]): Promise<void> {
  const { store, options, urls } = ex.ctx;
  const { req } = ex;
  requireOctetStream(ex);
  const length = Number(req.headers['content-length'] ?? '0');
  let dep: ReturnType<typeof draftWithOpenFiles>;
  let entry: ReturnType<typeof pendingEntry>;
  try {
    negotiate(ex, ['application/json']);
    dep = draftWithOpenFiles(store, ex.userId, id!);
    entry = pendingEntry(dep, key!);
    if (!entry) {
      // Content of a committed file cannot change (message UNCONFIRMED); an unregistered key → 404.
      if (dep.draft.files.some((f) => f.key === key)) throw new ApiError(400, `File with key ${key} is committed and can not be modified.`);
      throw noSuchFile(dep.pid, key!);
    }
    store.checkUploadLimits(dep, key!, length);
    if (length === 0 && !options.allowEmptyFiles) throw new ApiError(400, MESSAGES.emptyFile);
  } catch (error) {
    drain(req);
    throw error;
  }
  const received = await receive(ex, length);
  if (!received) return;
  if (!stillWritable(ex, dep) || !dep.draft.pending?.includes(entry)) {
    await store.blobs.remove(received.path);
    throw permissionDenied();
  }
  if (entry.content) await store.blobs.remove(entry.content.path);
  entry.content = received;
  entry.updated = isoNow();
  await sendJson(ex, 200, pendingFileEntry(urls, dep, entry));
}

/** `POST …/draft/files/<key>/commit` → 200, `completed` with its MD5 (REC:A5); without content → 400. */
async function commit(ex: Exchange, [id, key]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const { store, urls } = ex.ctx;
  const dep = draftWithOpenFiles(store, ex.userId, id!);
  const entry = pendingEntry(dep, key!);
  if (!entry) {
    if (dep.draft.files.some((f) => f.key === key)) throw new ApiError(400, `File with key ${key} is already committed.`);
    throw noSuchFile(dep.pid, key!);
  }
  if (!entry.content) throw new ApiError(400, 'The file upload transfer failed, please try again.');
  const file = newFile(key!, entry.content);
  commitFile(store, dep, entry, file);
  await sendJson(ex, 200, completedFileEntry(urls, dep, file, true));
}

/** `GET /api/records/<id>/files`: a published record's files (RDM files list). */
async function listRecordFiles(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const { store, urls } = ex.ctx;
  const dep = store.resolve(id!);
  if (!dep.record) throw new ApiError(404, MESSAGES.pidNotRegistered);
  await sendJson(ex, 200, filesList(urls, dep, dep.record, false));
}

// ------------------------------------------------------------------ the caller's records

/**
 * `GET /api/user/records`: the caller's drafts and records, one document per record (the draft if any),
 * the latest of each concept unless `allversions` (RDM `search_drafts`, contract 1.4 and 8).
 */
async function userRecords(ex: Exchange): Promise<void> {
  const rdm = wantsRdm(ex);
  if (ex.userId === null) throw permissionDenied();
  const { store, urls } = ex.ctx;
  const params = parseSearchParams(ex.url, { maxSize: 100, sizeMessage: 'Page size cannot be greater than 100.' });
  const docs = store.draftsIndex.visible().filter((doc) => doc.dep.ownerId === ex.userId && (params.allVersions || doc.isLatestDraft));
  const { hits, total } = runSearch(docs, params);
  const render = (doc: (typeof hits)[number]): Record<string, unknown> => {
    if (doc.view === 'draft') return rdm ? rdmRecord(urls, store, doc.dep, 'draft') : zenodoDraft(urls, store, doc.dep);
    return rdm ? rdmRecord(urls, store, doc.dep, 'record') : zenodoRecord(urls, doc, { hit: true });
  };
  await sendJson(ex, 200, {
    hits: { hits: hits.map(render), total },
    aggregations: {},
    links: pageLinks(`${urls.api}/user/records`, params, total),
  });
}

// ------------------------------------------------------------------ communities and reviews

async function readCommunity(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  await sendJson(ex, 200, communityJson(ex.ctx.urls, findCommunity(ex.ctx.store, id!)));
}

async function putReview(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const body = await readJson(ex);
  const { store, urls } = ex.ctx;
  await sendJson(ex, 200, requestJson(urls, store, setReview(store, ex.userId, id!, body)));
}

async function getReview(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const { store, urls } = ex.ctx;
  await sendJson(ex, 200, requestJson(urls, store, draftReview(store, ex.userId, id!)));
}

function removeReview(ex: Exchange, [id]: string[]): void {
  negotiate(ex, ['application/json']);
  deleteReview(ex.ctx.store, ex.userId, id!);
  sendEmpty(ex, 204);
}

async function submit(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  // The optional body carries a comment (`{"payload": {"content", "format"}}`); it is not kept.
  const { req } = ex;
  if (req.headers['content-length'] && req.headers['content-length'] !== '0') await readJson(ex);
  else drain(req);
  const { store, urls } = ex.ctx;
  await sendJson(ex, 202, requestJson(urls, store, submitReview(store, ex.userId, id!)));
}

async function getRequest(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const { store, urls } = ex.ctx;
  await sendJson(ex, 200, requestJson(urls, store, readRequest(store, ex.userId, id!)));
}

async function requestAction(ex: Exchange, [id, action]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  drain(ex.req);
  const { store, urls } = ex.ctx;
  const request = action === 'accept' ? acceptReview(store, ex.userId, id!) : declineReview(store, ex.userId, id!);
  await sendJson(ex, 200, requestJson(urls, store, request));
}

export function addNativeRoutes(router: Router): void {
  const rec = '\\/api\\/records\\/([^/]+)';
  const r = (tail: string) => new RegExp(`^${rec}${tail}$`);
  router
    .add('POST', /^\/api\/records$/, create)
    .add('GET', r('\\/draft'), readDraft)
    .add('PUT', r('\\/draft'), updateDraft)
    .add('POST', r('\\/draft'), editRecord)
    .add('DELETE', r('\\/draft'), discardDraft)
    .add('POST', r('\\/draft\\/pids\\/doi'), reserve)
    .add('POST', r('\\/draft\\/actions\\/publish'), publish)
    .add('POST', r('\\/draft\\/actions\\/files-import'), filesImport)
    .add('POST', r('\\/draft\\/actions\\/submit-review'), submit)
    .add('GET', r('\\/draft\\/review'), getReview)
    .add('PUT', r('\\/draft\\/review'), putReview)
    .add('DELETE', r('\\/draft\\/review'), removeReview)
    .add('GET', r('\\/draft\\/files'), listDraftFiles)
    .add('POST', r('\\/draft\\/files'), initDraftFiles)
    .add('GET', r('\\/draft\\/files\\/([^/]+)'), readDraftFile)
    .add('DELETE', r('\\/draft\\/files\\/([^/]+)'), removeDraftFile)
    .add('PUT', r('\\/draft\\/files\\/([^/]+)\\/content'), putContent)
    .add('POST', r('\\/draft\\/files\\/([^/]+)\\/commit'), commit)
    .add('GET', r('\\/files'), listRecordFiles)
    .add('POST', r('\\/versions'), newVersion)
    .add('GET', /^\/api\/user\/records$/, userRecords)
    .add('GET', /^\/api\/communities\/([^/]+)$/, readCommunity)
    .add('GET', /^\/api\/requests\/([^/]+)$/, getRequest)
    .add('POST', /^\/api\/requests\/([^/]+)\/actions\/(accept|decline)$/, requestAction);
}
