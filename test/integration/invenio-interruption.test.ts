/**
 * A push through the invenio storage killed (SIGKILL) at every request it makes to the native API,
 * then run again: the rerun ends with exactly one published version of the tag and no draft left.
 * Each moment is chosen by state (the held request arrived), never by a timer. Killing the process
 * while request N+1 is held is also killing it right after request N was answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator, RequestMatcher } from '../emulator/index.ts';
import { runCli, startCli } from '../support/cli.ts';
import { invenioProject, type InvenioProject } from '../support/invenio-project.ts';
import { openDrafts, versionsOf } from '../support/emulator-state.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const NAME = `donodo-test/invkill-${process.pid}`;
let testbed: InvenioProject;
let zenodo: Emulator;
let project: string;
const built: string[] = [];

const args = (...rest: string[]) => testbed.args(...rest);
const env = () => ({ ZENODO_TOKEN: zenodo.token });

async function image(reference: string): Promise<void> {
  built.push(reference);
  await buildTestImage(reference);
}

/** Push with `matcher` held, kill the CLI when that request arrives, rerun: one version, no draft. */
async function killAtThenRerun(name: string, tag: string, matcher: RequestMatcher): Promise<void> {
  const held = zenodo.faults.hold(matcher);
  const { child, done } = startCli(args('push', `${name}:${tag}`, '-y'), { cwd: project, env: env() });
  await held.arrived;
  child.kill('SIGKILL');
  await done;
  held.release();
  const rerun = await runCli(args('push', `${name}:${tag}`, '-y', '--json'), { cwd: project, env: env() });
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.json[0]).toMatchObject({ status: 'published', version: tag });
  expect(versionsOf(zenodo, `Docker image ${name}`, tag)).toMatchObject({ published: 1, drafts: 0, files: [{ key: 'image.tar', md5: rerun.json[0].file.md5 }] });
  expect(openDrafts(zenodo, `Docker image ${name}`)).toBe(0);
}

beforeAll(async () => {
  // Search lags: what the killed run made must be found through the lock file's ids.
  testbed = await invenioProject('donodo-invenio-kill-');
  ({ zenodo, project } = testbed);
});
afterAll(async () => {
  await removeImages(...built);
  await testbed.close();
});

const FIRST_VERSION: Array<[string, RequestMatcher]> = [
  ['creating the draft', { method: 'POST', path: /^\/api\/records$/ }],
  ['registering the file', { method: 'POST', path: /\/draft\/files$/ }],
  ['uploading the content', { method: 'PUT', path: /\/draft\/files\/image\.tar\/content$/ }],
  ['committing the file', { method: 'POST', path: /\/draft\/files\/image\.tar\/commit$/ }],
  ['publishing', { method: 'POST', path: /\/draft\/actions\/publish$/ }],
];

const NEW_VERSION: Array<[string, RequestMatcher]> = [
  ['creating the new version', { method: 'POST', path: /^\/api\/records\/\d+\/versions$/ }],
  ['writing its metadata', { method: 'PUT', path: /^\/api\/records\/\d+\/draft$/ }],
  ['uploading its content', { method: 'PUT', path: /\/draft\/files\/image\.tar\/content$/ }],
  ['publishing it', { method: 'POST', path: /\/draft\/actions\/publish$/ }],
];

describe('a push through the invenio storage killed at every step', () => {
  it.each(FIRST_VERSION.map(([step, matcher], i) => [step, matcher, i] as const))('of a first version, while %s, is finished by the rerun', async (_step, matcher, i) => {
    const name = `${NAME}-first${i}`;
    await image(`${name}:1.0`);
    await killAtThenRerun(name, '1.0', matcher);
  });

  it.each(NEW_VERSION.map(([step, matcher], i) => [step, matcher, i] as const))('of a new version, while %s, is finished by the rerun', async (_step, matcher, i) => {
    const name = `${NAME}-next`;
    if (i === 0) {
      await image(`${name}:1.0`);
      const first = await runCli(args('push', `${name}:1.0`, '-y'), { cwd: project, env: env() });
      expect(first.code, first.stderr).toBe(0);
    }
    const tag = `2.${i}`;
    await image(`${name}:${tag}`);
    await killAtThenRerun(name, tag, matcher);
  });
});
