import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedArchive } from '../../src/archive/guarded-archive.ts';
import { MeasuringStream } from '../../src/streams/measure.ts';
import { dockerSave } from '../support/crafted-record.ts';
import { buildTestImage, removeImages } from '../support/images.ts';
import { alteredAt, contentOf, contentsOf } from '../support/tar-surgery.ts';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-guard-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A tar made by GNU tar from files (pax format, so long names get extended headers). */
async function tarOf(files: Record<string, string>, format = 'pax'): Promise<Buffer> {
  const root = await mkdtemp(path.join(dir, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  const out = path.join(dir, `${path.basename(root)}.tar`);
  await run('tar', ['-cf', out, `--format=${format}`, '-C', root, ...Object.keys(files)]);
  return readFile(out);
}

/** Feed `input` through a guard in small uneven chunks; collect what comes out. */
function guard(input: Buffer, chunk = 777, expected?: string): { guard: GuardedArchive; output: Promise<Buffer>; ended: () => boolean; fed: Promise<void> } {
  const archive = new GuardedArchive('image.tar', { expected });
  const parts: Buffer[] = [];
  let ended = false;
  const output = new Promise<Buffer>((resolve, reject) => {
    archive.on('data', (d: Buffer) => parts.push(d));
    archive.on('end', () => {
      ended = true;
      resolve(Buffer.concat(parts));
    });
    archive.on('error', reject);
  });
  const pieces: Buffer[] = [];
  for (let at = 0; at < input.length; at += chunk) pieces.push(input.subarray(at, at + chunk));
  const source = Readable.from(pieces);
  const fed = new Promise<void>((resolve) => source.on('end', resolve));
  source.pipe(archive);
  return { guard: archive, output, ended: () => ended, fed };
}

async function listing(tar: Buffer): Promise<string[]> {
  const file = path.join(dir, `list-${Math.random()}.tar`);
  await writeFile(file, tar);
  return (await run('tar', ['-tf', file])).stdout.trim().split('\n');
}

const idle = () => new Promise((resolve) => setImmediate(resolve));

describe('GuardedArchive', () => {
  const manifest = JSON.stringify([{ Config: 'abc.json', RepoTags: ['lab/victim:latest', 'lab/tool:1.0'], Layers: ['l/layer.tar'] }]);
  /** The config and layer manifest.json names, consistent with each other. */
  const image = { 'abc.json': JSON.stringify({ rootfs: { type: 'layers', diff_ids: [`sha256:${createHash('sha256').update('layer').digest('hex')}`] } }), 'l/layer.tar': 'layer' };
  const repositories = JSON.stringify({ 'lab/victim': { latest: 'abc' } });
  const longName = `blobs/${'x'.repeat(150)}/layer.tar`;

  it('takes every name out of manifest.json and repositories, collects them, and passes everything else unchanged', async () => {
    const input = await tarOf({ ...image, [longName]: 'layer bytes', 'manifest.json': manifest, repositories });
    const { guard: archive, output } = guard(input);
    await idle();
    archive.release();
    const out = await output;
    expect(await listing(out)).toEqual(await listing(input));
    expect([...archive.names].sort()).toEqual(['lab/tool:1.0', 'lab/victim:latest']);
    const extracted = await mkdtemp(path.join(dir, 'out-'));
    await writeFile(path.join(extracted, 'x.tar'), out);
    await run('tar', ['-xf', 'x.tar'], { cwd: extracted });
    expect(JSON.parse(await readFile(path.join(extracted, 'manifest.json'), 'utf8'))).toEqual([{ Config: 'abc.json', RepoTags: null, Layers: ['l/layer.tar'] }]);
    expect(JSON.parse(await readFile(path.join(extracted, 'repositories'), 'utf8'))).toEqual({});
    expect(await readFile(path.join(extracted, longName), 'utf8')).toBe('layer bytes');
  });

  it('takes the name annotations out of an OCI index.json', async () => {
    const hex = (text: string) => createHash('sha256').update(text).digest('hex');
    const config = JSON.stringify({ rootfs: { type: 'layers', diff_ids: [] } });
    const manifest = JSON.stringify({ schemaVersion: 2, config: { digest: `sha256:${hex(config)}`, size: config.length }, layers: [] });
    const annotations = { 'io.containerd.image.name': 'docker.io/lab/victim:latest', 'org.opencontainers.image.ref.name': 'latest', keep: 'me' };
    const index = JSON.stringify({ schemaVersion: 2, manifests: [{ digest: `sha256:${hex(manifest)}`, size: manifest.length, annotations }] });
    const blobs = { [`blobs/sha256/${hex(config)}`]: config, [`blobs/sha256/${hex(manifest)}`]: manifest };
    const input = await tarOf({ 'index.json': index, 'oci-layout': '{"imageLayoutVersion":"1.0.0"}', ...blobs }, 'gnu');
    const { guard: archive, output } = guard(input, 512);
    archive.release();
    const out = (await output).toString('latin1');
    expect(archive.names).toEqual(new Set(['lab/victim:latest']));
    expect(out).toContain('"annotations":{"keep":"me"}');
    expect(out).not.toContain('io.containerd.image.name');
  });

  it('holds the end of the archive back until released', async () => {
    const input = await tarOf({ 'manifest.json': manifest, ...image, 'a.txt': 'a' });
    const { guard: archive, output, ended, fed } = guard(input);
    await fed;
    await idle();
    expect(ended()).toBe(false);
    archive.release();
    expect((await output).length).toBeGreaterThan(0);
    expect(ended()).toBe(true);
  });

  it('never lets the end through when failed: the reader gets the error instead', async () => {
    const input = await tarOf({ ...image, 'manifest.json': manifest });
    const { guard: archive, output, ended } = guard(input);
    await idle();
    archive.fail(new Error('md5 does not match'));
    await expect(output).rejects.toThrow('md5 does not match');
    expect(ended()).toBe(false);
  });

  it('refuses a damaged header and a manifest that is not JSON, naming the archive', async () => {
    const input = await tarOf({ 'a.txt': 'a' });
    input[0] ^= 0xff;
    const damaged = guard(input);
    await expect(damaged.output).rejects.toThrow(/"image\.tar" is not a usable image archive: a tar header checksum does not match/);
    const notJson = guard(await tarOf({ 'manifest.json': '[{' }));
    await expect(notJson.output).rejects.toThrow(/its manifest\.json is not valid JSON/);
  });

  it('refuses megabytes that follow the end of the archive', async () => {
    const input = Buffer.concat([await tarOf({ 'a.txt': 'a' }), Buffer.alloc(2 * 1024 * 1024, 1)]);
    await expect(guard(input, 65536).output).rejects.toThrow(/follow the end of the archive/);
  });
});

describe('MeasuringStream with a limit', () => {
  it('fails at the first byte beyond the limit and stops reading its source', async () => {
    let served = 0;
    const source = new Readable({
      read() {
        served += 65536;
        this.push(served > 64 * 65536 ? null : Buffer.alloc(65536));
      },
    });
    const measure = MeasuringStream.of(source, { limit: { bytes: 100_000, error: () => new Error('too large') } });
    const sink = new PassThrough();
    measure.pipe(sink);
    sink.resume();
    await expect(new Promise((resolve, reject) => measure.on('error', reject).on('end', resolve))).rejects.toThrow('too large');
    expect(source.destroyed).toBe(true);
    expect(served).toBeLessThan(64 * 65536);
  });
});

describe('GuardedArchive identity, from the archive\'s own bytes', () => {
  const reference = `donodo-test/guard-${process.pid}:1.0`;
  let id: string;
  let tar: Buffer;
  beforeAll(async () => {
    id = await buildTestImage(reference);
    tar = await dockerSave(reference);
  });
  afterAll(async () => {
    await removeImages(reference);
  });

  it('finds the image id of a docker save archive as its config digest', async () => {
    const { guard: archive, output } = guard(tar, 65536, id);
    archive.release();
    await output;
    expect(archive.identity).toEqual({ configs: [id], manifests: [], layers: 2 });
    expect(archive.names).toEqual(new Set([reference]));
  });

  it('lets no end through when the archive holds another image than expected', async () => {
    const { guard: archive, output, ended } = guard(tar, 65536, `sha256:${'0'.repeat(64)}`);
    archive.release();
    await expect(output).rejects.toThrow(/holds the image .* but its record says 000000000000; nothing was loaded/);
    expect(ended()).toBe(false);
  });

  it('refuses a config blob whose bytes do not match its name', async () => {
    const config = `${id.slice('sha256:'.length)}.json`;
    const root = await mkdtemp(path.join(dir, 'forged-'));
    await writeFile(path.join(root, 'in.tar'), tar);
    await run('tar', ['-xf', 'in.tar'], { cwd: root });
    const original = await readFile(path.join(root, config), 'utf8');
    await writeFile(path.join(root, config), original.replace('"architecture"', '"architecture" ').replace('"os"', ' "os"'));
    await run('tar', ['-cf', 'forged.tar', '--exclude=in.tar', '--exclude=forged.tar', '.'], { cwd: root });
    const { guard: archive, output } = guard(await readFile(path.join(root, 'forged.tar')), 65536, id);
    archive.release();
    await expect(output).rejects.toThrow(/its image config .* does not match its digest/);
  });
});

describe('GuardedArchive checks every layer against its digest', () => {
  const reference = `donodo-test/guard-layers-${process.pid}:1.0`;
  let id: string;
  let saved: Buffer;
  let oci: Buffer;
  beforeAll(async () => {
    id = await buildTestImage(reference, { extraBytes: 200_000 });
    saved = await dockerSave(reference);
    const file = path.join(dir, 'oci.tar');
    await run('skopeo', ['copy', '--quiet', `docker-daemon:${reference}`, `oci-archive:${file}`]);
    oci = await readFile(file);
  });
  afterAll(async () => {
    await removeImages(reference);
  });

  it('refuses a docker save archive whose layer.tar was altered by one byte, and lets no end through', async () => {
    const { guard: archive, output, ended } = guard(alteredAt(saved, contentOf(saved, /\/layer\.tar$/)), 65536, id);
    archive.release();
    const failure = await output.catch((cause: unknown) => cause as Error & { code?: string });
    expect(failure).toMatchObject({ code: 'LAYER_DIGEST_MISMATCH' });
    expect((failure as Error).message).toMatch(/^The archive "image\.tar" holds [0-9a-f]{64}\/layer\.tar with the digest sha256:[0-9a-f]{64}, but the image says sha256:[0-9a-f]{64}; nothing was loaded/);
    expect(ended()).toBe(false);
  });

  it('reads the layers of an OCI layout (skopeo oci-archive) and checks each blob against its name', async () => {
    const { guard: archive, output } = guard(oci, 65536);
    archive.release();
    await output;
    expect(archive.identity?.layers).toBe(2);
    // skopeo writes the config anew as an OCI config, so its digest is not Docker's image id.
    expect(archive.identity?.configs).toHaveLength(1);
  });

  it('refuses an OCI layout whose layer blob was corrupted', async () => {
    // The largest blob is a layer (the payload); change one byte of it.
    const largest = contentsOf(oci, /^blobs\/sha256\//).sort((a, b) => b.size - a.size)[0]!;
    const corrupted = alteredAt(oci, largest);
    const { guard: archive, output, ended } = guard(corrupted, 65536);
    archive.release();
    await expect(output).rejects.toThrow(/holds blobs\/sha256\/[0-9a-f]{64} with the digest sha256:[0-9a-f]{64}, but the image says sha256:[0-9a-f]{64} \(its name\)/);
    expect(ended()).toBe(false);
  });

  it('refuses an archive whose manifest names a layer it does not hold', async () => {
    const { at, size } = contentOf(saved, /^manifest\.json$/);
    const manifest = saved.subarray(at, at + size).toString('latin1');
    const layer = /"([0-9a-f]{64})\/layer\.tar"/.exec(manifest)![1]!;
    // Name a layer the archive lacks by editing manifest.json in place (same length).
    const edited = Buffer.from(saved);
    edited.write(manifest.replace(`${layer}/layer.tar`, `${'f'.repeat(64)}/layer.tar`), at, 'latin1');
    const { guard: archive, output } = guard(edited, 65536, id);
    archive.release();
    await expect(output).rejects.toThrow(/its layer f{64}\/layer\.tar is missing/);
  });
});
