import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';

const run = promisify(execFile);
const NAME = `donodo-test/archive-${process.pid}`;
let work: string;
let id: string;

const skopeo = async (...args: string[]) => (await run('skopeo', args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
/** The config digest skopeo reads from a location (the raw config's sha256). */
const configDigest = async (location: string) => `sha256:${createHash('sha256').update(await run('skopeo', ['inspect', '--config', '--raw', location], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout)).digest('hex')}`;
const storage = async () => ['--storage', 'dir', '--dir', await mkdtemp(path.join(work, 'records-'))];
/** What a folder holds, recursively (to show that nothing was left behind). */
const files = async (dir: string) => (await readdir(dir, { recursive: true })).sort();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-transports-'));
  id = await buildTestImage(`${NAME}:1.0`, { labels: { 'org.opencontainers.image.title': 'archive test' } });
  await docker('save', '-o', path.join(work, 'legacy.tar'), `${NAME}:1.0`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`);
  await rm(work, { recursive: true, force: true });
});

describe('docker-archive: files, both ways', () => {
  it('a docker save tar → record → docker-archive: file that docker load restores with the same id and name', async () => {
    const dir = await storage();
    const pushed = await runCli(['push', `docker-archive:${path.join(work, 'legacy.tar')}`, ...dir, '-y', '--json']);
    expect(pushed.stderr).not.toMatch(/donodo: .*\[/);
    expect(pushed.code).toBe(0);
    expect(pushed.json[0]).toMatchObject({ image: `${NAME}:1.0`, status: 'published', imageId: id });

    const out = path.join(work, 'restored.tar');
    const pulled = await runCli(['pull', pushed.json[0].recordId, `docker-archive:${out}`, ...dir, '--json']);
    expect(pulled.code).toBe(0);
    expect(pulled.json[0]).toMatchObject({ imageId: id, written: out });
    expect((await readdir(work)).filter((name) => name.includes('.donodo-'))).toEqual([]);

    await removeImages(`${NAME}:1.0`);
    expect(await docker('load', '-i', out)).toContain(`${NAME}:1.0`);
    expect(await imageId(`${NAME}:1.0`)).toBe(id);

    // The destination exists now: refused, and left as it was.
    const before = await readFile(out);
    const again = await runCli(['pull', pushed.json[0].recordId, `docker-archive:${out}`, ...dir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('DESTINATION_EXISTS');
    expect((await readFile(out)).equals(before)).toBe(true);
  });

  it('reads a gzip-compressed docker save tar, named by the suffix', async () => {
    const gz = path.join(work, 'legacy.tar.gz');
    await run('sh', ['-c', `gzip -c '${path.join(work, 'legacy.tar')}' > '${gz}'`]);
    const pushed = await runCli(['push', `docker-archive:${gz}:${NAME}-gz:2.0`, ...(await storage()), '-y', '--json']);
    expect(pushed.code).toBe(0);
    expect(pushed.json[0]).toMatchObject({ image: `${NAME}-gz:2.0`, imageId: id });
  });

  it('says which images an archive of several holds when no suffix picks one', async () => {
    await docker('tag', `${NAME}:1.0`, `${NAME}:1.1`);
    const other = await buildTestImage(`${NAME}-other:1.0`);
    const both = path.join(work, 'both.tar');
    try {
      await docker('save', '-o', both, `${NAME}:1.0`, `${NAME}-other:1.0`);
    } finally {
      await removeImages(`${NAME}:1.1`, `${NAME}-other:1.0`);
    }
    const dir = await storage();
    const refused = await runCli(['push', `docker-archive:${both}`, ...dir, '-y']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('ARCHIVE_AMBIGUOUS');
    expect(refused.stderr).toContain(`${NAME}-other:1.0`);
    expect(await files(dir[3]!)).toEqual([]);

    const picked = await runCli(['push', `docker-archive:${both}:${NAME}-other:1.0`, ...dir, '-y', '--json']);
    expect(picked.code).toBe(0);
    expect(picked.json[0]).toMatchObject({ image: `${NAME}-other:1.0`, imageId: other });
    // The record holds that one image only: a pull into Docker accepts it (it refuses archives of several).
    const pulled = await runCli(['pull', picked.json[0].recordId, ...dir, '--json']);
    expect(pulled.code).toBe(0);
    expect(pulled.json[0]).toMatchObject({ imageId: other });
    await removeImages(`${NAME}-other:1.0`);
  });
});

describe('oci-archive: and oci: layouts, both ways', () => {
  let ociTar: string;
  let ociDir: string;
  let ociConfig: string;
  beforeAll(async () => {
    ociTar = path.join(work, 'image.oci.tar');
    ociDir = path.join(work, 'layout');
    await skopeo('copy', `docker-daemon:${NAME}:1.0`, `oci-archive:${ociTar}:1.0`);
    await skopeo('copy', `docker-daemon:${NAME}:1.0`, `oci:${ociDir}:1.0`);
    ociConfig = await configDigest(`oci-archive:${ociTar}`);
  });

  it('an oci-archive from skopeo → record (--name) → oci-archive: that skopeo reads with the same config digest', async () => {
    const dir = await storage();
    const unnamed = await runCli(['push', `oci-archive:${ociTar}`, ...dir, '-y']);
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.stderr).toContain('--name');

    const pushed = await runCli(['push', `oci-archive:${ociTar}`, '--name', `${NAME}-oci:1.0`, ...dir, '-y', '--json']);
    expect(pushed.code).toBe(0);
    expect(pushed.json[0]).toMatchObject({ image: `${NAME}-oci:1.0`, imageId: ociConfig, file: { key: 'image.tar' } });
    // Its layers were gzip already: stored as they were, under the very manifest skopeo wrote.
    const record = JSON.parse(await readFile(path.join(dir[3]!, 'records', pushed.json[0].recordId, 'record.json'), 'utf8'));
    expect(record.image).toMatchObject({ config: ociConfig, manifest: JSON.parse(await skopeo('inspect', `oci-archive:${ociTar}`)).Digest, format: 'oci-layout' });

    const out = path.join(work, 'pulled.oci.tar');
    const pulled = await runCli(['pull', pushed.json[0].recordId, `oci-archive:${out}`, ...dir, '--json']);
    expect(pulled.code).toBe(0);
    expect(await configDigest(`oci-archive:${out}:1.0`)).toBe(ociConfig);
  });

  it('an oci: folder (REF picks the image) → record → oci: folder and docker-archive: file', async () => {
    const dir = await storage();
    const pushed = await runCli(['push', `oci:${ociDir}:1.0`, '--name', `${NAME}-dir:1.0`, ...dir, '-y', '--json']);
    expect(pushed.code).toBe(0);
    const out = path.join(work, 'pulled-layout');
    const pulled = await runCli(['pull', pushed.json[0].recordId, `oci:${out}`, ...dir, '--json']);
    expect(pulled.code).toBe(0);
    expect(await configDigest(`oci:${out}:1.0`)).toBe(ociConfig);

    // The archived OCI layout (gzip layers, with manifest.json) loads into Docker as written.
    const file = path.join(work, 'from-oci.tar');
    expect((await runCli(['pull', pushed.json[0].recordId, `docker-archive:${file}`, ...dir])).code).toBe(0);
    expect(await docker('load', '-i', file)).toContain(`${NAME}-dir:1.0`);
    expect(await imageId(`${NAME}-dir:1.0`)).toBe(ociConfig);
    await removeImages(`${NAME}-dir:1.0`);

    // That file is a docker save archive as Docker 25+ writes them (OCI layout with manifest.json): it pushes as one, named by its RepoTags.
    const again = await runCli(['push', `docker-archive:${file}`, ...(await storage()), '-y', '--json']);
    expect(again.code).toBe(0);
    expect(again.json[0]).toMatchObject({ image: `${NAME}-dir:1.0`, imageId: ociConfig });
  });

  it('a docker save tar → record → oci-archive: converted to an OCI layout skopeo reads with the same config digest', async () => {
    const dir = await storage();
    // Stored as it came (a legacy docker save, gzipped), so the pull is what lays it out as OCI.
    const pushed = await runCli(['push', `docker-archive:${path.join(work, 'legacy.tar')}`, ...dir, '-y', '--json', '--archive-format', 'docker-save']);
    expect(pushed.code).toBe(0);
    const out = path.join(work, 'converted.oci.tar');
    expect((await runCli(['pull', pushed.json[0].recordId, `oci-archive:${out}`, ...dir])).code).toBe(0);
    expect(await configDigest(`oci-archive:${out}:1.0`)).toBe(id);
    const raw = JSON.parse(await skopeo('inspect', '--raw', `oci-archive:${out}:1.0`));
    expect(raw.layers.every((layer: { mediaType: string }) => layer.mediaType === 'application/vnd.oci.image.layer.v1.tar')).toBe(true);
  });

  it('a layout of two images and no REF is refused, listing the refs', async () => {
    const two = path.join(work, 'two');
    await skopeo('copy', `oci:${ociDir}:1.0`, `oci:${two}:1.0`);
    const other = await buildTestImage(`${NAME}-two:2.0`);
    try {
      await skopeo('copy', `docker-daemon:${NAME}-two:2.0`, `oci:${two}:2.0`);
    } finally {
      await removeImages(`${NAME}-two:2.0`);
    }
    const dir = await storage();
    const refused = await runCli(['push', `oci:${two}`, '--name', `${NAME}-two:2.0`, ...dir, '-y']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('ARCHIVE_AMBIGUOUS');
    expect(refused.stderr).toMatch(/1\.0[\s\S]*2\.0/);
    expect(await files(dir[3]!)).toEqual([]);
    const picked = await runCli(['push', `oci:${two}:2.0`, '--name', `${NAME}-two:2.0`, ...dir, '-y', '--json']);
    expect(picked.code).toBe(0);
    expect(picked.json[0].imageId).not.toBe(ociConfig);
    expect(other).toMatch(/^sha256:/);
  });
});

describe('an OCI layout whose entry is an image index', () => {
  it("takes this machine's platform (linux/amd64), and says so", async () => {
    const nested = path.join(work, 'nested');
    await skopeo('copy', `docker-daemon:${NAME}:1.0`, `oci:${nested}:1.0`);
    const index = JSON.parse(await readFile(path.join(nested, 'index.json'), 'utf8'));
    const manifest = index.manifests[0];
    const arm = { ...manifest, digest: `sha256:${'0'.repeat(64)}`, platform: { os: 'linux', architecture: 'arm64' } };
    const platformIndex = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [arm, { ...manifest, annotations: undefined, platform: { os: 'linux', architecture: 'amd64' } }] }));
    const digest = createHash('sha256').update(platformIndex).digest('hex');
    await writeFile(path.join(nested, 'blobs', 'sha256', digest), platformIndex);
    await writeFile(path.join(nested, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${digest}`, size: platformIndex.length, annotations: { 'org.opencontainers.image.ref.name': 'team/multi:3.0' } }] }));
    const pushed = await runCli(['push', `oci:${nested}`, ...(await storage()), '-y', '--json']);
    expect(pushed.code).toBe(0);
    // The ref is a full NAME:TAG, so it names the image; the manifest is the amd64 one.
    expect(pushed.json[0]).toMatchObject({ image: 'team/multi:3.0', imageId: await configDigest(`oci:${nested}:team/multi:3.0`) });
    expect(pushed.stderr).toContain('taking linux/amd64');
  });
});

describe('damaged archives get a clear error and leave nothing behind', () => {
  it('a pull whose download does not match its record writes nothing at the destination', async () => {
    const dir = await storage();
    const pushed = await runCli(['push', `docker-archive:${path.join(work, 'legacy.tar')}`, ...dir, '-y', '--json']);
    const stored = path.join(dir[3]!, 'records', pushed.json[0].recordId, pushed.json[0].file.key);
    const bytes = await readFile(stored);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(stored, bytes);
    const into = await mkdtemp(path.join(work, 'into-'));
    for (const destination of [`oci-archive:${into}/x.tar`, `oci:${into}/x`, `docker-archive:${into}/x.tar`]) {
      const pulled = await runCli(['pull', pushed.json[0].recordId, destination, ...dir]);
      expect(pulled.code).not.toBe(0);
      expect(await readdir(into)).toEqual([]);
    }
  });

  const refusedPush = async (location: string, code: string) => {
    const dir = await storage();
    const result = await runCli(['push', location, '--name', `${NAME}-bad:1.0`, ...dir, '-y']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(code);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(await files(dir[3]!).catch(() => [])).not.toContain('records');
    return result.stderr;
  };

  it('a file that is no tar, and a truncated tar', async () => {
    const text = path.join(work, 'notes.txt');
    await writeFile(text, 'just some text, not an image\n'.repeat(100));
    expect(await refusedPush(`docker-archive:${text}`, 'ARCHIVE_NOT_IMAGE')).toContain('notes.txt');

    const cut = path.join(work, 'cut.tar');
    await writeFile(cut, await readFile(path.join(work, 'legacy.tar')));
    await truncate(cut, (await stat(cut)).size - 700_000);
    await refusedPush(`docker-archive:${cut}`, 'ARCHIVE_');
  });

  it('an OCI layout with a missing blob, and one whose layer does not match its digest', async () => {
    const missing = path.join(work, 'missing');
    await skopeo('copy', `docker-daemon:${NAME}:1.0`, `oci:${missing}:1.0`);
    const manifest = JSON.parse(await skopeo('inspect', '--raw', `oci:${missing}:1.0`));
    const layer = manifest.layers[0].digest.slice(7);
    await rm(path.join(missing, 'blobs', 'sha256', layer));
    expect(await refusedPush(`oci:${missing}`, 'ARCHIVE_BLOB_MISSING')).toContain(layer);

    const altered = path.join(work, 'altered');
    await skopeo('copy', `docker-daemon:${NAME}:1.0`, `oci:${altered}:1.0`);
    const blob = path.join(altered, 'blobs', 'sha256', layer);
    const bytes = await readFile(blob);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(blob, bytes);
    expect(await refusedPush(`oci:${altered}`, 'ARCHIVE_DIGEST_MISMATCH')).toContain(layer);
  });
});
