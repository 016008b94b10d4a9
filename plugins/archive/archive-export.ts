import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { readTarEntries, TarWriter } from '../../src/plugin-api.ts';
import { archiveErrors } from './archive-errors.ts';
import type { ArchiveImage } from './archive-image.ts';
import { isFile, tarError } from './layout-files.ts';

/**
 * The image as a tar `docker load` reads, streamed: the files the plan copies (each checked against
 * its digest as it passes; a mismatch or a missing one fails the stream) and the ones it writes.
 */
export function exportArchive(image: ArchiveImage, input: string): Readable {
  const tar = new TarWriter({ highWaterMark: 1024 * 1024 });
  const job = 'tar' in image.source ? fromTar(image, image.source.tar, input, tar) : fromFolder(image, image.source.folder, input, tar);
  job.then(
    () => tar.finish(),
    (cause: Error) => tar.destroy(cause),
  ).catch((cause: Error) => tar.destroy(cause));
  return tar;
}

async function fromTar(image: ArchiveImage, file: string, input: string, tar: TarWriter): Promise<void> {
  const { plan } = image;
  const copied = new Set<string>();
  const written = new Set<string>();
  let seen = 0;
  try {
    for await (const entry of readTarEntries(createReadStream(file, { highWaterMark: 1024 * 1024 }))) {
      seen++;
      const name = entry.name.replace(/\/$/, '');
      if (plan.write.has(name) && !written.has(name)) {
        written.add(name);
        await tar.addFile(name, plan.write.get(name)!);
      } else if (entry.type === '5' && plan.folders.has(name)) {
        await tar.addDirectory(name, { mode: entry.mode });
      } else if (isFile(entry.type) && plan.copy.has(name) && !copied.has(name)) {
        copied.add(name);
        await tar.addFile(name, checked(entry.body, plan.copy.get(name), name, input), { size: entry.size, mode: entry.mode });
      }
    }
  } catch (cause) {
    throw tarError(cause, input, seen);
  }
  for (const name of plan.copy.keys()) if (!copied.has(name)) throw archiveErrors.blobMissing(input, name);
  for (const [name, content] of plan.write) if (!written.has(name)) await tar.addFile(name, content);
}

async function fromFolder(image: ArchiveImage, root: string, input: string, tar: TarWriter): Promise<void> {
  const { plan } = image;
  // Metadata first (oci-layout, index.json), the blobs, then the manifest.json old loaders read.
  const last = 'manifest.json';
  for (const [name, content] of plan.write) if (name !== last) await tar.addFile(name, content);
  for (const folder of ['blobs', 'blobs/sha256']) await tar.addDirectory(folder);
  for (const [name, digest] of plan.copy) {
    const file = path.join(root, name);
    const found = await stat(file).catch(() => undefined);
    if (!found?.isFile()) throw archiveErrors.blobMissing(input, name);
    const { size } = found;
    await tar.addFile(name, checked(createReadStream(file), digest, name, input), { size });
  }
  if (plan.write.has(last)) await tar.addFile(last, plan.write.get(last)!);
}

/** `body`, hashed as it passes; at its end, a digest other than `digest` (hex) fails it. */
function checked(body: Readable, digest: string | undefined, name: string, input: string): Readable {
  if (!digest) return body;
  const hash = createHash('sha256');
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      callback(actual === digest ? null : archiveErrors.digestMismatch(input, name, `sha256:${digest}`, `sha256:${actual}`));
    },
  });
  body.once('error', (cause) => check.destroy(cause));
  return body.pipe(check);
}
