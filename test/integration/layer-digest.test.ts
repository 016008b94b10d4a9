import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { dockerSave, donodoNotes, publishRecord } from '../support/crafted-record.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';
import { alteredAt, contentOf } from '../support/tar-surgery.ts';

/**
 * A pull checks every layer of the archive against the digest its image config names, from the
 * archive's own bytes as they stream into the engine: a record whose md5 matches its file (made so
 * by whoever altered it) but whose layer was altered is refused, and nothing of it stays in Docker.
 */
const NAME = `donodo-test/layers-${process.pid}`;
let zenodo: Emulator;
let project: string;
const reference = `${NAME}/tool:1.0`;
const donodo = (rest: string[]) => runCli([...rest, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], { cwd: project, env: { ZENODO_TOKEN: zenodo.token } });
const exists = async (id: string) => (await docker('image', 'inspect', '--format', '{{.Id}}', id).catch(() => undefined)) === id;

beforeAll(async () => {
  zenodo = await startEmulator({});
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-layers-'));
});
afterAll(async () => {
  await removeImages(reference);
  await zenodo.close();
  await rm(project, { recursive: true, force: true });
});

describe('pull checks each layer against its digest', () => {
  it('refuses a record whose layer.tar was altered by one byte, and leaves nothing in Docker', async () => {
    const id = await buildTestImage(reference, { extraBytes: 100_000 });
    const tar = await dockerSave(reference);
    await docker('rmi', reference);
    const layer = contentOf(tar, /\/layer\.tar$/);
    // The md5 of the record is the md5 of the altered file: only the layer check can tell.
    const record = await publishRecord(zenodo, { title: `Docker image ${NAME}/tool`, version: '1.0', tar: alteredAt(tar, layer), notes: donodoNotes({ id, name: reference }) });

    const pulled = await donodo(['pull', record.doi, '--json']);
    expect(pulled.code, pulled.stderr).toBe(1);
    expect(pulled.json[0].error.code).toBe('LAYER_DIGEST_MISMATCH');
    expect(pulled.json[0].error.message).toContain(layer.name);
    expect(await exists(id)).toBe(false);
    expect(await imageId(reference)).toBeUndefined();

    const intact = await publishRecord(zenodo, { title: `Docker image ${NAME}/tool`, version: '1.1', tar, notes: donodoNotes({ id, name: reference }) });
    const good = await donodo(['pull', intact.doi, '--json']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.json[0].verified).toMatchObject({ md5: true, archive: true, layers: true });
    expect(await exists(id)).toBe(true);
  });
});
