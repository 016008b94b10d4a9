import { randomBytes } from 'node:crypto';
import { link, lstat, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { asFileSystemError, type ArchiveWriter, type Transport } from '../../src/plugin-api.ts';
import { archiveErrors } from './archive-errors.ts';
import { writeDockerArchive } from './write-docker-archive.ts';
import { writeOciLayout } from './write-oci-layout.ts';

/**
 * A pull's destination file or folder. What the pull streams in (a verified, nameless docker-archive
 * tar) is written under a temporary name beside the destination, converted on the way where the
 * transport needs it; {@link ArchiveWriter.commit} moves it into place (never over something that
 * appeared meanwhile), {@link ArchiveWriter.discard} removes every trace.
 */
export async function openArchiveWriter(transport: Transport, where: string, input: string, image: { name?: string; id?: string }): Promise<ArchiveWriter> {
  const target = path.resolve(where);
  const folder = path.dirname(target);
  if (await lstat(target).then(() => true, () => false)) throw archiveErrors.destinationExists(input, target);
  if (!(await stat(folder).then((info) => info.isDirectory(), () => false))) throw archiveErrors.destinationFolderMissing(input, folder);
  const temporary = path.join(folder, `.${path.basename(target)}.donodo-${process.pid}-${randomBytes(4).toString('hex')}`);
  const staging = `${temporary}.layout`;
  const incoming = new PassThrough({ highWaterMark: 1024 * 1024 });
  const job = convert(transport, incoming, { temporary, staging, input, image }).catch((cause: unknown) => {
    throw asFileSystemError(cause, target, 'write the image');
  });
  const stream = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      if (incoming.write(chunk)) callback();
      else incoming.once('drain', () => callback());
    },
    final(callback) {
      incoming.end();
      job.then(() => callback(), callback);
    },
    destroy(error, callback) {
      if (!incoming.writableFinished) incoming.destroy(error ?? undefined);
      callback(error);
    },
  });
  // A conversion that fails stops the stream feeding it, so the pull sees its error.
  job.catch((cause: Error) => stream.destroy(cause));
  const cleanUp = () => Promise.all([rm(temporary, { recursive: true, force: true }), rm(staging, { recursive: true, force: true })]);
  return {
    stream,
    async commit() {
      await job;
      try {
        if (transport === 'oci') {
          if (await lstat(target).then(() => true, () => false)) throw archiveErrors.destinationExists(input, target);
          await rename(temporary, target);
        } else {
          // A hard link never replaces a file that appeared meanwhile (EEXIST); then the temporary name goes.
          await link(temporary, target).catch((cause: NodeJS.ErrnoException) => {
            throw cause.code === 'EEXIST' ? archiveErrors.destinationExists(input, target) : cause;
          });
          await unlink(temporary);
        }
      } catch (cause) {
        await cleanUp();
        throw asFileSystemError(cause, target, 'move the image into place');
      }
      return target;
    },
    async discard() {
      stream.destroy();
      await job.catch(() => undefined);
      await cleanUp();
    },
  };
}

interface Paths {
  /** The file (docker-archive:, oci-archive:) or folder (oci:) that becomes the destination. */
  temporary: string;
  /** Where an OCI layout is put together before it is packed into an oci-archive. */
  staging: string;
  input: string;
  image: { name?: string; id?: string };
}

async function convert(transport: Transport, incoming: Readable, paths: Paths): Promise<void> {
  if (transport === 'docker-archive') return writeDockerArchive(incoming, paths.temporary, paths.input, paths.image.name);
  if (transport === 'oci') return writeOciLayout(incoming, paths.temporary, paths.input, paths.image);
  return writeOciLayout(incoming, paths.staging, paths.input, paths.image, paths.temporary);
}
