import type { ImageIdentity } from '../contracts/image-identity.ts';
import type { ArchivedRecord } from '../contracts/storage-backend.ts';

/** One image version to archive, and what earlier runs recorded about it. */
export interface VersionRequest {
  /** Image name without tag: one name is one concept. */
  name: string;
  tag: string;
  /** What the archive holds: the storage persists it with the version (see ArchivedRecord.identity). */
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
  /** The concept exists; a new version will be made from its latest published version. */
  | { kind: 'new-version'; concept: ArchivedRecord }
  /** Nothing exists; a new concept will be made. */
  | { kind: 'new' };

/** The draft a push writes into, and how it came to be. */
export interface Draft {
  record: ArchivedRecord;
  action: 'created' | 'resumed' | 'new-version';
}
