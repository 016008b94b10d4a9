import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, type CliRun } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const NAME = `donodo-test/takeover-${process.pid}`;
let zenodo: Emulator;
let cwd: string;
let cache: string;

function donodo(args: string[]): Promise<CliRun> {
  return runCli([...args, '--json', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], { cwd, env: { ZENODO_TOKEN: zenodo.token, XDG_CACHE_HOME: cache } });
}

async function lockEntries(): Promise<Record<string, { recordId: string; published: boolean }>> {
  return JSON.parse(await readFile(path.join(cwd, 'donodo.lock.json'), 'utf8')).storages[zenodo.apiUrl];
}

beforeAll(async () => {
  zenodo = await startEmulator();
  cwd = await mkdtemp(path.join(os.tmpdir(), 'donodo-cwd-'));
  cache = await mkdtemp(path.join(os.tmpdir(), 'donodo-cache-'));
  await buildTestImage(`${NAME}:1.2`);
  await buildTestImage(`${NAME}:1.3`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.2`, `${NAME}:1.3`);
  await zenodo.close();
  await rm(cwd, { recursive: true, force: true });
  await rm(cache, { recursive: true, force: true });
});

describe('a declined draft is never silently taken over by the next tag', () => {
  let draftId: string;
  let md5of12: string;

  it('leaves 1.2 as a draft when nobody says yes (exit 2)', async () => {
    const declined = await donodo(['push', `${NAME}:1.2`]);
    expect(declined.code, declined.stderr).toBe(2);
    expect(declined.json[0]).toMatchObject({ status: 'unpublished', version: '1.2' });
    draftId = declined.json[0].recordId;
    md5of12 = declined.json[0].file.md5;
  });

  it('refuses to push 1.3 into the draft holding 1.2: names the draft, its page, the tag it holds and what to do', async () => {
    const refused = await donodo(['push', `${NAME}:1.3`, '-y']);
    expect(refused.code).toBe(1);
    expect(refused.json[0].error).toMatchObject({ code: 'DRAFT_HOLDS_OTHER_TAG', step: 'locate' });
    expect(refused.stderr).toContain(`draft ${draftId} (${zenodo.baseUrl}/deposit/${draftId}) holds ${NAME}:1.2`);
    expect(refused.stderr).toContain(`donodo push ${NAME}:1.2 -y`);
    expect(refused.stderr).toContain('discard it on its web page');
    expect(refused.stderr).toContain('--replace-draft');

    // The draft still holds 1.2 and its archive; nothing else was made.
    const draft = zenodo.store.versions.get(Number(draftId))!.draft!;
    expect(draft.metadata.version).toBe('1.2');
    expect(draft.files.map((f) => [f.key, f.checksum])).toEqual([['image.tar', md5of12]]);
    expect([...zenodo.store.versions.values()]).toHaveLength(1);
    // The lock file still says what the draft holds.
    const entries = await lockEntries();
    expect(entries[`${NAME}:1.2`]).toMatchObject({ recordId: draftId, published: false });
    expect(entries[`${NAME}:1.3`]).toBeUndefined();
  });

  it('tells the truth with --dry-run: 1.2 would resume its draft, 1.3 would be refused', async () => {
    const plan12 = await donodo(['push', `${NAME}:1.2`, '--dry-run']);
    expect(plan12.code, plan12.stderr).toBe(0);
    expect(plan12.json[0]).toMatchObject({ status: 'planned', plan: 'resume', recordId: draftId });
    const plan13 = await donodo(['push', `${NAME}:1.3`, '--dry-run']);
    expect(plan13.code).toBe(1);
    expect(plan13.json[0]).toMatchObject({ status: 'failed', error: { code: 'DRAFT_HOLDS_OTHER_TAG' } });
  });

  it('takes the draft over for 1.3 with --replace-draft, and the lock file follows', async () => {
    const plan = await donodo(['push', `${NAME}:1.3`, '--dry-run', '--replace-draft']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json[0]).toMatchObject({ status: 'planned', plan: 'replace-draft', recordId: draftId });

    const replaced = await donodo(['push', `${NAME}:1.3`, '-y', '--replace-draft']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.json[0]).toMatchObject({ status: 'published', recordId: draftId, version: '1.3' });
    const record = zenodo.store.versions.get(Number(draftId))!.record!;
    expect(record.metadata.version).toBe('1.3');
    expect(record.files.map((f) => [f.key, f.checksum])).toEqual([['image.tar', replaced.json[0].file.md5]]);
    expect(replaced.json[0].file.md5).not.toBe(md5of12);

    const entries = await lockEntries();
    expect(entries[`${NAME}:1.3`]).toMatchObject({ recordId: draftId, published: true });
    // No entry says 1.2 is in that record any more.
    expect(entries[`${NAME}:1.2`]).toBeUndefined();
  });
});

describe('a draft of another tag is found even before Zenodo\'s search shows it', () => {
  it('refuses 1.3 from another working directory of this machine while search still shows nothing of 1.2\'s draft', async () => {
    const lagging = await startEmulator({ indexDelayMs: 600_000 }); // search shows nothing new during this test
    const name = `${NAME}-lag`;
    const env = { ZENODO_TOKEN: lagging.token, XDG_CACHE_HOME: cache };
    const args = (tag: string, ...more: string[]) => ['push', `${name}:${tag}`, '--json', ...more, '--storage', 'zenodo', '--zenodo-url', lagging.apiUrl];
    const dirs = [await mkdtemp(path.join(os.tmpdir(), 'donodo-cwd-')), await mkdtemp(path.join(os.tmpdir(), 'donodo-cwd-'))];
    try {
      await buildTestImage(`${name}:1.2`);
      await buildTestImage(`${name}:1.3`);
      const declined = await runCli(args('1.2'), { cwd: dirs[0], env });
      expect(declined.code, declined.stderr).toBe(2);
      const refused = await runCli(args('1.3', '-y'), { cwd: dirs[1], env });
      expect(refused.code).toBe(1);
      expect(refused.json[0].error).toMatchObject({ code: 'DRAFT_HOLDS_OTHER_TAG' });
      expect(refused.stderr).toContain(`draft ${declined.json[0].recordId}`);
      // No second concept was made for 1.3.
      expect(lagging.store.concepts.size).toBe(1);
      expect(lagging.store.versions.size).toBe(1);
    } finally {
      await removeImages(`${name}:1.2`, `${name}:1.3`);
      await lagging.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    }
  });
});
