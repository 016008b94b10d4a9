import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import { markOfThisProcess, processGone, type ProcessMark } from '../runtime/process-liveness.ts';

/** Who holds an exclusive file: enough to tell whether it is still alive, and to tell the user. */
export interface LockOwner extends ProcessMark {
  /** ISO time the lock was taken. */
  started: string;
  /** What the holder is doing, for messages ("push lab/x"). */
  purpose?: string;
  /** Unique per acquisition: a release removes the file only while it is still this one. */
  token: string;
}

/** What `tryAcquire` found: the lock is ours, or someone else holds it. */
export type Attempt = { acquired: true; owner: LockOwner } | { acquired: false; holder: LockOwner | undefined };

/** Files held by this process, removed by the exit sweep even when the process ends through process.exit(). */
const held = new Map<string, string>();
let sweeping = false;

function sweepOnExit(): void {
  if (sweeping) return;
  sweeping = true;
  // 'exit' listeners run on every normal exit, process.exit() included (a signal handler that exits too);
  // a SIGKILL leaves the file, and the next run finds its pid dead and takes it over.
  process.on('exit', () => {
    for (const [file, token] of held) removeIfOurs(file, token);
  });
}

/**
 * Try once to create `file` exclusively. The content is written to a unique temporary file first and
 * then hard-linked into place: link() fails with EEXIST when the file exists, like open(…, 'wx'), but
 * the lock appears complete, so no reader ever sees it empty or half written. A lock whose pid is dead
 * on this host is stale: it is taken over (under a second short lock, so that two runs that both find
 * it stale cannot both take it).
 */
export function tryAcquire(file: string, purpose?: string): Attempt {
  sweepOnExit();
  const owner: LockOwner = { ...markOfThisProcess(), started: new Date().toISOString(), purpose, token: randomBytes(8).toString('hex') };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWith(file, owner)) {
      held.set(file, owner.token);
      return { acquired: true, owner };
    }
    const holder = readOwner(file);
    if (holder === null) continue; // removed in the meantime: try again
    if (!holder || !isStale(holder)) return { acquired: false, holder };
    if (!takeOverStale(file, holder)) return { acquired: false, holder: readOwner(file) ?? holder };
  }
  return { acquired: false, holder: readOwner(file) ?? undefined };
}

/** Remove `file` if this process still holds it. */
export function release(file: string, owner: LockOwner): void {
  held.delete(file);
  removeIfOurs(file, owner.token);
}

/** The owner recorded in a lock file; null when there is no file, undefined when it cannot be read. */
export function readOwner(file: string): LockOwner | null | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    return (cause as { code?: string }).code === 'ENOENT' ? null : undefined;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner?.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** A lock of this host whose process is gone. Locks of other hosts (a shared home folder) are never judged. */
export function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  // Our own pid but not a lock we hold: an earlier process that had this pid (pids are reused).
  if (owner.pid === process.pid) return ![...held.values()].includes(owner.token);
  return processGone(owner);
}

function createWith(file: string, owner: LockOwner): boolean {
  const temp = `${file}.${process.pid}.${owner.token}.tmp`;
  const fd = openSync(temp, 'wx', 0o644);
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: open(…, 'wx') is just as exclusive, only not born complete.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createInPlace(file, owner);
    throw cause;
  } finally {
    unlinkSync(temp);
  }
}

function createInPlace(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (cause) {
    if ((cause as { code?: string }).code === 'EEXIST') return false;
    throw cause;
  }
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function takeOverStale(file: string, stale: LockOwner): boolean {
  const guard = `${file}.takeover`;
  const me: LockOwner = { ...markOfThisProcess(), started: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  if (!createWith(guard, me)) {
    // Another run is taking it over right now, or died doing so (then its guard is stale too).
    const other = readOwner(guard);
    if (other && isStale(other)) removeIfOurs(guard, other.token);
    return false;
  }
  try {
    // Only the very lock that was found stale is removed, not one that a faster run made since.
    const current = readOwner(file);
    if (current && current.token === stale.token) unlinkSync(file);
    return true;
  } finally {
    removeIfOurs(guard, me.token);
  }
}

function removeIfOurs(file: string, token: string): void {
  try {
    if (readOwner(file)?.token === token) unlinkSync(file);
  } catch {
    // Gone already: nothing to release.
  }
}

/**
 * Take `file` for a short critical section, waiting while another process holds it (polling every
 * 20 ms, at most `timeoutMs`); the holder is returned on time-out so the caller can name it.
 */
export async function acquireWaiting(file: string, purpose: string, timeoutMs = 10_000): Promise<Attempt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const attempt = tryAcquire(file, purpose);
    if (attempt.acquired || Date.now() > deadline) return attempt;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
