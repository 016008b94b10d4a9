/**
 * Throughput and size of the gzip plugin against gzip -6 and pigz, on ~200 MB of half compressible
 * text / half random bytes interleaved in segments of 256 KiB to 8 MiB (generated deterministically,
 * cached in the temp directory). Not a test: run it by hand.
 *
 *   node test/plugins/gzip/measure.ts [MiB=200]
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import plugin, { type GzipCompressor, type GzipOptions } from '../../../plugins/gzip/index.ts';
import type { PluginDeps } from '../../../src/plugin-api.ts';
import type { ParallelGzip } from '../../../plugins/gzip/parallel-gzip.ts';
import { makeRandom, makeText } from './data.ts';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 200) * MiB;
const file = path.join(os.tmpdir(), `donodo-gzip-bench-${size / MiB}MiB.bin`);

function makeInput(): void {
  if (existsSync(file) && statSync(file).size === size) return;
  const half = size / 2;
  const text = makeText(half, 42);
  const random = makeRandom(half, 42);
  const parts: Buffer[] = [];
  let seed = 7;
  let at = 0;
  while (at < half) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const length = Math.min(half - at, 256 * 1024 + (seed % (8 * MiB - 256 * 1024)));
    parts.push(text.subarray(at, at + length), random.subarray(at, at + length));
    at += length;
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** Counts what passes, discarding it. */
class Counter extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

async function ours(options: GzipOptions): Promise<{ seconds: number; bytes: number; stored: number; blocks: number }> {
  const stream = (plugin.create(options, {} as PluginDeps) as GzipCompressor).compress() as ParallelGzip;
  const counter = new Counter();
  const started = performance.now();
  await pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), stream, counter);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, bytes: counter.bytes, stored: stream.storedBlockCount, blocks: stream.blockCount };
}

async function tool(command: string, args: string[]): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  const child = spawn(command, [...args, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
  await new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)))));
  return { seconds: (performance.now() - started) / 1000, bytes };
}

makeInput();
// Warm the page cache so every run reads from memory.
await pipeline(createReadStream(file), new Counter());

const rows: [string, { seconds: number; bytes: number }][] = [];
const reference = await tool('gzip', ['-6', '-c']);
rows.push(['gzip -6', reference]);
rows.push([`pigz -6 -p ${os.availableParallelism()}`, await tool('pigz', ['-6', '-p', String(os.availableParallelism()), '-c'])]);
for (const [name, options] of [
  ['donodo gzip (defaults)', {}],
  ['donodo gzip adaptive:false', { adaptive: false }],
  ['donodo gzip level 1', { level: 1 }],
] as [string, GzipOptions][]) {
  const best = [await ours(options), await ours(options)].sort((a, b) => a.seconds - b.seconds)[0]!;
  rows.push([`${name} (${best.stored}/${best.blocks} blocks stored)`, best]);
}

console.log(`input: ${file}, ${(size / 1e6).toFixed(1)} MB, ${os.availableParallelism()} cores, Node ${process.version}, zlib ${process.versions.zlib}`);
for (const [name, { seconds, bytes }] of rows) {
  const line = [
    name.padEnd(48),
    `${(size / 1e6 / seconds).toFixed(1).padStart(7)} MB/s`,
    `ratio ${(bytes / size).toFixed(4)}`,
    `vs gzip -6 ${(((bytes / reference.bytes) - 1) * 100).toFixed(2).padStart(6)} %`,
  ];
  console.log(line.join('  '));
}
console.log(`max RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
