import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, startCli, type CliRun } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const NAME = `donodo-test/conc-${process.pid}`;
const made: string[] = [];
const scratch: string[] = [];

async function folder(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

async function image(reference: string): Promise<string> {
  made.push(reference);
  return buildTestImage(reference);
}

afterAll(async () => {
  await removeImages(...made);
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

/** Start the same push in `n` separate working directories of one machine (one user cache), all at once. */
async function together(n: number, args: string[], env: Record<string, string>, cwds?: string[]): Promise<CliRun[]> {
  const dirs = cwds ?? (await Promise.all(Array.from({ length: n }, () => folder('donodo-cwd-'))));
  return Promise.all(dirs.map((cwd) => startCli(args, { cwd, env }).done));
}

/** Each run either published, or was refused because another held the lock, or found the version already there. */
function sortOut(runs: CliRun[], name: string) {
  const published = runs.filter((r) => r.code === 0 && r.json[0]?.status === 'published');
  const busy = runs.filter((r) => r.code === 1 && r.json[0]?.error?.code === 'IMAGE_BUSY');
  const unchanged = runs.filter((r) => r.code === 0 && r.json[0]?.status === 'unchanged');
  for (const run of busy) {
    // The message names the image, the other process and what to do.
    expect(run.stderr).toMatch(new RegExp(`Another donodo \\(pid \\d+ on .+\\) is pushing ${name} `));
    expect(run.stderr).toContain('run the same command again');
  }
  expect(published.length + busy.length + unchanged.length, runs.map((r) => r.stderr).join('\n---\n')).toBe(runs.length);
  return { published, busy, unchanged };
}

describe('concurrent pushes of one tag on Zenodo (index delay 3 s)', () => {
  let zenodo: Emulator;
  let cache: string;

  beforeAll(async () => {
    zenodo = await startEmulator({ indexDelayMs: 3000 });
    cache = await folder('donodo-cache-');
  });
  afterAll(async () => zenodo?.close());

  /** Depositions of this title on the emulator: [concepts, published versions of `tag`, open drafts]. */
  function held(title: string, tag: string) {
    const versions = [...zenodo.store.versions.values()].filter((d) => (d.record ?? d.draft)!.metadata.title === title);
    return {
      concepts: new Set(versions.map((d) => d.conceptId)).size,
      published: versions.filter((d) => d.record && d.record.metadata.version === tag).length,
      drafts: versions.filter((d) => d.draft).length,
    };
  }

  for (const n of [2, 3, 5]) {
    it(`${n} pushes of the same tag from ${n} working directories publish exactly one version; the others fail clearly`, async () => {
      const name = `${NAME}-z${n}`;
      await image(`${name}:1.0`);
      const env = { ZENODO_TOKEN: zenodo.token, XDG_CACHE_HOME: cache };
      const runs = await together(n, ['push', `${name}:1.0`, '-y', '--json', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], env);
      const { published, unchanged } = sortOut(runs, name);
      expect(published).toHaveLength(1);
      for (const run of unchanged) expect(run.json[0].recordId).toBe(published[0]!.json[0].recordId);
      expect(held(`Docker image ${name}`, '1.0')).toEqual({ concepts: 1, published: 1, drafts: 0 });
    });
  }

  it('publishes a new tag once when two pushes run at once after the lock files were deleted', async () => {
    const name = `${NAME}-znew`;
    await image(`${name}:1.0`);
    await image(`${name}:1.1`);
    const env = { ZENODO_TOKEN: zenodo.token, XDG_CACHE_HOME: cache };
    const cwds = [await folder('donodo-cwd-'), await folder('donodo-cwd-')];
    const args = (tag: string) => ['push', `${name}:${tag}`, '-y', '--json', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
    const first = await runCli(args('1.0'), { cwd: cwds[0], env });
    expect(first.code, first.stderr).toBe(0);
    await rm(path.join(cwds[0]!, 'donodo.lock.json'));

    const runs = await together(2, args('1.1'), env, cwds);
    const { published } = sortOut(runs, name);
    expect(published).toHaveLength(1);
    expect(published[0]!.json[0].conceptRecId).toBe(first.json[0].conceptRecId);
    expect(held(`Docker image ${name}`, '1.1')).toEqual({ concepts: 1, published: 1, drafts: 0 });
  });
});

describe('a push right after another, from another working directory, before Zenodo\'s search caught up', () => {
  it('finds the version the other run published (by what that run left beside its lock) and changes nothing', async () => {
    const zenodo = await startEmulator({ indexDelayMs: 600_000 }); // search shows nothing new during this test
    try {
      const name = `${NAME}-after`;
      await image(`${name}:1.0`);
      const env = { ZENODO_TOKEN: zenodo.token, XDG_CACHE_HOME: await folder('donodo-cache-') };
      const args = ['push', `${name}:1.0`, '-y', '--json', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
      const first = await runCli(args, { cwd: await folder('donodo-cwd-'), env });
      expect(first.code, first.stderr).toBe(0);
      const second = await runCli(args, { cwd: await folder('donodo-cwd-'), env });
      expect(second.code, second.stderr).toBe(0);
      expect(second.json[0]).toMatchObject({ status: 'unchanged', recordId: first.json[0].recordId, doi: first.json[0].doi });
      expect(zenodo.store.concepts.size).toBe(1);
      expect(zenodo.store.versions.size).toBe(1);
    } finally {
      await zenodo.close();
    }
  });
});

describe('concurrent pushes of one tag into one archive folder', () => {
  for (const n of [2, 3, 5]) {
    it(`${n} pushes of the same tag publish exactly one record in the folder`, async () => {
      const name = `${NAME}-d${n}`;
      await image(`${name}:1.0`);
      const archive = await folder('donodo-archive-');
      const env = { XDG_CACHE_HOME: await folder('donodo-cache-') };
      const runs = await together(n, ['push', `${name}:1.0`, '-y', '--json', '--storage', 'dir', '--dir', archive], env);
      const { published } = sortOut(runs, name);
      expect(published).toHaveLength(1);
      const records = await readdir(path.join(archive, 'records'));
      const versions = await Promise.all(records.map(async (id) => JSON.parse(await readFile(path.join(archive, 'records', id, 'record.json'), 'utf8')).metadata.version));
      expect(versions).toEqual(['1.0']);
      expect(await readdir(path.join(archive, 'drafts')).catch(() => [])).toEqual([]);
    });
  }
});

describe('the lock file shared by concurrent pushes', () => {
  it('keeps an entry for each of three different images pushed at once from one working directory', async () => {
    const names = ['a', 'b', 'c'].map((x) => `${NAME}-lock${x}`);
    for (const name of names) await image(`${name}:1.0`);
    const cwd = await folder('donodo-cwd-');
    const archive = await folder('donodo-archive-');
    const env = { XDG_CACHE_HOME: await folder('donodo-cache-') };
    const runs = await Promise.all(names.map((name) => startCli(['push', `${name}:1.0`, '-y', '--json', '--storage', 'dir', '--dir', archive], { cwd, env }).done));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const lock = JSON.parse(await readFile(path.join(cwd, 'donodo.lock.json'), 'utf8'));
    expect(Object.keys(lock.storages[archive]).sort()).toEqual(names.map((name) => `${name}:1.0`).sort());
    for (const [i, name] of names.entries()) expect(lock.storages[archive][`${name}:1.0`]).toMatchObject({ recordId: runs[i]!.json[0].recordId, published: true });
    // No temporary file is left beside it.
    expect((await readdir(cwd)).sort()).toEqual(['donodo.lock.json']);
  });
});

describe('the re-check right before publish', () => {
  it('leaves the draft unpublished when another machine published the same tag meanwhile (exit 1, naming both)', async () => {
    // The index catches up only when the test moves the emulator's clock: no sleeping.
    let offset = 0;
    const zenodo = await startEmulator({ indexDelayMs: 600_000, clock: () => Date.now() + offset });
    try {
      const name = `${NAME}-recheck`;
      await image(`${name}:1.0`);
      const args = ['push', `${name}:1.0`, '-y', '--json', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
      // Two machines: their own caches (so their own locks) and working directories.
      const here = { cwd: await folder('donodo-cwd-'), env: { ZENODO_TOKEN: zenodo.token, XDG_CACHE_HOME: await folder('donodo-cache-') } };
      const there = { cwd: await folder('donodo-cwd-'), env: { ZENODO_TOKEN: zenodo.token, XDG_CACHE_HOME: await folder('donodo-cache-') } };

      const upload = zenodo.faults.hold({ method: 'PUT', path: /^\/api\/files\// });
      const mine = startCli(args, here);
      await upload.arrived; // this run has made its draft, and waits with its upload
      const other = await runCli(args, there);
      expect(other.code, other.stderr).toBe(0);
      const theirs = other.json[0];
      expect(theirs.status).toBe('published');

      offset += 600_000; // Zenodo's search has caught up
      upload.release();
      const result = await mine.done;
      expect(result.code).toBe(1);
      const error = result.json[0].error;
      expect(error).toMatchObject({ code: 'TAG_PUBLISHED_MEANWHILE', step: 'publish' });
      const draftId = result.json[0].recordId;
      expect(draftId).toBeDefined();
      expect(draftId).not.toBe(theirs.recordId);
      expect(error.message).toContain(theirs.doi);
      expect(error.message).toContain(`draft ${draftId}`);
      expect(result.stderr).toContain(`Discard draft ${draftId}`);

      // One published version of the tag; this run's draft is still a draft.
      const versions = [...zenodo.store.versions.values()].filter((d) => (d.record ?? d.draft)!.metadata.title === `Docker image ${name}`);
      expect(versions.filter((d) => d.record).map((d) => d.id)).toEqual([Number(theirs.recordId)]);
      expect(zenodo.store.versions.get(Number(draftId))).toMatchObject({ record: null, draft: expect.objectContaining({ files: [expect.objectContaining({ key: 'image.tar' })] }) });
    } finally {
      await zenodo.close();
    }
  });

  it('in an archive folder shared with another machine: a draft of a tag published there meanwhile is left unpublished', async () => {
    const name = `${NAME}-dirrecheck`;
    await image(`${name}:1.0`);
    const archive = await folder('donodo-archive-');
    const here = { cwd: await folder('donodo-cwd-'), env: { XDG_CACHE_HOME: await folder('donodo-cache-') } };
    const args = ['push', `${name}:1.0`, '--json', '--storage', 'dir', '--dir', archive];
    const declined = await runCli(args, here);
    expect(declined.code, declined.stderr).toBe(2);
    const draftId = declined.json[0].recordId;

    // Meanwhile a run elsewhere published 1.0 of the same image in a concept of its own (ids 8 and 9),
    // as donodo lays it out: records/9/ with record.json and the archive.
    const record = JSON.parse(await readFile(path.join(archive, 'drafts', draftId, 'record.json'), 'utf8'));
    await cp(path.join(archive, 'drafts', draftId), path.join(archive, 'records', '9'), { recursive: true });
    await writeFile(path.join(archive, 'records', '9', 'record.json'), JSON.stringify({ ...record, id: 9, recid: '9', conceptrecid: '8', submitted: true, status: 'published', state: 'done' }));
    for (const id of ['8', '9']) await mkdir(path.join(archive, 'ids', id), { recursive: true });

    const result = await runCli([...args, '-y'], here);
    expect(result.code).toBe(1);
    expect(result.json[0].error).toMatchObject({ code: 'TAG_PUBLISHED_MEANWHILE' });
    expect(result.json[0].error.message).toContain('record 9, concept 8');
    expect(result.json[0].error.message).toContain(`draft ${draftId}`);
    expect((await readdir(path.join(archive, 'records'))).sort()).toEqual(['9']);
    expect(await readdir(path.join(archive, 'drafts'))).toEqual([draftId]);
  });
});
