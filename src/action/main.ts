import { spawn } from 'node:child_process';
import { glob } from 'node:fs/promises';
import path from 'node:path';
import { printPush, printSummary } from '../cli/report.ts';
import type { PushResult } from '../results.ts';
import { childEnvironment, commandLine } from './command-line.ts';
import { InputError, readInputs, type ActionInputs } from './inputs.ts';
import { mergeSummary, pushSummary } from './summary.ts';
import { addMask, appendSummary, error, setOutputs, withoutCommands } from './workflow-commands.ts';

/**
 * The GitHub Action's entry (action.yml runs it with the Node that `npm ci` installed beside it):
 * reads the inputs from `INPUT_*`, runs this repository's CLI with `--json`, and turns its results
 * into outputs, a job summary and error annotations. The exit code is the CLI's.
 */
const CLI = path.resolve(import.meta.dirname, '../cli.ts');
const out = (text: string) => void process.stdout.write(text);

async function main(env: Record<string, string | undefined>): Promise<number> {
  let inputs: ActionInputs;
  try {
    inputs = readInputs(env);
  } catch (cause) {
    if (!(cause instanceof InputError)) throw cause;
    error(out, cause.message, 'donodo: invalid input');
    return 1;
  }
  if (inputs.token) addMask(out, inputs.token);
  const scrub = (text: string) => (inputs.token ? text.split(inputs.token).join('***') : text);
  const mergeFiles = await expand(inputs.mergeLocks);

  const run = await withoutCommands(out, async () => {
    const result = await runCli(commandLine(inputs, mergeFiles), childEnvironment(inputs, env));
    if (!inputs.mergeLocks.length) {
      const results = result.json as PushResult[];
      for (const r of results) printPush(out, r);
      if (results.length > 1) printSummary(out, results);
    }
    return result;
  });

  if (inputs.mergeLocks.length) {
    const merge = run.json[0] as { output: string; inputs: string[]; entries: number; added: string[]; updated: string[] } | undefined;
    if (merge) {
      await setOutputs(env.GITHUB_OUTPUT, { 'lock-file': scrub(relative(merge.output)) });
      await appendSummary(env.GITHUB_STEP_SUMMARY, scrub(mergeSummary({ ...merge, output: relative(merge.output) })));
    } else error(out, scrub(lastError(run.stderr) ?? `donodo lock merge failed (exit ${run.code}); see the log above.`), 'donodo: lock merge failed');
    return run.code;
  }

  const results = run.json as PushResult[];
  const first = results.find((r) => r.status !== 'failed') ?? results[0];
  const lockFile = /^donodo: recorded in (.+)$/m.exec(run.stderr)?.[1];
  await setOutputs(env.GITHUB_OUTPUT, {
    doi: first?.doi ?? '',
    'concept-doi': first?.conceptDoi ?? '',
    'record-id': first?.recordId ?? '',
    'image-id': first?.imageId ?? '',
    'web-url': first?.webUrl ?? '',
    images: scrub(JSON.stringify(results)),
    'lock-file': lockFile ?? '',
  });
  const share = /^donodo: (shard \S+ takes none of the \d+ images); nothing to do$/m.exec(run.stderr)?.[1];
  if (results.length) await appendSummary(env.GITHUB_STEP_SUMMARY, scrub(pushSummary(results, lockFile)));
  else if (share) await appendSummary(env.GITHUB_STEP_SUMMARY, `### donodo: nothing to archive\n\nThe ${share}.\n\n`);

  for (const r of results.filter((r) => r.status === 'failed')) {
    error(out, scrub([r.error?.message, r.error?.hint].filter(Boolean).join(' ')), `donodo: ${r.image} failed`);
  }
  const unpublished = results.filter((r) => r.status === 'unpublished');
  if (unpublished.length) {
    error(out, `${unpublished.map((r) => r.image).join(', ')} uploaded but not published: a CI job cannot be asked. Set "auto-publish: true" to publish (permanent), or publish the draft on its web page.`, 'donodo: not published');
  }
  if (run.code !== 0 && !results.length) error(out, scrub(lastError(run.stderr) ?? `donodo failed (exit ${run.code}); see the log above.`), 'donodo failed');
  return run.code;
}

/** Run the CLI: its progress and errors shown as they come, its stdout (JSON lines) kept. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; json: unknown[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const json = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as unknown);
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 143), json, stderr });
    });
  });
}

/** Lock file patterns as the files they match (`locks/*.json`); one matching nothing stays, for the CLI to name. */
async function expand(patterns: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    const matches = [];
    for await (const match of glob(pattern)) matches.push(match);
    files.push(...(matches.length ? matches.sort() : [pattern]));
  }
  return files;
}

/** The first line of the CLI's last error (`donodo: …`), for an annotation. */
function lastError(stderr: string): string | undefined {
  return stderr.match(/^donodo: .*$/gm)?.at(-1)?.slice('donodo: '.length);
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

main(process.env).then(
  (code) => (process.exitCode = code),
  (cause: unknown) => {
    error(out, `internal error: ${String((cause as Error)?.stack ?? cause)}`, 'donodo');
    process.exitCode = 1;
  },
);
