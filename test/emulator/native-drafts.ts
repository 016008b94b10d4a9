/**
 * The native API's draft operations on the shared store (contract 8): create, update, DOI reservation,
 * and the three-step file transfer (init → content → commit). A draft made here is a legacy deposition
 * too, and the reverse: both APIs read and write the same {@link Deposition}s.
 */
import { ApiError, MESSAGES, notFound, permissionDenied, validationError } from './api-error.ts';
import type { FieldError } from './api-error.ts';
import { loadRdmBody, rdmToLegacy } from './rdm-metadata.ts';
import type { Deposition, PendingFile, Snapshot, Store, StoredFile } from './store.ts';
import { isoNow } from './timestamps.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `POST /api/records`: a new concept and draft; the body is loaded leniently (errors reported, not raised). */
export function createRecordDraft(store: Store, userId: number | null, body: unknown): { dep: Deposition; errors: FieldError[] } {
  if (userId === null) throw permissionDenied();
  if (!isObject(body)) throw validationError([{ field: '_schema', messages: ['Invalid input type.'] }]);
  const { state, errors } = loadRdmBody(body, store.mode);
  const dep = store.createDraft(userId, { metadata: rdmToLegacy(state), doi: null, rdm: state });
  return { dep, errors };
}

/** The draft of a record, owned by the caller (no draft → 404 "Not found."; someone else's → 403). */
export function ownDraft(store: Store, userId: number | null, id: string): Deposition & { draft: Snapshot } {
  const dep = store.resolve(id);
  if (!dep.draft) throw notFound();
  store.requireOwner(userId, dep);
  return dep as Deposition & { draft: Snapshot };
}

/**
 * `PUT /api/records/<id>/draft`: full replacement of metadata and access. `If-Match` with another
 * revision → 412 (DRR `check_revision_id`; the message text is UNCONFIRMED).
 */
export function updateRecordDraft(store: Store, userId: number | null, id: string, body: unknown, ifMatch: string | undefined): { dep: Deposition; errors: FieldError[] } {
  const dep = ownDraft(store, userId, id);
  if (ifMatch !== undefined) {
    const wanted = Number(ifMatch.replace(/^W\//, '').replace(/"/g, ''));
    if (wanted !== dep.draft.revision) throw new ApiError(412, `Revision id provided(${wanted}) doesn't match revision id (${dep.draft.revision}).`);
  }
  if (!isObject(body)) throw validationError([{ field: '_schema', messages: ['Invalid input type.'] }]);
  const { state, errors } = loadRdmBody(body, store.mode);
  dep.draft.metadata = rdmToLegacy(state);
  dep.draft.rdm = state;
  dep.draft.updated = isoNow();
  dep.draft.revision++;
  store.reindex(dep.conceptId);
  return { dep, errors };
}

/** `POST …/draft/pids/doi` → 201: the DOI the record will have, reserved now (REC:A2). A second call keeps it (UNCONFIRMED). */
export function reserveDoi(store: Store, userId: number | null, id: string): Deposition {
  const dep = ownDraft(store, userId, id);
  if (!dep.draft.doi) {
    dep.draft.doi = store.doiFor(dep.pid);
    dep.draft.updated = isoNow();
    dep.draft.revision++;
    store.reindex(dep.conceptId);
  }
  return dep;
}

/** A draft whose files may change: not the edit draft of a published record (files locked, contract 1.6). */
export function draftWithOpenFiles(store: Store, userId: number | null, id: string): Deposition & { draft: Snapshot } {
  const dep = ownDraft(store, userId, id);
  if (dep.record) throw permissionDenied();
  return dep;
}

/**
 * `POST …/draft/files` with `[{"key": …, "size"?, "checksum"?, "transfer"?}, …]` → pending entries
 * (REC:A3). Only local transfers (`L`, the default) are emulated: Zenodo lets users upload content only
 * for those (contract 2), so another type is refused here (a gap: Zenodo registers `M` and then denies parts).
 * A key that already exists → 400 (message UNCONFIRMED). Too many files → 400 (contract 2).
 */
export function initFiles(store: Store, userId: number | null, id: string, body: unknown, maxFiles: number): Deposition {
  const dep = draftWithOpenFiles(store, userId, id);
  if (!Array.isArray(body) || body.length === 0) throw validationError([{ field: '_schema', messages: ['Invalid input type.'] }]);
  const draft = dep.draft;
  const pending = draft.pending ?? [];
  const taken = new Set([...draft.files.map((f) => f.key), ...pending.map((p) => p.key)]);
  const added: PendingFile[] = [];
  body.forEach((item, i) => {
    if (!isObject(item) || typeof item.key !== 'string' || item.key === '') throw validationError([{ field: `${i}.key`, messages: [MESSAGES.missingField] }]);
    const transfer = isObject(item.transfer) ? item.transfer.type : undefined;
    if (transfer !== undefined && transfer !== 'L') throw new ApiError(400, `The emulator only emulates local ("L") transfers, not "${String(transfer)}".`);
    if (taken.has(item.key)) throw new ApiError(400, `File with key ${item.key} already exists.`);
    taken.add(item.key);
    const now = isoNow();
    const entry: PendingFile = { key: item.key, created: now, updated: now };
    if (typeof item.size === 'number') entry.declaredSize = item.size;
    if (typeof item.checksum === 'string') entry.declaredChecksum = item.checksum;
    added.push(entry);
  });
  if (taken.size > maxFiles) throw new ApiError(400, MESSAGES.tooManyFiles);
  draft.pending = [...pending, ...added];
  draft.updated = isoNow();
  return dep;
}

export function pendingEntry(dep: Deposition & { draft: Snapshot }, key: string): PendingFile | undefined {
  return dep.draft.pending?.find((p) => p.key === key);
}

/** `POST …/draft/files/<key>/commit` → the completed file (REC:A5), replacing the pending entry. */
export function commitFile(store: Store, dep: Deposition & { draft: Snapshot }, entry: PendingFile, file: StoredFile): void {
  dep.draft.pending = (dep.draft.pending ?? []).filter((p) => p !== entry);
  store.putFile(dep, file);
}

/** `DELETE …/draft/files/<key>` → 204, pending or completed; unknown → 404. */
export function deleteDraftFile(store: Store, userId: number | null, id: string, key: string): void {
  const dep = draftWithOpenFiles(store, userId, id);
  const entry = pendingEntry(dep, key);
  if (entry) {
    dep.draft.pending = (dep.draft.pending ?? []).filter((p) => p !== entry);
    if (entry.content) void store.blobs.remove(entry.content.path);
    dep.draft.updated = isoNow();
    return;
  }
  const file = dep.draft.files.find((f) => f.key === key);
  if (!file) throw new ApiError(404, `Record '${dep.pid}' has no file '${key}'.`);
  store.removeFile(dep, file);
}
