/**
 * RDM JSON (drafts, records, file entries) as donodo's {@link ArchivedRecord}. The image identity is
 * read from the description donodo writes its notes to (type `notes` on Zenodo, `other` elsewhere).
 */
import { identityFromNotes, type ArchiveFile, type ArchivedRecord } from '../../src/plugin-api.ts';
import type { RdmFileEntry, RdmRecord } from './rdm-json.ts';

export const md5Of = (checksum: string | null | undefined): string => (checksum ?? '').replace(/^md5:/i, '').toLowerCase();

/** File entries of a record or draft (`files.entries` is an object keyed by file name in RDM JSON). */
export function fileEntries(record: RdmRecord): RdmFileEntry[] {
  const entries = record.files?.entries;
  if (!entries) return [];
  return Array.isArray(entries) ? entries : Object.values(entries);
}

/** Committed files only: a pending entry holds nothing yet. */
export function committedFiles(record: RdmRecord): ArchiveFile[] {
  return fileEntries(record)
    .filter((f) => f.status === undefined || f.status === 'completed')
    .map((f) => ({ key: f.key, size: f.size ?? 0, md5: md5Of(f.checksum) }));
}

/** The notes donodo wrote: the description of type notes/other that records an image. */
export function notesOf(record: RdmRecord): string | undefined {
  const descriptions = record.metadata?.additional_descriptions ?? [];
  const found = descriptions.find((d) => (d.type?.id === 'notes' || d.type?.id === 'other') && identityFromNotes(d.description));
  return found?.description ?? descriptions.find((d) => d.type?.id === 'notes')?.description;
}

export function fromRdm(record: RdmRecord): ArchivedRecord {
  const metadata = record.metadata ?? {};
  const doi = record.pids?.doi?.identifier;
  const published = record.is_published === true && record.is_draft !== true;
  const notes = notesOf(record);
  return {
    recordId: String(record.id),
    conceptRecId: String(record.parent?.id ?? ''),
    ...(published && doi ? { doi, doiUrl: record.links.doi ?? `https://doi.org/${doi}` } : {}),
    ...(record.parent?.pids?.doi?.identifier ? { conceptDoi: record.parent.pids.doi.identifier } : {}),
    version: typeof metadata.version === 'string' ? metadata.version : undefined,
    title: typeof metadata.title === 'string' ? metadata.title : '',
    published,
    webUrl: record.links.self_html,
    // What the core and the output read, in the deposition metadata's terms.
    metadata: { ...(metadata.title !== undefined ? { title: metadata.title } : {}), ...(metadata.version !== undefined ? { version: metadata.version } : {}), ...(notes !== undefined ? { notes } : {}) },
    files: committedFiles(record),
    identity: identityFromNotes(notes),
  };
}
