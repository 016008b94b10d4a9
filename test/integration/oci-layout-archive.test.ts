import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, docker, dockerLoadFrom, imageId, removeImages } from '../support/images.ts';

const run = promisify(execFile);
const NAME = `donodo-test/layout-${process.pid}`;
const IMAGE = `${NAME}:1.0`;
let scratch: string;
let id: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'donodo-layout-'));
  // Two layers (busybox, then the data), one with 1 MB of random bytes that gzip cannot shrink.
  id = await buildTestImage(IMAGE, { extraBytes: 1_000_000 });
});

afterAll(async () => {
  await removeImages(IMAGE);
  await rm(scratch, { recursive: true, force: true });
});

/** Push IMAGE into a new archive folder; the result line, the record.json and the stored file's path. */
async function pushInto(folder: string, ...flags: string[]) {
  const dir = path.join(scratch, folder);
  const pushed = await runCli(['push', IMAGE, '--storage', 'dir', '--dir', dir, '-y', '--json', '--no-lock', ...flags]);
  expect(pushed.code, pushed.stderr).toBe(0);
  const result = pushed.json[0];
  const recordDir = path.join(dir, 'records', result.recordId);
  const record = JSON.parse(await readFile(path.join(recordDir, 'record.json'), 'utf8'));
  return { dir, result, record, file: path.join(recordDir, result.file.key) };
}

describe('push stores image.tar: an OCI image layout with each layer gzipped', () => {
  let pushed: Awaited<ReturnType<typeof pushInto>>;

  beforeAll(async () => {
    pushed = await pushInto('first');
  });

  it('records the layout, its manifest digest and the image id', async () => {
    const { result, record } = pushed;
    expect(result.file).toMatchObject({ key: 'image.tar', md5: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(record.files).toEqual([expect.objectContaining({ key: 'image.tar', size: result.file.size, checksum: `md5:${result.file.md5}` })]);
    expect(record.image).toEqual({
      config: id,
      manifest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      name: NAME,
      tag: '1.0',
      platform: { os: 'linux', architecture: 'amd64' },
      format: 'oci-layout',
    });
    const listing = (await run('tar', ['tf', pushed.file])).stdout.trim().split('\n');
    expect(listing).toEqual(expect.arrayContaining(['oci-layout', 'index.json', 'manifest.json', `blobs/sha256/${id.slice(7)}`, `blobs/sha256/${record.image.manifest.slice(7)}`]));
    // Four blobs: two gzip layers, the config and the manifest; nothing of the legacy layout.
    expect(listing.filter((name) => name.startsWith('blobs/sha256/'))).toHaveLength(4);
  });

  it('is read by skopeo as an OCI archive: the manifest the record names, gzip layers, the config digest the image id', async () => {
    const raw = JSON.parse((await run('skopeo', ['inspect', '--raw', `oci-archive:${pushed.file}`])).stdout);
    expect(raw.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(raw.config).toMatchObject({ mediaType: 'application/vnd.oci.image.config.v1+json', digest: id });
    expect(raw.layers.map((layer: { mediaType: string }) => layer.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);
    const inspected = JSON.parse((await run('skopeo', ['inspect', `oci-archive:${pushed.file}`])).stdout);
    expect(inspected.Digest).toBe(pushed.record.image.manifest);
  });

  it('is loaded by docker load -i with the same image id and name', async () => {
    await removeImages(IMAGE);
    const out = await docker('load', '-i', pushed.file);
    expect(out).toContain(`Loaded image: ${IMAGE}`);
    expect(await imageId(IMAGE)).toBe(id);
    expect(await docker('run', '--rm', IMAGE)).toContain(IMAGE);
  });

  it('is loaded the way the original donodo pulls a key not ending in .gz (docker load from the download stream)', async () => {
    await removeImages(IMAGE);
    expect(await dockerLoadFrom(createReadStream(pushed.file))).toContain(`Loaded image: ${IMAGE}`);
    expect(await imageId(IMAGE)).toBe(id);
  });

  it('is loaded by podman load with the same image id', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'donodo-podman-'));
    const podman = (...args: string[]) => run('podman', ['--storage-driver=vfs', '--root', root, '--runroot', path.join(root, 'run'), ...args]);
    try {
      const loaded = await podman('load', '-i', pushed.file);
      expect(loaded.stdout + loaded.stderr).toContain(`Loaded image: localhost/${IMAGE}`);
      const { stdout } = await podman('image', 'inspect', '--format', '{{.Id}}', `localhost/${IMAGE}`);
      expect(`sha256:${stdout.trim()}`).toBe(id);
    } finally {
      await podman('system', 'reset', '--force').catch(() => undefined);
      await rm(root, { recursive: true, force: true }).catch(() => undefined);
    }
  });

  it('is restored by donodo pull, verified, with the same id', async () => {
    await removeImages(IMAGE);
    const pulled = await runCli(['pull', pushed.result.recordId, '--storage', 'dir', '--dir', pushed.dir, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', image: IMAGE, imageId: id });
    expect(await imageId(IMAGE)).toBe(id);
    expect(await docker('run', '--rm', IMAGE)).toContain(IMAGE);
  });

  it('is the same file, with the same manifest digest, when the same image is pushed again', async () => {
    const again = await pushInto('second');
    expect(again.record.image.manifest).toBe(pushed.record.image.manifest);
    expect(again.result.file).toEqual(pushed.result.file);
  });
});

describe('the archive format is a choice', () => {
  it('keeps image.tar.gz, the whole docker save stream gzipped, with --archive-format docker-save', async () => {
    const { result, record, file } = await pushInto('flag', '--archive-format', 'docker-save');
    expect(result.file.key).toBe('image.tar.gz');
    expect(record.image).toMatchObject({ config: id, format: 'docker-save' });
    expect(record.image.manifest).toBeUndefined();
    await run('gunzip', ['-t', file]);
    const listing = (await run('sh', ['-c', `gunzip -c '${file}' | tar t`])).stdout;
    expect(listing).toContain(`${id.slice(7)}.json`);
  });

  it('takes the format from the configuration ("archive": { "format" }), and the flag wins over it', async () => {
    const project = path.join(scratch, 'project');
    await run('mkdir', ['-p', project]);
    await writeFile(path.join(project, 'donodo.config.json'), JSON.stringify({ archive: { format: 'docker-save' } }));
    const dir = path.join(scratch, 'configured');
    const configured = await runCli(['push', IMAGE, '--storage', 'dir', '--dir', dir, '-y', '--json', '--no-lock'], { cwd: project });
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.json[0].file.key).toBe('image.tar.gz');
    const flagged = await runCli(['push', IMAGE, '--storage', 'dir', '--dir', path.join(scratch, 'flagged'), '-y', '--json', '--no-lock', '--archive-format', 'oci-layout'], { cwd: project });
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(flagged.json[0].file.key).toBe('image.tar');
  });

  it('refuses a format it does not know, naming the ones it does', async () => {
    const refused = await runCli(['push', IMAGE, '--storage', 'dir', '--dir', path.join(scratch, 'refused'), '-y', '--archive-format', 'zip']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--archive-format[\s\S]*oci-layout, docker-save/);
  });
});
