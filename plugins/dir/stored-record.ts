import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { identityFromNotes, type ArchivedRecord, type DepositionMetadata, type ImageIdentity } from '../../src/plugin-api.ts';

/** record.json: the fields of a Zenodo record (ZenodoSchema) that a local archive can hold. */
export interface StoredRecord {
  id: number;
  recid: string;
  conceptrecid: string;
  title: string;
  created: string;
  modified: string;
  status: 'draft' | 'published';
  state: 'unsubmitted' | 'done';
  submitted: boolean;
  metadata: DepositionMetadata;
  files: Array<{ id: string; key: string; size: number; checksum: string }>;
  /** What image the record holds (records written before donodo 0.2 have only their notes). */
  image?: ImageIdentity;
}

/** The image a stored record holds: its `image`, else what the notes of older records say. */
export function identityOfStored(stored: StoredRecord): ImageIdentity | undefined {
  return stored.image ?? identityFromNotes(stored.metadata.notes);
}

export function toArchived(stored: StoredRecord, root: string): ArchivedRecord {
  const folder = path.join(root, stored.submitted ? 'records' : 'drafts', String(stored.id));
  return {
    recordId: String(stored.id),
    conceptRecId: stored.conceptrecid,
    version: typeof stored.metadata.version === 'string' ? stored.metadata.version : undefined,
    title: stored.title,
    published: stored.submitted,
    webUrl: pathToFileURL(folder).href,
    doiUrl: stored.submitted ? pathToFileURL(folder).href : undefined,
    metadata: stored.metadata,
    files: stored.files.map((f) => ({ key: f.key, size: f.size, md5: f.checksum.replace(/^md5:/, '') })),
    identity: identityOfStored(stored),
  };
}
