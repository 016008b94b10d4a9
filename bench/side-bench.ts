/**
 * What the side benchmarks (`bench:format`, `bench:registry`) share: their options (`--sizes`,
 * `--runs`, `--out`, `-h`), a log line with the time since start, and a work folder with its runner.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Machine } from './machine.ts';
import { splitSection } from './report.ts';
import { Runner } from './run.ts';

export interface SideBench {
  /** The repository. */
  root: string;
  sizes: number[];
  /** `--sizes` as given, for the report's command line. */
  sizesText: string;
  runs: number;
  /** The results file the benchmark writes its section into. */
  out: string;
  log: (line: string) => void;
  workDir: string;
  runner: Runner;
}

/** Parse the options of the side benchmark `name` (exits after printing its usage on -h), and make its work folder. */
export async function sideBench(name: string, defaultSizes: string): Promise<SideBench> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { values: flags } = parseArgs({
    options: {
      sizes: { type: 'string', default: defaultSizes },
      runs: { type: 'string', default: '3' },
      out: { type: 'string', default: path.join(root, 'bench/RESULTS.md') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (flags.help) {
    console.log(`usage: npm run bench:${name} [-- --sizes ${defaultSizes}] [--runs 3] [--out bench/RESULTS.md]`);
    process.exit(0);
  }
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[${name} ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const workDir = await mkdtemp(path.join(os.tmpdir(), `donodo-bench-${name}-`));
  return { root, sizes: flags.sizes.split(',').map(Number), sizesText: flags.sizes, runs: Number(flags.runs), out: flags.out, log, workDir, runner: await Runner.create(workDir) };
}

/** The machine as a two-column Markdown table (without the compressor line: a side benchmark names its own). */
export function machineTable(machine: Machine): string[] {
  return ['| | |', '| --- | --- |', ...machine.lines.filter(([k]) => k !== 'compressor').map(([k, v]) => `| ${k} | ${v.replaceAll('|', '\\|')} |`)];
}

/** Write `body` as the section between `begin` and `end` of the results file (replacing the one there), and print it. */
export async function writeSection(bench: SideBench, begin: string, end: string, body: string[]): Promise<void> {
  const section = [begin, ...body, end].join('\n');
  const { rest } = splitSection(await readFile(bench.out, 'utf8').catch(() => ''), begin, end);
  await writeFile(bench.out, `${rest.trimEnd()}\n\n${section}\n`);
  process.stdout.write(`${section}\n`);
  bench.log(`wrote ${bench.out}`);
}
