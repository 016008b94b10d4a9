/**
 * The invenio storage: the StorageBackend operations over the native calls of {@link NativeApi}.
 * What exists for a tag, resuming, versioning and refusing are the core's (src/archiving/); each
 * operation here does what it says on the record it is given:
 *   createDraft   POST /api/records               newVersion  POST /api/records/<id>/versions
 *   writeMetadata PUT  …/draft                    upload      POST …/draft/files, PUT …/content, POST …/commit
 *   deleteFile    DELETE …/draft/files/<key>      publish     POST …/draft/actions/publish
 *   read          GET /api/records/<id>, else …/draft (the database)
 *   findConcepts, versions   GET /api/user/records (a search: it lags), with versions/latest (the database)
 */
import type { Readable } from 'node:stream';
import { HTTPError } from 'ky';
import {
  checkFileSize,
  DonodoError,
  MeasuringStream,
  missingToken,
  notesWithIdentity,
  quoteQuery,
  tagNotFound,
  type ArchiveFile,
  type ArchivedRecord,
  type ConceptVersions,
  type DepositionMetadata,
  type ImageIdentity,
  type ProgressSink,
  type StorageBackend,
  type StorageErrorCode,
  type UploadSource,
} from '../../src/plugin-api.ts';
import type { NativeApi } from './native-api.ts';
import { parseRdmReference } from './pull-reference.ts';
import type { RdmRecord } from './rdm-json.ts';
import { rdmDraftBody, toRdm, type RdmTarget } from './rdm-metadata.ts';
import { fromRdm, md5Of } from './rdm-records.ts';

export class InvenioStorage implements StorageBackend {
  readonly #api: NativeApi;
  readonly #target: RdmTarget;
  readonly #community: string | undefined;
  readonly location: string;

  /** `community`: publish by submitting to this community (slug or id), which may review first. */
  constructor(api: NativeApi, target: RdmTarget, community?: string) {
    this.#api = api;
    this.#target = target;
    this.#community = community;
    this.location = api.http.endpoint.api;
  }

  get #origin(): string {
    return this.#api.http.endpoint.origin;
  }

  async check(): Promise<void> {
    this.#requireToken();
  }

  checkFile(key: string, size: number): void {
    checkFileSize(key, size, this.#api.http.endpoint.service);
  }

  /** The RDM schema check of the rendered metadata, before any request (the render step calls it). */
  checkMetadata(metadata: DepositionMetadata): void {
    rdmDraftBody(metadata, this.#target);
  }

  async findConcepts(title: string): Promise<string[]> {
    this.#requireToken();
    const found = (await this.#api.userRecords(`metadata.title:"${quoteQuery(title)}"`, false)).filter((r) => r.metadata?.title === title && r.parent?.id);
    return [...new Set(found.map((r) => String(r.parent!.id)))];
  }

  async versions(conceptRecId: string): Promise<ArchivedRecord[]> {
    this.#requireToken();
    // The latest published version is read from the database (versions/latest accepts a concept id);
    // the rest is what search shows of the caller's records and drafts.
    const latest = await this.#api.latest(conceptRecId);
    const listed = (await this.#api.userRecords(`parent.id:${conceptRecId}`, true)).filter((r) => String(r.parent?.id) === conceptRecId && r.id !== latest?.id);
    const all = [...(latest && String(latest.parent?.id) === conceptRecId ? [latest] : []), ...listed];
    return newestFirst(all).map(fromRdm);
  }

  async read(recordId: string): Promise<ArchivedRecord | undefined> {
    this.#requireToken();
    try {
      // The published record first: a published record may also have an edit draft, which is not what the core asks about.
      const found = (await this.#api.readRecord(recordId)) ?? (await this.#api.readDraft(recordId));
      return found && fromRdm(found);
    } catch (cause) {
      if (cause instanceof DonodoError && cause.code === 'ZENODO_FORBIDDEN') return undefined;
      throw cause;
    }
  }

  async createDraft(metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    this.#requireToken();
    return fromRdm(await this.#api.createDraft(this.#body(metadata, identity)));
  }

  async newVersion(latest: ArchivedRecord): Promise<ArchivedRecord> {
    this.#requireToken();
    // Without file import: the new version starts empty (the concept's pending draft when one exists).
    return fromRdm(await this.#api.newVersion(latest.recordId));
  }

  async writeMetadata(draft: ArchivedRecord, metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    return fromRdm(await this.#api.writeDraft(draft.recordId, this.#body(metadata, identity)));
  }

  async deleteFile(draft: ArchivedRecord, file: ArchiveFile): Promise<void> {
    try {
      await this.#api.deleteDraftFile(draft.recordId, file.key);
    } catch (cause) {
      if (isNotFound(cause)) return; // gone already
      throw cause;
    }
  }

  async upload(draft: ArchivedRecord, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile> {
    checkFileSize(source.key, source.size, this.#api.http.endpoint.service);
    const id = draft.recordId;
    // A key registered by an interrupted run (pending, or committed with other bytes) is replaced.
    if ((await this.#api.draftFiles(id)).some((f) => f.key === source.key)) await this.#api.deleteDraftFile(id, source.key);
    const stored = await this.#api.uploadFile(id, source, progress);
    return { key: stored.key, size: stored.size ?? source.size, md5: md5Of(stored.checksum) };
  }

  async publish(draft: ArchivedRecord): Promise<ArchivedRecord> {
    if (!this.#community) return fromRdm(await this.#api.publish(draft.recordId));
    // Into a community: a submission, which its curators accept (publish) or decline; one that does
    // not review accepts it at once. Either way the record is read again to say which.
    await this.#api.setReview(draft.recordId, this.#community);
    await this.#api.submitReview(draft.recordId);
    const now = await this.read(draft.recordId);
    if (!now) throw new DonodoError<StorageErrorCode>('RECORD_NOT_FOUND', `Draft ${draft.recordId} is gone from ${this.#origin} after its submission for review.`, { hint: 'Run the push again.' });
    return now;
  }

  async resolve(reference: string, options: { tag?: string }): Promise<ArchivedRecord> {
    let record = await this.#resolveRecord(reference);
    if (options.tag && record.metadata?.version !== options.tag) record = await this.#versionWithTag(record, options.tag, reference);
    return fromRdm(record);
  }

  async versionsOf(reference: string): Promise<ConceptVersions> {
    const record = await this.#resolveRecord(reference);
    const target = parseRdmReference(reference, this.#api.http.endpoint);
    const named = target.kind === 'id' ? target.id : (this.#zenodoId(target.doi) ?? target.doi);
    const latest = await this.#api.latest(String(record.parent?.id ?? record.id));
    const listed = await this.#api.versions(record.id);
    if (latest && !listed.some((v) => v.id === latest.id)) listed.push(latest);
    const versions = newestFirst(listed).map(fromRdm);
    return {
      conceptRecId: String(record.parent?.id ?? ''),
      conceptDoi: record.parent?.pids?.doi?.identifier,
      namesConcept: named !== record.id && named !== record.pids?.doi?.identifier,
      versions,
      latest: latest?.id ?? versions[0]?.recordId,
    };
  }

  async download(record: ArchivedRecord, file: ArchiveFile, progress: ProgressSink): Promise<Readable> {
    const { body, size } = await this.#api.http.download(`records/${record.recordId}/files/${encodeURIComponent(file.key)}/content`, `download ${file.key}`, progress);
    progress.total(size ?? file.size);
    return MeasuringStream.of(body, { md5: false, progress });
  }

  /**
   * The RDM draft body of the metadata, with the image identity in its notes (as on Zenodo, the
   * original donodo's keys first). Mapped without refusing anything: InvenioRDM saves drafts
   * leniently, and a push checked the metadata against the schema already ({@link checkMetadata}).
   */
  #body(metadata: DepositionMetadata, identity: ImageIdentity) {
    return toRdm({ ...metadata, notes: notesWithIdentity(metadata.notes, identity) }, this.#target).body;
  }

  /** The published record a reference names (a concept's: its latest version). */
  async #resolveRecord(reference: string): Promise<RdmRecord> {
    const target = parseRdmReference(reference, this.#api.http.endpoint);
    let record: RdmRecord | undefined;
    if (target.kind === 'id') record = await this.#byId(target.id);
    else {
      const zenodoId = this.#zenodoId(target.doi);
      record = zenodoId ? await this.#byId(zenodoId) : await this.#byDoi(target.doi);
    }
    if (!record) {
      throw new DonodoError<StorageErrorCode>('RECORD_NOT_FOUND', `No published record on ${this.#origin} matches "${reference}".`, {
        hint: 'Check the DOI or id (drafts cannot be pulled).',
      });
    }
    return record;
  }

  /** The record id a DOI of this Zenodo encodes (`<prefix>/zenodo.N`), on Zenodo only; others are searched for. */
  #zenodoId(doi: string): string | undefined {
    const [prefix, suffix] = doi.split('/', 2);
    return this.#target.zenodo && prefix === this.#api.http.endpoint.doiPrefix ? /^zenodo\.(\d+)$/i.exec(suffix ?? '')?.[1] : undefined;
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

/** Record ids are not ordered on every InvenioRDM (`abcde-12345`); the version index is. */
function newestFirst(records: RdmRecord[]): RdmRecord[] {
  return records.sort((a, b) => (b.versions?.index ?? 0) - (a.versions?.index ?? 0));
}

function isNotFound(cause: unknown): boolean {
  const http = (cause as { cause?: unknown })?.cause;
  return http instanceof HTTPError && http.response.status === 404;
}
