import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';

const run = promisify(execFile);
const NAME = `donodo-test/tiny-${process.pid}`;
let archive: string;
let id10: string;
let id11: string;

beforeAll(async () => {
  archive = await mkdtemp(path.join(os.tmpdir(), 'donodo-archive-'));
  id10 = await buildTestImage(`${NAME}:1.0`);
  id11 = await buildTestImage(`${NAME}:1.1`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}:1.1`);
  await rm(archive, { recursive: true, force: true });
});

describe('push and pull through a local archive folder', () => {
  it('archives an image, restores it after docker rmi with the same id, and the restored image runs', async () => {
    const pushed = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive, '-y', '--json']);
    expect(pushed.stderr).not.toMatch(/donodo: .*\[/);
    expect(pushed.code).toBe(0);
    expect(pushed.json).toHaveLength(1);
    const result = pushed.json[0];
    expect(result).toMatchObject({ image: `${NAME}:1.0`, status: 'published', published: true, imageId: id10, version: '1.0' });
    expect(result.file).toMatchObject({ key: 'image.tar', md5: expect.stringMatching(/^[0-9a-f]{32}$/) });

    const record = JSON.parse(await readFile(path.join(archive, 'records', result.recordId, 'record.json'), 'utf8'));
    expect(record.metadata).toMatchObject({ title: `Docker image ${NAME}`, version: '1.0', upload_type: 'other' });
    expect(JSON.parse(record.metadata.notes)).toEqual({ 'docker-id': id10, 'docker-image-name': `${NAME}:1.0` });
    // What the record holds, where the dir storage keeps it: whatever the template made of the notes.
    expect(record.image).toEqual({ config: id10, manifest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), name: NAME, tag: '1.0', platform: { os: 'linux', architecture: 'amd64' }, format: 'oci-layout' });
    expect(record.files).toEqual([expect.objectContaining({ key: 'image.tar', size: result.file.size, checksum: `md5:${result.file.md5}` })]);
    // The description tells a reader how to restore this very file.
    expect(record.metadata.description).toContain('as <code>image.tar</code>: an OCI image layout');
    expect(record.metadata.description).toContain('<code>docker load -i image.tar</code>');

    await removeImages(`${NAME}:1.0`);
    expect(await imageId(`${NAME}:1.0`)).toBeUndefined();

    const pulled = await runCli(['pull', result.recordId, '--storage', 'dir', '--dir', archive, '--json']);
    expect(pulled.code).toBe(0);
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', image: `${NAME}:1.0`, imageId: id10, recordId: result.recordId });
    expect(await imageId(`${NAME}:1.0`)).toBe(id10);
    expect(await docker('run', '--rm', `${NAME}:1.0`)).toContain(`${NAME}:1.0`);
  });

  it('makes a second tag of the same name a second version of the same concept', async () => {
    const first = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive, '-y', '--json']);
    const second = await runCli(['push', `${NAME}:1.1`, '--storage', 'dir', '--dir', archive, '-y', '--json']);
    expect(second.code).toBe(0);
    expect(second.json[0]).toMatchObject({ status: 'published', imageId: id11, version: '1.1' });
    expect(second.json[0].conceptRecId).toBe(first.json[0].conceptRecId);
    expect(second.json[0].recordId).not.toBe(first.json[0].recordId);

    // The concept id names the latest version; --tag picks another.
    const latest = await runCli(['pull', first.json[0].conceptRecId, '--storage', 'dir', '--dir', archive, '--json']);
    expect(latest.json[0]).toMatchObject({ status: 'loaded', imageId: id11 });
    const older = await runCli(['pull', first.json[0].conceptRecId, '--tag', '1.0', '--storage', 'dir', '--dir', archive, '--json']);
    expect(older.json[0]).toMatchObject({ status: 'loaded', imageId: id10 });
  });

  it('writes an image.tar.gz (--archive-format docker-save) that plain gunzip -t and docker load accept, with stored and deflated blocks alike', async () => {
    // busybox deflates; 3 MB of random bytes are stored: both kinds of block in one archive.
    const reference = `${NAME}:mixed`;
    const id = await buildTestImage(reference, { extraBytes: 3_000_000 });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-archive-'));
    try {
      const pushed = await runCli(['push', reference, '--storage', 'dir', '--dir', dir, '-y', '--json', '--archive-format', 'docker-save']);
      expect(pushed.code).toBe(0);
      const file = path.join(dir, 'records', pushed.json[0].recordId, 'image.tar.gz');
      const size = (await stat(file)).size;
      expect(size).toBeGreaterThan(3_000_000); // the random bytes cannot shrink
      await run('gunzip', ['-t', file]);
      const record = JSON.parse(await readFile(path.join(dir, 'records', pushed.json[0].recordId, 'record.json'), 'utf8'));
      expect(record.metadata.description).toContain('<code>docker load -i image.tar.gz</code>');
      expect(record.image).toMatchObject({ config: id, format: 'docker-save' });
      await removeImages(reference);
      expect(await docker('load', '-i', file)).toContain(reference);
      expect(await imageId(reference)).toBe(id);
      expect(await docker('run', '--rm', reference)).toContain(reference);
    } finally {
      await removeImages(reference);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a tag that is already published with the same image, and changes nothing', async () => {
    const before = await readdir(path.join(archive, 'records'));
    const again = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive, '-y']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already published with this image');
    expect(await readdir(path.join(archive, 'records'))).toEqual(before);
  });

  it('keeps an unpublished draft when nobody can confirm, exits 2, and publishes it on the next push with -y', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-archive-'));
    try {
      const declined = await runCli(['push', `${NAME}:1.1`, '--storage', 'dir', '--dir', dir, '--json']);
      expect(declined.code).toBe(2);
      expect(declined.json[0]).toMatchObject({ status: 'unpublished', published: false });
      expect(declined.stderr).toContain('--auto-publish');
      const drafts = await readdir(path.join(dir, 'drafts'));
      expect(drafts).toEqual([declined.json[0].recordId]);

      const resumed = await runCli(['push', `${NAME}:1.1`, '--storage', 'dir', '--dir', dir, '-y', '--json']);
      expect(resumed.code).toBe(0);
      expect(resumed.json[0]).toMatchObject({ status: 'published', recordId: declined.json[0].recordId });
      expect(resumed.stderr).toContain('already holds this archive');
      expect(await readdir(path.join(dir, 'drafts'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input gets a clear error, a non-zero exit, and leaves nothing behind', () => {
  let empty: string;
  beforeAll(async () => {
    empty = await mkdtemp(path.join(os.tmpdir(), 'donodo-empty-'));
  });
  afterAll(() => rm(empty, { recursive: true, force: true }));

  async function expectFailure(args: string[], code: string, text: RegExp, env?: Record<string, string>, cwd?: string) {
    const run = await runCli(args, { env, cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(code);
    expect(run.stderr).toMatch(text);
    return run;
  }

  it('refuses a push without a tag', async () => {
    await expectFailure(['push', NAME, '--storage', 'dir', '--dir', empty], 'REFERENCE_NO_TAG', /has no tag/);
  });

  it('refuses to push latest, saying why', async () => {
    await expectFailure(['push', `${NAME}:latest`, '--storage', 'dir', '--dir', empty], 'REFERENCE_LATEST', /changes meaning over time/);
  });

  it('names an image that does not exist', async () => {
    await expectFailure(['push', `${NAME}:9.9`, '--storage', 'dir', '--dir', empty], 'IMAGE_NOT_FOUND', /does not exist in the local Docker engine/);
  });

  it('says so when no Docker engine answers', async () => {
    await expectFailure(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', empty], 'DOCKER_UNAVAILABLE', /No Docker engine answers at unix:\/\/\/nonexistent\/docker.sock/, {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
  });

  it('lists the known storages for an unknown one', async () => {
    await expectFailure(['push', `${NAME}:1.0`, '--storage', 'floppy'], 'PLUGIN_UNKNOWN', /No storage plugin is named "floppy"[\s\S]*Known storage plugins: zenodo, dir, invenio/);
  });

  it('names every problem of an invalid config with its path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-config-'));
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ storage: { nam: 'dir' }, autoPublish: 'yes', colour: 1 }));
    const run = await expectFailure(['push', `${NAME}:1.0`], 'CONFIG_INVALID', /has 4 problems/, undefined, dir);
    expect(run.stderr).toContain('storage.name: is required but missing');
    expect(run.stderr).toContain('storage.nam: unknown setting');
    expect(run.stderr).toContain('autoPublish: must be boolean (got "yes")');
    expect(run.stderr).toContain('colour: unknown setting');
    await rm(dir, { recursive: true, force: true });
  });

  it('reports an unknown or malformed plugin module by name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-config-'));
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ plugins: ['./missing.mjs'] }));
    await expectFailure(['push', `${NAME}:1.0`], 'PLUGIN_LOAD', /Plugin module ".\/missing.mjs" could not be loaded/, undefined, dir);
    await writeFile(path.join(dir, 'bad.mjs'), 'export default { kind: "storage", name: "bad" };');
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ plugins: ['./bad.mjs'] }));
    const run = await expectFailure(['push', `${NAME}:1.0`], 'PLUGIN_SHAPE', /Plugin module ".\/bad.mjs" does not export a donodo plugin/, undefined, dir);
    expect(run.stderr).toContain('create must be a function');
    await rm(dir, { recursive: true, force: true });
  });

  it('says when a pull reference matches nothing', async () => {
    await expectFailure(['pull', '424242', '--storage', 'dir', '--dir', empty], 'RECORD_NOT_FOUND', /No published record/);
  });

  it('refuses a record whose image file is missing, and one whose archive is corrupt', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-archive-'));
    const pushed = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', dir, '-y', '--json']);
    const folder = path.join(dir, 'records', pushed.json[0].recordId);
    const stored = path.join(folder, pushed.json[0].file.key);
    const bytes = await readFile(stored);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(stored, bytes);
    const corrupt = await runCli(['pull', pushed.json[0].recordId, '--storage', 'dir', '--dir', dir]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/CHECKSUM_MISMATCH|ARCHIVE_CORRUPT|LAYER_DIGEST_MISMATCH|DOCKER_LOAD_FAILED/);

    const record = JSON.parse(await readFile(path.join(folder, 'record.json'), 'utf8'));
    record.files = [{ ...record.files[0], key: 'README.md' }];
    await writeFile(path.join(folder, 'record.json'), JSON.stringify(record));
    await expectFailure(['pull', pushed.json[0].recordId, '--storage', 'dir', '--dir', dir], 'NO_IMAGE_FILE', /holds no image archive \(files: README.md\)/);
    await rm(dir, { recursive: true, force: true });
  });
});
