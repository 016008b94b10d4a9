/** The parts of Zenodo's JSON that donodo reads. Shapes follow the recorded responses of Zenodo. */

/** A deposition (legacy deposit API): `GET /api/deposit/depositions/<id>`. */
export interface Deposition {
  id: number;
  record_id?: number;
  conceptrecid: string;
  doi?: string;
  conceptdoi?: string;
  doi_url?: string;
  title: string;
  state: 'unsubmitted' | 'inprogress' | 'done';
  submitted: boolean;
  metadata: Record<string, unknown> & { version?: string; title?: string };
  files?: Array<{ id: string; filename: string; filesize: number; checksum: string }>;
  links: Record<string, string | undefined> & { bucket?: string; html?: string; latest_draft?: string };
}

/** A published record (records API, ZenodoSchema): `GET /api/records/<id>`. */
export interface ZenodoRecord {
  id: number;
  conceptrecid: string;
  doi?: string;
  conceptdoi?: string;
  doi_url?: string;
  title?: string;
  metadata: Record<string, unknown> & { version?: string; title?: string };
  /** Current shape `{key, size, checksum: "md5:…", links.self}`; 2023's transitional shape used filename/filesize/links.download. */
  files?: Array<{ key?: string; filename?: string; size?: number; filesize?: number; checksum?: string; links?: { self?: string; download?: string } }>;
  links: Record<string, string | undefined>;
}

/** `GET /api/records?q=…`. */
export interface RecordSearch {
  hits: { hits: ZenodoRecord[]; total: number | { value: number } };
}

/** Bucket PUT response. */
export interface BucketFile {
  key: string;
  size: number;
  checksum: string;
}
