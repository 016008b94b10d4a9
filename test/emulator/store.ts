/**
 * The emulator's state and the rules of Zenodo's deposit lifecycle (contract 1.5, 1.6, 3.4).
 *
 * One {@link Deposition} per record id: it holds the published state (`record`) and/or the draft
 * (`draft`: never published, or an edit draft of a published record). A {@link Concept} is the parent
 * record that groups the versions. Methods take the caller's user id (null = anonymous) and throw
 * {@link ApiError}s with Zenodo's status codes and messages.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApiError, MESSAGES, notFound, permissionDenied, pidDoesNotExist, pidNotRegistered, validationError } from './api-error.ts';
import { BlobStore } from './blobs.ts';
import { loadDepositionBody, publishMetadataErrors } from './metadata.ts';
import type { LegacyMetadata } from './metadata.ts';
import type { ResolvedOptions } from './options.ts';
import { legacyToRdm } from './rdm-metadata.ts';
import type { RdmState } from './rdm-metadata.ts';
import { DelayedIndex } from './search-index.ts';
import { isoNow } from './timestamps.ts';

export interface StoredFile {
  /** Id of the stored blob (`files[].id` in the legacy API); kept when a new version imports the file. */
  id: string;
  key: string;
  size: number;
  /** MD5 hex that Zenodo records and reports. */
  checksum: string;
  /** MD5 hex of the bytes on disk; differs from `checksum` only after `faults.corruptChecksum`. */
  actualMd5: string;
  /** Where the bytes are (inside the emulator's temporary folder). */
  path: string;
  mimetype: string;
  /** Object version id (`version_id` of the bucket PUT answer). */
  versionId: string;
  created: string;
  updated: string;
}

/**
 * A file registered through the native API (`POST …/draft/files`) whose transfer is not committed yet
 * (`status: "pending"`, REC:A3/A4). The legacy views skip such entries (contract 1.2).
 */
export interface PendingFile {
  key: string;
  /** Size and checksum the client declared at init, shown as given (REC:A3). */
  declaredSize?: number;
  declaredChecksum?: string;
  created: string;
  updated: string;
  /** Bytes received by `PUT …/content`, not yet committed (REC:A4: still `pending`). */
  content?: { path: string; size: number; md5: string; reported: string };
}

export interface Snapshot {
  metadata: LegacyMetadata;
  /**
   * The RDM metadata and access as the native API last wrote them; absent when the legacy API wrote
   * the metadata (then RDM views derive it with `legacyToRdm`). `metadata` is always the legacy form.
   */
  rdm?: RdmState;
  /** Pending native uploads (absent = none). */
  pending?: PendingFile[];
  /** Version DOI (`pids.doi`): set at publish, or when the client supplied `metadata.doi`. */
  doi: string | null;
  files: StoredFile[];
  updated: string;
  revision: number;
}

export interface Deposition {
  /** Record id (= deposition id = DOI suffix). */
  id: number;
  /** The record's pid as the API shows it: `String(id)` on Zenodo, `abcde-12345` in the `invenio` mode. */
  pid: string;
  conceptId: number;
  ownerId: number;
  bucketId: string;
  created: string;
  /** RDM `versions.index`, 1-based. */
  index: number;
  /** Draft: unpublished, or the edit draft of a published record. */
  draft: Snapshot | null;
  /** Published state. */
  record: Snapshot | null;
}

export interface Concept {
  id: number;
  /** Parent pid, as `Deposition.pid`. */
  pid: string;
  /** The parent's community-submission request (RDM `parent.review`), if any. */
  review?: ReviewRequest | null;
  /** Ids of the communities that include the record (RDM `parent.communities.ids`). */
  communities?: string[];
  ownerId: number;
  /** Concept DOI, registered at the first publish. */
  doi: string | null;
  versionIds: number[];
}

/** A search document: a frozen copy of a deposition with the computed flags the index stores. */
export function indexedSnapshot(doc: IndexedDoc): Snapshot {
  return doc.view === 'draft' && doc.dep.draft ? doc.dep.draft : doc.dep.record!;
}

export interface IndexedDoc {
  dep: Deposition;
  concept: Concept;
  /** Which state the document describes: the deposition list indexes the draft if any, the records index the record. */
  view: 'draft' | 'record';
  /** `versions.is_latest_draft`: the newest version of its concept, draft or not. */
  isLatestDraft: boolean;
  /** `versions.is_latest`: the latest published version. */
  isLatest: boolean;
}

export interface Community {
  id: string;
  slug: string;
  title: string;
  review: boolean;
  created: string;
}

/** A community-submission request (invenio-requests), `status` created → submitted → accepted/declined/cancelled. */
export interface ReviewRequest {
  id: string;
  number: string;
  status: 'created' | 'submitted' | 'accepted' | 'declined' | 'cancelled';
  communityId: string;
  /** Record id of the draft under review. */
  recordId: number;
  createdBy: number;
  created: string;
  updated: string;
  revision: number;
}

export interface User {
  id: number;
  token: string;
}

function newToken(): string {
  // Zenodo personal tokens are 60 alphanumeric characters.
  return randomBytes(30).toString('hex');
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** RDM `new_version_skip_fields` (publication_date, version) on the RDM side too. */
function rdmWithout(state: RdmState): RdmState {
  const copy = clone(state);
  delete copy.metadata.publication_date;
  delete copy.metadata.version;
  return copy;
}

export class Store {
  readonly versions = new Map<number, Deposition>();
  readonly concepts = new Map<number, Concept>();
  readonly buckets = new Map<string, number>();
  readonly users: User[];
  readonly blobs = new BlobStore();
  /** Deposition list index: one document per record id (the draft if any, else the record). */
  readonly draftsIndex: DelayedIndex<IndexedDoc>;
  /** `/api/records` index: published records only. */
  readonly recordsIndex: DelayedIndex<IndexedDoc>;
  readonly doiPrefix: string;
  readonly mode: 'zenodo' | 'invenio';
  /** Pid → internal id, for records and concepts. */
  readonly pids = new Map<string, number>();
  readonly communities: Community[];
  readonly requests = new Map<string, ReviewRequest>();
  private nextId = 1000;
  private nextRequest = 1;
  private readonly options: ResolvedOptions;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.draftsIndex = new DelayedIndex<IndexedDoc>(options.clock);
    this.recordsIndex = new DelayedIndex<IndexedDoc>(options.clock);
    this.doiPrefix = options.doiPrefix;
    this.mode = options.mode;
    this.users = [
      { id: 1, token: newToken() },
      { id: 2, token: newToken() },
      // The curator of the emulator's communities.
      { id: 3, token: newToken() },
    ];
    this.communities = options.communities.map((c) => ({ id: randomUUID(), slug: c.slug, title: c.title, review: c.review, created: isoNow() }));
  }

  /**
   * A new id and its pid: Zenodo's integer recids, or RDM's default recid provider (10 characters of
   * Crockford base32 in two groups of 5, e.g. `n2v2q-9gc38`) in the `invenio` mode.
   */
  allocate(): { id: number; pid: string } {
    const id = this.nextId++;
    let pid = String(id);
    if (this.options.mode === 'invenio') {
      const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
      do {
        const bytes = randomBytes(10);
        const chars = [...bytes].map((b) => alphabet[b % 32]).join('');
        pid = `${chars.slice(0, 5)}-${chars.slice(5)}`;
      } while (this.pids.has(pid));
    }
    this.pids.set(pid, id);
    return { id, pid };
  }

  /** The DOI minted for a pid: `DATACITE_FORMAT` `{prefix}/zenodo.{id}` on Zenodo, RDM's default `{prefix}/{id}` elsewhere. */
  doiFor(pid: string): string {
    return this.options.mode === 'invenio' ? `${this.doiPrefix}/${pid}` : `${this.doiPrefix}/zenodo.${pid}`;
  }

  /** The RDM side of a snapshot (what the native API stored, or the legacy metadata mapped). */
  rdmOf(snap: Snapshot): RdmState {
    return snap.rdm ?? legacyToRdm(snap.metadata);
  }

  userByToken(token: string | null): number | null {
    if (!token) return null;
    return this.users.find((u) => u.token === token)?.id ?? null;
  }

  // ---------------------------------------------------------------- lookups

  /** A deposition by id, or 404 "The persistent identifier does not exist." */
  resolve(id: string | number): Deposition {
    const n = typeof id === 'number' ? id : (this.pids.get(id) ?? NaN);
    const dep = this.versions.get(n);
    if (!dep) throw pidDoesNotExist();
    return dep;
  }

  concept(dep: Deposition): Concept {
    return this.concepts.get(dep.conceptId)!;
  }

  conceptVersions(concept: Concept): Deposition[] {
    return concept.versionIds.map((id) => this.versions.get(id)!).filter(Boolean);
  }

  /** Latest published version of a concept. */
  latestPublished(concept: Concept): Deposition | undefined {
    let latest: Deposition | undefined;
    for (const dep of this.conceptVersions(concept)) {
      if (dep.record && (!latest || dep.index > latest.index)) latest = dep;
    }
    return latest;
  }

  /** The pending new-version draft of a concept (RDM `versions.next_draft_id`). */
  nextDraft(concept: Concept): Deposition | undefined {
    return this.conceptVersions(concept).find((dep) => dep.draft && !dep.record);
  }

  isLatest(dep: Deposition): boolean {
    return this.latestPublished(this.concept(dep))?.id === dep.id;
  }

  requireOwner(userId: number | null, dep: Deposition): void {
    if (userId === null || userId !== dep.ownerId) throw permissionDenied();
  }

  /** Bytes of a stored file (for tests). */
  readFile(fileId: string): Buffer {
    const file = this.findFile(fileId);
    if (!file) throw new Error(`no file ${fileId}`);
    return readFileSync(file.path);
  }

  findFile(fileId: string): StoredFile | undefined {
    for (const dep of this.versions.values()) {
      for (const snap of [dep.draft, dep.record]) {
        const f = snap?.files.find((x) => x.id === fileId);
        if (f) return f;
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- lifecycle

  /** POST /api/deposit/depositions: concept id first, then the record id (contract 3.4, REC:B1). */
  create(userId: number | null, body: unknown): Deposition {
    if (userId === null) throw permissionDenied();
    const loaded = loadDepositionBody(body);
    return this.createDraft(userId, { metadata: loaded.metadata, doi: loaded.doi });
  }

  /** A new concept and its first draft (legacy create and native `POST /api/records`). */
  createDraft(userId: number, content: Pick<Snapshot, 'metadata' | 'doi' | 'rdm'>): Deposition {
    const concept = this.allocate();
    const conceptId = concept.id;
    const { id, pid } = this.allocate();
    const now = isoNow();
    const dep: Deposition = {
      id,
      pid,
      conceptId,
      ownerId: userId,
      bucketId: randomUUID(),
      created: now,
      index: 1,
      draft: { ...content, files: [], updated: now, revision: 1 },
      record: null,
    };
    this.concepts.set(conceptId, { id: conceptId, pid: concept.pid, ownerId: userId, doi: null, versionIds: [id] });
    this.versions.set(id, dep);
    this.buckets.set(dep.bucketId, id);
    this.reindex(dep.conceptId);
    return dep;
  }

  /** GET …/depositions/<id>: the draft if there is one, else the published record (contract 1.5). */
  read(userId: number | null, id: string): Deposition {
    const dep = this.resolve(id);
    this.requireOwner(userId, dep);
    return dep;
  }

  /** PUT …/depositions/<id>: full replacement of the draft metadata (contract 1.5). */
  update(userId: number | null, id: string, body: unknown): Deposition {
    const dep = this.resolve(id);
    // No draft (published, not being edited) → 404, "TODO: Should be: 403" in ZR's test (contract 1.5).
    if (!dep.draft) throw notFound();
    this.requireOwner(userId, dep);
    const loaded = loadDepositionBody(body);
    const draft = dep.draft;
    draft.metadata = loaded.metadata;
    // The legacy API wrote it: the RDM side is the legacy metadata mapped again.
    delete draft.rdm;
    // A published record keeps its DOI; an unpublished draft takes what the client sends (or nothing).
    if (!dep.record) draft.doi = loaded.doi;
    draft.updated = isoNow();
    draft.revision++;
    this.reindex(dep.conceptId);
    return dep;
  }

  /** DELETE …/depositions/<id> and POST …/actions/discard: the same handler (contract 1.5, 1.6). */
  deleteDraft(userId: number | null, id: string): void {
    const dep = this.resolve(id);
    if (!dep.draft) throw notFound();
    this.requireOwner(userId, dep);
    const files = dep.draft.files;
    void this.releasePending(dep.draft);
    if (dep.record) {
      // Discarding an edit draft: the record stays as published.
      dep.draft = null;
    } else {
      this.versions.delete(dep.id);
      this.pids.delete(dep.pid);
      this.buckets.delete(dep.bucketId);
      const concept = this.concept(dep);
      concept.versionIds = concept.versionIds.filter((v) => v !== dep.id);
      if (concept.versionIds.length === 0) {
        this.concepts.delete(concept.id);
        this.pids.delete(concept.pid);
      }
      this.draftsIndex.put(dep.id, null, 0);
      this.recordsIndex.put(dep.id, null, 0);
    }
    void this.releaseBlobs(files);
    // delete_draft refreshes the index at once (invenio-drafts-resources, `index_refresh=True`).
    if (this.concepts.has(dep.conceptId)) this.reindex(dep.conceptId, true);
  }

  /**
   * What publish validates, in Zenodo's order: the metadata schema, then files (none, pending: REC:H6),
   * then the DOI provider's publisher check (REC:H2). Throws the first failing group.
   */
  checkPublishable(draft: Snapshot): void {
    const metadataErrors = publishMetadataErrors(draft.metadata);
    if (metadataErrors.length > 0) throw validationError(metadataErrors);
    if (draft.files.length === 0 && (draft.pending ?? []).length === 0) throw validationError([{ field: 'files.enabled', messages: [MESSAGES.missingFiles] }]);
    // A registered file whose transfer is not committed (REC:H6).
    if ((draft.pending ?? []).length > 0) throw validationError([{ field: 'files', messages: [MESSAGES.pendingFiles] }]);
    if (typeof draft.metadata.imprint_publisher !== 'string') {
      throw validationError([{ field: 'metadata.publisher', messages: [MESSAGES.missingPublisher] }]);
    }
  }

  /** POST …/actions/publish → the published record (contract 1.6). */
  publish(userId: number | null, id: string): Deposition {
    const dep = this.resolve(id);
    // Publishing again (no draft left) → 404 "Not found." (REC:H4).
    if (!dep.draft) throw notFound();
    this.requireOwner(userId, dep);
    const draft = dep.draft;
    const review = this.concept(dep).review;
    if (review && review.recordId === dep.id && (review.status === 'created' || review.status === 'submitted')) {
      // A draft with a community-submission request is published by accepting the request
      // (invenio-rdm-records `ReviewComponent`; status and message UNCONFIRMED).
      throw new ApiError(400, 'The draft has a review request: it is published when the community accepts it.');
    }
    this.checkPublishable(draft);
    const concept = this.concept(dep);
    const now = isoNow();
    const doi = draft.doi ?? this.doiFor(dep.pid);
    concept.doi ??= this.doiFor(concept.pid);
    dep.record = {
      metadata: clone(draft.metadata),
      ...(draft.rdm ? { rdm: clone(draft.rdm) } : {}),
      doi,
      files: clone(draft.files),
      updated: now,
      revision: (dep.record?.revision ?? draft.revision) + 1,
    };
    dep.draft = null;
    this.reindex(dep.conceptId);
    return dep;
  }

  /** POST …/actions/edit → 201 with the edit draft; an existing draft is returned as is (DRR `edit`). */
  edit(userId: number | null, id: string): Deposition {
    const dep = this.resolve(id);
    this.requireOwner(userId, dep);
    if (!dep.draft && dep.record) {
      dep.draft = { ...clone(dep.record), updated: isoNow() };
      this.reindex(dep.conceptId);
    }
    return dep;
  }

  /**
   * POST …/actions/newversion → 201 with the NEW draft (contract 1.6, REC:D1).
   * The pending new-version draft is reused when it exists; the legacy action then imports the files of
   * the latest published version, which fails with 400 "Please remove all files first." when that
   * draft already has files (REC:H5) and copies them again when it has none.
   */
  newVersion(userId: number | null, id: string): Deposition {
    const target = this.newVersionDraft(userId, id);
    this.importFiles(userId, target);
    return target;
  }

  /**
   * The new-version draft of a concept (native `POST /api/records/<id>/versions`, 201): created from the
   * latest published version, without its files, or the pending one returned as it is (DRR `new_version`).
   */
  newVersionDraft(userId: number | null, id: string): Deposition {
    const dep = this.resolve(id);
    // Only a published version can be versioned: RDM resolves the *record* PID (registered only).
    // On the legacy route the status is UNCONFIRMED; 404 expected (contract 1.6).
    if (!dep.record) throw pidNotRegistered();
    this.requireOwner(userId, dep);
    const concept = this.concept(dep);
    const latest = this.latestPublished(concept)!;
    let target = this.nextDraft(concept);
    if (!target) {
      const now = isoNow();
      const metadata = clone(latest.record!.metadata);
      // `new_version_skip_fields`: publication_date and version are not copied (REC:D1 has neither).
      delete metadata.publication_date;
      delete metadata.version;
      const { id: newId, pid } = this.allocate();
      target = {
        id: newId,
        pid,
        conceptId: concept.id,
        ownerId: dep.ownerId,
        bucketId: randomUUID(),
        created: now,
        index: latest.index + 1,
        draft: { metadata, ...(latest.record!.rdm ? { rdm: rdmWithout(latest.record!.rdm) } : {}), doi: null, files: [], updated: now, revision: 1 },
        record: null,
      };
      this.versions.set(target.id, target);
      this.buckets.set(target.bucketId, target.id);
      concept.versionIds.push(target.id);
      this.reindex(concept.id);
    }
    return target;
  }

  /**
   * Copies the files of the latest published version into a new-version draft (legacy `newversion`,
   * native `POST …/draft/actions/files-import`): 400 "Please remove all files first." when the draft
   * already holds files (REC:H5).
   */
  importFiles(userId: number | null, target: Deposition): void {
    this.requireOwner(userId, target);
    if (!target.draft || target.record) throw notFound();
    if (target.draft.files.length > 0 || (target.draft.pending ?? []).length > 0) {
      throw validationError([{ field: 'files.enabled', messages: [MESSAGES.removeFilesFirst] }]);
    }
    const concept = this.concept(target);
    const latest = this.latestPublished(concept)!;
    const now = isoNow();
    // Same file ids, sizes and checksums as the previous version (REC:D1; contract 1.6).
    target.draft!.files = latest.record!.files.map((f) => ({ ...clone(f), created: now, updated: now }));
    target.draft!.updated = now;
    this.reindex(concept.id);
  }

  // ---------------------------------------------------------------- files

  /** The deposition owning a bucket, writable by this user, or the matching error (contract 2). */
  writableBucket(userId: number | null, bucketId: string): Deposition {
    const id = this.buckets.get(bucketId);
    // An unknown bucket: the draft lookup by bucket id fails with NoResultFound → 404 "Not found.".
    if (id === undefined) throw notFound();
    const dep = this.versions.get(id)!;
    this.requireOwner(userId, dep);
    // Files of a published record are locked (also in its edit draft): 403 (contract 2, UNCONFIRMED status).
    if (dep.record || !dep.draft) throw permissionDenied();
    return dep;
  }

  /**
   * Limits checked before the body is read (contract 2): files per record at `init_files`, then the
   * bucket's size limit (the smaller of quota left and max file size, with that limiter's reason).
   */
  checkUploadLimits(dep: Deposition, key: string, contentLength: number): void {
    const others = dep.draft!.files.filter((f) => f.key !== key);
    if (others.length + 1 > this.options.maxFiles) throw new ApiError(400, MESSAGES.tooManyFiles);
    const used = others.reduce((sum, f) => sum + f.size, 0);
    const quotaLeft = this.options.quotaSize - used;
    const limit =
      quotaLeft <= this.options.maxFileSize
        ? { limit: quotaLeft, reason: MESSAGES.quotaExceeded }
        : { limit: this.options.maxFileSize, reason: MESSAGES.maxFileSizeExceeded };
    if (contentLength > limit.limit) throw new ApiError(400, limit.reason);
  }

  /** Adds a file to a draft, replacing the same key (the handler deletes the old one first, contract 2). */
  putFile(dep: Deposition, file: StoredFile): void {
    const draft = dep.draft!;
    const old = draft.files.filter((f) => f.key === file.key);
    draft.files = [...draft.files.filter((f) => f.key !== file.key), file];
    draft.updated = isoNow();
    void this.releaseBlobs(old);
    this.reindex(dep.conceptId);
  }

  removeFile(dep: Deposition, file: StoredFile): void {
    const draft = dep.draft!;
    draft.files = draft.files.filter((f) => f !== file);
    draft.updated = isoNow();
    void this.releaseBlobs([file]);
    this.reindex(dep.conceptId);
  }

  /** Removes the uploaded-but-uncommitted bytes of a draft. */
  async releasePending(snap: Snapshot): Promise<void> {
    for (const entry of snap.pending ?? []) if (entry.content) await this.blobs.remove(entry.content.path);
  }

  /** Deletes blobs nothing refers to any more. */
  private async releaseBlobs(files: StoredFile[]): Promise<void> {
    for (const file of files) {
      if (!this.blobInUse(file.path)) await this.blobs.remove(file.path);
    }
  }

  private blobInUse(path: string): boolean {
    for (const dep of this.versions.values()) {
      for (const snap of [dep.draft, dep.record]) if (snap?.files.some((f) => f.path === path)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- search index

  /**
   * Re-indexes every version of a concept (RDM re-indexes the latest ones on each change so that
   * `is_latest`/`is_latest_draft` stay right). Documents become visible after `indexDelayMs`, or at once.
   */
  reindex(conceptId: number, immediate = false): void {
    const concept = this.concepts.get(conceptId);
    if (!concept) return;
    const delay = immediate ? 0 : this.options.indexDelayMs;
    const versions = this.conceptVersions(concept);
    const newest = versions.reduce<Deposition | undefined>((a, b) => (!a || b.index > a.index ? b : a), undefined);
    const latest = this.latestPublished(concept);
    const conceptCopy = clone(concept);
    for (const dep of versions) {
      const copy = clone(dep);
      const flags = { concept: conceptCopy, isLatestDraft: dep === newest, isLatest: dep === latest };
      this.draftsIndex.put(dep.id, { dep: copy, view: dep.draft ? 'draft' : 'record', ...flags }, delay);
      this.recordsIndex.put(dep.id, dep.record ? { dep: copy, view: 'record', ...flags } : null, delay);
    }
  }

  close(): void {
    this.blobs.close();
  }
}
