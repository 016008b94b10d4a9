import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Which process wrote something that outlives it when it is killed (a spool, a lock file). */
export interface ProcessMark {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (/proc/PID/stat), where known: tells a reused pid apart. */
  startTicks?: string;
}

/** The mark of this process. */
export function markOfThisProcess(): ProcessMark {
  return { pid: process.pid, host: os.hostname(), startTicks: startTicks(process.pid) };
}

/**
 * Whether the process of a mark is gone: the mark is of this host, and its pid does not exist, or
 * now belongs to a process started at another time. Marks of other hosts (a shared folder) are
 * never judged gone; neither is a process of another user (EPERM: it exists).
 */
export function processGone(mark: ProcessMark): boolean {
  if (mark.host !== os.hostname()) return false;
  try {
    process.kill(mark.pid, 0);
  } catch (cause) {
    return (cause as { code?: string }).code === 'ESRCH';
  }
  const now = startTicks(mark.pid);
  return Boolean(mark.startTicks && now && now !== mark.startTicks);
}

/** Field 22 of /proc/PID/stat; undefined where /proc does not say. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
