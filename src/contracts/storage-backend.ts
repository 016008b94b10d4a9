import type { Readable } from 'node:stream';
import type { ImageIdentity } from './image-identity.ts';
import type { DepositionMetadata } from './metadata-provider.ts';
import type { ProgressSink } from './progress.ts';

/** A file of an archived record. */
export interface ArchiveFile {
  key: string;
  size: number;
  /** Lower-case hex md5 of the stored bytes. */
  md5: string;
}

/** An archived record (a Zenodo record or deposition, or its equivalent in another backend). */
export interface ArchivedRecord {
  /** The storage's id of this version or draft: the core keeps it (lock file) and passes it back, never reads into it. */
  recordId: string;
  /** The storage's id of the concept (all versions of one image name). */
  conceptRecId: string;
  /** Version DOI, once published (backends without DOIs leave it out). */
  doi?: string;
  conceptDoi?: string;
  /** Link that resolves the version DOI, or the record's own location when there is no DOI. */
  doiUrl?: string;
  /** `metadata.version`: the image tag. */
  version?: string;
  title: string;
  published: boolean;
  /** Where a person can look at the record or draft. */
  webUrl?: string;
  metadata: DepositionMetadata;
  files: ArchiveFile[];
  /**
   * What the archived image is, as the storage persisted it (Zenodo: keys in `metadata.notes`; dir:
   * `record.json`). Absent for records that do not say (made by hand, or notes rewritten since).
   */
  identity?: ImageIdentity;
  /**
   * The storage's own, opaque to the core: what it needs to act on this record again (Zenodo: the
   * file bucket, file ids and download links of the answer it was read from). The core hands a
   * record back to the storage as it got it, so a storage keeps no cache of its own; a record
   * without it (rebuilt from the lock file) must still work, at the price of a read.
   */
  handle?: unknown;
}

/** A local file to upload, readable as often as needed (a retry re-reads it from the start). */
export interface UploadSource {
  key: string;
  size: number;
  md5: string;
  open(): Readable;
}

/** Every published version of one concept, as {@link StorageBackend.versionsOf} finds them. */
export interface ConceptVersions {
  conceptRecId: string;
  conceptDoi?: string;
  /**
   * Whether the reference named the concept itself (a concept DOI or id, an image name without tag)
   * rather than one of its versions: a citation of such a reference cites the concept.
   */
  namesConcept: boolean;
  /** Published versions, newest first. */
  versions: ArchivedRecord[];
  /** `recordId` of the concept's latest version. */
  latest?: string;
}

/**
 * Where archives are kept. Built-ins: `dir` (a local folder) and `zenodo`.
 *
 * A storage offers operations; the core (src/archiving/, src/steps/push/) holds the policy: what
 * exists for a tag, whether to resume a draft, make a new version or refuse, which files to prune,
 * the lock file and the cross-process lock. None of the operations decides anything of that: each
 * does what it says, on the record it is given, and answers what the storage holds afterwards.
 *
 * Reads come in two kinds: `read` names a record by id and must be as fresh as the storage allows
 * (Zenodo: the database); `findConcepts` and `versions` may come from a search index that lags
 * behind writes (the core reads again by id what it is about to act on).
 *
 * A storage written for this contract can be checked with the conformance suite
 * `donodo/plugin-api/testing` (see the README, "Testing a storage plugin").
 */
export interface StorageBackend {
  /** Where records are kept, e.g. `https://zenodo.org/api` or a folder; names the storage in the lock file. */
  readonly location: string;
  /**
   * Cheap checks of what a push needs before anything is exported (e.g. an archive folder that
   * exists or can be made and is writable; a token). Optional; throws DonodoErrors.
   */
  check?(): Promise<void>;
  /** Throws (`FILE_TOO_LARGE`, `FILE_EMPTY`) when the storage cannot hold a file of this size; called before any draft is made. Optional. */
  checkFile?(key: string, size: number): void;
  /**
   * Check the rendered metadata against the storage's own schema (e.g. InvenioRDM's RDM metadata after
   * mapping), before any request; throws a METADATA_INVALID DonodoError listing every problem. Optional.
   */
  checkMetadata?(metadata: DepositionMetadata): void;

  /** Ids of the caller's concepts whose title is exactly `title`, most recent first (may lag). */
  findConcepts(title: string): Promise<string[]>;
  /**
   * The caller's versions of a concept, published ones and its unpublished draft, newest first;
   * empty when the concept does not exist or holds nothing of the caller's (may lag).
   */
  versions(conceptRecId: string): Promise<ArchivedRecord[]>;
  /** A record or draft by id, read directly; undefined when it is gone or not the caller's. */
  read(recordId: string): Promise<ArchivedRecord | undefined>;

  /** A new concept with one draft holding `metadata`, which records `identity`. */
  createDraft(metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord>;
  /**
   * A draft of the next version of `latest`'s concept. A storage that keeps one pending draft per
   * concept (Zenodo) may answer with the one that exists, whatever it holds: the core checks it.
   */
  newVersion(latest: ArchivedRecord): Promise<ArchivedRecord>;
  /** Replace the draft's metadata (all of it) and persist `identity` with it; answers the draft as stored. */
  writeMetadata(draft: ArchivedRecord, metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord>;
  /** Remove a file from a draft. */
  deleteFile(draft: ArchivedRecord, file: ArchiveFile): Promise<void>;
  /** Store the file in the draft, replacing a file of the same key; returns what the server stored. */
  upload(draft: ArchivedRecord, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile>;
  /** Publish the draft; returns the published record. */
  publish(draft: ArchivedRecord): Promise<ArchivedRecord>;

  /**
   * Find the published record a user's reference names (record id, DOI, link, concept…).
   * `tag` picks the version whose `metadata.version` is the tag, within the reference's concept.
   */
  resolve(reference: string, options: { tag?: string }): Promise<ArchivedRecord>;
  /**
   * Every published version of the concept a reference names (any reference `resolve` accepts),
   * newest first. Read-only; like `resolve`, needs no credentials for public records. Optional for
   * storages written before it existed (`donodo versions` and `cite` of a concept then say so); both built-ins have it.
   */
  versionsOf?(reference: string): Promise<ConceptVersions>;
  /** Stream a file of a published record. */
  download(record: ArchivedRecord, file: ArchiveFile, progress: ProgressSink): Promise<Readable>;
}

export const StorageBackend: unique symbol = Symbol.for('donodo.StorageBackend');
