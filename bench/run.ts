/**
 * Child processes of the benchmark: each in its own process group (so a timeout or Ctrl-C kills the
 * whole pipeline), with a time limit, and, for the measured ones, resource accounting through GNU
 * time (`/usr/bin/time -f '%e %U %S %M'`) on every command of a pipeline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, lstat, rm } from 'node:fs/promises';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the process group after this long (default 10 minutes). */
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Resources of one command, as GNU time reports them. */
export interface PartUsage {
  command: string;
  userS: number;
  sysS: number;
  maxRssKb: number;
}

/** Resources of a measured script: wall time from the outside, CPU summed over its commands, peak = the largest. */
export interface Usage {
  wallS: number;
  cpuS: number;
  peakRssKb: number;
  parts: PartUsage[];
  stdout: string;
  stderr: string;
}

/** Quote one word for bash. */
export function q(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export class Runner {
  readonly #children = new Set<ChildProcess>();
  readonly #timeDir: string;
  #aborted: Error | undefined;
  #timeFiles = 0;

  constructor(timeDir: string) {
    this.#timeDir = timeDir;
  }

  static async create(workDir: string): Promise<Runner> {
    return new Runner(await mkdtemp(path.join(workDir, 'time-')));
  }

  /** Run a command; rejects on a non-zero exit, a timeout or an abort, with the end of its stderr. */
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    if (this.#aborted) return Promise.reject(this.#aborted);
    const timeoutMs = options.timeoutMs ?? 600_000;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // own process group: killed as a whole
      });
      this.#children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.length > 256 * 1024) stderr = stderr.slice(-64 * 1024);
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        this.#children.delete(child);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.#children.delete(child);
        const shown = `${command} ${args.join(' ')}`.slice(0, 300);
        if (this.#aborted) reject(this.#aborted);
        else if (timedOut) reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s: ${shown}\n${tail(stderr)}`));
        else if (code !== 0) reject(new Error(`exit ${code ?? signal}: ${shown}\n${tail(stderr)}`));
        else resolve({ code: 0, stdout, stderr });
      });
    });
  }

  async capture(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
    return (await this.run(command, args, options)).stdout;
  }

  /**
   * Run a bash script (with `set -o pipefail`) in which every `{T}` is replaced by a GNU time prefix
   * writing to its own file, and return wall time (measured here), summed CPU and peak RSS.
   */
  async measure(script: string, options: RunOptions = {}): Promise<Usage> {
    const files: string[] = [];
    const expanded = script.replaceAll('{T}', () => {
      const file = path.join(this.#timeDir, `t${++this.#timeFiles}`);
      files.push(file);
      return `${GNU_TIME} -f '%e %U %S %M' -o ${q(file)}`;
    });
    const started = performance.now();
    const result = await this.run('bash', ['-c', `set -o pipefail\n${expanded}`], options);
    const wallS = (performance.now() - started) / 1000;
    const parts: PartUsage[] = [];
    const commands = script.split('{T}').slice(1).map((s) => s.trim().split(/\s+/)[0] ?? '?');
    for (const [i, file] of files.entries()) {
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      const [, user, sys, rss] = lines.at(-1)!.trim().split(/\s+/).map(Number);
      parts.push({ command: commands[i]!, userS: user ?? NaN, sysS: sys ?? NaN, maxRssKb: rss ?? NaN });
      await rm(file, { force: true });
    }
    return {
      wallS,
      cpuS: parts.reduce((sum, p) => sum + p.userS + p.sysS, 0),
      peakRssKb: Math.max(...parts.map((p) => p.maxRssKb)),
      parts,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  }

  /** Kill every running child (process groups) and refuse new ones. */
  abort(reason: Error): void {
    this.#aborted ??= reason;
    for (const child of this.#children) killGroup(child);
  }

  get aborted(): Error | undefined {
    return this.#aborted;
  }

  /** Allow children again (for the clean-up after an abort). */
  resume(): void {
    this.#aborted = undefined;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-15).join('\n');
}

/** Total size of the files under `dir`, sampled every `intervalMs`; `stop()` gives the peak. */
export function sampleDiskUsage(dir: string, intervalMs = 100): { stop(): Promise<number> } {
  let peak = 0;
  let busy: Promise<void> = Promise.resolve();
  const sample = async () => {
    const size = await treeSize(dir).catch(() => 0);
    if (size > peak) peak = size;
  };
  const timer = setInterval(() => {
    busy = busy.then(sample);
  }, intervalMs);
  busy = busy.then(sample);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      return peak;
    },
  };
}

export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeSize(full);
    else total += await lstat(full).then((s) => s.size, () => 0);
  }
  return total;
}
