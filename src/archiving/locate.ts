import type { ArchivedRecord, StorageBackend } from '../contracts/storage-backend.ts';
import { errors } from '../errors/catalogue.ts';
import type { Located, VersionRequest } from './version-request.ts';

/*
 * What exists for a tag, decided from the storage's primitives. Search (findConcepts, versions) may
 * lag behind writes; `read` is direct. So whatever can be named by id (what the lock file and the
 * last run on this machine recorded) is read directly, and search only fills in what no id names.
 */

/** Find what exists for this version, without changing anything. */
export async function locate(storage: StorageBackend, request: VersionRequest): Promise<Located> {
  const known = request.knownRecordId ? await readOwn(storage, request.knownRecordId, request) : undefined;
  if (known && !known.published) return { kind: 'draft', record: known };
  if (known?.published && known.version === request.tag) return { kind: 'published', record: known };
  // Drafts earlier runs made for other tags: a concept's one pending draft, which search may not show yet.
  const drafts: ArchivedRecord[] = [];
  for (const id of request.knownDraftIds ?? []) {
    const draft = await readOwn(storage, id, request);
    if (draft && !draft.published) drafts.push(draft);
  }
  if (request.conceptRecId) {
    const located = await inConcept(storage, request.conceptRecId, request, drafts);
    if (located) return located;
    throw errors.conceptNotFound(storage.location, request.conceptRecId);
  }
  // What earlier runs recorded comes first: search by title lags behind writes.
  for (const hint of new Set([known?.conceptRecId, request.knownConceptRecId, ...drafts.map((d) => d.conceptRecId)])) {
    const located = hint ? await inConcept(storage, hint, request, drafts) : undefined;
    if (located) return located;
  }
  const [byTitle] = await storage.findConcepts(request.title);
  return (byTitle && (await inConcept(storage, byTitle, request, drafts))) || { kind: 'new' };
}

/**
 * A published version of this tag other than `draft` (or `draft` itself, when it was published by
 * someone else meanwhile). Asked again right before publish: when there is one, the draft is left
 * unpublished, so a tag never gets two versions. Changes nothing.
 */
export async function findPublished(storage: StorageBackend, request: VersionRequest, draft?: ArchivedRecord): Promise<ArchivedRecord | undefined> {
  if (draft) {
    // Read directly: another run may have resumed this very draft and published it.
    const current = await storage.read(draft.recordId);
    if (current?.published) return current;
  }
  const concepts = new Set([draft?.conceptRecId, request.conceptRecId].filter((id): id is string => Boolean(id)));
  // Unless the concept is pinned, a run elsewhere may have made its own concept of the same title.
  if (!request.conceptRecId) for (const found of await storage.findConcepts(request.title)) concepts.add(found);
  for (const concept of concepts) {
    const other = (await storage.versions(concept)).find((v) => v.published && v.version === request.tag && v.recordId !== draft?.recordId);
    if (other) return other;
  }
  return undefined;
}

/** What concept `conceptId` holds for this version; undefined when it shows nothing of the caller's. */
async function inConcept(storage: StorageBackend, conceptId: string, request: VersionRequest, direct: ArchivedRecord[]): Promise<Located | undefined> {
  // Directly read drafts are fresher than what search shows of them.
  const fresh = direct.filter((d) => d.conceptRecId === conceptId);
  const listed = (await storage.versions(conceptId)).filter((v) => !fresh.some((f) => f.recordId === v.recordId));
  const versions = [...fresh, ...listed];
  if (!versions.length) return undefined;
  const sameTag = versions.filter((v) => v.version === request.tag);
  const published = sameTag.find((v) => v.published);
  if (published) return { kind: 'published', record: published };
  // The concept's unpublished draft: this tag's, or another tag's (which the core refuses to take over).
  // Search lags behind writes, so a draft it shows may have been published since: read it to be sure.
  const pending = sameTag.find((v) => !v.published) ?? versions.find((v) => !v.published);
  const draft = pending && (await storage.read(pending.recordId));
  if (draft && !draft.published) return { kind: 'draft', record: draft };
  if (draft?.published && draft.version === request.tag) return { kind: 'published', record: draft };
  const latest = versions.find((v) => v.published) ?? (draft?.published ? draft : undefined);
  return latest ? { kind: 'new-version', concept: latest } : undefined;
}

/**
 * A record recorded earlier (lock file, or the last run on this machine); gone, someone else's, or
 * of another image (a stale hint) means unknown.
 */
async function readOwn(storage: StorageBackend, id: string, request: VersionRequest): Promise<ArchivedRecord | undefined> {
  const record = await storage.read(id);
  return record && (record.title === request.title || record.identity?.name === request.name) ? record : undefined;
}
