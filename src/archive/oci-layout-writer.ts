/**
 * Writes an image as an OCI image layout tar (`image.tar`), one pass over the export: each layer is
 * compressed on its own into the file as it streams past (its tar header reserved, then written back
 * once the blob's size and digest are known), then the config blob, the OCI manifest, `index.json`,
 * `oci-layout` and the `manifest.json` that `docker load` and other old loaders read.
 *
 * The input is what a source exports: a legacy `docker save` tar (`<id>/layer.tar`, `<config>.json`,
 * `manifest.json`) or an OCI layout (`blobs/sha256/…`, `index.json`). Layers that already are
 * compressed (gzip, zstd) are copied as they are, and when none needed compressing the source's own
 * manifest is kept byte for byte (so its digest is). Everything is written with mtime 0 and in a fixed
 * order, with a deterministic compressor: the same image gives the same manifest digest every time.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readTarEntries, type TarEntry } from './tar-entries.ts';
import { BLOCK, formatHeader, isZeroBlock, MAX_USTAR_SIZE, paddingOf } from './tar-header.ts';
import { blobPathOf, imageManifest, indexEntries, isIndexDescriptor, layoutJson, LayoutError, ociIndexBytes, ociManifestBytes, savedImages, type Descriptor, type ImageManifest } from './image-layout.ts';
import { OCI_ANNOTATIONS, OCI_LAYOUT_FILE, OCI_MEDIA } from './oci-vocabulary.ts';
import { TarFormatError } from './tar-parser.ts';

const { manifest: OCI_MANIFEST, index: OCI_INDEX, dockerManifest: DOCKER_MANIFEST } = OCI_MEDIA;

/** The export is not an image tar this writer can lay out (damaged, no manifest, several images…). */
export class ExportLayoutError extends Error {}

/** Media type of a layer compressed with a compressor of this file extension; undefined when OCI names none. */
export function layerMediaTypeFor(extension: string): string | undefined {
  return ({ '.gz': OCI_MEDIA.layerGzip, '.zst': OCI_MEDIA.layerZstd } as Record<string, string>)[extension];
}

export interface OciLayoutOptions {
  /** Repository name and tag the layout names the image by (index.json annotations, manifest.json RepoTags). */
  name: string;
  tag: string;
  /** A fresh stream compressing one layer. */
  compress: () => NodeJS.ReadWriteStream;
  /** Media type of the layers `compress` makes (see {@link layerMediaTypeFor}). */
  layerMediaType: string;
  /** The config digest of the image to write (picks it among several; the export must hold it). */
  config?: string;
}

/** What was written: the file's length and digests, and the image's manifest and config digests. */
export interface WrittenLayout {
  size: number;
  md5: string;
  sha256: string;
  /** `sha256:…` of the OCI manifest in the layout. */
  manifest: string;
  /** `sha256:…` of the image config. */
  config: string;
  /** `sha256:…` of the image index the layout's index.json names, where the export's was a multi-platform index kept whole. */
  index?: string;
}

/** Files of the export larger than this are blobs streamed through, never held in memory. */
const SMALL = 4 * 1024 * 1024;

const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const blobName = (digest: string): string => `blobs/sha256/${digest.replace(/^sha256:/, '')}`;

interface Blob {
  digest: string;
  size: number;
  /** Whether donodo compressed it (else it was copied as the export had it). */
  compressed: boolean;
  /** The layer media type its first bytes show (gzip, zstd), for a blob copied as it was. */
  mediaType?: string;
}

/** Write the image `input` streams (a `docker save` tar or an OCI layout tar) into `file` as an OCI layout. */
export async function writeOciLayout(input: Readable, file: FileHandle, options: OciLayoutOptions): Promise<WrittenLayout> {
  const out = new LayoutFile(file);
  const small = new Map<string, Buffer>();
  const blobs = new Map<string, Blob>();
  const links = new Map<string, string>();
  try {
    for await (const entry of readTarEntries(input)) {
      if (entry.type === '2' || entry.type === '1') {
        const target = entry.type === '2' ? path.posix.join(path.posix.dirname(entry.name), entry.linkname) : entry.linkname;
        links.set(entry.name, target);
        continue;
      }
      if (!['0', '\0', '7'].includes(entry.type)) continue;
      const content = contentOf(entry);
      const head = await content.head();
      if (isLayerTar(entry.name, entry.size, head)) {
        blobs.set(entry.name, { ...(await out.blob(content.all(), options.compress())), compressed: true });
      } else if (entry.size > SMALL || compressionOf(head)) {
        const blob = await out.blob(content.all());
        // A blob is named by its digest: one that is not what its name says is damaged.
        const named = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(entry.name)?.[1];
        if (named && named !== blob.digest) throw new ExportLayoutError(`${entry.name} has the digest sha256:${blob.digest}, not the one its name says`);
        blobs.set(entry.name, { ...blob, compressed: false, mediaType: layerMediaTypeFor(compressionOf(head) ?? '') });
      } else {
        const parts: Buffer[] = [];
        for await (const chunk of content.all()) parts.push(chunk);
        small.set(entry.name, Buffer.concat(parts));
      }
    }
  } catch (cause) {
    if (cause instanceof TarFormatError) throw new ExportLayoutError(cause.message);
    throw cause;
  }
  const resolve = (name: string): string => {
    for (let hops = 0; links.has(name) && hops < 16; hops++) name = links.get(name)!;
    return name;
  };
  const image = pickImage(small, resolve, options.config);
  const configDigest = `sha256:${sha256Hex(image.config)}`;
  if (options.config && configDigest !== options.config) throw new ExportLayoutError(`the export holds image config ${configDigest}, not ${options.config}`);
  const layers = image.layers.map((layer) => {
    const blob = blobs.get(resolve(layer.name));
    if (!blob) throw new ExportLayoutError(`layer ${layer.name} that the image lists is not in the export`);
    return { ...blob, mediaType: blob.compressed ? options.layerMediaType : (layer.mediaType ?? blob.mediaType) };
  });
  await out.entry(blobName(configDigest), image.config);
  // The source's own manifest (OCI, or Docker's v2 schema 2 as a registry serves it), when every
  // layer is as it had it: its digest stays the same, and so does the media type index.json gives it.
  const kept = image.manifest && layers.every((layer) => !layer.compressed) ? image.manifest.bytes : undefined;
  const keptType = kept && image.manifest!.mediaType === DOCKER_MANIFEST ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest =
    kept ??
    ociManifestBytes(
      { digest: configDigest, size: image.config.length },
      layers.map((layer) => ({ mediaType: layer.mediaType ?? options.layerMediaType, digest: `sha256:${layer.digest}`, size: layer.size })),
    );
  const manifestDigest = `sha256:${sha256Hex(manifest)}`;
  await out.entry(blobName(manifestDigest), manifest);
  const reference = `${options.name}:${options.tag}`;
  let top: Descriptor = { mediaType: kept ? keptType : OCI_MANIFEST, digest: manifestDigest, size: manifest.length };
  // A multi-platform index whose every image came as it was: its other images and the index itself, byte for byte.
  const whole = kept && image.index ? await keepIndex(out, image.index, manifestDigest, blobs, resolve, small) : undefined;
  if (whole) top = whole;
  const index = ociIndexBytes([{ ...top, annotations: { [OCI_ANNOTATIONS.containerdName]: reference, [OCI_ANNOTATIONS.refName]: options.tag } }]);
  await out.entry('index.json', index);
  await out.entry('oci-layout', Buffer.from(OCI_LAYOUT_FILE));
  const legacy = [{ Config: blobName(configDigest), RepoTags: [reference], Layers: layers.map((layer) => blobName(layer.digest)) }];
  await out.entry('manifest.json', Buffer.from(JSON.stringify(legacy)));
  const written = await out.end();
  return { ...written, manifest: manifestDigest, config: configDigest, ...(whole ? { index: whole.digest } : {}) };
}

/**
 * Write the other images of the export's index (their manifests and configs; their layers were
 * written as they streamed past) and the index blob; undefined, and nothing written, when one of
 * its images is not in the export as it was (then the layout holds the chosen image alone).
 */
async function keepIndex(out: LayoutFile, index: IndexOfExport, chosen: string, blobs: Map<string, Blob>, resolve: (name: string) => string, small: Map<string, Buffer>): Promise<Descriptor | undefined> {
  const others = index.images.filter((image) => image.descriptor.digest !== chosen);
  const complete = others.every(
    (image) =>
      `sha256:${sha256Hex(image.bytes)}` === image.descriptor.digest &&
      small.has(resolve(blobName(image.parsed.config.digest))) && image.parsed.layers.every((layer) => blobs.get(resolve(blobName(layer.digest)))?.compressed === false),
  );
  if (!complete) return undefined;
  const done = new Set<string>([chosen]);
  for (const image of others) {
    for (const [digest, bytes] of [[image.parsed.config.digest, small.get(resolve(blobName(image.parsed.config.digest)))!], [image.descriptor.digest, image.bytes]] as const) {
      if (done.has(digest)) continue;
      done.add(digest);
      await out.entry(blobName(digest), bytes);
    }
  }
  await out.entry(blobName(index.descriptor.digest), index.bytes);
  return { mediaType: index.descriptor.mediaType ?? OCI_INDEX, digest: index.descriptor.digest, size: index.bytes.length };
}

/** The index the export's index.json names as its one entry, with the images it lists that the export holds. */
interface IndexOfExport {
  descriptor: Descriptor;
  bytes: Buffer;
  images: { descriptor: Descriptor; bytes: Buffer; parsed: ImageManifest }[];
}

interface PickedImage {
  config: Buffer;
  layers: { name: string; mediaType?: string }[];
  /** The source's manifest, where it is an OCI layout. */
  manifest?: { bytes: Buffer; mediaType?: string };
  /** The index index.json names as its only entry, when every image it lists is in the export. */
  index?: IndexOfExport;
}

/** The image of the export: from index.json where there is one (an OCI layout), else from manifest.json. */
function pickImage(small: Map<string, Buffer>, resolve: (name: string) => string, config: string | undefined): PickedImage {
  const json = (name: string): unknown => {
    const bytes = small.get(resolve(name));
    return bytes ? shaped(() => layoutJson(bytes, `${name} in the export`)) : undefined;
  };
  const configOf = (name: string): Buffer => {
    const bytes = small.get(resolve(name));
    if (!bytes) throw new ExportLayoutError(`the image config ${name} is not in the export`);
    return bytes;
  };
  const index = json('index.json');
  if (index !== undefined) {
    const manifests: { descriptor: Descriptor; bytes: Buffer; parsed: ImageManifest }[] = [];
    const visit = (descriptors: Descriptor[], depth: number): void => {
      for (const descriptor of descriptors) {
        const name = shaped(() => blobPathOf(descriptor.digest));
        const value = json(name);
        if (isIndexDescriptor(descriptor)) {
          if (depth < 4 && value !== undefined) visit(shaped(() => indexEntries(value, name)), depth + 1);
          continue;
        }
        if (value !== undefined) manifests.push({ descriptor, bytes: small.get(resolve(name))!, parsed: shaped(() => imageManifest(value, name)) });
      }
    };
    const entries = shaped(() => indexEntries(index, 'index.json'));
    visit(entries, 0);
    // One multi-platform index, every image of it held: it may be kept whole.
    let whole: IndexOfExport | undefined;
    const [only] = entries;
    if (entries.length === 1 && only && isIndexDescriptor(only)) {
      const name = shaped(() => blobPathOf(only.digest));
      const bytes = small.get(resolve(name));
      const value = json(name);
      const listed = value !== undefined ? shaped(() => indexEntries(value, name)) : [];
      const held = listed.map((entry) => manifests.find((m) => m.descriptor.digest === entry.digest));
      if (bytes && `sha256:${sha256Hex(bytes)}` === only.digest && held.length > 0 && held.every(Boolean)) whole = { descriptor: only, bytes, images: held as IndexOfExport['images'] };
    }
    const chosen = config ? manifests.find((m) => m.parsed.config.digest === config) : manifests.length === 1 ? manifests[0] : undefined;
    if (!chosen) throw new ExportLayoutError(manifests.length ? `index.json lists ${manifests.length} images${config ? `, none with config ${config}` : ''}` : 'index.json lists no image manifest the export holds');
    return {
      config: configOf(shaped(() => blobPathOf(chosen.parsed.config.digest))),
      layers: chosen.parsed.layers.map((layer) => ({ name: shaped(() => blobPathOf(layer.digest)), mediaType: layer.mediaType })),
      manifest: { bytes: chosen.bytes, mediaType: chosen.parsed.mediaType ?? chosen.descriptor.mediaType },
      ...(whole ? { index: whole } : {}),
    };
  }
  const saved = json('manifest.json');
  if (saved === undefined) throw new ExportLayoutError('the export has neither index.json nor a manifest.json listing an image');
  const entries = shaped(() => savedImages(saved));
  const chosen = config ? entries.find((entry) => small.has(resolve(entry.config)) && `sha256:${sha256Hex(small.get(resolve(entry.config))!)}` === config) : entries.length === 1 ? entries[0] : undefined;
  if (!chosen) throw new ExportLayoutError(`manifest.json lists ${entries.length} images${config ? `, none with config ${config}` : ''}`);
  return { config: configOf(chosen.config), layers: chosen.layers.map((name) => ({ name })) };
}

/** Read the export's metadata with the shared layout parser; what is wrong with it, as this writer's error. */
function shaped<T>(read: () => T): T {
  try {
    return read();
  } catch (cause) {
    throw cause instanceof LayoutError ? new ExportLayoutError(cause.message) : cause;
  }
}

/** A layer of either layout: `…/layer.tar`, or a blob that starts like a tar (a ustar header, or the zero blocks of an empty tar). */
function isLayerTar(name: string, size: number, head: Buffer): boolean {
  if (name.endsWith('/layer.tar')) return true;
  if (head.length < BLOCK) return false;
  return head.subarray(257, 262).toString('latin1') === 'ustar' || (size >= 2 * BLOCK && size % BLOCK === 0 && isZeroBlock(head));
}

/** The file extension of the compression whose magic bytes `head` starts with (gzip, zstd), if any. */
function compressionOf(head: Buffer): '.gz' | '.zst' | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return '.gz';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return '.zst';
  return undefined;
}

/**
 * The layout tar being written: entries appended, a streamed blob's header written back into the
 * block reserved for it. The file's md5 and sha256 are computed on the way, over each part once it is
 * final (read back right after it was written, so from the page cache).
 */
class LayoutFile {
  readonly #file: FileHandle;
  #at = 0;
  #final = 0;
  #hashed = 0;
  #hashing: Promise<void> = Promise.resolve();
  readonly #md5: Hash = createHash('md5');
  readonly #sha256: Hash = createHash('sha256');

  constructor(file: FileHandle) {
    this.#file = file;
  }

  async entry(name: string, data: Buffer): Promise<void> {
    await this.#write(Buffer.concat([blobHeader(name, data.length), data, Buffer.alloc(paddingOf(data.length))]));
    this.#settle();
  }

  /** `source` (through `transform`, when given) as a blob named by the sha256 of what was written. */
  async blob(source: AsyncIterable<Buffer>, transform?: NodeJS.ReadWriteStream): Promise<{ digest: string; size: number }> {
    const headerAt = this.#at;
    this.#at += BLOCK;
    const hash = createHash('sha256');
    let size = 0;
    const write = async (chunk: Buffer): Promise<void> => {
      hash.update(chunk);
      size += chunk.length;
      await this.#write(chunk);
    };
    if (transform) await pump(source, transform, write);
    else for await (const chunk of source) await write(chunk);
    const digest = hash.digest('hex');
    await this.#file.write(blobHeader(blobName(digest), size), 0, BLOCK, headerAt);
    await this.#write(Buffer.alloc(paddingOf(size)));
    this.#settle();
    return { digest, size };
  }

  /** The two zero blocks that end a tar; the file's length and digests. */
  async end(): Promise<{ size: number; md5: string; sha256: string }> {
    await this.#write(Buffer.alloc(2 * BLOCK));
    this.#settle();
    await this.#hashing;
    await this.#file.truncate(this.#at);
    return { size: this.#at, md5: this.#md5.digest('hex'), sha256: this.#sha256.digest('hex') };
  }

  async #write(data: Buffer): Promise<void> {
    if (data.length) await this.#file.write(data, 0, data.length, this.#at);
    this.#at += data.length;
  }

  /** Everything written so far is final: hash it (behind the writer, in order). */
  #settle(): void {
    this.#final = this.#at;
    const until = this.#final;
    this.#hashing = this.#hashing.then(async () => {
      const buffer = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, Math.max(1, until - this.#hashed)));
      while (this.#hashed < until) {
        const { bytesRead } = await this.#file.read(buffer, 0, Math.min(buffer.length, until - this.#hashed), this.#hashed);
        if (bytesRead === 0) throw new ExportLayoutError('the archive file is shorter than what was written');
        const part = buffer.subarray(0, bytesRead);
        this.#md5.update(part);
        this.#sha256.update(part);
        this.#hashed += bytesRead;
      }
    });
    // A failure is reported by end(); until then it must not be an unhandled rejection.
    this.#hashing.catch(() => undefined);
  }
}

/** `source` through `transform`, each output chunk handed to `write` (which applies backpressure). */
async function pump(source: AsyncIterable<Buffer>, transform: NodeJS.ReadWriteStream, write: (chunk: Buffer) => Promise<void>): Promise<void> {
  await pipeline(Readable.from(source, { objectMode: false }), transform, async (compressed: AsyncIterable<string | Buffer>) => {
    for await (const chunk of compressed) await write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  });
}

/**
 * The header of a blob: a regular file, mode 0644, owner 0, mtime 0. Sizes from 8 GiB on are written
 * in GNU's base-256 form, which fits the one block reserved for the header (Go's archive/tar, GNU tar
 * and libarchive read it), rather than in a pax record that would need more.
 */
function blobHeader(name: string, size: number): Buffer {
  const block = formatHeader({ name, size, type: '0', mode: 0o644, mtime: 0 });
  if (size <= MAX_USTAR_SIZE) return block;
  block.fill(0, 124, 136);
  block[124] = 0x80;
  for (let at = 135, left = size; at > 124 && left > 0; at--, left = Math.floor(left / 256)) block[at] = left % 256;
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}

/** An entry's content: its first block (to tell a layer from a blob), then all of it, that block first. */
function contentOf(entry: TarEntry): { head(): Promise<Buffer>; all(): AsyncIterable<Buffer> } {
  const chunks = entry.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first: Buffer[] = [];
  return {
    async head() {
      let got = 0;
      while (got < BLOCK) {
        const next = await chunks.next();
        if (next.done) break;
        first.push(next.value);
        got += next.value.length;
      }
      return Buffer.concat(first).subarray(0, BLOCK);
    },
    async *all() {
      yield* first;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
}
