import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ociManifestBytes, readTarEntries, TarWriter } from '../../src/plugin-api.ts';
import { archiveErrors } from './archive-errors.ts';
import { indexOf } from './archive-image.ts';
import { parseSavedImages, type NamedSavedImage } from './docker-save.ts';
import { bodyOf, isFile, tarError } from './layout-files.ts';
import { LAYOUT_FILE, MEDIA, parseIndex, parseJson, REF_NAME, type Descriptor } from './oci-layout.ts';

/** Top-level files up to this size are metadata (manifest.json, index.json, `<id>.json` configs). */
const METADATA = 16 * 1024 * 1024;

/**
 * A nameless docker-archive tar (what a pull streams) written as an OCI image layout in the folder
 * `root`: blobs as they come (each checked against its name), or for the legacy `docker save`
 * layout its `layer.tar` files as uncompressed layer blobs (checked against the config's diff_ids),
 * its config as the config blob, and a manifest made for them; then index.json naming the one
 * image by the tag of `image.name`. With `packInto`, the layout is then packed into that tar file
 * (an oci-archive) and the folder removed.
 */
export async function writeOciLayout(incoming: Readable, root: string, input: string, image: { name?: string; id?: string }, packInto?: string): Promise<void> {
  const blobs = path.join(root, 'blobs', 'sha256');
  await mkdir(root);
  await mkdir(blobs, { recursive: true });
  /** Layer files of the legacy layout, by path: their digest and size. */
  const layers = new Map<string, { digest: string; size: number }>();
  const metadata = new Map<string, Buffer>();
  let seen = 0;
  let partial = 0;
  try {
    for await (const entry of readTarEntries(incoming)) {
      seen++;
      const name = entry.name.replace(/\/$/, '');
      const blob = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name)?.[1];
      if (entry.type === '2' && name.endsWith('/layer.tar')) {
        // docker save links a layer it already wrote: the same bytes.
        const same = layers.get(path.posix.normalize(path.posix.join(path.posix.dirname(name), entry.linkname)));
        if (!same) throw archiveErrors.unsupported(input, `its ${name} links to ${entry.linkname}, which it does not hold`);
        layers.set(name, same);
      } else if (!isFile(entry.type)) {
        continue;
      } else if (blob) {
        const written = await writeBlob(entry.body, blobs, `.partial-${partial++}`);
        if (written.digest !== blob) throw archiveErrors.digestMismatch(input, name, `sha256:${blob}`, `sha256:${written.digest}`);
      } else if (name.endsWith('/layer.tar')) {
        layers.set(name, await writeBlob(entry.body, blobs, `.partial-${partial++}`));
      } else if (!name.includes('/') && entry.size <= METADATA) {
        metadata.set(name, await bodyOf(entry.body));
      }
    }
  } catch (cause) {
    throw tarError(cause, input, seen);
  }
  const manifestJson = metadata.get('manifest.json');
  if (!manifestJson) throw archiveErrors.notAnImage(input, 'the archive being written holds no manifest.json');
  const saved = parseSavedImages(manifestJson, input);
  if (saved.length !== 1) throw archiveErrors.unnamedDestination(input);
  const [one] = saved as [(typeof saved)[0]];
  const tag = image.name ? image.name.slice(image.name.lastIndexOf(':') + 1) : undefined;
  const indexJson = metadata.get('index.json');
  let descriptor: Descriptor;
  if (indexJson && one.config.startsWith('blobs/')) {
    descriptor = await ownManifest(parseIndex(indexJson, input, 'index.json'), blobs, one.digest, input);
  } else {
    descriptor = await legacyManifest(one, metadata, layers, blobs, input);
  }
  const named = { ...descriptor, annotations: { ...descriptor.annotations, ...(tag ? { [REF_NAME]: tag } : {}) } };
  await writeFile(path.join(root, 'oci-layout'), LAYOUT_FILE);
  await writeFile(path.join(root, 'index.json'), indexOf(named));
  if (packInto) {
    await pack(root, packInto);
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Docker 25+: the index.json entry whose manifest holds this config (blobs are all written already);
 * a multi-platform index (a record archived from a registry with several platforms) that lists such
 * a manifest is kept whole, as the record holds it.
 */
async function ownManifest(entries: Descriptor[], blobs: string, config: string, input: string, depth = 0): Promise<Descriptor> {
  for (const entry of entries) {
    const file = path.join(blobs, entry.digest.replace(/^sha256:/, ''));
    const content = await readFile(file).catch(() => undefined);
    if (!content) continue;
    const manifest = parseJson(content, input, `blobs/sha256/${entry.digest.slice(7)}`) as { config?: { digest?: string }; manifests?: unknown };
    if (manifest?.config?.digest === config) return { mediaType: entry.mediaType ?? MEDIA.manifest, digest: entry.digest, size: entry.size };
    if (Array.isArray(manifest?.manifests) && depth < 2) {
      const inner = await ownManifest(parseIndex(content, input, `blobs/sha256/${entry.digest.slice(7)}`), blobs, config, input, depth + 1).catch(() => undefined);
      if (inner) return { mediaType: entry.mediaType ?? MEDIA.index, digest: entry.digest, size: entry.size };
    }
  }
  throw archiveErrors.blobMissing(input, `the manifest of the image ${config}`);
}

/** The legacy layout: config and layers as blobs, and an OCI manifest for them. */
async function legacyManifest(image: NamedSavedImage, metadata: Map<string, Buffer>, layers: Map<string, { digest: string; size: number }>, blobs: string, input: string): Promise<Descriptor> {
  const config = metadata.get(image.config);
  if (!config) throw archiveErrors.blobMissing(input, `the image config ${image.config}`);
  const digest = createHash('sha256').update(config).digest('hex');
  if (`sha256:${digest}` !== image.digest) throw archiveErrors.digestMismatch(input, image.config, image.digest, `sha256:${digest}`);
  const diffIds = (parseJson(config, input, image.config) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? [];
  const layerDescriptors = image.layers.map((name, at) => {
    const layer = layers.get(name);
    if (!layer) throw archiveErrors.blobMissing(input, `the layer ${name}`);
    if (diffIds[at] && diffIds[at] !== `sha256:${layer.digest}`) throw archiveErrors.digestMismatch(input, name, diffIds[at]!, `sha256:${layer.digest}`);
    return { mediaType: MEDIA.layer, digest: `sha256:${layer.digest}`, size: layer.size };
  });
  await writeFile(path.join(blobs, digest), config);
  const manifest = ociManifestBytes({ digest: image.digest, size: config.length }, layerDescriptors);
  const manifestDigest = createHash('sha256').update(manifest).digest('hex');
  await writeFile(path.join(blobs, manifestDigest), manifest);
  return { mediaType: MEDIA.manifest, digest: `sha256:${manifestDigest}`, size: manifest.length };
}

/** A blob written under a temporary name, hashed on the way, then renamed to its digest. */
async function writeBlob(body: Readable, blobs: string, temporary: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const file = path.join(blobs, temporary);
  await pipeline(
    body,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    }),
    createWriteStream(file),
  );
  const digest = hash.digest('hex');
  await rename(file, path.join(blobs, digest));
  return { digest, size };
}

/** The layout folder as a tar: oci-layout, index.json, then the blobs. */
async function pack(root: string, file: string): Promise<void> {
  const tar = new TarWriter({ highWaterMark: 1024 * 1024 });
  const writing = pipeline(tar, createWriteStream(file, { flags: 'wx' }));
  const adding = (async () => {
    for (const name of ['oci-layout', 'index.json']) await tar.addFile(name, createReadStream(path.join(root, name)), { size: (await stat(path.join(root, name))).size });
    await tar.addDirectory('blobs');
    await tar.addDirectory('blobs/sha256');
    for (const name of (await readdir(path.join(root, 'blobs', 'sha256'))).sort()) {
      const blob = path.join(root, 'blobs', 'sha256', name);
      await tar.addFile(`blobs/sha256/${name}`, createReadStream(blob), { size: (await stat(blob)).size });
    }
    await tar.finish();
  })();
  await Promise.all([writing, adding.catch((cause: Error) => tar.destroy(cause))]);
  await adding;
}
