import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { dockerSave, donodoNotes, publishRecord } from '../support/crafted-record.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';
import { startPodman, type PodmanService } from '../support/podman.ts';

/**
 * Images between Podman (a real `podman system service` of Debian's podman, on a storage of its
 * own) and Docker, through Zenodo (the emulator): the same image id at both ends, the names Podman
 * users see (`localhost/NAME:TAG`), and a failed pull that leaves Podman as it was.
 */
const NAME = `donodo-test/podman-${process.pid}`;
let zenodo: Emulator;
let pm: PodmanService;
let project: string;
const built: string[] = [];

const args = (...rest: string[]) => [...rest, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
const donodo = (rest: string[], env: Record<string, string | undefined> = {}, cwd = project) =>
  runCli(args(...rest), { cwd, env: { ZENODO_TOKEN: zenodo.token, ...pm.env, ...env } });
const downloads = () => zenodo.requests.filter((r) => /\/files\/.*\/content$/.test(r.url)).length;

async function image(reference: string): Promise<string> {
  built.push(reference);
  return buildTestImage(reference);
}

/** An image only Podman holds: built by Docker, `docker save | podman load`, removed from Docker. */
async function inPodmanOnly(reference: string): Promise<string> {
  const id = await image(reference);
  const file = path.join(project, `${id.slice(7, 19)}.tar`);
  await writeFile(file, await dockerSave(reference));
  await pm.podman('load', '-i', file);
  await rm(file);
  await removeImages(reference);
  return id;
}

beforeAll(async () => {
  [zenodo, pm] = await Promise.all([startEmulator({}), startPodman()]);
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-podman-project-'));
});

afterAll(async () => {
  await removeImages(...built);
  await Promise.all([zenodo?.close(), pm?.stop(), project && rm(project, { recursive: true, force: true })]);
});

describe('Podman, both ways', () => {
  it('archives podman:NAME:TAG in an archive folder and restores it into Docker with the same image id', async () => {
    const reference = `${NAME}/from-podman:1.0`;
    const id = await inPodmanOnly(reference);
    expect(await pm.images()).toContain(`localhost/${reference} ${id}`);
    const dir = path.join(project, 'archive');
    const inDir = (...rest: string[]) => runCli([...rest, '--storage', 'dir', '--dir', dir, '--json'], { cwd: project, env: pm.env });

    const pushed = await inDir('push', `podman:${reference}`, '-y');
    expect(pushed.code, pushed.stderr).toBe(0);
    // Archived under the name the user wrote, not Podman's localhost/ one.
    expect(pushed.json[0]).toMatchObject({ status: 'published', image: reference, imageId: id });

    expect(await imageId(reference)).toBeUndefined();
    const pulled = await inDir('pull', pushed.json[0].recordId);
    expect(pulled.code, pulled.stderr).toBe(0);
    // Podman's export (legacy docker-save, layers as <diff_id>.tar) verifies like Docker's, layer by layer.
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', image: reference, imageId: id, verified: { md5: true, archive: true, layers: true, imageId: true } });
    // The localhost/ name Podman wrote into its export is the record's own, not another tag left unset.
    expect(pulled.json[0].ignoredTags).toBeUndefined();
    expect(await imageId(reference)).toBe(id);
    expect(await docker('run', '--rm', reference)).toContain(reference);
  });

  it('restores an image pushed from Docker into Podman: the same id, under the record\'s name, --name or podman:NAME:TAG', async () => {
    const reference = `${NAME}/to-podman:2.0`;
    const id = await image(reference);
    const pushed = await donodo(['push', reference, '-y', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);

    const pulled = await donodo(['pull', pushed.json[0].doi, 'podman:', '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', image: reference, imageId: id, verified: { md5: true, archive: true, imageId: true } });
    const withId = async () => (await pm.images()).filter((line) => line.endsWith(` ${id}`));
    expect(await withId()).toEqual([`localhost/${reference} ${id}`]);

    const renamed = await donodo(['pull', pushed.json[0].doi, 'podman:', '--name', `${NAME}/renamed:3`, '--json']);
    expect(renamed.code, renamed.stderr).toBe(0);
    const named = await donodo(['pull', pushed.json[0].doi, `podman:${NAME}/dest:4`, '--json']);
    expect(named.code, named.stderr).toBe(0);
    expect(named.json[0]).toMatchObject({ image: `${NAME}/dest:4`, imageId: id });
    // Podman's own names, as `podman images` shows them: never docker.io/library/… from the compatible tag call.
    expect(await withId()).toEqual([`localhost/${NAME}/dest:4 ${id}`, `localhost/${NAME}/renamed:3 ${id}`, `localhost/${reference} ${id}`]);
  });

  it('leaves Podman\'s images and tags as they were when a pull into it fails', async () => {
    const reference = `${NAME}/tool:1.0`;
    await inPodmanOnly(reference); // the user's own image under the name the records name
    await image(reference);
    const before = await pm.images();

    // The stored archive does not match the md5 the record states.
    const pushed = await donodo(['push', reference, '-y', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    for (const deposition of zenodo.store.versions.values()) {
      for (const file of deposition.record?.files ?? []) if (file.checksum === pushed.json[0].file.md5) file.checksum = '0'.repeat(32);
    }
    const damaged = await donodo(['pull', pushed.json[0].doi, 'podman:', '--json']);
    expect(damaged.code).toBe(1);
    expect(damaged.json[0].error.code).toBe('CHECKSUM_MISMATCH');
    expect(await pm.images()).toEqual(before);

    // The record's image id is not the archive's.
    const forged = await publishRecord(zenodo, {
      title: `Docker image ${NAME}/tool`, version: '1.1', tar: await dockerSave(reference),
      notes: donodoNotes({ id: `sha256:${'0'.repeat(64)}`, name: reference }),
    });
    const refused = await donodo(['pull', forged.doi, 'podman:', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json[0].status).toBe('failed');
    expect(await pm.images()).toEqual(before);
  });

  it('says how to start the service when no Podman answers, and downloads nothing', async () => {
    const id = await image(`${NAME}/unreached:1.0`);
    const pushed = await donodo(['push', `${NAME}/unreached:1.0`, '-y', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const socket = path.join(project, 'no-podman.sock');
    const before = downloads();

    const pulled = await donodo(['pull', pushed.json[0].doi, 'podman:', '--json'], { CONTAINER_HOST: `unix://${socket}` });
    expect(pulled.code).toBe(1);
    expect(pulled.json[0]).toMatchObject({ status: 'failed', error: { code: 'PODMAN_UNAVAILABLE', step: 'destination' } });
    const plain = await donodo(['pull', pushed.json[0].doi, 'podman:'], { CONTAINER_HOST: `unix://${socket}` });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`No Podman service answers at unix://${socket} (ENOENT; from CONTAINER_HOST)`);
    expect(plain.stderr).toContain(`podman system service --time=0 unix://${socket}`);
    expect(plain.stderr).toContain('systemctl --user start podman.socket');
    expect(downloads()).toBe(before);
    expect((await pm.images()).some((line) => line.endsWith(id))).toBe(false);

    const remote = await donodo(['pull', pushed.json[0].doi, 'podman:'], { CONTAINER_HOST: 'ssh://someone@example.org/run/podman/podman.sock' });
    expect(remote.code).toBe(1);
    expect(remote.stderr).toMatch(/CONTAINER_HOST "ssh:\/\/someone@example.org\/run\/podman\/podman.sock" is not a unix:\/\/ socket address[\s\S]*PODMAN_HOST_INVALID/);
    expect(downloads()).toBe(before);
  });

  it('reaches the socket a configuration names for a podman source, over CONTAINER_HOST', async () => {
    const reference = `${NAME}/configured:1.0`;
    const id = await inPodmanOnly(reference);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-podman-config-'));
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ source: { name: 'podman', options: { socketPath: pm.socket } } }));
    try {
      // No transport written: the configured source, Podman.
      const pushed = await donodo(['push', reference, '-y', '--json'], { CONTAINER_HOST: 'unix:///nonexistent/podman.sock' }, dir);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.json[0]).toMatchObject({ image: reference, imageId: id });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
