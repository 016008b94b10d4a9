import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  asFileSystemError,
  DonodoError,
  isImageArchiveKey,
  MeasuringStream,
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
import { checkArchiveFolder, damagedRecord, isPlainName, readPlainFile, requireRealFolder, streamPlainFile, symlinkRefused, tempBeside } from './archive-files.ts';
import { identityOfStored, type StoredRecord, toArchived } from './stored-record.ts';

/**
 * Archive layout:
 *   ids/<n>/               claimed ids (mkdir is atomic, so concurrent pushes never share one)
 *   drafts/<id>/record.json, <files>   unpublished drafts
 *   records/<id>/record.json, <files>  published versions (a draft folder renamed in one step)
 * record.json has the shape of a Zenodo record (files with key, size, md5 checksum; metadata; notes).
 * Its content is checked when read (file keys are plain names), and no symlink is followed.
 */
export class DirStorage implements StorageBackend {
  /** The archive folder. */
  readonly location: string;

  constructor(root: string) {
    this.location = root;
  }

  check(): Promise<void> {
    return checkArchiveFolder(this.location);
  }

  async findConcepts(title: string): Promise<string[]> {
    const titled = (await this.#all()).filter((r) => r.title === title).sort((a, b) => b.id - a.id);
    return [...new Set(titled.map((r) => r.conceptrecid))];
  }

  async versions(conceptRecId: string): Promise<ArchivedRecord[]> {
    // A folder has no index lag: what another run wrote is there at once.
    const concept = (await this.#all()).filter((r) => r.conceptrecid === conceptRecId).sort((a, b) => b.id - a.id);
    return concept.map((r) => toArchived(r, this.location));
  }

  async read(recordId: string): Promise<ArchivedRecord | undefined> {
    if (!/^\d+$/.test(recordId)) return undefined;
    // Drafts first: publish renames a draft's folder into records/, so the other order could miss it in between.
    for (const area of ['drafts', 'records'] as const) {
      try {
        return toArchived(await this.#read(area, recordId), this.location);
      } catch (cause) {
        if ((cause as { code?: string }).code !== 'ENOENT') throw asFileSystemError(cause, this.#dir(area, recordId), 'read the archive record');
      }
    }
    return undefined;
  }

  async createDraft(metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    const concept = await this.#claimId();
    const stored = this.#fresh(await this.#claimId(), String(concept));
    const folder = this.#dir('drafts', stored.id);
    await this.#fs(folder, 'create the draft folder', () => mkdir(folder, { recursive: true }));
    return this.#withMetadata(stored, metadata, identity);
  }

  async newVersion(latest: ArchivedRecord): Promise<ArchivedRecord> {
    const previous = await this.#read('records', latest.recordId);
    const stored = this.#fresh(await this.#claimId(), previous.conceptrecid);
    const folder = this.#dir('drafts', stored.id);
    await this.#fs(folder, 'create the draft folder', () => mkdir(folder, { recursive: true }));
    // Like Zenodo, a new version inherits the previous files, except the image archive.
    for (const file of previous.files.filter((f) => !isImageArchiveKey(f.key))) {
      const from = path.join(this.#dir('records', previous.id), file.key);
      if (!(await lstat(from)).isFile()) throw symlinkRefused(from);
      await this.#fs(folder, "link the previous version's files", () => link(from, path.join(folder, file.key)));
      stored.files.push(file);
    }
    stored.title = previous.title;
    await this.#write(stored);
    return toArchived(stored, this.location);
  }

  async writeMetadata(draft: ArchivedRecord, metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    return this.#withMetadata(await this.#read('drafts', draft.recordId), metadata, identity);
  }

  async deleteFile(draft: ArchivedRecord, file: ArchiveFile): Promise<void> {
    const stored = await this.#read('drafts', draft.recordId);
    // The key is a plain name (checked when record.json was read): this stays inside the draft folder.
    if (!stored.files.some((f) => f.key === file.key)) return;
    await rm(path.join(this.#dir('drafts', stored.id), file.key), { force: true });
    stored.files = stored.files.filter((f) => f.key !== file.key);
    await this.#write(stored);
  }

  async #withMetadata(stored: StoredRecord, metadata: DepositionMetadata, identity: ImageIdentity): Promise<ArchivedRecord> {
    stored.metadata = { ...metadata };
    stored.image = identity;
    stored.title = typeof metadata.title === 'string' ? metadata.title : '';
    stored.modified = new Date().toISOString();
    await this.#write(stored);
    return toArchived(stored, this.location);
  }

  async upload(draft: ArchivedRecord, source: UploadSource, progress: ProgressSink): Promise<ArchiveFile> {
    if (!isPlainName(source.key)) throw damagedRecord(source.key, 'the file to store has no plain file name');
    const stored = await this.#read('drafts', draft.recordId);
    const folder = this.#dir('drafts', stored.id);
    const target = path.join(folder, source.key);
    const partial = tempBeside(target, 'partial');
    const measure = new MeasuringStream({ progress });
    progress.total(source.size);
    try {
      // 'wx': a name nobody else uses, never a file (or link) someone put there.
      await pipeline(source.open(), measure, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, target);
    } catch (cause) {
      // A full disk must not leave half an archive behind.
      await rm(partial, { force: true });
      throw asFileSystemError(cause, folder, `store ${source.key}`, { needed: source.size });
    }
    const { size, md5 } = measure.result();
    stored.files = stored.files.filter((f) => f.key !== source.key);
    stored.files.push({ id: randomUUID(), key: source.key, size, checksum: `md5:${md5}` });
    await this.#write(stored);
    return { key: source.key, size, md5 };
  }

  async publish(draft: ArchivedRecord): Promise<ArchivedRecord> {
    const stored = await this.#read('drafts', draft.recordId);
    if (!stored.files.length) {
      throw new DonodoError<StorageErrorCode>('PUBLISH_NO_FILES', `Draft ${stored.id} holds no file and cannot be published.`, { hint: 'Upload the image first.' });
    }
    stored.submitted = true;
    stored.status = 'published';
    stored.state = 'done';
    stored.modified = new Date().toISOString();
    await this.#write(stored);
    const records = path.join(this.location, 'records');
    await this.#fs(records, 'publish the draft', async () => {
      await mkdir(records, { recursive: true });
      await rename(this.#dir('drafts', stored.id), this.#dir('records', stored.id));
    });
    return toArchived(stored, this.location);
  }

  async resolve(reference: string, options: { tag?: string }): Promise<ArchivedRecord> {
    const published = (await this.#all()).filter((r) => r.submitted);
    let concept: StoredRecord[];
    const id = /^(?:dir:)?(\d+)$/.exec(reference.trim());
    if (id) {
      const record = published.find((r) => String(r.id) === id[1]);
      concept = record
        ? options.tag ? published.filter((r) => r.conceptrecid === record.conceptrecid) : [record]
        : published.filter((r) => r.conceptrecid === id[1]);
    } else {
      const at = reference.lastIndexOf(':');
      const hasTag = at > reference.lastIndexOf('/');
      const name = hasTag ? reference.slice(0, at) : reference;
      concept = published.filter((r) => identityOfStored(r)?.name === name);
      if (hasTag) concept = concept.filter((r) => r.metadata.version === reference.slice(at + 1));
    }
    if (options.tag) concept = concept.filter((r) => r.metadata.version === options.tag);
    const latest = concept.sort((a, b) => b.id - a.id)[0];
    if (!latest) {
      throw new DonodoError<StorageErrorCode>('RECORD_NOT_FOUND', `No published record in ${this.location} matches "${reference}"${options.tag ? ` with version ${options.tag}` : ''}.`, {
        hint: 'Use a record id, a concept id (its latest version, or --tag), or NAME[:TAG] as printed by push.',
      });
    }
    return toArchived(latest, this.location);
  }

  async versionsOf(reference: string): Promise<ConceptVersions> {
    const record = await this.resolve(reference, {});
    const versions = (await this.#all())
      .filter((r) => r.submitted && r.conceptrecid === record.conceptRecId)
      .sort((a, b) => b.id - a.id)
      .map((r) => toArchived(r, this.location));
    const id = /^(?:dir:)?(\d+)$/.exec(reference.trim())?.[1];
    // A concept id, or an image name without a tag, names the concept; a record id or NAME:TAG a version.
    const namesConcept = id ? id !== record.recordId : !(reference.lastIndexOf(':') > reference.lastIndexOf('/'));
    return { conceptRecId: record.conceptRecId, namesConcept, versions, latest: versions[0]?.recordId };
  }

  async download(record: ArchivedRecord, file: ArchiveFile, progress: ProgressSink): Promise<Readable> {
    const folder = this.#dir('records', Number(record.recordId));
    if (!isPlainName(file.key)) throw damagedRecord(path.join(folder, 'record.json'), `the file key ${JSON.stringify(file.key)} is not a plain file name`);
    const { stream, size } = await streamPlainFile(path.join(folder, file.key));
    progress.total(size);
    return MeasuringStream.of(stream, { progress });
  }

  #fresh(id: number, conceptrecid: string): StoredRecord {
    const now = new Date().toISOString();
    return { id, recid: String(id), conceptrecid, title: '', created: now, modified: now, status: 'draft', state: 'unsubmitted', submitted: false, metadata: {}, files: [] };
  }

  /** Claim the next free id: ids are shared by concepts and versions, as on Zenodo. */
  async #claimId(): Promise<number> {
    const ids = path.join(this.location, 'ids');
    return this.#fs(ids, 'claim a record id', async () => {
      await mkdir(ids, { recursive: true });
      let next = (await readdir(ids)).map(Number).filter(Number.isInteger).reduce((a, b) => Math.max(a, b), 0) + 1;
      for (;;) {
        try {
          await mkdir(path.join(ids, String(next)));
          return next;
        } catch (cause) {
          if ((cause as { code?: string }).code !== 'EEXIST') throw cause;
          next += 1;
        }
      }
    });
  }

  #dir(area: 'drafts' | 'records', id: number | string): string {
    return path.join(this.location, area, String(id));
  }

  /** A record.json, checked: a real folder, a plain file, file keys that are plain names. */
  async #read(area: 'drafts' | 'records', id: number | string): Promise<StoredRecord> {
    const folder = this.#dir(area, id);
    await requireRealFolder(folder);
    const file = path.join(folder, 'record.json');
    let stored: StoredRecord;
    try {
      stored = JSON.parse(await readPlainFile(file)) as StoredRecord;
    } catch (cause) {
      if (cause instanceof DonodoError || (cause as { code?: string }).code) throw cause;
      throw damagedRecord(file, 'it is not valid JSON');
    }
    if (!stored || typeof stored !== 'object' || String(stored.id) !== String(id) || !Array.isArray(stored.files) || typeof stored.metadata !== 'object' || stored.metadata === null) {
      throw damagedRecord(file, 'it is not a record of this folder');
    }
    const bad = stored.files.find((f) => !isPlainName(f?.key));
    if (bad) throw damagedRecord(file, `the file key ${JSON.stringify(bad?.key)} is not a plain file name`);
    return stored;
  }

  async #write(stored: StoredRecord): Promise<void> {
    const file = path.join(this.#dir('drafts', stored.id), 'record.json');
    // A unique temporary name: a run that died mid-write (full disk) leaves nothing that blocks the next.
    const temp = tempBeside(file, 'tmp');
    try {
      await writeFile(temp, JSON.stringify(stored, null, 2) + '\n', { flag: 'wx' });
      await rename(temp, file);
    } catch (cause) {
      await rm(temp, { force: true });
      throw asFileSystemError(cause, file, 'write the draft record');
    }
  }

  /** File system refusals (full disk, permissions, read-only) become errors that name the path. */
  async #fs<T>(where: string, action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      throw asFileSystemError(cause, where, action);
    }
  }

  async #all(): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for (const area of ['records', 'drafts'] as const) {
      let ids: string[];
      try {
        ids = await readdir(path.join(this.location, area));
      } catch (cause) {
        if ((cause as { code?: string }).code === 'ENOENT') continue;
        throw asFileSystemError(cause, path.join(this.location, area), 'read the archive folder');
      }
      for (const id of ids) {
        try {
          out.push(await this.#read(area, id));
        } catch (cause) {
          // A folder without record.json yet is a draft being created; anything else is refused.
          if ((cause as { code?: string }).code === 'ENOENT') continue;
          throw asFileSystemError(cause, path.join(this.location, area, id), 'read the archive record');
        }
      }
    }
    return out;
  }
}
