import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, startCli } from '../support/cli.ts';
import { openDrafts, versionsOf } from '../support/emulator-state.ts';
import { buildTestImage, imageId, removeImages } from '../support/images.ts';

const NAME = `donodo-test/fault-${process.pid}`;
const TITLE = `Docker image ${NAME}`;
let zenodo: Emulator;
let project: string;
const built: string[] = [];

async function image(tag: string, extraBytes = 0): Promise<string> {
  built.push(`${NAME}:${tag}`);
  return buildTestImage(`${NAME}:${tag}`, { extraBytes });
}
const args = (...rest: string[]) => [...rest, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
const donodo = (rest: string[], env: Record<string, string | undefined> = {}) => runCli(args(...rest), { cwd: project, env: { ZENODO_TOKEN: zenodo.token, ...env } });

/** Exactly one published version for the tag, no draft left, and its file is the archive push made. */
function expectOneVersion(tag: string, md5: string) {
  const state = versionsOf(zenodo, TITLE, tag);
  expect(state).toMatchObject({ published: 1, drafts: 0 });
  expect(state.files).toEqual([{ key: 'image.tar', md5, actualMd5: md5 }]);
  expect(openDrafts(zenodo, TITLE)).toBe(0);
}

beforeAll(async () => {
  // A search index that lags, as Zenodo's does: reruns must not rely on search to find what they made.
  zenodo = await startEmulator({ indexDelayMs: 3000 });
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-faults-'));
});

afterAll(async () => {
  await removeImages(...built);
  await zenodo.close();
  await rm(project, { recursive: true, force: true });
});

describe('push completes by itself despite faults', () => {
  it('retries an upload answered with 500, re-reading the file from the start', async () => {
    await image('1.0');
    zenodo.faults.failNext({ method: 'PUT', path: /^\/api\/files\//, status: 500 });
    const run = await donodo(['push', `${NAME}:1.0`, '-y', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/upload image\.tar: Zenodo failed to upload image\.tar: 500.*retrying from the start of the file/);
    expectOneVersion('1.0', run.json[0].file.md5);
  });

  it('retries an upload whose connection drops halfway', async () => {
    await image('1.1', 2_000_000);
    zenodo.faults.dropConnection({ method: 'PUT', path: /^\/api\/files\//, afterBytes: 500_000 });
    const run = await donodo(['push', `${NAME}:1.1`, '-y', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('retrying from the start of the file');
    expectOneVersion('1.1', run.json[0].file.md5);
    expect(run.json[0].file.size).toBeGreaterThan(500_000);
  });

  it('waits out a 429 on the metadata write (Retry-After) and goes on', async () => {
    await image('1.2');
    zenodo.faults.failNext({ method: 'PUT', path: /^\/api\/deposit\/depositions\/\d+$/, status: 429 });
    const run = await donodo(['push', `${NAME}:1.2`, '-y', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Zenodo: 429 .* for PUT \/api\/deposit\/depositions\/\d+; retry 1 of 5/);
    expectOneVersion('1.2', run.json[0].file.md5);
  });

  it('waits out a 429 on creating a new concept, without creating two', async () => {
    const other = `${NAME}-new`;
    built.push(`${other}:1.0`);
    await buildTestImage(`${other}:1.0`);
    zenodo.faults.failNext({ method: 'POST', path: /^\/api\/deposit\/depositions$/, status: 429 });
    const run = await donodo(['push', `${other}:1.0`, '-y', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(versionsOf(zenodo, `Docker image ${other}`, '1.0')).toMatchObject({ published: 1, drafts: 0 });
  });

  it('publishes nothing when Zenodo reports another checksum than the one uploaded, and a rerun replaces the file', async () => {
    await image('1.3');
    zenodo.faults.corruptChecksum({ method: 'PUT', path: /^\/api\/files\// });
    const bad = await donodo(['push', `${NAME}:1.3`, '-y', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/CHECKSUM_MISMATCH[\s\S]*nothing was published/i);
    expect(versionsOf(zenodo, TITLE, '1.3')).toMatchObject({ published: 0, drafts: 1 });

    const again = await donodo(['push', `${NAME}:1.3`, '-y', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expectOneVersion('1.3', again.json[0].file.md5);
  });
});

describe('a push killed at any point, run again, ends with one published version per tag', () => {
  async function killAt(hold: { method: string; path: RegExp }, tag: string, extraBytes = 0) {
    await image(tag, extraBytes);
    const held = zenodo.faults.hold(hold);
    const { child, done } = startCli(args('push', `${NAME}:${tag}`, '-y', '--json'), { cwd: project, env: { ZENODO_TOKEN: zenodo.token } });
    await held.arrived;
    child.kill('SIGKILL');
    await done;
    zenodo.faults.reset();
    const rerun = await donodo(['push', `${NAME}:${tag}`, '-y', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expectOneVersion(tag, rerun.json[0].file.md5);
    return rerun;
  }

  it('after the new version was created, before its metadata was written', async () => {
    await killAt({ method: 'PUT', path: /^\/api\/deposit\/depositions\/\d+$/ }, '2.0');
  });

  it('after the metadata was written, before the upload', async () => {
    await killAt({ method: 'PUT', path: /^\/api\/files\// }, '2.1');
  });

  it('in the middle of the upload', async () => {
    await image('2.2', 3_000_000);
    zenodo.faults.slowLink(400_000);
    const { child, done } = startCli(args('push', `${NAME}:2.2`, '-y'), { cwd: project, env: { ZENODO_TOKEN: zenodo.token } });
    for (let i = 0; i < 600 && !zenodo.requests.some((r) => r.method === 'PUT' && r.url.startsWith('/api/files/') && r.status === 0); i++) await sleep(50);
    await sleep(1500);
    child.kill('SIGKILL');
    await done;
    zenodo.faults.reset();
    expect(versionsOf(zenodo, TITLE, '2.2').files).toEqual([]); // a half-uploaded file is never kept
    const rerun = await donodo(['push', `${NAME}:2.2`, '-y', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expectOneVersion('2.2', rerun.json[0].file.md5);
  });

  it('before publishing', async () => {
    const rerun = await killAt({ method: 'POST', path: /\/actions\/publish$/ }, '2.3');
    expect(rerun.stderr).toContain('already holds this archive');
  });
});

describe('pull completes by itself despite a dropped download', () => {
  it('resumes with a Range request when the connection drops', async () => {
    const id = await imageId(`${NAME}:1.1`);
    const record = (await donodo(['push', `${NAME}:1.1`, '-y', '--json'])).json[0];
    await removeImages(`${NAME}:1.1`);
    zenodo.faults.dropConnection({ method: 'GET', path: /\/files\/.*\/content$/, afterBytes: 700_000 });
    const pulled = await donodo(['pull', record.doi, '--json'], { ZENODO_TOKEN: undefined });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stderr).toMatch(/download interrupted at \d+ bytes/);
    expect(zenodo.requests.some((r) => /\/files\/.*\/content$/.test(r.url) && r.status === 206)).toBe(true);
    expect(pulled.json[0].imageId).toBe(id);
  });

  it('starts over, skipping what already arrived, where the server ignores Range', async () => {
    const plain = await startEmulator({ rangeRequests: false });
    try {
      const name = `${NAME}-norange`;
      built.push(`${name}:1.0`);
      const id = await buildTestImage(`${name}:1.0`, { extraBytes: 2_000_000 });
      const base = ['--storage', 'zenodo', '--zenodo-url', plain.apiUrl];
      const record = (await runCli(['push', `${name}:1.0`, '-y', '--json', '--no-lock', ...base], { env: { ZENODO_TOKEN: plain.token } })).json[0];
      await removeImages(`${name}:1.0`);
      plain.faults.dropConnection({ method: 'GET', path: /\/files\/.*\/content$/, afterBytes: 600_000 });
      const pulled = await runCli(['pull', record.doi, '--json', ...base]);
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(pulled.json[0].imageId).toBe(id);
    } finally {
      await plain.close();
    }
  });
});

describe('what arrives is checked', () => {
  it('fails a corrupted download with a clear message and leaves no image behind', async () => {
    const record = (await donodo(['push', `${NAME}:1.0`, '-y', '--json'])).json[0];
    await removeImages(`${NAME}:1.0`);
    zenodo.faults.corruptChecksum({ method: 'GET', path: /\/files\/.*\/content$/ });
    const pulled = await donodo(['pull', record.doi]);
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toMatch(/CHECKSUM_MISMATCH|ARCHIVE_CORRUPT|DOCKER_LOAD_FAILED/);
    expect(await imageId(`${NAME}:1.0`)).toBeUndefined();
  });
});

describe('the token', () => {
  it('appears in no output stream, no request URL, and no retry or debug line', async () => {
    await image('3.0');
    zenodo.faults.failNext({ method: 'PUT', path: /^\/api\/files\//, status: 503 });
    const run = await donodo(['push', `${NAME}:3.0`, '-y', '--debug']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('debug:');
    expect(run.stdout + run.stderr).not.toContain(zenodo.token);
    for (const request of zenodo.requests) expect(request.url).not.toContain(zenodo.token);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
