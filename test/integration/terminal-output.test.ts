import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, startCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const NAME = `donodo-test/output-${process.pid}`;
const images = [`${NAME}/a:1.0`, `${NAME}/a:1.1`, `${NAME}/b:1.0`, `${NAME}/c:1.0`, `${NAME}/d:1.0`];
let dir: string;
let zenodo: Emulator;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-output-'));
  zenodo = await startEmulator();
  await buildTestImage(`${NAME}/big:1.0`, { extraBytes: 12_000_000 });
  await buildTestImage(`${NAME}/slow:1.0`, { extraBytes: 12_000_000 });
  for (const image of images) await buildTestImage(image);
});

afterAll(async () => {
  await removeImages(`${NAME}/big:1.0`, `${NAME}/slow:1.0`, ...images);
  await zenodo.close();
  await rm(dir, { recursive: true, force: true });
});

const storage = (name: string) => ['--storage', 'dir', '--dir', path.join(dir, name)];

describe('progress and errors when stderr is not a terminal', () => {
  it('prints each error once, with its hint once', async () => {
    const run = await runCli(['push', `${NAME}/missing:1.0`, ...storage('errors'), '-y']);
    expect(run.code).toBe(1);
    expect(run.stderr.match(/does not exist in the local Docker engine/g)).toHaveLength(1);
    expect(run.stderr.match(/Build or pull it first/g)).toHaveLength(1);
    expect(run.stderr).toContain('✖ Inspect image\n');
  });

  it('shows a transfer moving: a line every 10 % with bytes, speed and time left, between the step\'s start and its end', async () => {
    // A link of 3 MB/s: the upload takes a few seconds, long enough for the time left to show.
    zenodo.faults.slowLink(3_000_000);
    let run;
    try {
      run = await runCli(['push', `${NAME}/big:1.0`, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl, '-y', '--no-lock'], { env: { ZENODO_TOKEN: zenodo.token } });
    } finally {
      zenodo.faults.slowLink(null);
    }
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n');
    const upload = lines.filter((line) => /^ {2}Upload: \d+% · /.test(line));
    expect(upload.map((line) => /Upload: (\d+)%/.exec(line)![1])).toEqual(['10', '20', '30', '40', '50', '60', '70', '80', '90']);
    expect(upload[0]).toMatch(/^ {2}Upload: 10% · [\d.]+ MB \/ [\d.]+ MB · [\d.]+ [kMG]?B\/s( · \d+ s left)?$/);
    expect(upload.at(-1)).toMatch(/^ {2}Upload: 90% · [\d.]+ MB \/ [\d.]+ MB · [\d.]+ [kM]B\/s · \d+ s left$/);
    expect(lines.indexOf(upload.at(-1)!)).toBeLessThan(lines.findIndex((line) => line.startsWith('✔ Upload (')));
    expect(lines.some((line) => /^ {2}Export and compress: 50% · /.test(line))).toBe(true);
  });

  it('says "unchanged" once per image on a rerun that has nothing to do, instead of one line per skipped step', async () => {
    const first = await runCli(['push', ...images, ...storage('batch'), '-y', '--no-lock']);
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['push', ...images, ...storage('batch'), '-y', '--no-lock']);
    expect(again.code, again.stderr).toBe(0);
    for (const image of images) expect(again.stderr.match(new RegExp(`^↓ ${image}: unchanged, already published as record \\d+$`, 'gm'))).toHaveLength(1);
    expect(again.stderr).not.toMatch(/SKIPPED|skipped/);
    expect(again.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(images.length * 4);
  });

  it('prints a progress line every 15 s while a transfer moves slower than 10 % in that time', async () => {
    // 40 kB/s: 10 % of the archive takes half a minute. Once a line came 15 s after the last one
    // without a new tenth, the push is interrupted (it cleans up after itself).
    zenodo.faults.slowLink(40_000);
    // (An image of its own: big:1.0 is published by the test above.)
    const { child, done } = startCli(['push', `${NAME}/slow:1.0`, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl, '-y', '--no-lock'], { env: { ZENODO_TOKEN: zenodo.token } });
    const seen: Array<{ at: number; tenth: number }> = [];
    let timed: { gap: number; line: string } | undefined;
    let buffer = '';
    let started = 0;
    child.stderr.on('data', (data: Buffer) => {
      buffer += data;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('✔ Prepare the draft')) started = Date.now();
        const upload = /^ {2}Upload: (\d+)% · /.exec(line);
        if (!upload || timed) continue;
        const tenth = Math.floor(Number(upload[1]) / 10);
        const last = seen.at(-1);
        const gap = Date.now() - (last?.at ?? started);
        if (gap >= 14_000 && (last ? last.tenth === tenth : tenth === 0)) {
          timed = { gap, line };
          child.kill('SIGINT');
        }
        seen.push({ at: Date.now(), tenth });
      }
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let run;
    try {
      run = await done;
    } finally {
      clearTimeout(killer);
      zenodo.faults.slowLink(null);
    }
    expect(timed, `no line came after 15 s without a new tenth:\n${run.stderr}`).toBeDefined();
    expect(timed!.gap).toBeLessThan(25_000);
    expect(timed!.line).toMatch(/^ {2}Upload: \d+% · [\d.]+ [kM]B \/ [\d.]+ MB · [\d.]+ kB\/s · \d+ (s|min \d+ s) left$/);
  }, 90_000);
});
