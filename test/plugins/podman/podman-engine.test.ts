import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import podman from '../../../plugins/podman/index.ts';
import type { ImageEngine } from '../../../src/plugin-api.ts';
import { dockerSave } from '../../support/crafted-record.ts';
import { buildTestImage, docker, removeImages } from '../../support/images.ts';
import { startPodman, type PodmanService } from '../../support/podman.ts';

/** The podman plugin against a real Podman service: Podman's names and answers, as the transactional pull needs them. */
const NAME = `donodo-test/podman-engine-${process.pid}`;
let pm: PodmanService;
let engine: ImageEngine;
let id: string;

beforeAll(async () => {
  pm = await startPodman();
  engine = (await podman.create({ socketPath: pm.socket }, { env: {} } as never)) as ImageEngine;
  id = await buildTestImage(`${NAME}:1`);
  await docker('tag', `${NAME}:1`, `${NAME}:2`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1`, `${NAME}:2`);
  await pm?.stop();
});

describe('the podman plugin', () => {
  it('reads what a load reports: the names of a named archive (unqualified), the id of one that names nothing', async () => {
    const named = await engine.load(Readable.from(await dockerSave(`${NAME}:1`, `${NAME}:2`)));
    expect(named.references.sort()).toEqual([`${NAME}:1`, `${NAME}:2`]);
    await pm.podman('rmi', `${NAME}:1`, `${NAME}:2`);
    const nameless = await engine.load(Readable.from(await dockerSave(id)));
    expect(nameless).toEqual({ references: [], ids: [id] });
  });

  it('tags under localhost/, lists and inspects without it, and never forces a removal', async () => {
    // What a pull that cannot undo a change tells the user to run.
    expect(engine.command).toBe('podman');
    await engine.tag(id, `${NAME}:a`);
    await engine.tag(id, `${NAME}:b`);
    expect((await pm.images()).filter((line) => line.endsWith(id))).toEqual([`localhost/${NAME}:a ${id}`, `localhost/${NAME}:b ${id}`]);
    expect((await engine.images()).find((image) => image.id === id)?.tags.sort()).toEqual([`${NAME}:a`, `${NAME}:b`]);
    expect(await engine.inspect({ transport: 'podman', reference: `${NAME}:a`, input: `podman:${NAME}:a` })).toMatchObject({ id, name: NAME, tag: 'a' });
    expect((await engine.export({ transport: 'podman', reference: `${NAME}:a`, input: `podman:${NAME}:a` })).format).toBe('docker-save');

    // By id, with two tags: Podman answers 500 where Docker answers 409; either way the image stays.
    await expect(engine.remove(id)).rejects.toMatchObject({ code: 'PODMAN_IMAGE_KEPT' });
    await engine.remove(`${NAME}:a`);
    await engine.remove(`${NAME}:never`); // not there: not an error
    expect((await pm.images()).filter((line) => line.endsWith(id))).toEqual([`localhost/${NAME}:b ${id}`]);
    await engine.remove(id);
    expect((await pm.images()).filter((line) => line.endsWith(id))).toEqual([]);
  });
});
