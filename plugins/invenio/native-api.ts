/**
 * The native InvenioRDM API calls the invenio storage makes (contract 8), one method each, on the
 * shared HTTP kit (retries, pacing, token only to the API's origin, masked errors). Records and
 * drafts are asked for as RDM JSON (`Accept: application/vnd.inveniordm.v1+json`): Zenodo answers
 * its hybrid shape otherwise. The files endpoints offer `application/json` only.
 */
import type { ProgressSink, UploadSource, ZenodoHttp } from '../../src/plugin-api.ts';
import type { RdmDraftBody } from './rdm-metadata.ts';
import type { RdmFileEntry, RdmFileList, RdmRecord, RdmSearch } from './rdm-json.ts';

const RDM = { accept: 'application/vnd.inveniordm.v1+json' };
/** Zenodo's and RDM's largest page for authenticated searches. */
export const PAGE_SIZE = 100;

const key = (k: string) => encodeURIComponent(k);

export class NativeApi {
  readonly http: ZenodoHttp;

  constructor(http: ZenodoHttp) {
    this.http = http;
  }

  /** `POST /api/records` → 201, a new concept with its first draft. */
  createDraft(body: RdmDraftBody): Promise<RdmRecord> {
    return this.http.json<RdmRecord>('post', 'records', 'create the draft', { json: body, headers: RDM });
  }

  /** `GET /api/records/<id>/draft` (the database, not the search index); undefined on 404. */
  readDraft(id: string): Promise<RdmRecord | undefined> {
    return this.http.maybe<RdmRecord>(`records/${id}/draft`, `read draft ${id}`, { headers: RDM });
  }

  /** `GET /api/records/<id>`: a published record; undefined on 404 (unknown, a draft, or a concept id). */
  readRecord(id: string): Promise<RdmRecord | undefined> {
    return this.http.maybe<RdmRecord>(`records/${id}`, `read record ${id}`, { headers: RDM });
  }

  /** `GET /api/records/<id or concept id>/versions/latest` (301 to the latest version, followed). */
  latest(id: string): Promise<RdmRecord | undefined> {
    return this.http.maybe<RdmRecord>(`records/${id}/versions/latest`, `read the latest version of ${id}`, { headers: RDM });
  }

  /** `PUT /api/records/<id>/draft`: replaces metadata and access. */
  writeDraft(id: string, body: RdmDraftBody): Promise<RdmRecord> {
    return this.http.json<RdmRecord>('put', `records/${id}/draft`, 'write the metadata', { json: body, headers: RDM });
  }

  /** `POST /api/records/<id>/versions` → 201, the concept's new-version draft (the pending one when it exists), without files. */
  newVersion(id: string): Promise<RdmRecord> {
    return this.http.json<RdmRecord>('post', `records/${id}/versions`, 'create a new version', { headers: RDM });
  }

  /** `POST …/draft/actions/publish` → 202, the published record. */
  publish(id: string): Promise<RdmRecord> {
    return this.http.json<RdmRecord>('post', `records/${id}/draft/actions/publish`, 'publish the draft', { headers: RDM });
  }

  /** `GET …/draft/files`: committed and pending entries. */
  async draftFiles(id: string): Promise<RdmFileEntry[]> {
    return (await this.http.json<RdmFileList>('get', `records/${id}/draft/files`, 'list the draft files')).entries ?? [];
  }

  deleteDraftFile(id: string, file: string): Promise<void> {
    return this.http.json<void>('delete', `records/${id}/draft/files/${key(file)}`, `remove ${file} from the draft`);
  }

  /** init → content → commit (REC:A3–A5); answers the committed entry, whose checksum the server computed. */
  async uploadFile(id: string, source: UploadSource, progress: ProgressSink): Promise<RdmFileEntry> {
    await this.http.json('post', `records/${id}/draft/files`, `register ${source.key}`, { json: [{ key: source.key, size: source.size }] });
    await this.http.putFile(`records/${id}/draft/files/${key(source.key)}/content`, source, progress, `upload ${source.key}`);
    return this.http.json<RdmFileEntry>('post', `records/${id}/draft/files/${key(source.key)}/commit`, `commit ${source.key}`);
  }

  /** `GET /api/user/records`: the caller's drafts and records (a search: it lags behind writes). */
  async userRecords(q: string, allVersions: boolean): Promise<RdmRecord[]> {
    const found: RdmRecord[] = [];
    for (let page = 1; page <= 20; page++) {
      const result = await this.http.json<RdmSearch>('get', 'user/records', 'search your records', {
        searchParams: { q, size: PAGE_SIZE, page, ...(allVersions ? { allversions: 'true' } : {}) },
        headers: RDM,
      });
      found.push(...result.hits.hits);
      if (result.hits.hits.length < PAGE_SIZE) break;
    }
    return found;
  }

  /** `GET /api/records?q=…`: published records (guests may ask for 25 a page). */
  async searchRecords(q: string, allVersions: boolean): Promise<RdmRecord[]> {
    const result = await this.http.json<RdmSearch>('get', 'records', 'search records', {
      searchParams: { q, size: this.http.endpoint.token ? PAGE_SIZE : 25, ...(allVersions ? { allversions: 'true' } : {}), sort: 'newest' },
      headers: RDM,
    });
    return result.hits.hits;
  }

  /** `GET /api/records/<id>/versions`: the published versions, newest first. */
  async versions(id: string): Promise<RdmRecord[]> {
    const result = await this.http.json<RdmSearch>('get', `records/${id}/versions`, `list the versions of ${id}`, {
      searchParams: { size: this.http.endpoint.token ? PAGE_SIZE : 25, sort: 'version' },
      headers: RDM,
    });
    return result.hits.hits;
  }
}
