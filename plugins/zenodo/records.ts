import { identityFromNotes, type ArchiveFile, type ArchivedRecord } from '../../src/plugin-api.ts';
import type { Deposition, ZenodoRecord } from './zenodo-json.ts';

/** `md5:<hex>` or `<hex>` (Zenodo writes both) as lower-case hex. */
export const md5Of = (checksum: string | undefined): string => (checksum ?? '').replace(/^md5:/i, '').toLowerCase();

/**
 * What the storage keeps in `ArchivedRecord.handle`: what Zenodo's answer linked to, so that acting
 * on the record again needs no second read and no cache (list results have no bucket link).
 */
export interface ZenodoHandle {
  bucket?: string;
  /** File ids of a deposition by key (to delete them). */
  fileIds?: Record<string, string>;
  /** Download links of a record's files by key. */
  fileLinks?: Record<string, string>;
}

export function handleOf(record: ArchivedRecord): ZenodoHandle {
  const handle = record.handle;
  return handle && typeof handle === 'object' ? (handle as ZenodoHandle) : {};
}

/** The fields depositions and records share, as donodo sees them. */
function common(source: Deposition | ZenodoRecord): Omit<ArchivedRecord, 'published' | 'webUrl' | 'files'> {
  return {
    recordId: String(source.id),
    conceptRecId: String(source.conceptrecid),
    doi: source.doi,
    conceptDoi: source.conceptdoi,
    doiUrl: source.doi_url ?? source.links.doi,
    version: typeof source.metadata?.version === 'string' ? source.metadata.version : undefined,
    title: source.title || String(source.metadata?.title ?? ''),
    metadata: source.metadata ?? {},
    // donodo keeps the image identity in the notes, as the original donodo did (more keys after its two).
    identity: identityFromNotes(source.metadata?.notes),
  };
}

/** A deposition (draft or published). */
export function fromDeposition(deposition: Deposition): ArchivedRecord {
  return {
    ...common(deposition),
    published: deposition.submitted === true,
    webUrl: deposition.links.html ?? deposition.links.record_html,
    files: (deposition.files ?? []).map((f) => ({ key: f.filename, size: f.filesize, md5: md5Of(f.checksum) })),
    handle: {
      ...(deposition.links.bucket ? { bucket: deposition.links.bucket } : {}),
      fileIds: Object.fromEntries((deposition.files ?? []).map((f) => [f.filename, f.id])),
    } satisfies ZenodoHandle,
  };
}

/** A published record of the records API (its files' download links: see `recordFiles`). */
export function fromRecord(record: ZenodoRecord): ArchivedRecord {
  return {
    ...common(record),
    published: true,
    webUrl: record.links.self_html ?? record.links.html,
    files: recordFiles(record).map(({ link: _link, ...file }) => file),
    handle: { fileLinks: Object.fromEntries(recordFiles(record).flatMap((f) => (f.link ? [[f.key, f.link]] : []))) } satisfies ZenodoHandle,
  };
}

/** Files of a record with their download links, in both the current and the 2023 transitional shape. */
export function recordFiles(record: ZenodoRecord): Array<ArchiveFile & { link?: string }> {
  return (record.files ?? []).map((f) => ({
    key: f.key ?? f.filename ?? '',
    size: f.size ?? f.filesize ?? 0,
    md5: md5Of(f.checksum),
    link: f.links?.self ?? f.links?.download,
  }));
}
