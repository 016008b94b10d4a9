import type { Readable } from 'node:stream';
import { HTTPError } from 'ky';
import {
  cleanText,
  DonodoError,
  isImageArchiveKey,
  MeasuringStream,
  identityFromNotes,
  notesWithIdentity,
  type ArchiveFile,
  type ArchivedRecord,
  type ConceptVersions,
  type DepositionMetadata,
  type Draft,
  type DraftOptions,
  type Located,
  type ProgressSink,
  type StorageBackend,
  type StorageErrorCode,
  type UploadSource,
  type VersionRequest,
} from '../../src/plugin-api.ts';
import { conceptVersions } from './concept-versions.ts';
import { parsePullReference, zenodoIdOf } from './pull-reference.ts';
import { fromDeposition, fromRecord, md5Of, recordFiles } from './records.ts';
import type { ZenodoHttp } from './zenodo-http.ts';
import type { Deposition, RecordSearch, ZenodoRecord } from './zenodo-json.ts';

/** Zenodo's limits: 50 GB per file (and per record by default), 100 files per record. */
export const MAX_FILE_SIZE = 50e9;
const PAGE_SIZE = 100;

/**
 * Zenodo through its legacy deposit API (push) and records API (pull), following the original
 * donodo's rules for finding the concept: by concept record id when known, else by exact title.
 */
export class ZenodoStorage implements StorageBackend {
  readonly #http: ZenodoHttp;
  /** Bucket links of drafts (missing from list results, so kept from single reads). */
  readonly #buckets = new Map<string, string>();
  /** Download links of the files of resolved records. */
  readonly #fileLinks = new Map<string, Map<string, string>>();

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

  async locate(request: VersionRequest): Promise<Located> {
    this.#requireToken();
    const known = request.knownRecordId ? await this.#knownDeposition(request.knownRecordId, request) : undefined;
    if (known && !known.submitted) return { kind: 'draft', record: fromDeposition(known) };
    if (known?.submitted && known.metadata?.version === request.tag) return { kind: 'published', record: fromDeposition(known) };
    // Drafts earlier runs made for other tags: a concept's one pending draft, which search may not show yet.
    const drafts: Deposition[] = [];
    for (const id of request.knownDraftIds ?? []) {
      const draft = await this.#knownDeposition(id, request);
      if (draft && !draft.submitted) drafts.push(draft);
    }
    if (request.conceptRecId) {
      const located = await this.#inConcept(request.conceptRecId, request, drafts);
      if (located) return located;
      throw new DonodoError<StorageErrorCode>('CONCEPT_NOT_FOUND', `None of your depositions on ${this.#http.endpoint.origin} belongs to concept ${request.conceptRecId}.`, {
        hint: 'Check --conceptrecid (the concept record id, not a version id), and that the token belongs to the owner.',
      });
    }
    // What earlier runs recorded comes first: search by title lags behind writes.
    for (const hint of new Set([known?.conceptrecid, request.knownConceptRecId, ...drafts.map((d) => d.conceptrecid)])) {
      const located = hint ? await this.#inConcept(String(hint), request, drafts) : undefined;
      if (located) return located;
    }
    const byTitle = await this.#byTitle(request.title);
    return (byTitle[0] && (await this.#inConcept(String(byTitle[0].conceptrecid), request, drafts))) || { kind: 'new' };
  }

  async findPublished(request: VersionRequest, draft?: ArchivedRecord): Promise<ArchivedRecord | undefined> {
    this.#requireToken();
    if (draft) {
      // Read directly: another run may have resumed this very draft and published it.
      const current = await this.#knownDeposition(draft.recordId);
      if (current?.submitted) return fromDeposition(current);
    }
    const concepts = new Set([draft?.conceptRecId, request.conceptRecId].filter((id): id is string => Boolean(id)));
    // Unless the concept is pinned, a run elsewhere may have made its own concept of the same title.
    if (!request.conceptRecId) for (const found of await this.#byTitle(request.title)) concepts.add(String(found.conceptrecid));
    for (const concept of concepts) {
      const latest = await this.#latest(concept);
      if (latest?.metadata?.version === request.tag && String(latest.id) !== draft?.recordId) return fromRecord(latest);
      const listed = (await this.#search(`conceptrecid:${concept}`, true)).find((d) => d.submitted && d.metadata?.version === request.tag && String(d.id) !== draft?.recordId);
      if (listed) return fromDeposition(listed);
    }
    return undefined;
  }

  /** What concept `conceptId` holds for this version; undefined when it shows nothing of the caller's. */
  async #inConcept(conceptId: string, request: VersionRequest, direct: Deposition[] = []): Promise<Located | undefined> {
    // Directly read drafts are fresher than what search shows of them.
    const fresh = direct.filter((d) => String(d.conceptrecid) === conceptId);
    const versions = [...fresh, ...(await this.#search(`conceptrecid:${conceptId}`, true)).filter((d) => !fresh.some((f) => f.id === d.id))];
    // The latest published version is read from the database: search may not show it yet.
    const latest = await this.#latest(conceptId);
    if (latest?.metadata?.version === request.tag) return { kind: 'published', record: fromRecord(latest) };
    const sameTag = versions.filter((d) => d.metadata?.version === request.tag);
    const published = sameTag.find((d) => d.submitted);
    if (published) return { kind: 'published', record: fromDeposition(published) };
    // The concept's unpublished draft: this tag's, or another tag's (which the core refuses to take over).
    // Search lags behind writes, so a draft it shows may have been published since: read it to be sure.
    const listed = sameTag.find((d) => !d.submitted) ?? versions.find((d) => !d.submitted);
    const draft = listed && (await this.#http.maybe<Deposition>(`deposit/depositions/${listed.id}`, `read deposition ${listed.id}`));
    if (draft && !draft.submitted) return { kind: 'draft', record: fromDeposition(draft) };
    if (draft?.submitted && draft.metadata?.version === request.tag) return { kind: 'published', record: fromDeposition(draft) };
    if (latest) return { kind: 'new-version', concept: fromRecord(latest) };
    const newest = [...versions.filter((d) => d.submitted), ...(draft?.submitted ? [draft] : [])].sort((a, b) => b.id - a.id)[0];
    return newest ? { kind: 'new-version', concept: fromDeposition(newest) } : undefined;
  }

  /** The latest published version of a concept, read from the database (`versions/latest` accepts a concept id). */
  #latest(conceptId: string): Promise<ZenodoRecord | undefined> {
    return this.#http.maybe<ZenodoRecord>(`records/${conceptId}/versions/latest`, `read the latest version of concept ${conceptId}`);
  }

  /** The caller's depositions whose title is exactly this (search: it lags). */
  async #byTitle(title: string): Promise<Deposition[]> {
    return (await this.#search(`title:"${quote(title)}"`, false)).filter((d) => (d.title || d.metadata?.title) === title);
  }

  async openDraft(request: VersionRequest, located: Located, given: DepositionMetadata, options: DraftOptions = {}): Promise<Draft> {
    const { keep, created } = options;
    // The record says what image it holds where Zenodo keeps it: in the notes (the original donodo's keys first).
    const metadata = { ...given, notes: notesWithIdentity(given.notes, request.identity) };
    if (options.size !== undefined) checkSize('image archive', options.size);
    this.#requireToken();
    let deposition: Deposition;
    let action: Draft['action'];
    switch (located.kind) {
      case 'new':
        // Created with its metadata in one call, so no untitled orphan can be left behind.
        deposition = await this.#http.json<Deposition>('post', 'deposit/depositions', 'create the deposition', { json: { metadata } });
        await created?.(fromDeposition(deposition));
        action = 'created';
        break;
      case 'draft':
        deposition = await this.#http.json<Deposition>('get', `deposit/depositions/${located.record.recordId}`, 'read the draft');
        await options.adopt?.(fromDeposition(deposition));
        action = 'resumed';
        break;
      case 'new-version':
        deposition = await this.#newVersion(located.concept, request);
        // Zenodo hands back the concept's pending draft when there is one (contract 1.6), maybe another tag's.
        await options.adopt?.(fromDeposition(deposition));
        await created?.(fromDeposition(deposition));
        action = 'new-version';
        break;
      default:
        throw new DonodoError<StorageErrorCode>('DRAFT_PUBLISHED', `${request.name}:${request.tag} is already published.`, { hint: 'A published version cannot change; push a new tag.' });
    }
    for (const file of deposition.files ?? []) {
      const kept = keep && file.filename === keep.key && md5Of(file.checksum) === keep.md5;
      if (isImageArchiveKey(file.filename) && !kept) {
        await this.#http.json('delete', `deposit/depositions/${deposition.id}/files/${file.id}`, `remove the old ${file.filename} from the draft`);
      }
    }
    if (located.kind !== 'new' || (deposition.files ?? []).length) {
      // PUT replaces all metadata; new-version drafts lose version and publication_date, so send everything.
      deposition = await this.#http.json<Deposition>('put', `deposit/depositions/${deposition.id}`, 'write the metadata', { json: { metadata } });
    }
    this.#remember(deposition);
    return { record: fromDeposition(deposition), action };
  }

  async upload(draft: Draft, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile> {
    checkSize(source.key, source.size);
    const bucket = this.#buckets.get(draft.record.recordId) ?? (await this.#readBucket(draft.record.recordId));
    const stored = await this.#http.putFile(`${bucket}/${encodeURIComponent(source.key)}`, source, progress, `upload ${source.key}`);
    return { key: stored.key, size: stored.size, md5: md5Of(stored.checksum) };
  }

  async publish(draft: Draft): Promise<ArchivedRecord> {
    const published = await this.#http.json<Deposition>('post', `deposit/depositions/${draft.record.recordId}/actions/publish`, 'publish the draft');
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
    this.#fileLinks.set(String(record.id), new Map(recordFiles(record).filter((f) => f.link).map((f) => [f.key, f.link!])));
    return fromRecord(record);
  }

  async versions(reference: string): Promise<ConceptVersions> {
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
    const link = this.#fileLinks.get(record.recordId)?.get(file.key) ?? `records/${record.recordId}/files/${encodeURIComponent(file.key)}/content`;
    const { body, size } = await this.#http.download(link, `download ${file.key}`, progress);
    progress.total(size ?? file.size);
    return MeasuringStream.of(body, { md5: false, progress });
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

  async #newVersion(concept: ArchivedRecord, request: VersionRequest): Promise<Deposition> {
    let deposition: Deposition;
    try {
      deposition = await this.#http.json<Deposition>('post', `deposit/depositions/${concept.recordId}/actions/newversion`, 'create a new version');
    } catch (cause) {
      // A new-version draft that already holds files makes Zenodo answer 400 "Please remove all files first."
      // (the draft may not be in the search index yet): find that draft and resume it.
      const existing = isRemoveFilesFirst(cause) ? await this.#pendingDraft(concept.conceptRecId, request) : undefined;
      if (!existing) throw cause;
      deposition = existing;
    }
    // Older Zenodo returned the original record here; the new draft is then at links.latest_draft.
    if (String(deposition.id) === concept.recordId && deposition.links.latest_draft) {
      deposition = await this.#http.json<Deposition>('get', deposition.links.latest_draft, 'read the new version draft');
    }
    return deposition;
  }

  async #pendingDraft(conceptId: string, request: VersionRequest): Promise<Deposition | undefined> {
    // Drafts that earlier runs recorded are read directly; search may not show the draft yet.
    for (const id of request.knownDraftIds ?? []) {
      const known = await this.#knownDeposition(id, request);
      if (known && !known.submitted && String(known.conceptrecid) === conceptId) return known;
    }
    const draft = (await this.#search(`conceptrecid:${conceptId}`, false)).find((d) => !d.submitted);
    return draft ? this.#http.json<Deposition>('get', `deposit/depositions/${draft.id}`, 'read the pending new version') : undefined;
  }

  /**
   * A deposition recorded earlier (lock file, or the last run on this machine); gone, someone
   * else's, or of another image (a stale hint) means unknown.
   */
  async #knownDeposition(id: string, request?: VersionRequest): Promise<Deposition | undefined> {
    let deposition: Deposition | undefined;
    try {
      deposition = await this.#http.maybe<Deposition>(`deposit/depositions/${id}`, `read deposition ${id}`);
    } catch (cause) {
      if (cause instanceof DonodoError && cause.code === 'ZENODO_FORBIDDEN') return undefined;
      throw cause;
    }
    return deposition && (!request || belongsTo(deposition, request)) ? deposition : undefined;
  }

  async #readBucket(id: string): Promise<string> {
    const deposition = await this.#http.json<Deposition>('get', `deposit/depositions/${id}`, 'read the draft');
    this.#remember(deposition);
    const bucket = deposition.links.bucket;
    if (!bucket) throw new DonodoError('ZENODO_NO_BUCKET', `Draft ${id} has no file bucket.`, { hint: 'Zenodo did not offer a place to upload; try again later.' });
    return bucket;
  }

  #remember(deposition: Deposition): void {
    if (deposition.links.bucket) this.#buckets.set(String(deposition.id), deposition.links.bucket);
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

/** Whether a deposition is of this image: its title, or the image name its notes record. */
function belongsTo(deposition: Deposition, request: VersionRequest): boolean {
  if ((deposition.title || deposition.metadata?.title) === request.title) return true;
  return identityFromNotes(deposition.metadata?.notes)?.name === request.name;
}

function isRemoveFilesFirst(cause: unknown): boolean {
  const http = (cause as { cause?: unknown })?.cause;
  return http instanceof HTTPError && http.response.status === 400 && JSON.stringify(http.data ?? '').includes('remove all files');
}

/** Escape a value for a quoted Elasticsearch query string. */
function quote(value: string): string {
  return value.replace(/[\\"]/g, (c) => `\\${c}`);
}
