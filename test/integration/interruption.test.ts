/**
 * Interrupting a push (SIGINT, SIGTERM, SIGKILL) through the real CLI: the spool goes, the report
 * says what is kept and how to go on, the exit code says which signal, and the rerun finishes with
 * one version. Every moment is chosen by state (a held upload, the spool's first bytes on disk),
 * never by a timer.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, startCli } from '../support/cli.ts';
import { openDrafts, versionsOf } from '../support/emulator-state.ts';
import { buildTestImage, imageId, removeImages } from '../support/images.ts';

const NAME = `donodo-test/interrupt-${process.pid}`;
const TITLE = `Docker image ${NAME}`;
/** An image whose export lasts long enough to be interrupted in the middle (random bytes, stored as they are). */
const BIG = `${NAME}-big:1.0`;
let zenodo: Emulator;
let project: string;
const built: string[] = [BIG];

const args = (...rest: string[]) => [...rest, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
const env = (tmp: string) => ({ ZENODO_TOKEN: zenodo.token, TMPDIR: tmp });

/** The spool folders (donodo-*) in a TMPDIR. */
function spools(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => name.startsWith('donodo-'));
}

/** Resolves once `condition` holds (the state is looked at every 10 ms; the test's timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Whether a spool in `tmp` holds archive bytes already: the export is under way. */
function exporting(tmp: string): boolean {
  return spools(tmp).some((dir) => {
    const file = path.join(tmp, dir, 'image.tar');
    return existsSync(file) && statSync(file).size > 0;
  });
}

const uploads = () => ({ method: 'PUT', path: /^\/api\/files\// });

beforeAll(async () => {
  zenodo = await startEmulator();
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-interrupt-'));
  await buildTestImage(BIG, { extraBytes: 64_000_000 });
});

afterAll(async () => {
  await removeImages(...built);
  await zenodo.close();
  await rm(project, { recursive: true, force: true });
});

describe('an interrupted push', () => {
  it.each([
    ['SIGINT', 130, '1.0'],
    ['SIGTERM', 143, '1.1'],
  ] as const)('stops on %s during the upload, removes the spool, names the draft, exits %i; the rerun publishes that draft', async (signal, code, tag) => {
    const reference = `${NAME}:${tag}`;
    built.push(reference);
    await buildTestImage(reference);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'donodo-tmp-'));
    const held = zenodo.faults.hold(uploads());
    const { child, done } = startCli(args('push', reference, '-y'), { cwd: project, env: env(tmp) });
    await held.arrived;
    expect(spools(tmp)).toHaveLength(1);
    child.kill(signal);
    const run = await done;
    held.release();

    expect(run.code, run.stderr).toBe(code);
    expect(spools(tmp)).toEqual([]);
    const draft = /Interrupted by (SIG\w+) during step upload: draft (\d+) is kept, unpublished \((\S+)\)/.exec(run.stderr);
    expect(draft, run.stderr).not.toBeNull();
    expect(draft![1]).toBe(signal);
    expect(draft![3]).toBe(`${zenodo.baseUrl}/deposit/${draft![2]}`);
    expect(run.stderr).toContain(`Run the same command again to resume: it continues with draft ${draft![2]} and publishes one version.`);
    expect(versionsOf(zenodo, TITLE, tag)).toMatchObject({ published: 0, drafts: 1 });

    const rerun = await runCli(args('push', reference, '-y', '--json'), { cwd: project, env: env(tmp) });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json[0]).toMatchObject({ status: 'published', recordId: draft![2] });
    expect(versionsOf(zenodo, TITLE, tag)).toMatchObject({ published: 1, drafts: 0 });
    expect(openDrafts(zenodo, TITLE)).toBe(0);
    await rm(tmp, { recursive: true, force: true });
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('stops on %s during the export, removes the partial archive and writes nothing to Zenodo (exit %i)', async (signal, code) => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'donodo-tmp-'));
    const requestsBefore = zenodo.requests.length;
    const { child, done } = startCli(args('push', BIG, '-y'), { cwd: project, env: env(tmp) });
    await until(() => exporting(tmp));
    child.kill(signal);
    const run = await done;

    expect(run.code, run.stderr).toBe(code);
    expect(spools(tmp)).toEqual([]);
    expect(run.stderr).toContain(`Interrupted by ${signal} during step export: nothing was written to the storage; the local archive was removed.`);
    expect(run.stderr).toContain('Run the same command again to resume.');
    expect(zenodo.requests.slice(requestsBefore).filter((r) => r.method !== 'GET')).toEqual([]);
    await rm(tmp, { recursive: true, force: true });
  });
});

describe('spools of dead runs', () => {
  it('are left by SIGKILL mid-export and removed by the next run of any command, while a live push keeps its own', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'donodo-tmp-'));
    const killed = startCli(args('push', BIG, '-y'), { cwd: project, env: env(tmp) });
    await until(() => exporting(tmp));
    killed.child.kill('SIGKILL');
    await killed.done;
    const [dead] = spools(tmp);
    expect(dead).toBeDefined();

    // A push that is alive, held in its upload: its spool is in the same TMPDIR.
    const reference = `${NAME}:2.0`;
    built.push(reference);
    await buildTestImage(reference);
    const held = zenodo.faults.hold(uploads());
    const alive = startCli(args('push', reference, '-y'), { cwd: project, env: env(tmp) });
    await held.arrived;
    const live = spools(tmp).find((dir) => dir !== dead)!;
    expect(JSON.parse(readFileSync(path.join(tmp, live, 'owner.json'), 'utf8'))).toMatchObject({ pid: alive.child.pid, host: os.hostname() });

    // Any command sweeps: here a pull of a record that does not exist.
    const other = await runCli(args('pull', '10.5281/zenodo.999999999'), { cwd: project, env: env(tmp) });
    expect(other.code).toBe(1);
    expect(spools(tmp)).toEqual([live]);

    alive.child.kill('SIGTERM');
    expect((await alive.done).code).toBe(143);
    held.release();
    expect(spools(tmp)).toEqual([]);
    await rm(tmp, { recursive: true, force: true });
  });
});

describe('an interrupted pull', () => {
  // A name of its own: the push above leaves a draft of 2.0, which a concept's next tag may not take over.
  const reference = `${NAME}-pull:1.0`;
  const download = () => zenodo.faults.hold({ method: 'GET', path: /^\/api\/records\/[^/]+\/files\/[^/]+\/content$/ });
  let doi: string;

  beforeAll(async () => {
    built.push(reference);
    await buildTestImage(reference);
    const pushed = await runCli(args('push', reference, '-y', '--json', '--no-lock'), { cwd: project, env: { ZENODO_TOKEN: zenodo.token } });
    expect(pushed.code, pushed.stderr).toBe(0);
    doi = pushed.json[0].doi;
  });

  it('stops on SIGINT during the download, exits 130 and leaves the engine without the image', async () => {
    await removeImages(reference);
    const held = download();
    const { child, done } = startCli(args('pull', doi), { cwd: project });
    await held.arrived;
    child.kill('SIGINT');
    // The answer comes after the signal: whatever the load did with it is undone before the exit.
    held.release();
    const run = await done;

    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/Interrupted by SIGINT\. \[INTERRUPTED; step load\]/);
    expect(run.stdout).toBe('');
    expect(await imageId(reference)).toBeUndefined();
  });

  it('exits at once on a second SIGINT, while the first still waits for the download', async () => {
    await removeImages(reference);
    const held = download();
    const { child, done } = startCli(args('pull', doi), { cwd: project });
    let stderr = '';
    const noticed = new Promise<void>((resolve) => child.stderr.on('data', (d) => (stderr += d).includes('SIGINT received') && resolve()));
    await held.arrived;
    child.kill('SIGINT');
    await noticed;
    child.kill('SIGINT');
    const run = await done;
    held.release();

    expect(run.code).toBe(130);
    expect(await imageId(reference)).toBeUndefined();
  });
});
