import type { ArchiveFile, ArchivedRecord } from '../../contracts/storage-backend.ts';

/** What a pull knows, step by step. */
export interface PullContext {
  reference: string;
  options: PullOptions;
  record?: ArchivedRecord;
  file?: ArchiveFile;
  /** `name:tag` references the load brought in. */
  loaded?: string[];
  imageId?: string;
  /** What the record's name:tag pointed to locally before the load, to give the tag back if the load is undone. */
  previous?: { reference: string; id: string };
}

export interface PullOptions {
  /** Within a concept, the version whose `metadata.version` is this tag. */
  tag?: string;
}
