import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

// A batch split across CI jobs: `push --all --shard K/N` in each job, then `lock merge` of their lock files.
const SHARDS = 3;
/** The shard the README documents: 1 + (first four bytes of sha256(NAME), big-endian) mod N. */
const shardOf = (name: string, count = SHARDS) => 1 + (createHash('sha256').update(name).digest().readUInt32BE(0) % count);

// Three names whose shards are not all the same (found by trying suffixes), so the split is visible.
function pickNames(): string[] {
  for (let i = 0; ; i++) {
    const names = ['a', 'b', 'c'].map((n) => `donodo-test/shard${process.pid}-${n}${i}`);
    if (new Set(names.map((n) => shardOf(n))).size >= 2) return names;
  }
}
const [A, B, C] = pickNames() as [string, string, string];
const IMAGES = [`${A}:1.0`, `${A}:1.1`, `${B}:1.0`, `${C}:2.0`];
let work: string;
let archive: string;

const jobDir = (k: number) => path.join(work, `job-${k}`);
const lockOf = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

async function writeProject(dir: string, images: unknown[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ storage: { name: 'dir', options: { path: archive } }, images, autoPublish: true }));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-shards-'));
  archive = path.join(work, 'archive');
  for (const image of IMAGES) await buildTestImage(image);
});

afterAll(async () => {
  await removeImages(...IMAGES);
  await rm(work, { recursive: true, force: true });
});

describe('push --all --shard K/N, then lock merge', () => {
  const config = [{ name: A, tags: ['1.0', '1.1'] }, `${B}:1.0`, `${C}:2.0`];
  const pushed: Record<number, any[]> = {};

  it('gives every image to exactly one job, all tags of a name to the same one, by the documented hash of the name', async () => {
    for (let k = 1; k <= SHARDS; k++) {
      await writeProject(jobDir(k), config);
      const run = await runCli(['push', '--all', '--shard', `${k}/${SHARDS}`, '--json'], { cwd: jobDir(k) });
      expect(run.code, run.stderr).toBe(0);
      pushed[k] = run.json;
      const mine = IMAGES.filter((image) => shardOf(image.slice(0, image.lastIndexOf(':'))) === k);
      expect(run.json.map((r) => r.image)).toEqual(mine);
      expect(run.json.every((r) => r.status === 'published')).toBe(true);
      // The job says what it took, and a job with nothing to do says so and succeeds.
      expect(run.stderr).toContain(mine.length ? `shard ${k}/${SHARDS} takes ${mine.length} of the 4 images: ${mine.join(', ')}` : `shard ${k}/${SHARDS} takes none of the 4 images; nothing to do`);
    }
    expect(Object.values(pushed).flat().map((r) => r.image).sort()).toEqual([...IMAGES].sort());
    // Both tags of A are versions of one concept, the second after the first.
    const a = Object.values(pushed).flat().filter((r) => r.image.startsWith(`${A}:`));
    expect(a.map((r) => r.version)).toEqual(['1.0', '1.1']);
    expect(a[0].conceptRecId).toBe(a[1].conceptRecId);
  });

  it('succeeds with nothing to do in a job whose share is empty, and writes no lock file', async () => {
    const used = new Set([A, B, C].map((name) => shardOf(name, 50)));
    const empty = Array.from({ length: 50 }, (_, i) => i + 1).find((k) => !used.has(k))!;
    const dir = path.join(work, 'empty-share');
    await writeProject(dir, config);
    const run = await runCli(['push', '--all', '--shard', `${empty}/50`, '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`donodo: shard ${empty}/50 takes none of the 4 images; nothing to do`);
    expect(await stat(path.join(dir, 'donodo.lock.json')).catch(() => undefined)).toBeUndefined();
  });

  it('keeps each image in its shard when the list is reordered or grows', async () => {
    const other = path.join(work, 'reordered');
    await writeProject(other, [`${C}:2.0`, `donodo-test/shard${process.pid}-new:1.0`, `${B}:1.0`, { name: A, tags: ['1.1', '1.0'] }]);
    for (let k = 1; k <= SHARDS; k++) {
      const run = await runCli(['push', '--all', '--shard', `${k}/${SHARDS}`, '--dry-run', '--json'], { cwd: other });
      const names = run.json.map((r) => r.image).filter((image: string) => !image.includes('-new:'));
      expect(names.sort(), run.stderr).toEqual(pushed[k]!.map((r) => r.image).sort());
    }
  });

  it('merges the jobs\' lock files into the project\'s lock file: every entry once', async () => {
    const project = path.join(work, 'project');
    await writeProject(project, config);
    const inputs: string[] = [];
    for (let k = 1; k <= SHARDS; k++) {
      const file = path.join(jobDir(k), 'donodo.lock.json');
      const exists = await stat(file).then(() => true, () => false);
      // A job that took no image wrote no lock file.
      expect(exists).toBe(pushed[k]!.length > 0);
      if (exists) inputs.push(file);
    }
    const run = await runCli(['lock', 'merge', ...inputs, '--json'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json[0]).toMatchObject({ output: path.join(project, 'donodo.lock.json'), entries: 4, updated: [] });
    expect(run.json[0].added.sort()).toEqual([...IMAGES].sort());
    const merged = await lockOf(path.join(project, 'donodo.lock.json'));
    const entries = merged.storages[Object.keys(merged.storages)[0]!];
    for (const result of Object.values(pushed).flat()) {
      expect(entries[result.image]).toMatchObject({ recordId: result.recordId, conceptRecId: result.conceptRecId, imageId: result.imageId, published: true });
    }

    // Merging again changes nothing; the human account says so.
    const again = await runCli(['lock', 'merge', ...inputs], { cwd: project });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`Merged ${inputs.length} lock files into donodo.lock.json: 4 entries, 0 new, 0 updated.\n`);

    // The merged lock is the project's: a rerun of the whole batch finds every image done.
    const rerun = await runCli(['push', '--all', '--json'], { cwd: project });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('takes a draft in one file and its published version in another as one entry, the published one', async () => {
    const file = path.join(jobDir(pushed[1]!.length ? 1 : pushed[2]!.length ? 2 : 3), 'donodo.lock.json');
    const lock = await lockOf(file);
    const location = Object.keys(lock.storages)[0]!;
    const [image, entry] = Object.entries(lock.storages[location])[0] as [string, any];
    const draft = path.join(work, 'draft.json');
    await writeFile(draft, JSON.stringify({ lockfileVersion: 1, storages: { [location]: { [image]: { ...entry, published: false, updated: '2000-01-01T00:00:00.000Z' } } } }));
    const out = path.join(work, 'out-draft.json');
    const run = await runCli(['lock', 'merge', draft, file, '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect((await lockOf(out)).storages[location][image]).toEqual(entry);
  });

  it('refuses lock files that contradict each other, naming the entries and the files, and writes nothing', async () => {
    const file = path.join(work, 'project', 'donodo.lock.json');
    const before = await readFile(file, 'utf8');
    const lock = JSON.parse(before);
    const location = Object.keys(lock.storages)[0]!;
    const wrong = path.join(work, 'wrong.json');
    const changed = structuredClone(lock);
    changed.storages[location][`${B}:1.0`].recordId = '999';
    changed.storages[location][`${C}:2.0`].imageId = 'sha256:' + '0'.repeat(64);
    await writeFile(wrong, JSON.stringify(changed));
    const copy = path.join(work, 'copy.json');
    await copyFile(file, copy);

    const run = await runCli(['lock', 'merge', copy, wrong], { cwd: path.join(work, 'project') });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('The lock files contradict each other in 2 places; nothing was merged. [LOCK_MERGE_CONTRADICTION]');
    const b = lock.storages[location][`${B}:1.0`];
    expect(run.stderr).toContain(`${location}: ${B}:1.0 is record ${b.recordId} of image ${b.imageId} in donodo.lock.json but record 999 of image ${b.imageId} in ${wrong}`);
    expect(run.stderr).toContain(`${C}:2.0 is record`);
    expect(run.stderr).toContain(`of image sha256:${'0'.repeat(64)} in ${wrong}`);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('refuses two published tags that name one record', async () => {
    const lock = await lockOf(path.join(work, 'project', 'donodo.lock.json'));
    const location = Object.keys(lock.storages)[0]!;
    const b = lock.storages[location][`${B}:1.0`];
    const other = path.join(work, 'same-record.json');
    await writeFile(other, JSON.stringify({ lockfileVersion: 1, storages: { [location]: { [`${B}:9.9`]: { ...b, updated: new Date().toISOString() } } } }));
    const run = await runCli(['lock', 'merge', path.join(work, 'project', 'donodo.lock.json'), other, '-o', path.join(work, 'out-same.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`record ${b.recordId} holds one tag, but is ${B}:1.0 (published) in`);
    expect(await stat(path.join(work, 'out-same.json')).catch(() => undefined)).toBeUndefined();
  });

  it('says what is wrong with a bad --shard, a missing lock file or one that is not a lock file', async () => {
    for (const [value, message] of [
      ['2', '--shard takes K/N, this job\'s number K (from 1) out of N jobs, e.g. 2/3; got "2".'],
      ['0/3', '--shard 0/3: K counts from 1 (1/3 is the first of 3 jobs, 3/3 the last).'],
      ['4/3', '--shard 4/3: K must be at most N (3); the jobs are 1/3 to 3/3.'],
      ['1/0', '--shard 1/0: the number of jobs N must be from 1 to 1000.'],
    ]) {
      const run = await runCli(['push', '--all', '--shard', value!], { cwd: jobDir(1) });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(message);
    }
    const missing = await runCli(['lock', 'merge', 'nowhere.json', '-o', 'out.json'], { cwd: work });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('The lock file nowhere.json does not exist; nothing was merged. [LOCK_FILE_NOT_FOUND]');
    await writeFile(path.join(work, 'foreign.json'), '{"name": "not a lock"}');
    const foreign = await runCli(['lock', 'merge', 'foreign.json', '-o', 'out.json'], { cwd: work });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('is not a donodo lock file');
    expect(await stat(path.join(work, 'out.json')).catch(() => undefined)).toBeUndefined();
  });
});
