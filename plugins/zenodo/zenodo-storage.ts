import type { Readable } from 'node:stream';
import { HTTPError } from 'ky';
import {
  cleanText,
  DonodoError,
  MeasuringStream,
  notesWithIdentity,
  type ArchiveFile,
  type ArchivedRecord,
  type ConceptVersions,
  type DepositionMetadata,
  type ImageIdentity,
  type ProgressSink,
  type StorageBackend,
  type StorageErrorCode,
  type UploadSource,
  type ZenodoHttp,
} from '../../src/plugin-api.ts';
import { conceptVersions } from './concept-versions.ts';
import { parsePullReference, zenodoIdOf } from './pull-reference.ts';
import { fromDeposition, fromRecord, handleOf, md5Of } from './records.ts';
import type { BucketFile, Deposition, RecordSearch, ZenodoRecord } from './zenodo-json.ts';

/** Zenodo's limits: 50 GB per file (and per record by default), 100 files per record. */
export const MAX_FILE_SIZE = 50e9;
const PAGE_SIZE = 100;

/**
 * Zenodo through its legacy deposit API (push) and records API (pull), following the original
 * donodo's rules for finding the concept: by concept record id when known, else by exact title.
 */
export class ZenodoStorage implements StorageBackend {
  readonly #http: ZenodoHttp;

  readonly location: string;

  constructor(http: ZenodoHttp) {
    this.#http = http;
    this.location = http.endpoint.api;
  }

  /*
   * What reads what on Zenodo (contract 1.4, 1.5, 3.3; quirk 10): the deposition list
   * (`GET deposit/depositions?q=…`), record search and `records/<id>/versions` are searches of an
   * OpenSearch index that lags behind writes; `GET deposit/depositions/<id>` (read_draft) and
   * `records/<id or concept>/versions/latest` (read_latest) read the database. So whatever can be
   * named by id is read directly, and search only fills in what no id names.
   */

  async check(): Promise<void> {
    this.#requireToken();
  }

  checkFile(key: string, size: number): void {
    checkSize(key, size);
  }

  async findConcepts(title: string): Promise<string[]> {
    this.#requireToken();
    const found = (await this.#search(`title:"${quote(title)}"`, false)).filter((d) => (d.title || d.metadata?.title) === title);
    return [...new Set(found.map((d) => String(d.conceptrecid)))];
  }

  async versions(conceptRecId: string): Promise<ArchivedRecord[]> {
    this.#requireToken();
    // The latest published version is read from the database (`versions/latest` accepts a concept
    // id): search may not show it yet. The rest is what search shows, newest first.
    const latest = await this.#latest(conceptRecId);
    const listed = (await this.#search(`conceptrecid:${conceptRecId}`, true)).filter((d) => String(d.conceptrecid) === conceptRecId && d.id !== latest?.id);
    return [...(latest ? [fromRecord(latest)] : []), ...listed.sort((a, b) => b.id - a.id).map(fromDeposition)];
  }

  async read(recordId: string): Promise<ArchivedRecord | undefined> {
    this.#requireToken();
    const deposition = await this.#deposition(recordId);
    return deposition && fromDeposition(deposition);
  }

  async createDraft(metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    this.#requireToken();
    const deposition = await this.#http.json<Deposition>('post', 'deposit/depositions', 'create the deposition', { json: { metadata: withIdentity(metadata, identity) } });
    return fromDeposition(deposition);
  }

  async newVersion(latest: ArchivedRecord): Promise<ArchivedRecord> {
    this.#requireToken();
    let deposition: Deposition;
    try {
      deposition = await this.#http.json<Deposition>('post', `deposit/depositions/${latest.recordId}/actions/newversion`, 'create a new version');
    } catch (cause) {
      // A new-version draft that already holds files makes Zenodo answer 400 "Please remove all files first."
      // (the draft may not be in the search index yet): find that draft and hand it back.
      const existing = isRemoveFilesFirst(cause) ? await this.#pendingDraft(latest.conceptRecId) : undefined;
      if (!existing) throw cause;
      deposition = existing;
    }
    // Older Zenodo returned the original record here; the new draft is then at links.latest_draft.
    if (String(deposition.id) === latest.recordId && deposition.links.latest_draft) {
      deposition = await this.#http.json<Deposition>('get', deposition.links.latest_draft, 'read the new version draft');
    }
    return fromDeposition(deposition);
  }

  async writeMetadata(draft: ArchivedRecord, metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    // PUT replaces all metadata. The record says what image it holds in its notes (the original donodo's keys first).
    const deposition = await this.#http.json<Deposition>('put', `deposit/depositions/${draft.recordId}`, 'write the metadata', { json: { metadata: withIdentity(metadata, identity) } });
    return fromDeposition(deposition);
  }

  async deleteFile(draft: ArchivedRecord, file: ArchiveFile): Promise<void> {
    let id = handleOf(draft).fileIds?.[file.key];
    if (!id) {
      const current = await this.#http.json<Deposition>('get', `deposit/depositions/${draft.recordId}`, 'read the draft');
      id = current.files?.find((f) => f.filename === file.key)?.id;
      if (!id) return; // gone already
    }
    await this.#http.json('delete', `deposit/depositions/${draft.recordId}/files/${id}`, `remove the old ${file.key} from the draft`);
  }

  async upload(draft: ArchivedRecord, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile> {
    checkSize(source.key, source.size);
    // List results carry no bucket link: then the draft is read for it.
    const bucket = handleOf(draft).bucket ?? (await this.#readBucket(draft.recordId));
    const stored = await this.#http.putFile<BucketFile>(`${bucket}/${encodeURIComponent(source.key)}`, source, progress, `upload ${source.key}`);
    return { key: stored.key, size: stored.size, md5: md5Of(stored.checksum) };
  }

  async publish(draft: ArchivedRecord): Promise<ArchivedRecord> {
    const published = await this.#http.json<Deposition>('post', `deposit/depositions/${draft.recordId}/actions/publish`, 'publish the draft');
    return fromDeposition(published);
  }

  async resolve(reference: string, options: { tag?: string }): Promise<ArchivedRecord> {
    const target = parsePullReference(reference, this.#http.endpoint);
    let record: ZenodoRecord | undefined;
    if (target.kind === 'doi') {
      const id = zenodoIdOf(target.doi);
      if (id && !target.doi.startsWith(this.#http.endpoint.doiPrefix)) {
        throw new DonodoError('DOI_OTHER_ZENODO', `${target.doi} is a DOI of ${target.doi.startsWith('10.5072') ? 'the Zenodo sandbox' : 'zenodo.org'}, but this run uses ${this.#http.endpoint.origin}.`, {
          hint: target.doi.startsWith('10.5072') ? 'Add --sandbox.' : 'Leave out --sandbox (or --zenodo-url).',
        });
      }
      record = id ? await this.#byId(id) : await this.#byDoi(target.doi);
    } else {
      record = await this.#byId(target.id);
    }
    if (!record) {
      throw new DonodoError<StorageErrorCode>('RECORD_NOT_FOUND', `No published record on ${this.#http.endpoint.origin} matches "${reference}".`, {
        hint: 'Check the DOI or id (drafts cannot be pulled; sandbox records need --sandbox).',
      });
    }
    if (options.tag && record.metadata?.version !== options.tag) record = await this.#versionWithTag(record, options.tag, reference);
    return fromRecord(record);
  }

  async versionsOf(reference: string): Promise<ConceptVersions> {
    const record = await this.resolve(reference, {});
    const target = parsePullReference(reference, this.#http.endpoint);
    const named = target.kind === 'id' ? target.id : (zenodoIdOf(target.doi) ?? target.doi);
    const latest = await this.#latest(record.conceptRecId);
    const versions = (await conceptVersions(this.#http, record.recordId, latest)).map(fromRecord);
    return {
      conceptRecId: record.conceptRecId,
      conceptDoi: record.conceptDoi,
      namesConcept: named !== record.recordId && named !== record.doi,
      versions,
      latest: latest ? String(latest.id) : versions[0]?.recordId,
    };
  }

  async download(record: ArchivedRecord, file: ArchiveFile, progress: ProgressSink): Promise<Readable> {
    const link = handleOf(record).fileLinks?.[file.key] ?? `records/${record.recordId}/files/${encodeURIComponent(file.key)}/content`;
    const { body, size } = await this.#http.download(link, `download ${file.key}`, progress);
    progress.total(size ?? file.size);
    return MeasuringStream.of(body, { md5: false, progress });
  }

  /** The latest published version of a concept, read from the database (`versions/latest` accepts a concept id). */
  #latest(conceptId: string): Promise<ZenodoRecord | undefined> {
    return this.#http.maybe<ZenodoRecord>(`records/${conceptId}/versions/latest`, `read the latest version of concept ${conceptId}`);
  }

  /** A record by id; an id that is a concept gives its latest version. */
  async #byId(id: string): Promise<ZenodoRecord | undefined> {
    const record = await this.#http.maybe<ZenodoRecord>(`records/${id}`, `read record ${id}`);
    // Zenodo answers 404 for concept ids on /records/<id>; versions/latest accepts them (301).
    return record ?? (await this.#http.maybe<ZenodoRecord>(`records/${id}/versions/latest`, `read the latest version of ${id}`));
  }

  /** A DOI that is not Zenodo-shaped: search version DOIs (all versions), then concept DOIs (latest). */
  async #byDoi(doi: string): Promise<ZenodoRecord | undefined> {
    const versions = await this.#records(`doi:"${quote(doi)}"`, true);
    if (versions[0]) return versions[0];
    return (await this.#records(`conceptdoi:"${quote(doi)}"`, false))[0];
  }

  async #versionWithTag(record: ZenodoRecord, tag: string, reference: string): Promise<ZenodoRecord> {
    const versions = await this.#records(`conceptrecid:${record.conceptrecid}`, true);
    const match = versions.find((v) => v.metadata?.version === tag);
    if (match) return match;
    const known = [...new Set(versions.map((v) => v.metadata?.version).filter(Boolean))];
    throw new DonodoError<StorageErrorCode>('TAG_NOT_FOUND', `The concept of "${reference}" (${cleanText(String(record.conceptdoi ?? record.conceptrecid))}) has no version "${tag}".`, {
      hint: `Versions found: ${known.length ? cleanText(known.join(', ')) : 'none'}.`,
    });
  }

  /** The concept's pending draft, as search shows it (the core has read directly the drafts it knows of). */
  async #pendingDraft(conceptId: string): Promise<Deposition | undefined> {
    const draft = (await this.#search(`conceptrecid:${conceptId}`, false)).find((d) => !d.submitted);
    return draft ? this.#http.json<Deposition>('get', `deposit/depositions/${draft.id}`, 'read the pending new version') : undefined;
  }

  /** A deposition by id, read directly; gone or someone else's means undefined. */
  async #deposition(id: string): Promise<Deposition | undefined> {
    try {
      return await this.#http.maybe<Deposition>(`deposit/depositions/${id}`, `read deposition ${id}`);
    } catch (cause) {
      if (cause instanceof DonodoError && cause.code === 'ZENODO_FORBIDDEN') return undefined;
      throw cause;
    }
  }

  async #readBucket(id: string): Promise<string> {
    const deposition = await this.#http.json<Deposition>('get', `deposit/depositions/${id}`, 'read the draft');
    const bucket = deposition.links.bucket;
    if (!bucket) throw new DonodoError('ZENODO_NO_BUCKET', `Draft ${id} has no file bucket.`, { hint: 'Zenodo did not offer a place to upload; try again later.' });
    return bucket;
  }

  /** The caller's depositions matching `q` (all pages). */
  async #search(q: string, allVersions: boolean): Promise<Deposition[]> {
    const found: Deposition[] = [];
    for (let page = 1; page <= 20; page++) {
      const hits = await this.#http.json<Deposition[]>('get', 'deposit/depositions', 'search your depositions', {
        searchParams: { q, size: PAGE_SIZE, page, ...(allVersions ? { all_versions: 'true' } : {}) },
      });
      found.push(...hits);
      if (hits.length < PAGE_SIZE) break;
    }
    return found;
  }

  /** Published records matching `q`. */
  async #records(q: string, allVersions: boolean): Promise<ZenodoRecord[]> {
    // Guests may ask for 25 per page at most; one page is enough for these exact queries.
    const result = await this.#http.json<RecordSearch>('get', 'records', 'search records', {
      searchParams: { q, size: this.#http.endpoint.token ? 100 : 25, ...(allVersions ? { all_versions: 'true' } : {}), sort: 'mostrecent' },
    });
    return result.hits.hits;
  }

  #requireToken(): void {
    const endpoint = this.#http.endpoint;
    if (endpoint.token) return;
    throw new DonodoError('ZENODO_NO_TOKEN', `${endpoint.tokenSource} is not set; pushing to ${endpoint.origin} needs a personal access token.`, {
      hint: `Create one at ${endpoint.origin}/account/settings/applications/tokens/new/ with the scopes deposit:write and deposit:actions, then export ${endpoint.tokenSource}=<token>. (To archive into a local folder instead: --dir PATH.)`,
    });
  }
}

/** Zenodo's limits for one file: at most 50 GB, and not empty. */
function checkSize(name: string, size: number): void {
  if (size > MAX_FILE_SIZE) {
    throw new DonodoError<StorageErrorCode>('FILE_TOO_LARGE', `The ${name} is ${size} bytes, more than Zenodo's limit of 50 GB per file; nothing was uploaded.`, {
      hint: 'Zenodo cannot hold this image in one record. Make the image smaller, or ask Zenodo support for more quota.',
    });
  }
  if (size === 0) {
    throw new DonodoError<StorageErrorCode>('FILE_EMPTY', `The ${name} is empty; Zenodo does not accept empty files.`, { hint: 'The export produced nothing; check the image.' });
  }
}

/** The metadata with the image identity in its notes, where Zenodo keeps it. */
function withIdentity(metadata: DepositionMetadata, identity: ImageIdentity): DepositionMetadata {
  return { ...metadata, notes: notesWithIdentity(metadata.notes, identity) };
}

function isRemoveFilesFirst(cause: unknown): boolean {
  const http = (cause as { cause?: unknown })?.cause;
  return http instanceof HTTPError && http.response.status === 400 && JSON.stringify(http.data ?? '').includes('remove all files');
}

/** Escape a value for a quoted Elasticsearch query string. */
function quote(value: string): string {
  return value.replace(/[\\"]/g, (c) => `\\${c}`);
}
