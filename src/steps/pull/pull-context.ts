import type { ArchiveIdentity } from '../../archive/guarded-archive.ts';
import type { ArchiveFile, ArchivedRecord } from '../../contracts/storage-backend.ts';
import type { ImageIdentity, Platform } from '../../contracts/image-identity.ts';
import type { ArchiveWriter } from '../../contracts/image-target.ts';
import type { EngineTransaction, TagChange } from './engine-transaction.ts';

/** The outcome of one check: passed, or skipped with the reason (a failed check is an error). */
export type Check = true | `skipped: ${string}`;

/** What a pull knows, step by step. */
export interface PullContext {
  reference: string;
  options: PullOptions;
  record?: ArchivedRecord;
  /** What the record says the image is, as its storage persisted it (absent for records that do not say). */
  expected?: ImageIdentity;
  file?: ArchiveFile;
  /** The pull's changes to the engine, undone together on failure. */
  transaction?: EngineTransaction;
  /** Or, for an archive destination, what is being written (renamed into place once verified). */
  writer?: ArchiveWriter;
  /** Where the archive destination was written. */
  written?: string;
  /** The image id the load brought in (exactly one). */
  imageId?: string;
  /** What the archive's own bytes say the image is. */
  identity?: ArchiveIdentity;
  /** `name:tag` references the archive itself gives (they are not set unless chosen). */
  archiveNames?: string[];
  /** The tags the pull set, with where they pointed before. */
  tags?: TagChange[];
  /** Names the archive gives that the pull did not set. */
  ignoredNames?: string[];
  /**
   * md5: the bytes are the record's; archive: the image loaded is the one the archive's own config
   * digest names; layers: every layer's bytes are the ones its digest names; imageId: that image is the record's `docker-id`.
   */
  verified: { md5?: Check; archive?: Check; layers?: Check; imageId?: Check };
}

export interface PullOptions {
  /** Within a concept, the version whose `metadata.version` is this tag. */
  tag?: string;
  /** Also set the tags the archive gives that the record does not name. */
  archiveTags?: boolean;
  /** Where to: a transport location (`podman:`, `docker-archive:PATH`…); default the configured engine. */
  destination?: string;
  /** NAME:TAG to give the image instead of the one the record names. */
  name?: string;
  /** Of an archive that holds a multi-platform index: the platform to load (default: this machine's). */
  platform?: Platform;
}

/** The name the pulled image is to have: the one asked for, else the record's. */
export function wantedName(context: PullContext): string | undefined {
  return context.options.name ?? recordedName(context.expected);
}

/** The NAME:TAG a record's identity gives, when it gives both. */
export function recordedName(identity: ImageIdentity | undefined): string | undefined {
  return identity?.name && identity.tag ? `${identity.name}:${identity.tag}` : undefined;
}

/** How messages name a record: its DOI, else its id. */
export function recordName(record: ArchivedRecord): string {
  return record.doi ?? record.recordId;
}
