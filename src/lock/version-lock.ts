import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errors } from '../errors/catalogue.ts';
import { asFileSystemError } from '../errors/fs-error.ts';
import { release, tryAcquire, type LockOwner } from './exclusive-file.ts';

/** What the last holder of a lock made for one tag: a hint for the next run, checked against the storage. */
export interface RecentRecord {
  recordId: string;
  conceptRecId: string;
  published: boolean;
  /** ISO time it was recorded. */
  updated: string;
}

interface RecentFile {
  location: string;
  name: string;
  tags: Record<string, RecentRecord>;
}

/**
 * How long what a run made stays a hint. Zenodo's search catches up with writes within seconds
 * (contract 1.4); a run after that finds the records by search again, so old hints are dropped
 * rather than trusted for ever.
 */
const RECENT_MS = 15 * 60 * 1000;

/**
 * One exclusive lock per (storage location, image name), across the processes of this machine: the
 * push of a name holds it from `locate` to `publish`, so that two runs cannot both decide that a tag
 * is missing and both publish it. The files live in the user's cache folder
 * (`$XDG_CACHE_HOME/donodo/locks`, else `~/.cache/donodo/locks`), named by a hash of location and
 * name. Re-entrant within a process: the tags of one name in a batch share it.
 *
 * Beside each lock, `<hash>.json` keeps what the last holders made (record and concept ids per tag):
 * a run that starts right after another finished, from another working directory (no shared
 * donodo.lock.json), finds those records by direct reads instead of a search that has not caught up yet.
 */
export class VersionLocks {
  readonly dir: string;
  readonly #leases = new Map<string, { count: number; owner: LockOwner; lease: VersionLease }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The locks of the user whose environment this is. */
  static forUser(env: Record<string, string | undefined>): VersionLocks {
    const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
    return new VersionLocks(path.join(cache, 'donodo', 'locks'));
  }

  /** Take the lock of `name` at `location`, or fail at once (exit 1) naming who holds it. */
  acquire(location: string, name: string): VersionLease {
    const key = createHash('sha256').update(`${location}\0${name}`).digest('hex').slice(0, 32);
    const mine = this.#leases.get(key);
    if (mine) {
      mine.count += 1;
      return mine.lease;
    }
    const file = path.join(this.dir, `${key}.lock`);
    let attempt;
    try {
      mkdirSync(this.dir, { recursive: true });
      attempt = tryAcquire(file, `push ${name} to ${location}`);
    } catch (cause) {
      throw asFileSystemError(cause, this.dir, 'create the lock that keeps two pushes of one image apart');
    }
    if (!attempt.acquired) throw errors.imageBusy(name, location, file, attempt.holder);
    const lease = new VersionLease(path.join(this.dir, `${key}.json`), location, name, () => {
      const entry = this.#leases.get(key);
      if (!entry || --entry.count > 0) return;
      this.#leases.delete(key);
      release(file, entry.owner);
    });
    this.#leases.set(key, { count: 1, owner: attempt.owner, lease });
    return lease;
  }
}

/** A held lock (see {@link VersionLocks}); `release` once per `acquire`. */
export class VersionLease {
  readonly #file: string;
  readonly #location: string;
  readonly #name: string;
  readonly #release: () => void;
  #recent: RecentFile;

  constructor(file: string, location: string, name: string, release: () => void) {
    this.#file = file;
    this.#location = location;
    this.#name = name;
    this.#release = release;
    this.#recent = readRecent(file, location, name);
  }

  /** What a recent run made for this tag, if it is recent enough to be a useful hint. */
  recent(tag: string): RecentRecord | undefined {
    const entry = this.#recent.tags[tag];
    return entry && Date.now() - Date.parse(entry.updated) < RECENT_MS ? entry : undefined;
  }

  /** Unpublished drafts recent runs left for tags other than `tag`. */
  recentDrafts(tag: string): string[] {
    return Object.entries(this.#recent.tags)
      .filter(([other, e]) => other !== tag && !e.published && Date.now() - Date.parse(e.updated) < RECENT_MS)
      .map(([, e]) => e.recordId);
  }

  /** The concept recent runs archived this name under. */
  recentConcept(): string | undefined {
    const entries = Object.values(this.#recent.tags).filter((e) => Date.now() - Date.parse(e.updated) < RECENT_MS);
    return entries.sort((a, b) => b.updated.localeCompare(a.updated))[0]?.conceptRecId;
  }

  /**
   * Keep what this run made for `tag`. Only the holder writes, so no merge is needed; the file is
   * replaced through a unique temporary name. A record that now holds this tag holds no other.
   */
  remember(tag: string, record: Omit<RecentRecord, 'updated'>): void {
    const tags = Object.fromEntries(Object.entries(this.#recent.tags).filter(([other, e]) => other === tag || e.recordId !== record.recordId));
    tags[tag] = { ...record, updated: new Date().toISOString() };
    this.#recent = { location: this.#location, name: this.#name, tags };
    const temp = `${this.#file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify(this.#recent, null, 2) + '\n');
      renameSync(temp, this.#file);
    } catch {
      // Only a hint for later runs: a full or read-only cache must not fail the push.
      rmSync(temp, { force: true });
    }
  }

  release(): void {
    this.#release();
  }
}

function readRecent(file: string, location: string, name: string): RecentFile {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as RecentFile;
    // The hash names the file; the content must still be about this very location and name.
    if (data.location === location && data.name === name && data.tags && typeof data.tags === 'object') return data;
  } catch {
    // Missing or damaged: no hints.
  }
  return { location, name, tags: {} };
}
