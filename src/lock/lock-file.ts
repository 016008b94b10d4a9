import { readFile, rename, writeFile } from 'node:fs/promises';
import { DonodoError } from '../errors/donodo-error.ts';

/** What the lock file records per image and storage: enough to cite it and to resume or skip it. */
export interface LockEntry {
  recordId: string;
  conceptRecId: string;
  doi?: string;
  conceptDoi?: string;
  doiUrl?: string;
  imageId: string;
  published: boolean;
  file?: { key: string; size: number; md5: string; sha256?: string };
  updated: string;
}

interface LockData {
  /** Format version of this file. */
  lockfileVersion: 1;
  /** Storage location (Zenodo API base, archive folder) → image NAME:TAG → entry. */
  storages: Record<string, Record<string, LockEntry>>;
}

/**
 * `donodo.lock.json`: what was archived where. Read once; each change is written at once, in
 * order, by replacing the file (write to a temporary file, then rename), so a crash never leaves
 * half a file.
 */
export class LockFile {
  readonly path: string;
  #data: LockData;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, data: LockData) {
    this.path = path;
    this.#data = data;
  }

  static async open(path: string): Promise<LockFile> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if ((cause as { code?: string }).code === 'ENOENT') return new LockFile(path, { lockfileVersion: 1, storages: {} });
      throw cause;
    }
    let data: LockData;
    try {
      data = JSON.parse(text) as LockData;
    } catch (cause) {
      throw new DonodoError('LOCK_FILE_INVALID', `The lock file ${path} is not valid JSON.`, {
        hint: 'Restore it from version control, or delete it: donodo then finds the records on the storage again.',
        cause,
      });
    }
    if (data?.lockfileVersion !== 1 || typeof data.storages !== 'object' || data.storages === null) {
      throw new DonodoError('LOCK_FILE_INVALID', `The lock file ${path} is not a donodo lock file (lockfileVersion 1).`, {
        hint: 'Name another file with --lock-file, or delete this one.',
      });
    }
    return new LockFile(path, data);
  }

  get(location: string, image: string): LockEntry | undefined {
    return this.#data.storages[location]?.[image];
  }

  /** The concept an image name was archived under at this location, if any tag of it was. */
  conceptOf(location: string, name: string): string | undefined {
    const images = this.#data.storages[location] ?? {};
    return Object.entries(images).find(([image]) => image.slice(0, image.lastIndexOf(':')) === name)?.[1].conceptRecId;
  }

  /** Record an entry and write the file. Writes are queued so concurrent pushes do not interleave. */
  set(location: string, image: string, entry: Omit<LockEntry, 'updated'>): Promise<void> {
    const images = (this.#data.storages[location] ??= {});
    images[image] = { ...entry, updated: new Date().toISOString() };
    this.#data.storages[location] = Object.fromEntries(Object.entries(images).sort(([a], [b]) => a.localeCompare(b)));
    const text = JSON.stringify(this.#data, null, 2) + '\n';
    this.#writing = this.#writing.then(async () => {
      await writeFile(`${this.path}.tmp`, text);
      await rename(`${this.path}.tmp`, this.path);
    });
    return this.#writing;
  }
}
