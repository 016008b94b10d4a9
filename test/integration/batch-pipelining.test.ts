import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { rm } from 'node:fs/promises';
import { runCli, startCli } from '../support/cli.ts';
import { versionsOf } from '../support/emulator-state.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const NAME = `donodo-test/pipe-${process.pid}`;
let zenodo: Emulator;

beforeAll(async () => {
  zenodo = await startEmulator();
  await buildTestImage(`${NAME}:1.0`);
  await buildTestImage(`${NAME}:1.1`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}:1.1`);
  await zenodo.close();
});

describe('a batch of tags of one name', () => {
  it('exports the next tag while the previous one is still being published, then makes the versions in order', async () => {
    const held = zenodo.faults.hold({ method: 'POST', path: /\/actions\/publish$/ });
    const { child, done } = startCli(['push', `${NAME}:1.0`, `${NAME}:1.1`, '-y', '--json', '--no-lock', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], {
      env: { ZENODO_TOKEN: zenodo.token },
    });
    let progress = '';
    child.stderr.on('data', (chunk: Buffer) => (progress += chunk));
    await held.arrived; // 1.0 is publishing, and stays there for now
    for (let i = 0; i < 200 && !/✔ .*:1\.1: Export and compress/.test(progress); i++) await new Promise((r) => setTimeout(r, 50));
    expect(progress).toMatch(new RegExp(`✔ ${NAME}:1\\.1: Export and compress`));
    expect(progress).not.toMatch(new RegExp(`✔ ${NAME}:1\\.1: Prepare the draft`)); // it waits its turn before writing
    held.release();

    const run = await done;
    expect(run.code, run.stderr).toBe(0);
    const [first, second] = run.json;
    expect(first).toMatchObject({ image: `${NAME}:1.0`, status: 'published' });
    expect(second).toMatchObject({ image: `${NAME}:1.1`, status: 'published', conceptRecId: first.conceptRecId });
    expect(Number(second.recordId)).toBeGreaterThan(Number(first.recordId));
    expect(versionsOf(zenodo, `Docker image ${NAME}`, '1.1')).toMatchObject({ published: 1, drafts: 0 });
  });
});

describe('a tag that is not published', () => {
  it('stops the later tags of its name, which are reported and not pushed', async () => {
    const archive = `/tmp/donodo-pipe-${process.pid}`;
    const run = await runCli(['push', `${NAME}:0.9`, `${NAME}:1.1`, '-y', '--json', '--no-lock', '--storage', 'dir', '--dir', archive]);
    expect(run.code).toBe(1);
    expect(run.json.map((r) => [r.image, r.status, r.error?.code])).toEqual([
      [`${NAME}:0.9`, 'failed', 'IMAGE_NOT_FOUND'],
      [`${NAME}:1.1`, 'failed', 'EARLIER_TAG_NOT_PUBLISHED'],
    ]);
    expect(run.stderr).toContain(`${NAME}:1.1 was not pushed, because ${NAME}:0.9 (an earlier tag of the same name) was not published`);
    await rm(archive, { recursive: true, force: true });
  });
});
