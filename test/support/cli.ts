import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLines } from '../../src/testing/cli-process.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(root, 'src/cli.ts');
/** Default working directory of CLI runs: a scratch folder, so that lock files never land in the repository. */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'donodo-cwd-'));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (with --json). */
  json: any[];
}

/** Run the real donodo CLI as a user would (a child process), with no terminal attached. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** A command that runs the CLI's node process, e.g. `['setpriv', '--inh-caps=-dac_override', '--']`. */
  wrap?: string[];
}

/** Start the CLI and get hold of the process, e.g. to kill it at a chosen moment. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> } {
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(command!, [...prefix, CLI, ...args], {
    cwd: options.cwd ?? scratch,
    env: Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1', ...options.env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(options.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, json: jsonLines(stdout) });
    });
  });
  return { child, done };
}
