import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, imageId, removeImages } from '../support/images.ts';

/** The name a version is archived under: the reference's, or --name's. */
const NAME = `donodo-test/names-${process.pid}`;
const OTHER = `donodo-test/renamed-${process.pid}`;
let archive: string;
let id: string;

const push = (...args: string[]) => runCli(['push', ...args, '--storage', 'dir', '--dir', archive, '-y', '--json']);
const recordOf = async (recordId: string) => JSON.parse(await readFile(path.join(archive, 'records', recordId, 'record.json'), 'utf8'));

beforeAll(async () => {
  archive = await mkdtemp(path.join(os.tmpdir(), 'donodo-names-'));
  id = await buildTestImage(`${NAME}:1.0`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${OTHER}:2.0`);
  await rm(archive, { recursive: true, force: true });
});

describe('the name a push archives an image under', () => {
  it('reads docker-daemon:NAME:TAG from the Docker engine, as the plain NAME:TAG', async () => {
    const pushed = await push(`docker-daemon:${NAME}:1.0`);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ image: `${NAME}:1.0`, source: `docker-daemon:${NAME}:1.0`, status: 'published', imageId: id, platform: 'linux/amd64', version: '1.0' });
    expect((await recordOf(pushed.json[0].recordId)).image).toMatchObject({ config: id, name: NAME, tag: '1.0' });
    const again = await push(`${NAME}:1.0`);
    expect(again.json[0]).toMatchObject({ status: 'unchanged', recordId: pushed.json[0].recordId });
  });

  it('archives under --name instead, and a pull restores that name', async () => {
    const pushed = await push(`${NAME}:1.0`, '--name', `${OTHER}:2.0`);
    expect(pushed.code, pushed.stderr).toBe(0);
    const record = await recordOf(pushed.json[0].recordId);
    expect(record.metadata).toMatchObject({ title: `Docker image ${OTHER}`, version: '2.0' });
    expect(record.image).toMatchObject({ config: id, name: OTHER, tag: '2.0' });

    const pulled = await runCli(['pull', pushed.json[0].recordId, '--storage', 'dir', '--dir', archive, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await imageId(`${OTHER}:2.0`)).toBe(id);
  });

  it('refuses --name with several images, and a --name without a tag, before anything is read', async () => {
    const several = await push(`${NAME}:1.0`, `${NAME}:1.1`, '--name', `${OTHER}:2.0`);
    expect(several.code).toBe(1);
    expect(several.stderr).toMatch(/--name names one image, but 2 were given/);
    const untagged = await push(`${NAME}:1.0`, '--name', OTHER);
    expect(untagged.code).toBe(1);
    expect(untagged.stderr).toMatch(/REFERENCE_MISSING_TAG|has no tag/);
  });
});
