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
  recordId: string;
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
}

/** One image version to archive. */
export interface VersionRequest {
  /** Image name without tag: one name is one concept. */
  name: string;
  tag: string;
  /** What the archive holds: a storage persists it with the version (see {@link ArchivedRecord.identity}). */
  identity: ImageIdentity;
  /** Title the concept is known by (rendered metadata `title`). */
  title: string;
  /** Concept record to add the version to, named by the user (flag or configuration): it must exist. */
  conceptRecId?: string;
  /**
   * Concept an earlier run archived this image name under (lock file): tried before the title,
   * but a hint only; when it holds nothing any more, the concept is found by title.
   */
  knownConceptRecId?: string;
  /**
   * A record or draft id recorded earlier for this very version (lock file). Checked first, since
   * search indexes lag behind writes and a draft created moments ago may not be found by search.
   */
  knownRecordId?: string;
  /**
   * Unpublished drafts recorded earlier for other tags of this name (lock file). A concept has one
   * pending draft at a time; reading these directly finds it even before search shows it.
   */
  knownDraftIds?: string[];
}

/** What already exists for a version, found without changing anything. */
export type Located =
  /** This tag is published already. */
  | { kind: 'published'; record: ArchivedRecord }
  /**
   * An unpublished draft of the concept exists: this tag's (resumed), or one holding another tag
   * (`record.version`), which the core refuses to take over unless the user asks (--replace-draft).
   */
  | { kind: 'draft'; record: ArchivedRecord }
  /** The concept exists; a new version will be created from its latest published version. */
  | { kind: 'new-version'; concept: ArchivedRecord }
  /** Nothing exists; a new concept will be created. */
  | { kind: 'new' };

export interface DraftOptions {
  /** An image file the draft already holds that is exactly the one to upload: keep it. */
  keep?: ArchiveFile;
  /** Called once a new draft (or new version) exists, before it is changed further. */
  created?: (record: ArchivedRecord) => Promise<void>;
  /** Size in bytes of the archive that will be uploaded, so that a storage can refuse it before making a draft. */
  size?: number;
  /**
   * Called with a draft that exists already (the one resumed, or the pending draft a storage hands
   * back when asked for a new version) before openDraft changes it; when it throws, openDraft leaves
   * the draft as it is and throws that error. This is where the core refuses a draft of another tag.
   */
  adopt?: (record: ArchivedRecord) => void | Promise<void>;
}

/** A writable draft returned by {@link StorageBackend.openDraft}. */
export interface Draft {
  record: ArchivedRecord;
  /** How it came to be. */
  action: 'created' | 'resumed' | 'new-version';
}

/** A local file to upload, readable as often as needed (a retry re-reads it from the start). */
export interface UploadSource {
  key: string;
  size: number;
  md5: string;
  open(): Readable;
}

/**
 * Where archives are kept. Built-ins: `dir` (a local folder) and `zenodo`.
 * Push calls `locate`, then `openDraft`, `upload`, `publish`; pull calls `resolve` and `download`.
 */
export interface StorageBackend {
  /** Where records are kept, e.g. `https://zenodo.org/api` or a folder; names the storage in the lock file. */
  readonly location: string;
  /**
   * Cheap checks of the storage's own settings before anything is exported (e.g. an archive folder
   * that exists or can be made, is a folder, and is writable). Optional; throws DonodoErrors.
   */
  check?(): Promise<void>;
  /**
   * Check the rendered metadata against the storage's own schema (e.g. InvenioRDM's RDM metadata after
   * mapping), before any request; throws a METADATA_INVALID DonodoError listing every problem. Optional.
   */
  checkMetadata?(metadata: DepositionMetadata): void;
  /** Find what exists for this version. Must not change anything. */
  locate(request: VersionRequest): Promise<Located>;
  /**
   * A published version of this tag other than `draft` (or `draft` itself, when it was published by
   * someone else meanwhile), read as directly as the storage allows rather than through a search
   * index that lags behind writes. Called again right before publish: when it finds one, the draft
   * is left unpublished, so a tag never gets two versions. Must not change anything. Optional for
   * storages written before it existed; both built-ins have it.
   */
  findPublished?(request: VersionRequest, draft?: ArchivedRecord): Promise<ArchivedRecord | undefined>;
  /**
   * Create, resume or version the draft that `located` describes, remove image files it holds
   * that are not `options.keep`, and write `metadata` (replacing what was there). As soon as a
   * new draft exists, and before anything else, call `options.created` with it, so that a run
   * killed right after can find the draft again.
   */
  openDraft(request: VersionRequest, located: Located, metadata: DepositionMetadata, options?: DraftOptions): Promise<Draft>;
  /** Store the file in the draft, replacing a file of the same key; returns what the server stored. */
  upload(draft: Draft, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile>;
  /** Publish the draft; returns the published record. */
  publish(draft: Draft): Promise<ArchivedRecord>;
  /**
   * Find the published record a user's reference names (record id, DOI, link, concept…).
   * `tag` picks the version whose `metadata.version` is the tag, within the reference's concept.
   */
  resolve(reference: string, options: { tag?: string }): Promise<ArchivedRecord>;
  /** Stream a file of a published record. */
  download(record: ArchivedRecord, file: ArchiveFile, progress: ProgressSink): Promise<Readable>;
}

export const StorageBackend: unique symbol = Symbol.for('donodo.StorageBackend');
