import type { ImageDetails } from '../../contracts/image-source.ts';
import type { DepositionMetadata } from '../../contracts/metadata-provider.ts';
import type { ArchiveFile, ArchivedRecord, Draft, Located } from '../../contracts/storage-backend.ts';
import type { ImageRef } from '../../image-ref.ts';
import type { SpoolFile } from './spool-file.ts';

/** What a push knows, step by step. */
export interface PushContext {
  /** The reference as the user wrote it. */
  reference: string;
  /** Options of this push. */
  options: PushOptions;
  ref?: ImageRef & { tag: string };
  image?: ImageDetails;
  metadata?: DepositionMetadata;
  located?: Located;
  spool?: SpoolFile;
  draft?: Draft;
  uploaded?: ArchiveFile;
  /** The published record, or the draft's record when it was left unpublished. */
  record?: ArchivedRecord;
  /** How the push ended. */
  outcome?: 'published' | 'unchanged' | 'unpublished';
}

export interface PushOptions {
  /** Publish without asking. */
  autoPublish: boolean;
  /** Upload even when the draft already holds the same archive. */
  forceUpload?: boolean;
  /** Concept record to add the version to. */
  conceptRecId?: string;
  /** Directory for the temporary archive (default: the OS temporary directory). */
  tmpDir?: string;
}
