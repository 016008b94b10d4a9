/**
 * What the archive guard costs on the pull's main thread, without the engine, the download or gunzip:
 *
 *   node bench/guard-cost.ts IMAGE [--runs 3] [--compare OTHER/src/archive/guarded-archive.ts]
 *
 * Saves IMAGE once (docker save to a temp file), then streams the file, N times each, through: a
 * plain PassThrough (the floor: reading the file), this tree's GuardedArchive (every file hashed, each
 * layer checked), and with --compare another tree's GuardedArchive (e.g. main's, before layer checks).
 * Prints wall and CPU (user+sys of this process) medians per variant.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GuardedArchive } from '../src/archive/guarded-archive.ts';

const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' }, compare: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (flags.help || positionals.length !== 1) {
  console.log('usage: node bench/guard-cost.ts IMAGE [--runs N] [--compare PATH/TO/guarded-archive.ts]');
  process.exit(flags.help ? 0 : 2);
}
const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-guard-cost-'));
try {
  const tar = path.join(dir, 'image.tar');
  execFileSync('docker', ['save', '-o', tar, positionals[0]!]);
  const Other = flags.compare ? ((await import(pathToFileURL(path.resolve(flags.compare)).href)) as { GuardedArchive: typeof GuardedArchive }).GuardedArchive : undefined;
  const variants: Array<[string, () => Transform]> = [
    ['floor: read the file (PassThrough)', () => new PassThrough({ highWaterMark: 4 << 20 })],
    ['GuardedArchive (this tree)', () => new GuardedArchive('image.tar', { highWaterMark: 4 << 20 })],
    ...(Other ? [[`GuardedArchive (${flags.compare})`, () => new Other('image.tar', { highWaterMark: 4 << 20 })] as [string, () => Transform]] : []),
  ];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results = new Map<string, { wall: number[]; cpu: number[] }>(variants.map(([name]) => [name, { wall: [], cpu: [] }]));
  for (let run = 0; run < Number(flags.runs); run++) {
    for (const [name, make] of variants) {
      const guard = make();
      const source = createReadStream(tar, { highWaterMark: 4 << 20 });
      // The pull releases the end once the download's md5 matched; here once the file was read.
      if ('release' in guard) source.once('end', () => (guard as GuardedArchive).release());
      const cpu = process.cpuUsage();
      const started = performance.now();
      await pipeline(source, guard, new Writable({ highWaterMark: 4 << 20, write: (_c, _e, done) => done() }));
      const used = process.cpuUsage(cpu);
      results.get(name)!.wall.push((performance.now() - started) / 1000);
      results.get(name)!.cpu.push((used.user + used.system) / 1e6);
      if (guard instanceof GuardedArchive) console.error(`  ${name}: layers checked ${guard.identity?.layers}`);
    }
  }
  console.log(`| ${positionals[0]} | wall (median) | CPU (median) |\n| --- | ---: | ---: |`);
  for (const [name, { wall, cpu }] of results) console.log(`| ${name} | ${median(wall).toFixed(2)} s | ${median(cpu).toFixed(2)} s |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
