import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeOciLayout, type OciLayoutOptions } from '../../archive/oci-layout-writer.ts';
import type { ArchiveFormat } from '../../contracts/image-identity.ts';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { ArchiveFile, UploadSource } from '../../contracts/storage-backend.ts';
import { asFileSystemError } from '../../errors/fs-error.ts';
import { markOfThisProcess, processGone, type ProcessMark } from '../../runtime/process-liveness.ts';
import { MeasuringStream } from '../../streams/measure.ts';

/**
 * The compressed archive on local disk. Storage needs its length before the upload starts
 * (Zenodo refuses chunked uploads), and a retried upload must re-read it from the start.
 *
 * Each spool is a folder `$TMPDIR/donodo-XXXXXX/` holding the archive and an owner mark (pid, host,
 * process start time): a run that was killed (SIGKILL, a crash) cannot remove its spool, so every
 * run sweeps, at start, the spools whose owner is dead (see sweepStaleSpools).
 */
export interface SpoolFile extends UploadSource {
  path: string;
  /** How the archive lays the image out, as its source declared. */
  format?: ArchiveFormat;
  /** `sha256:…` of the image manifest the archive holds, where donodo wrote one (an OCI layout). */
  manifest?: string;
  sha256: string;
  remove(): Promise<void>;
}

export interface SpoolOptions {
  /** Folder for the spool (default: the OS temporary directory, i.e. TMPDIR). */
  tmpDir?: string;
  /** Stops the write (and removes the spool) when it aborts. */
  signal?: AbortSignal;
  /** The most the archive can take (the image's uncompressed size), quoted when the disk is full. */
  atMost?: number;
}

const PREFIX = 'donodo-';
const OWNER = 'owner.json';

/** Spools of this process, removed synchronously if it exits before their `remove()` (a second Ctrl-C, process.exit). */
const live = new Set<string>();
let exitHook = false;

function track(dir: string): void {
  live.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const spool of live) rmSync(spool, { recursive: true, force: true });
  });
}

async function removeSpool(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** Write `input` through `compress` into a new spool file, hashing the compressed bytes on the way. */
export function writeSpool(key: string, input: Readable, compress: NodeJS.ReadWriteStream, progress: ProgressSink, options: SpoolOptions = {}): Promise<SpoolFile> {
  return spoolWith(key, input, options, async (file) => {
    const measure = new MeasuringStream({ sha256: true });
    const count = new MeasuringStream({ md5: false, progress }); // uncompressed bytes, for the progress line
    await pipeline(input, count, compress, measure, createWriteStream(file), { signal: options.signal });
    const { size, md5, sha256 } = measure.result();
    return { size, md5, sha256: sha256! };
  });
}

/**
 * Write the image `input` streams (a `docker save` tar, or an OCI layout) into a new spool file as an
 * OCI image layout whose layers are compressed one by one (see writeOciLayout), hashed on the way.
 * The spool states the layout's format and its manifest digest.
 */
export async function writeOciSpool(key: string, input: Readable, layout: OciLayoutOptions, progress: ProgressSink, options: SpoolOptions = {}): Promise<SpoolFile> {
  const spool = await spoolWith(key, input, options, async (file) => {
    const count = new MeasuringStream({ md5: false, progress }); // uncompressed bytes, for the progress line
    const counted = pipeline(input, count, { signal: options.signal });
    const handle = await open(file, 'w+'); // read back too, for the digests
    try {
      const [written] = await Promise.all([writeOciLayout(count, handle, layout), counted]);
      return written;
    } catch (cause) {
      count.destroy();
      throw cause;
    } finally {
      await handle.close();
    }
  });
  return { ...spool, format: 'oci-layout' };
}

/** A new spool folder with its owner mark, and `write` making the archive in it; removed again when that fails. */
async function spoolWith(key: string, input: Readable, options: SpoolOptions, write: (file: string) => Promise<{ size: number; md5: string; sha256: string; manifest?: string }>): Promise<SpoolFile> {
  const parent = options.tmpDir ?? os.tmpdir();
  const space = { needed: options.atMost, upperBound: true };
  let dir: string;
  try {
    dir = await mkdtemp(path.join(parent, PREFIX));
  } catch (cause) {
    input.destroy();
    throw asFileSystemError(cause, parent, 'create the spool folder for the archive', space);
  }
  track(dir);
  const file = path.join(dir, key);
  let writing = dir;
  let written: Awaited<ReturnType<typeof write>>;
  try {
    await writeFile(path.join(dir, OWNER), JSON.stringify(markOfThisProcess()));
    writing = file;
    written = await write(file);
  } catch (cause) {
    input.destroy();
    await removeSpool(dir);
    throw asFileSystemError(cause, writing, 'write the archive', space);
  }
  const { size, md5, sha256, manifest } = written;
  return {
    key,
    path: file,
    size,
    md5,
    sha256,
    ...(manifest ? { manifest } : {}),
    open: () => createReadStream(file),
    remove: () => removeSpool(dir),
  };
}

/** Whether a stored file is exactly this archive (same key, size and md5). */
export function holdsSpool(file: ArchiveFile | undefined, spool: SpoolFile): boolean {
  return Boolean(file && file.key === spool.key && file.size === spool.size && file.md5 === spool.md5);
}

const swept = new Set<string>();

/**
 * Remove the spools in `tmpDir` left by dead runs of this host: those whose owner mark names a
 * process that no longer exists (or whose pid now belongs to a process started later). Folders
 * without a mark (not a spool, or one being created this instant), of another host (a shared
 * TMPDIR), or of a live process are never touched. Once per folder and process; never fails.
 * Returns the folders removed.
 */
export async function sweepStaleSpools(tmpDir: string = os.tmpdir()): Promise<string[]> {
  const folder = path.resolve(tmpDir);
  if (swept.has(folder)) return [];
  swept.add(folder);
  const removed: string[] = [];
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(folder, name);
    const owner = await readFile(path.join(dir, OWNER), 'utf8')
      .then((text) => JSON.parse(text) as Partial<ProcessMark>)
      .catch(() => undefined);
    if (typeof owner?.pid !== 'number' || typeof owner.host !== 'string' || !processGone(owner as ProcessMark)) continue;
    await rm(dir, { recursive: true, force: true }).then(
      () => removed.push(dir),
      () => undefined, // not ours to remove (permissions): leave it
    );
  }
  return removed;
}
