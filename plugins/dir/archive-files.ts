import { randomBytes } from 'node:crypto';
import { constants, type ReadStream } from 'node:fs';
import { lstat, mkdtemp, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { asFileSystemError, DonodoError } from '../../src/plugin-api.ts';

/**
 * The archive folder treats its own files as untrusted input: a record.json may have been edited,
 * and anyone who can write the folder can plant a symlink. Nothing here follows a symlink or leaves
 * the record's folder.
 */

/** A file key of record.json is a plain file name: not empty, no separator, not "." or "..". */
export function isPlainName(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= 255 && !/[/\\\0]/.test(key) && key !== '.' && key !== '..';
}

export function damagedRecord(file: string, what: string): DonodoError {
  return new DonodoError('DIR_RECORD_DAMAGED', `The archive record ${file} is damaged: ${what}; donodo does not use it.`, {
    hint: 'Restore the record folder from a backup, or move it out of the archive folder (then push the image again).',
  });
}

export function symlinkRefused(file: string): DonodoError {
  return new DonodoError('DIR_SYMLINK', `${file} in the archive folder is a symbolic link (or not a plain file); donodo does not follow it.`, {
    hint: 'An archive holds plain files only. Replace the link by the file it should be, or restore the record folder from a backup.',
  });
}

/** Read a file of the archive, refusing symlinks and anything that is not a regular file. */
export async function readPlainFile(file: string): Promise<string> {
  const handle = await openPlain(file);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** A read stream of a regular file of the archive (O_NOFOLLOW: a symlink to /dev/zero is refused, not read for ever). */
export async function streamPlainFile(file: string): Promise<{ stream: ReadStream; size: number }> {
  const handle = await openPlain(file);
  const { size } = await handle.stat();
  // The stream owns the handle and closes it at the end (or on destroy).
  return { stream: handle.createReadStream(), size };
}

async function openPlain(file: string) {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ELOOP') throw symlinkRefused(file);
    throw cause;
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw symlinkRefused(file);
  }
  return handle;
}

/** A folder of the archive must be a real folder, not a symlink to one elsewhere. */
export async function requireRealFolder(folder: string): Promise<void> {
  const info = await lstat(folder);
  if (!info.isDirectory()) throw symlinkRefused(folder);
}

/** A temporary name beside `file`, unique per run, so that a crashed run's leftover never blocks the next. */
export function tempBeside(file: string, suffix: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/**
 * Check, before the export starts, that the archive folder can be used: it is a folder (or does not
 * exist and can be made), and files can be written there. A probe folder is made and removed at once:
 * permissions alone do not say whether a write succeeds (root ignores them; a read-only mount does not).
 */
export async function checkArchiveFolder(root: string): Promise<void> {
  let existing = root;
  for (;;) {
    try {
      const info = await stat(existing);
      if (!info.isDirectory()) {
        throw new DonodoError('DIR_NOT_A_FOLDER', `The archive folder ${root} cannot be used: ${existing} is a file, not a folder.`, {
          hint: 'Give --dir (or the dir storage\'s "path") a folder, or a path where a folder can be made.',
        });
      }
      break;
    } catch (cause) {
      if ((cause as { code?: string }).code !== 'ENOENT' || path.dirname(existing) === existing) throw asFileSystemError(cause, existing, 'use the archive folder');
      existing = path.dirname(existing);
    }
  }
  let probe: string | undefined;
  try {
    probe = await mkdtemp(path.join(existing, '.donodo-probe-'));
  } catch (cause) {
    throw asFileSystemError(cause, existing, existing === root ? 'write into the archive folder' : `create the archive folder ${root}`);
  } finally {
    if (probe) await rm(probe, { recursive: true, force: true });
  }
}
