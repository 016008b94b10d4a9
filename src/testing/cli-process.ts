import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** donodo's own CLI, beside this module (src/cli.ts in a checkout, dist/src/cli.js once built). */
const CLI = fileURLToPath(new URL(`../cli${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export interface CliRun {
  /** Exit code; 128 + the signal's number when a signal ended it (137: SIGKILL). */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines (`--json`). */
  json: any[];
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** The JSON lines of a `--json` run's output. */
export function jsonLines(stdout: string): any[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Run the real donodo CLI as a user would: a child process, no terminal. */
export function runDonodo(args: string[], options: { cwd: string; env: Record<string, string | undefined> }): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1', ...options.env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? 128 + (SIGNALS[signal ?? ''] ?? 0), stdout, stderr, json: jsonLines(stdout) });
    });
  });
}
