import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GzipCompressor } from '../../plugins/gzip/index.ts';
import { ExportLayoutError, layerMediaTypeFor, writeOciLayout, type OciLayoutOptions, type WrittenLayout } from '../../src/archive/oci-layout-writer.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';

const run = promisify(execFile);
const NAME = `donodo-test/writer-${process.pid}`;
const IMAGE = `${NAME}:1.0`;
const gzip = new GzipCompressor();
const OPTIONS: OciLayoutOptions = { name: NAME, tag: '1.0', compress: () => gzip.compress(), layerMediaType: layerMediaTypeFor('.gz')! };
let scratch: string;
let id: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'donodo-writer-'));
  id = await buildTestImage(IMAGE);
});

afterAll(async () => {
  await removeImages(IMAGE);
  await rm(scratch, { recursive: true, force: true });
});

/** Lay `input` out into a new file; what was written and the file's path. */
async function layOut(input: Readable, name: string, options: Partial<OciLayoutOptions> = {}): Promise<WrittenLayout & { file: string }> {
  const file = path.join(scratch, name);
  const handle = await open(file, 'w+');
  try {
    return { ...(await writeOciLayout(input, handle, { ...OPTIONS, ...options })), file };
  } finally {
    await handle.close();
  }
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const manifestOf = async (file: string) => JSON.parse((await run('skopeo', ['inspect', '--raw', `oci-archive:${file}`])).stdout);

/**
 * An OCI layout whose layers are plain tars, as Docker 25+ writes `docker save` (index.json,
 * blobs/sha256, manifest.json), made from the legacy `docker save` of IMAGE with GNU tar.
 */
async function uncompressedLayout(): Promise<string> {
  const saved = path.join(scratch, 'saved');
  const layout = path.join(scratch, 'layout');
  await mkdir(saved, { recursive: true });
  await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  await run('sh', ['-c', `docker save '${IMAGE}' | tar -x -C '${saved}'`]);
  const [entry] = JSON.parse(await readFile(path.join(saved, 'manifest.json'), 'utf8'));
  const blob = async (from: string) => {
    const digest = sha256(await readFile(from));
    await copyFile(from, path.join(layout, 'blobs', 'sha256', digest.slice(7)));
    return { digest, size: (await readFile(from)).length };
  };
  const config = await blob(path.join(saved, entry.Config));
  const layers = [];
  for (const layer of entry.Layers as string[]) layers.push(await blob(path.join(saved, layer)));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer })),
  }));
  await writeFile(path.join(layout, 'blobs', 'sha256', sha256(manifest).slice(7)), manifest);
  await writeFile(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length }] }));
  await writeFile(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(path.join(layout, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${config.digest.slice(7)}`, RepoTags: [IMAGE], Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) }]));
  const file = path.join(scratch, 'uncompressed-layout.tar');
  await run('tar', ['-c', '-f', file, '-C', layout, 'blobs', 'index.json', 'oci-layout', 'manifest.json']);
  return file;
}

describe('writeOciLayout', () => {
  it('keeps an OCI layout whose layers are gzip as it is: the same manifest, so the same digest', async () => {
    const source = path.join(scratch, 'skopeo.tar');
    await run('skopeo', ['copy', '-q', `docker-daemon:${IMAGE}`, `oci-archive:${source}:1.0`]);
    const original = (await run('skopeo', ['inspect', '--raw', `oci-archive:${source}`])).stdout;
    const written = await layOut(createReadStream(source), 'kept.tar');
    expect(written.manifest).toBe(sha256(Buffer.from(original)));
    expect(JSON.stringify(await manifestOf(written.file))).toBe(JSON.stringify(JSON.parse(original)));
    expect(written.md5).toBe(createHash('md5').update(await readFile(written.file)).digest('hex'));
    expect(written.sha256).toBe(createHash('sha256').update(await readFile(written.file)).digest('hex'));
  });

  it('compresses the plain layers of an OCI layout (as Docker 25+ saves), and docker load gives the same image', async () => {
    const written = await layOut(createReadStream(await uncompressedLayout()), 'recompressed.tar', { config: id });
    expect(written.config).toBe(id);
    const manifest = await manifestOf(written.file);
    expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);
    expect(written.manifest).toBe(sha256(Buffer.from(JSON.stringify(manifest))));
    // The same image as from the legacy docker save: the same layout, byte for byte.
    const fromLegacy = await layOut(spawn('docker', ['save', IMAGE]).stdout, 'legacy.tar', { config: id });
    expect(fromLegacy.manifest).toBe(written.manifest);
    await removeImages(IMAGE);
    await docker('load', '-i', written.file);
    expect(await imageId(IMAGE)).toBe(id);
  });

  it('reads a gzip-compressed docker save stream too', async () => {
    const file = path.join(scratch, 'saved.tar.gz');
    await run('sh', ['-c', `docker save '${IMAGE}' | gzip > '${file}'`]);
    const written = await layOut(createReadStream(file), 'from-gzip.tar', { config: id });
    expect(written.config).toBe(id);
  });

  it('follows a layer.tar that is a symbolic link to another layer (docker save writes them for repeated layers): one blob, listed twice', async () => {
    const saved = path.join(scratch, 'linked');
    await mkdir(saved, { recursive: true });
    await run('sh', ['-c', `docker save '${IMAGE}' | tar -x -C '${saved}'`]);
    const manifest = JSON.parse(await readFile(path.join(saved, 'manifest.json'), 'utf8'));
    const first = manifest[0].Layers[0] as string;
    await mkdir(path.join(saved, 'repeated'));
    await run('ln', ['-s', `../${first}`, path.join(saved, 'repeated', 'layer.tar')]);
    manifest[0].Layers.push('repeated/layer.tar');
    await writeFile(path.join(saved, 'manifest.json'), JSON.stringify(manifest));
    const file = path.join(scratch, 'linked.tar');
    await run('tar', ['-c', '-f', file, '-C', saved, '.']);
    const written = await layOut(createReadStream(file), 'linked-out.tar', { config: id });
    const layers = (await manifestOf(written.file)).layers.map((l: { digest: string }) => l.digest);
    expect(layers).toHaveLength(3);
    expect(layers[2]).toBe(layers[0]);
    const listing = (await run('tar', ['tf', written.file])).stdout.trim().split('\n');
    expect(listing.filter((name) => name.startsWith('blobs/'))).toHaveLength(4); // two layers, config, manifest
  });

  it('refuses what is not an image export, and an export that holds another image than the one asked for', async () => {
    await expect(layOut(Readable.from([Buffer.alloc(4096, 7)]), 'garbage.tar')).rejects.toBeInstanceOf(ExportLayoutError);
    const other = `sha256:${'0'.repeat(64)}`;
    const saved = spawn('docker', ['save', IMAGE]).stdout;
    await expect(layOut(saved, 'other.tar', { config: other })).rejects.toThrow(new RegExp(`none with config ${other}`));
    const empty = path.join(scratch, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(path.join(empty, 'README'), 'not an image\n');
    const notImage = path.join(scratch, 'not-image.tar');
    await run('tar', ['-c', '-f', notImage, '-C', empty, 'README']);
    await expect(layOut(createReadStream(notImage), 'not-image-out.tar')).rejects.toThrow(/neither index.json nor a manifest.json/);
  });

  it('refuses a gzip blob of an OCI layout whose bytes are not what its name says', async () => {
    const layout = path.join(scratch, 'damaged');
    await run('skopeo', ['copy', '-q', `docker-daemon:${IMAGE}`, `oci:${layout}:1.0`]);
    const manifest = JSON.parse((await run('skopeo', ['inspect', '--raw', `oci:${layout}:1.0`])).stdout);
    const layer = path.join(layout, 'blobs', 'sha256', manifest.layers[0].digest.slice(7));
    const bytes = await readFile(layer);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(layer, bytes);
    const file = path.join(scratch, 'damaged.tar');
    await run('tar', ['-c', '-f', file, '-C', layout, '.']);
    await expect(layOut(createReadStream(file), 'damaged-out.tar')).rejects.toThrow(new RegExp(`blobs/sha256/${manifest.layers[0].digest.slice(7)} has the digest`));
  });
});
