import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { errors } from '../errors/catalogue.ts';
import { asFileSystemError } from '../errors/fs-error.ts';
import { acquireWaiting, release } from './exclusive-file.ts';

/** What the lock file records per image and storage: enough to cite it and to resume or skip it. */
export interface LockEntry {
  recordId: string;
  conceptRecId: string;
  doi?: string;
  conceptDoi?: string;
  doiUrl?: string;
  /** The record's (or draft's) web page. */
  webUrl?: string;
  imageId: string;
  published: boolean;
  file?: { key: string; size: number; md5: string; sha256?: string };
  updated: string;
}

export interface LockData {
  /** Format version of this file. */
  lockfileVersion: 1;
  /** Storage location (Zenodo API base, archive folder) → image NAME:TAG → entry. */
  storages: Record<string, Record<string, LockEntry>>;
}

/** One change to the file's data, applied to what is on disk when it is written. */
export type Change = (data: LockData) => void;

/**
 * `donodo.lock.json`: what was archived where. Each change is written at once, and several donodo
 * processes may share the file (pushes of different images from one working directory): a write
 * takes a short lock beside the file (`donodo.lock.json.lock`), re-reads the file, applies its change
 * to what is there, and replaces the file through a unique temporary name (written, fsynced, renamed),
 * so no run loses another's entry and a crash never leaves half a file.
 */
export class LockFile {
  readonly path: string;
  #data: LockData;
  #pending: Change[] = [];
  #writing: Promise<void> = Promise.resolve();
  #written = false;

  private constructor(path: string, data: LockData) {
    this.path = path;
    this.#data = data;
  }

  static async open(path: string): Promise<LockFile> {
    return new LockFile(path, (await readLockData(path)) ?? emptyData());
  }

  /** Whether this run wrote the file at least once. */
  get written(): boolean {
    return this.#written;
  }

  get(location: string, image: string): LockEntry | undefined {
    return this.#data.storages[location]?.[image];
  }

  /** Every entry, storage by storage: [location, image, entry]. */
  entries(): Array<[string, string, LockEntry]> {
    return Object.entries(this.#data.storages).flatMap(([location, images]) => Object.entries(images).map(([image, entry]) => [location, image, entry] as [string, string, LockEntry]));
  }

  /** The concept an image name was archived under at this location, if any tag of it was. */
  conceptOf(location: string, name: string): string | undefined {
    return this.#entriesOf(location, name)[0]?.[1].conceptRecId;
  }

  /** Drafts recorded for other tags of this name at this location: [image, entry]. */
  draftsOf(location: string, name: string): Array<[string, LockEntry]> {
    return this.#entriesOf(location, name).filter(([, entry]) => !entry.published);
  }

  #entriesOf(location: string, name: string): Array<[string, LockEntry]> {
    const images = this.#data.storages[location] ?? {};
    return Object.entries(images).filter(([image]) => image.slice(0, image.lastIndexOf(':')) === name);
  }

  /**
   * Record an entry and write the file. A record holds one tag: an entry of another image that
   * names the same record (a draft taken over with --replace-draft) is removed.
   */
  set(location: string, image: string, entry: Omit<LockEntry, 'updated'>): Promise<void> {
    const stamped = { ...entry, updated: new Date().toISOString() };
    const change: Change = (data) => {
      const images = Object.entries(data.storages[location] ?? {}).filter(([other, e]) => other !== image && e.recordId !== stamped.recordId);
      images.push([image, stamped]);
      data.storages[location] = Object.fromEntries(images.sort(([a], [b]) => a.localeCompare(b)));
    };
    return this.apply(change);
  }

  /**
   * Apply a change to the data and write the file; the change is applied again to what is on disk
   * when the write takes its turn (another process may have written meanwhile), and may throw.
   */
  apply(change: Change): Promise<void> {
    change(this.#data);
    this.#pending.push(change);
    this.#writing = this.#writing.then(() => this.#write(change));
    return this.#writing;
  }

  async #write(change: Change): Promise<void> {
    let attempt;
    try {
      attempt = await acquireWaiting(`${this.path}.lock`, `write ${this.path}`);
    } catch (cause) {
      throw asFileSystemError(cause, this.path, 'write the lock file');
    }
    if (!attempt.acquired) throw errors.lockFileBusy(this.path, attempt.holder);
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const data = (await readLockData(this.path)) ?? emptyData();
      change(data);
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(JSON.stringify(data, null, 2) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
      this.#written = true;
      this.#pending = this.#pending.filter((c) => c !== change);
      // What is on disk now, with the changes of this process still waiting their turn.
      for (const later of this.#pending) later(data);
      this.#data = data;
    } catch (cause) {
      await rm(temp, { force: true });
      throw asFileSystemError(cause, this.path, 'write the lock file');
    } finally {
      release(`${this.path}.lock`, attempt.owner);
    }
  }
}

function emptyData(): LockData {
  return { lockfileVersion: 1, storages: {} };
}

/** The file's data, or undefined when there is no file. */
export async function readLockData(path: string): Promise<LockData | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ENOENT') return undefined;
    throw asFileSystemError(cause, path, 'read the lock file');
  }
  let data: LockData;
  try {
    data = JSON.parse(text) as LockData;
  } catch (cause) {
    throw errors.lockFileNotJson(path, cause);
  }
  if (data?.lockfileVersion !== 1 || typeof data.storages !== 'object' || data.storages === null) {
    throw errors.lockFileForeign(path);
  }
  return data;
}
