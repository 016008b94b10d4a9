import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { invenioProject, type InvenioProject } from '../support/invenio-project.ts';
import { openDrafts, versionsOf } from '../support/emulator-state.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const NAME = `donodo-test/invfault-${process.pid}`;
const TITLE = `Docker image ${NAME}`;
let testbed: InvenioProject;
let zenodo: Emulator;
const built: string[] = [];

async function image(tag: string, extraBytes = 0): Promise<string> {
  built.push(`${NAME}:${tag}`);
  return buildTestImage(`${NAME}:${tag}`, { extraBytes });
}
const donodo = (rest: string[]) => runCli(testbed.args(...rest), { cwd: testbed.project, env: { ZENODO_TOKEN: zenodo.token } });

/** Exactly one published version for the tag, no draft left, and its file is the archive push made. */
function expectOneVersion(tag: string, md5: string) {
  expect(versionsOf(zenodo, TITLE, tag)).toMatchObject({ published: 1, drafts: 0, files: [{ key: 'image.tar', md5, actualMd5: md5 }] });
  expect(openDrafts(zenodo, TITLE)).toBe(0);
}

beforeAll(async () => {
  testbed = await invenioProject('donodo-invenio-faults-');
  zenodo = testbed.zenodo;
});
afterAll(async () => {
  await removeImages(...built);
  await testbed.close();
});

describe('the invenio storage ends with one published version per tag despite faults', () => {
  it('retries a content upload whose connection drops halfway', async () => {
    await image('1.0', 2_000_000);
    zenodo.faults.dropConnection({ method: 'PUT', path: /\/draft\/files\/image\.tar\/content$/, afterBytes: 500_000 });
    const run = await donodo(['push', `${NAME}:1.0`, '-y', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('retrying from the start of the file');
    expectOneVersion('1.0', run.json[0].file.md5);
  });

  it('resumes after a commit answered with 500: the rerun replaces the uncommitted file and publishes', async () => {
    await image('1.1');
    zenodo.faults.failNext({ method: 'POST', path: /\/draft\/files\/image\.tar\/commit$/, status: 500 });
    const failed = await donodo(['push', `${NAME}:1.1`, '-y', '--json']);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain('commit image.tar');
    const rerun = await donodo(['push', `${NAME}:1.1`, '-y', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json[0]).toMatchObject({ status: 'published', recordId: failed.json[0]?.recordId ?? rerun.json[0].recordId });
    expectOneVersion('1.1', rerun.json[0].file.md5);
  });

  it('waits out a 429 on publish (POST retried only on 429)', async () => {
    await image('1.2');
    zenodo.faults.failNext({ method: 'POST', path: /\/draft\/actions\/publish$/, status: 429 });
    const run = await donodo(['push', `${NAME}:1.2`, '-y', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expectOneVersion('1.2', run.json[0].file.md5);
  });

  it('keeps the draft when publishing is declined (exit 2), and the next push resumes it', async () => {
    await image('1.3');
    const declined = await donodo(['push', `${NAME}:1.3`, '--json']);
    expect(declined.code, declined.stderr).toBe(2);
    expect(declined.json[0]).toMatchObject({ status: 'unpublished', published: false });
    const resumed = await donodo(['push', `${NAME}:1.3`, '-y', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json[0]).toMatchObject({ status: 'published', recordId: declined.json[0].recordId });
    expect(resumed.stderr).toContain('already holds this archive');
    expectOneVersion('1.3', resumed.json[0].file.md5);
  });
});
