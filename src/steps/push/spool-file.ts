import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { ArchiveFile, UploadSource } from '../../contracts/storage-backend.ts';
import { MeasuringStream } from '../../streams/measure.ts';

/**
 * The compressed archive on local disk. Storage needs its length before the upload starts
 * (Zenodo refuses chunked uploads), and a retried upload must re-read it from the start.
 */
export interface SpoolFile extends UploadSource {
  path: string;
  sha256: string;
  remove(): Promise<void>;
}

/** Write `input` through `compress` into a new spool file, hashing the compressed bytes on the way. */
export async function writeSpool(key: string, input: Readable, compress: NodeJS.ReadWriteStream, progress: ProgressSink, tmpDir?: string): Promise<SpoolFile> {
  const dir = await mkdtemp(path.join(tmpDir ?? os.tmpdir(), 'donodo-'));
  const file = path.join(dir, key);
  const measure = new MeasuringStream({ sha256: true });
  const count = new MeasuringStream({ md5: false, progress }); // uncompressed bytes, for the progress line
  try {
    await pipeline(input, count, compress, measure, createWriteStream(file));
  } catch (cause) {
    await rm(dir, { recursive: true, force: true });
    throw cause;
  }
  const { size, md5, sha256 } = measure.result();
  return {
    key,
    path: file,
    size,
    md5,
    sha256: sha256!,
    open: () => createReadStream(file),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Whether a stored file is exactly this archive (same key, size and md5). */
export function holdsSpool(file: ArchiveFile | undefined, spool: SpoolFile): boolean {
  return Boolean(file && file.key === spool.key && file.size === spool.size && file.md5 === spool.md5);
}
