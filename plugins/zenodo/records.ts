import type { ArchiveFile, ArchivedRecord } from '../../src/plugin-api.ts';
import type { Deposition, ZenodoRecord } from './zenodo-json.ts';

const md5Of = (checksum: string | undefined) => (checksum ?? '').replace(/^md5:/i, '').toLowerCase();

/** A deposition (draft or published) as donodo sees it. */
export function fromDeposition(deposition: Deposition): ArchivedRecord {
  const published = deposition.submitted === true;
  return {
    recordId: String(deposition.id),
    conceptRecId: String(deposition.conceptrecid),
    doi: deposition.doi,
    conceptDoi: deposition.conceptdoi,
    doiUrl: deposition.doi_url ?? deposition.links.doi,
    version: typeof deposition.metadata?.version === 'string' ? deposition.metadata.version : undefined,
    title: deposition.title || String(deposition.metadata?.title ?? ''),
    published,
    webUrl: deposition.links.html ?? deposition.links.record_html,
    metadata: deposition.metadata ?? {},
    files: (deposition.files ?? []).map((f) => ({ key: f.filename, size: f.filesize, md5: md5Of(f.checksum) })),
  };
}

/** A published record of the records API. File download links are kept apart (see `fileLinks`). */
export function fromRecord(record: ZenodoRecord): ArchivedRecord {
  return {
    recordId: String(record.id),
    conceptRecId: String(record.conceptrecid),
    doi: record.doi,
    conceptDoi: record.conceptdoi,
    doiUrl: record.doi_url ?? record.links.doi,
    version: typeof record.metadata?.version === 'string' ? record.metadata.version : undefined,
    title: record.title ?? String(record.metadata?.title ?? ''),
    published: true,
    webUrl: record.links.self_html ?? record.links.html,
    metadata: record.metadata ?? {},
    files: recordFiles(record).map(({ link: _link, ...file }) => file),
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
