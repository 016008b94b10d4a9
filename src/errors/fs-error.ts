import { formatBytes } from '../output/format.ts';
import { DonodoError } from './donodo-error.ts';

/** What a file system refusal means for the user, by errno code. */
const REFUSALS: Record<string, { what: string; hint: (path: string, needed: string | undefined, action: string) => string }> = {
  ENOSPC: {
    what: 'the disk is full',
    hint: (path, needed) =>
      `Free space on the file system of ${path}${needed ? ` (${needed})` : ''}, or point donodo elsewhere (TMPDIR for the spool, --dir for the archive folder), then run the same command again.`,
  },
  EDQUOT: {
    what: 'the disk quota is used up',
    hint: (path, needed) => `Free space in your quota on ${path}${needed ? ` (${needed})` : ''}, or use another folder.`,
  },
  EACCES: { what: 'permission denied', hint: (path, _needed, action) => `Give yourself the permission to ${action} at ${path}, or use another path.` },
  EPERM: { what: 'the operation is not permitted', hint: (path) => `Check the permissions of ${path}, or use another folder.` },
  EROFS: { what: 'the file system is read-only', hint: (path) => `${path} is on a read-only file system; use a writable folder.` },
  ENOTDIR: { what: 'a part of the path is not a folder', hint: (path) => `Check ${path}: one of its parents is a file.` },
  EISDIR: { what: 'it is a folder, not a file', hint: (path) => `Name a file, not the folder ${path}.` },
  EEXIST: { what: 'it exists already', hint: (path) => `Remove or rename ${path}, or use another path.` },
  ENOENT: { what: 'it does not exist', hint: (path) => `Check the path ${path}.` },
  EMFILE: { what: 'too many files are open', hint: () => 'Raise the limit of open files (ulimit -n) or run fewer pushes at once.' },
};

/** The space a write needs: `needed` bytes, exactly or (`upperBound`) at most, e.g. an archive bounded by its image's size. */
export interface SpaceNeeded {
  needed?: number;
  upperBound?: boolean;
}

function spaceText({ needed, upperBound }: SpaceNeeded): string | undefined {
  if (!needed) return undefined;
  return upperBound ? `up to ${formatBytes(needed)} are needed: the archive is at most the image's uncompressed size` : `about ${formatBytes(needed)} are needed`;
}

/**
 * A file system error as a user error that names the path and what to do, or undefined when the
 * cause is not a file system refusal donodo knows (let it propagate as it is).
 * `action` says what donodo was doing: "write the archive", "create the spool folder".
 */
export function fileSystemError(cause: unknown, path: string, action: string, options: SpaceNeeded = {}): DonodoError | undefined {
  const code = (cause as { code?: unknown })?.code;
  if (typeof code !== 'string') return undefined;
  const refusal = REFUSALS[code];
  if (!refusal) return undefined;
  return new DonodoError(`FS_${code}`, `Could not ${action} at ${path}: ${refusal.what} (${code}).`, {
    hint: refusal.hint(path, spaceText(options), action),
    cause,
  });
}

/** `fileSystemError`, or the cause itself when it is not one: for `catch (e) { throw asFileSystemError(e, …) }`. */
export function asFileSystemError(cause: unknown, path: string, action: string, options: SpaceNeeded = {}): unknown {
  return fileSystemError(cause, path, action, options) ?? cause;
}
