/**
 * The parts of InvenioRDM's JSON (`Accept: application/vnd.inveniordm.v1+json`) that the invenio
 * storage reads: drafts and records, their files, search results (contract 8; NATDOCS).
 */

/** A file entry: `files.entries[<key>]` of a record, or an entry of `GET …/draft/files` (REC:A3, A5). */
export interface RdmFileEntry {
  key: string;
  size?: number;
  /** `md5:<hex>` once committed (REC:A5). */
  checksum?: string | null;
  status?: 'pending' | 'completed' | string;
  links?: { self?: string; content?: string; commit?: string };
}

/** A draft or a published record. */
export interface RdmRecord {
  /** Record id: an integer in a string on Zenodo, `abcde-12345` elsewhere. */
  id: string;
  is_draft?: boolean;
  is_published?: boolean;
  status?: string;
  metadata?: Record<string, unknown> & {
    title?: string;
    version?: string;
    additional_descriptions?: Array<{ description?: string; type?: { id?: string } }>;
  };
  pids?: { doi?: { identifier?: string } };
  parent?: { id: string; pids?: { doi?: { identifier?: string } } };
  versions?: { index?: number; is_latest?: boolean };
  files?: { enabled?: boolean; entries?: Record<string, RdmFileEntry> | RdmFileEntry[] };
  links: Record<string, string | undefined>;
  /** Save problems of a draft (the lenient save keeps only the valid part). */
  errors?: Array<{ field?: string; messages?: string[] }>;
}

/** A search page (`GET /api/records`, `/api/user/records`, `/api/records/<id>/versions`). */
export interface RdmSearch {
  hits: { hits: RdmRecord[]; total: number | { value: number } };
}

/** `GET/POST …/draft/files`. */
export interface RdmFileList {
  entries: RdmFileEntry[];
}
