/**
 * The invenio storage: the storage primitives over InvenioRDM's native API ({@link NativeApi}), on
 * Zenodo or any InvenioRDM. The core decides what exists for a tag, resumes, versions and prunes;
 * this file only does what each primitive says.
 *
 * What reads what (contract 8, 1.4): `/api/user/records`, `/api/records?q=` and `…/versions` are
 * searches that lag behind writes; `…/draft`, `/api/records/<id>` and `…/versions/latest` read the
 * database. Whatever can be named by id is read directly.
 */
import type { Readable } from 'node:stream';
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
} from '../../src/plugin-api.ts';
import type { NativeApi } from './native-api.ts';
import { parseRdmReference } from './pull-reference.ts';
import type { RdmRecord } from './rdm-json.ts';
import { rdmDraftBody, toRdm, type RdmTarget } from './rdm-metadata.ts';
import { fromRdm, md5Of } from './rdm-records.ts';

/** Zenodo's limit per file; other instances report theirs when a transfer exceeds it. */
const MAX_FILE_SIZE = 50e9;

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

  async check(): Promise<void> {
    this.#requireToken();
  }

  checkFile(key: string, size: number): void {
    if (size > MAX_FILE_SIZE) {
      throw new DonodoError<StorageErrorCode>('FILE_TOO_LARGE', `The ${key} is ${size} bytes, more than the 50 GB per file Zenodo and InvenioRDM allow by default; nothing was uploaded.`, {
        hint: 'Make the image smaller, or ask the repository for more quota.',
      });
    }
    if (size === 0) throw new DonodoError<StorageErrorCode>('FILE_EMPTY', `The ${key} is empty; InvenioRDM does not accept empty files.`, { hint: 'The export produced nothing; check the image.' });
  }

  /** The RDM schema check of the rendered metadata, before any request (the render step calls it). */
  checkMetadata(metadata: DepositionMetadata): void {
    rdmDraftBody(metadata, this.#target);
  }

  async findConcepts(title: string): Promise<string[]> {
    this.#requireToken();
    const found = (await this.#api.userRecords(`metadata.title:"${quote(title)}"`, false)).filter((r) => r.metadata?.title === title);
    return [...new Set(found.map((r) => r.parent?.id).filter((id): id is string => Boolean(id)))];
  }

  async versions(conceptRecId: string): Promise<ArchivedRecord[]> {
    this.#requireToken();
    // The latest published version from the database (search may not show it yet), then what search shows.
    const latest = await this.#api.latest(conceptRecId);
    const listed = (await this.#api.userRecords(`parent.id:${conceptRecId}`, true)).filter((r) => r.parent?.id === conceptRecId && r.id !== latest?.id);
    listed.sort((a, b) => (b.versions?.index ?? 0) - (a.versions?.index ?? 0));
    return [...(latest ? [latest] : []), ...listed].map(fromRdm);
  }

  async read(recordId: string): Promise<ArchivedRecord | undefined> {
    this.#requireToken();
    try {
      const found = (await this.#api.readDraft(recordId)) ?? (await this.#api.readRecord(recordId));
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

  /** The new version starts without files (nothing imported); Zenodo and RDM answer the pending draft when there is one. */
  async newVersion(latest: ArchivedRecord): Promise<ArchivedRecord> {
    this.#requireToken();
    return fromRdm(await this.#api.newVersion(latest.recordId));
  }

  async writeMetadata(draft: ArchivedRecord, metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    return fromRdm(await this.#api.writeDraft(draft.recordId, this.#body(metadata, identity)));
  }

  async deleteFile(draft: ArchivedRecord, file: ArchiveFile): Promise<void> {
    if (!(await this.#api.draftFiles(draft.recordId)).some((f) => f.key === file.key)) return; // gone already
    await this.#api.deleteDraftFile(draft.recordId, file.key);
  }

  async upload(draft: ArchivedRecord, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile> {
    this.checkFile(source.key, source.size);
    const id = draft.recordId;
    // A key an interrupted run registered (pending, or committed with other bytes) is replaced.
    if ((await this.#api.draftFiles(id)).some((f) => f.key === source.key)) await this.#api.deleteDraftFile(id, source.key);
    const stored = await this.#api.uploadFile(id, source, progress);
    return { key: stored.key, size: stored.size ?? source.size, md5: md5Of(stored.checksum) };
  }

  async publish(draft: ArchivedRecord): Promise<ArchivedRecord> {
    return fromRdm(await this.#api.publish(draft.recordId));
  }

  async resolve(reference: string, options: { tag?: string }): Promise<ArchivedRecord> {
    let record = await this.#resolveRecord(reference);
    if (options.tag && record.metadata?.version !== options.tag) {
      const versions = await this.#api.versions(record.id);
      const match = versions.find((v) => v.metadata?.version === options.tag);
      if (!match) {
        const known = [...new Set(versions.map((v) => v.metadata?.version).filter(Boolean))];
        throw new DonodoError<StorageErrorCode>('TAG_NOT_FOUND', `The concept of "${reference}" (${cleanText(String(record.parent?.pids?.doi?.identifier ?? record.parent?.id))}) has no version "${options.tag}".`, {
          hint: `Versions found: ${known.length ? cleanText(known.join(', ')) : 'none'}.`,
        });
      }
      record = match;
    }
    return fromRdm(record);
  }

  async versionsOf(reference: string): Promise<ConceptVersions> {
    const record = await this.#resolveRecord(reference);
    const latest = await this.#api.latest(String(record.parent?.id));
    const listed = await this.#api.versions(record.id);
    if (latest && !listed.some((v) => v.id === latest.id)) listed.unshift(latest);
    const versions = listed.sort((a, b) => (b.versions?.index ?? 0) - (a.versions?.index ?? 0)).map(fromRdm);
    const named = fromRdm(record);
    const target = parseRdmReference(reference, this.#api.http.endpoint);
    const naming = target.kind === 'id' ? target.id : target.doi;
    return {
      conceptRecId: named.conceptRecId,
      conceptDoi: named.conceptDoi,
      namesConcept: naming !== named.recordId && naming !== named.doi,
      versions,
      latest: latest ? String(latest.id) : versions[0]?.recordId,
    };
  }

  async download(record: ArchivedRecord, file: ArchiveFile, progress: ProgressSink): Promise<Readable> {
    const { body, size } = await this.#api.http.download(`records/${record.recordId}/files/${encodeURIComponent(file.key)}/content`, `download ${file.key}`, progress);
    progress.total(size ?? file.size);
    return MeasuringStream.of(body, { md5: false, progress });
  }

  /**
   * The RDM draft body of the metadata, with the image identity in its notes (as on Zenodo). Mapped
   * without refusing anything: InvenioRDM saves drafts leniently, and the push checked the metadata
   * against the schema already ({@link checkMetadata}).
   */
  #body(metadata: DepositionMetadata, identity: ImageIdentity) {
    return toRdm({ ...metadata, notes: notesWithIdentity(metadata.notes, identity) }, this.#target).body;
  }

  async #resolveRecord(reference: string): Promise<RdmRecord> {
    const target = parseRdmReference(reference, this.#api.http.endpoint);
    let record: RdmRecord | undefined;
    if (target.kind === 'id') record = await this.#byId(target.id);
    else {
      const zenodoId = this.#target.zenodo ? /^10\.\d+\/zenodo\.(\d+)$/i.exec(target.doi)?.[1] : undefined;
      record = zenodoId ? await this.#byId(zenodoId) : await this.#byDoi(target.doi);
    }
    if (!record) {
      throw new DonodoError<StorageErrorCode>('RECORD_NOT_FOUND', `No published record on ${this.#origin} matches "${reference}".`, { hint: 'Check the DOI or id (drafts cannot be pulled).' });
    }
    return record;
  }

  /** A published record by id; a concept id gives its latest version. */
  async #byId(id: string): Promise<RdmRecord | undefined> {
    return (await this.#api.readRecord(id)) ?? (await this.#api.latest(id));
  }

  /** Version DOIs first (all versions), then concept DOIs (the latest version). */
  async #byDoi(doi: string): Promise<RdmRecord | undefined> {
    const version = (await this.#api.searchRecords(`pids.doi.identifier:"${quote(doi)}"`, true))[0];
    if (version) return version;
    const concept = (await this.#api.searchRecords(`parent.pids.doi.identifier:"${quote(doi)}"`, false))[0];
    return concept ? ((await this.#api.latest(concept.id)) ?? concept) : undefined;
  }

  #requireToken(): void {
    const endpoint = this.#api.http.endpoint;
    if (endpoint.token) return;
    throw new DonodoError('INVENIO_NO_TOKEN', `${endpoint.tokenSource} is not set; pushing to ${endpoint.origin} needs a personal access token.`, {
      hint: `Create one at ${endpoint.origin}/account/settings/applications/tokens/new/ (on Zenodo with the scopes deposit:write and deposit:actions), then export ${endpoint.tokenSource}=<token>.`,
    });
  }
}

/** Escape a value for a quoted query string. */
function quote(value: string): string {
  return value.replace(/[\\"]/g, (c) => `\\${c}`);
}
