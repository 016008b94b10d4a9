/**
 * The invenio storage on today's StorageBackend contract: locating and versioning follow the zenodo
 * storage's rules (concept by known id, else by exact title; direct reads before searches, which
 * lag), over the native calls of {@link NativeApi}.
 */
import type { Readable } from 'node:stream';
import {
  checkFileSize,
  DonodoError,
  identityFromNotes,
  isImageArchiveKey,
  MeasuringStream,
  missingToken,
  notesWithIdentity,
  quoteQuery,
  tagNotFound,
  type ArchiveFile,
  type ArchivedRecord,
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
import type { NativeApi } from './native-api.ts';
import { parseRdmReference } from './pull-reference.ts';
import type { RdmRecord } from './rdm-json.ts';
import { rdmDraftBody, type RdmTarget } from './rdm-metadata.ts';
import { fileEntries, fromRdm, md5Of, notesOf } from './rdm-records.ts';


export class InvenioStorage implements StorageBackend {
  readonly #api: NativeApi;
  readonly #target: RdmTarget;
  readonly location: string;

  constructor(api: NativeApi, target: RdmTarget) {
    this.#api = api;
    this.#target = target;
    this.location = api.http.endpoint.api;
  }

  get #origin(): string {
    return this.#api.http.endpoint.origin;
  }

  /** The RDM schema check of the rendered metadata, before any request (the render step calls it). */
  checkMetadata(metadata: DepositionMetadata): void {
    rdmDraftBody(metadata, this.#target);
  }

  async locate(request: VersionRequest): Promise<Located> {
    this.#requireToken();
    const known = request.knownRecordId ? await this.#known(request.knownRecordId, request) : undefined;
    if (known && !known.published) return { kind: 'draft', record: known };
    if (known?.published && known.version === request.tag) return { kind: 'published', record: known };
    const drafts: ArchivedRecord[] = [];
    for (const id of request.knownDraftIds ?? []) {
      const draft = await this.#known(id, request);
      if (draft && !draft.published) drafts.push(draft);
    }
    if (request.conceptRecId) {
      const located = await this.#inConcept(request.conceptRecId, request, drafts);
      if (located) return located;
      throw new DonodoError<StorageErrorCode>('CONCEPT_NOT_FOUND', `None of your records on ${this.#origin} belongs to concept ${request.conceptRecId}.`, {
        hint: 'Check --conceptrecid (the concept id, not a version id), and that the token belongs to the owner.',
      });
    }
    for (const hint of new Set([known?.conceptRecId, request.knownConceptRecId, ...drafts.map((d) => d.conceptRecId)])) {
      const located = hint ? await this.#inConcept(hint, request, drafts) : undefined;
      if (located) return located;
    }
    const byTitle = await this.#byTitle(request.title);
    return (byTitle[0] && (await this.#inConcept(String(byTitle[0].parent?.id), request, drafts))) || { kind: 'new' };
  }

  async findPublished(request: VersionRequest, draft?: ArchivedRecord): Promise<ArchivedRecord | undefined> {
    this.#requireToken();
    if (draft) {
      const record = await this.#api.readRecord(draft.recordId);
      if (record) return fromRdm(record);
    }
    const concepts = new Set([draft?.conceptRecId, request.conceptRecId].filter((id): id is string => Boolean(id)));
    if (!request.conceptRecId) for (const found of await this.#byTitle(request.title)) if (found.parent?.id) concepts.add(found.parent.id);
    for (const concept of concepts) {
      const latest = await this.#api.latest(concept);
      if (latest?.metadata?.version === request.tag && latest.id !== draft?.recordId) return fromRdm(latest);
      const listed = (await this.#api.userRecords(`parent.id:${concept}`, true)).find((r) => isPublishedVersion(r) && r.metadata?.version === request.tag && r.id !== draft?.recordId);
      if (listed) return fromRdm(listed);
    }
    return undefined;
  }

  /** What a concept holds for this version; undefined when it shows nothing of the caller's. */
  async #inConcept(conceptId: string, request: VersionRequest, direct: ArchivedRecord[]): Promise<Located | undefined> {
    const fresh = direct.filter((d) => d.conceptRecId === conceptId);
    const latest = await this.#api.latest(conceptId);
    if (latest?.metadata?.version === request.tag) return { kind: 'published', record: fromRdm(latest) };
    const listed = (await this.#api.userRecords(`parent.id:${conceptId}`, true)).filter((r) => !fresh.some((f) => f.recordId === r.id));
    const published = listed.find((r) => isPublishedVersion(r) && r.metadata?.version === request.tag);
    if (published) return { kind: 'published', record: fromRdm(published) };
    // The concept's pending draft (this tag's, or another's, which the core refuses to take over): read it to be sure.
    const id = (fresh.find((d) => d.version === request.tag) ?? fresh[0])?.recordId ?? listed.find((r) => !isPublishedVersion(r))?.id;
    if (id !== undefined) {
      const draft = await this.#api.readDraft(id);
      if (draft && !isPublishedVersion(draft)) return { kind: 'draft', record: fromRdm(draft) };
      const record = draft ? undefined : await this.#api.readRecord(id);
      if (record?.metadata?.version === request.tag) return { kind: 'published', record: fromRdm(record) };
    }
    if (latest) return { kind: 'new-version', concept: fromRdm(latest) };
    return undefined;
  }

  /** The caller's records and drafts whose title is exactly this (search: it lags). */
  async #byTitle(title: string): Promise<RdmRecord[]> {
    return (await this.#api.userRecords(`metadata.title:"${quoteQuery(title)}"`, false)).filter((r) => r.metadata?.title === title);
  }

  /** A draft or record recorded earlier; gone, someone else's, or of another image means unknown. */
  async #known(id: string, request: VersionRequest): Promise<ArchivedRecord | undefined> {
    let found: RdmRecord | undefined;
    try {
      found = (await this.#api.readDraft(id)) ?? (await this.#api.readRecord(id));
    } catch (cause) {
      if (cause instanceof DonodoError && cause.code === 'ZENODO_FORBIDDEN') return undefined;
      throw cause;
    }
    if (!found) return undefined;
    const record = fromRdm(found);
    return record.title === request.title || identityFromNotes(notesOf(found))?.name === request.name ? record : undefined;
  }

  async openDraft(request: VersionRequest, located: Located, given: DepositionMetadata, options: DraftOptions = {}): Promise<Draft> {
    // The record says what image it holds in its notes, as on Zenodo (the original donodo's keys first).
    const { body } = rdmDraftBody({ ...given, notes: notesWithIdentity(given.notes, request.identity) }, this.#target);
    if (options.size !== undefined) checkFileSize('image archive', options.size);
    this.#requireToken();
    let draft: RdmRecord;
    let action: Draft['action'];
    switch (located.kind) {
      case 'new':
        draft = await this.#api.createDraft(body);
        await options.created?.(fromRdm(draft));
        action = 'created';
        break;
      case 'draft': {
        const read = await this.#api.readDraft(located.record.recordId);
        if (!read) throw new DonodoError<StorageErrorCode>('RECORD_NOT_FOUND', `Draft ${located.record.recordId} is gone from ${this.#origin}.`, { hint: 'Run the push again: it will make a new draft.' });
        draft = read;
        await options.adopt?.(fromRdm(draft));
        action = 'resumed';
        break;
      }
      case 'new-version':
        // The new version starts without files (no import), and is the concept's pending draft when one exists.
        draft = await this.#api.newVersion(located.concept.recordId);
        await options.adopt?.(fromRdm(draft));
        await options.created?.(fromRdm(draft));
        action = 'new-version';
        break;
      default:
        throw new DonodoError<StorageErrorCode>('DRAFT_PUBLISHED', `${request.name}:${request.tag} is already published.`, { hint: 'A published version cannot change; push a new tag.' });
    }
    if (located.kind !== 'new') {
      for (const file of await this.#api.draftFiles(draft.id)) {
        const kept = options.keep && file.key === options.keep.key && file.status === 'completed' && md5Of(file.checksum) === options.keep.md5;
        if (isImageArchiveKey(file.key) && !kept) await this.#api.deleteDraftFile(draft.id, file.key);
      }
      draft = await this.#api.writeDraft(draft.id, body);
    }
    return { record: fromRdm(draft), action };
  }

  async upload(draft: Draft, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile> {
    checkFileSize(source.key, source.size);
    const id = draft.record.recordId;
    // A key registered by an interrupted run (pending, or committed with other bytes) is replaced.
    if ((await this.#api.draftFiles(id)).some((f) => f.key === source.key)) await this.#api.deleteDraftFile(id, source.key);
    const stored = await this.#api.uploadFile(id, source, progress);
    return { key: stored.key, size: stored.size ?? source.size, md5: md5Of(stored.checksum) };
  }

  async publish(draft: Draft): Promise<ArchivedRecord> {
    return fromRdm(await this.#api.publish(draft.record.recordId));
  }

  async resolve(reference: string, options: { tag?: string }): Promise<ArchivedRecord> {
    const target = parseRdmReference(reference, this.#api.http.endpoint);
    let record: RdmRecord | undefined;
    if (target.kind === 'id') record = await this.#byId(target.id);
    else {
      const zenodoId = this.#target.zenodo ? /^10\.\d+\/zenodo\.(\d+)$/i.exec(target.doi)?.[1] : undefined;
      record = zenodoId ? await this.#byId(zenodoId) : await this.#byDoi(target.doi);
    }
    if (!record) {
      throw new DonodoError<StorageErrorCode>('RECORD_NOT_FOUND', `No published record on ${this.#origin} matches "${reference}".`, {
        hint: 'Check the DOI or id (drafts cannot be pulled).',
      });
    }
    if (options.tag && record.metadata?.version !== options.tag) record = await this.#versionWithTag(record, options.tag, reference);
    return fromRdm(record);
  }

  async download(record: ArchivedRecord, file: ArchiveFile, progress: ProgressSink): Promise<Readable> {
    const { body, size } = await this.#api.http.download(`records/${record.recordId}/files/${encodeURIComponent(file.key)}/content`, `download ${file.key}`, progress);
    progress.total(size ?? file.size);
    return MeasuringStream.of(body, { md5: false, progress });
  }

  /** A published record by id; a concept id gives its latest version. */
  async #byId(id: string): Promise<RdmRecord | undefined> {
    return (await this.#api.readRecord(id)) ?? (await this.#api.latest(id));
  }

  /** Version DOIs first (all versions), then concept DOIs (latest version). */
  async #byDoi(doi: string): Promise<RdmRecord | undefined> {
    const version = (await this.#api.searchRecords(`pids.doi.identifier:"${quoteQuery(doi)}"`, true))[0];
    if (version) return version;
    const concept = (await this.#api.searchRecords(`parent.pids.doi.identifier:"${quoteQuery(doi)}"`, false))[0];
    return concept ? ((await this.#api.latest(concept.id)) ?? concept) : undefined;
  }

  async #versionWithTag(record: RdmRecord, tag: string, reference: string): Promise<RdmRecord> {
    const versions = await this.#api.versions(record.id);
    const match = versions.find((v) => v.metadata?.version === tag);
    if (match) return match;
    throw tagNotFound(reference, String(record.parent?.pids?.doi?.identifier ?? record.parent?.id), tag, versions.map((v) => v.metadata?.version));
  }

  #requireToken(): void {
    const endpoint = this.#api.http.endpoint;
    if (endpoint.token) return;
    throw missingToken(endpoint, 'INVENIO_NO_TOKEN');
  }
}

/** A published version, not a draft (an edit draft of a published record is published too). */
function isPublishedVersion(record: RdmRecord): boolean {
  return record.is_published === true && record.is_draft !== true;
}

