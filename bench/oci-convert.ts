/**
 * Throwaway converter for the archive-format benchmark (bench/format.ts), not production code:
 *
 *   docker save IMAGE | node bench/oci-convert.ts whole OUT.tar.gz       # today's image.tar.gz
 *   docker save IMAGE | node bench/oci-convert.ts per-layer OUT.tar      # OCI layout + manifest.json
 *
 * Both compress with donodo's own compressor (plugins/gzip, default options), so the two formats
 * differ only in what is compressed. `per-layer` reads the legacy `docker save` tar as it streams
 * (Docker 20.10: <id>/layer.tar, <config>.json, manifest.json), gzips each layer into the output file
 * while hashing it, and writes the blob's tar header back into its reserved block once the digest is
 * known (one pass, no second spool). Then config, OCI manifest, index.json, oci-layout and a
 * manifest.json whose Layers name the gzip blobs (for `docker load` and other old loaders).
 * Prints a JSON line: manifest digest, config digest, layers.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GzipCompressor } from '../plugins/gzip/index.ts';
import { BLOCK, isZeroBlock, paddingOf, parseHeader } from '../src/archive/tar-header.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A ustar header for a regular file (names under 100 bytes: enough for blobs/sha256/<64 hex>). */
export function tarHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error(`tar name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1'); // mtime 0: reproducible
  h.write('0', 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

/** Appends tar entries to a file; a blob's header can be written back once its name is known. */
class TarFile {
  #at = 0;
  readonly fh: FileHandle;
  constructor(fh: FileHandle) {
    this.fh = fh;
  }

  async write(data: Buffer): Promise<void> {
    await this.fh.write(data, 0, data.length, this.#at);
    this.#at += data.length;
  }

  async entry(name: string, data: Buffer): Promise<void> {
    await this.write(tarHeader(name, data.length));
    await this.write(data);
    await this.write(Buffer.alloc(paddingOf(data.length)));
  }

  /** Stream `source` through `transform` into a new entry; returns the digest and size of what was written. */
  async streamed(source: Readable, transform: NodeJS.ReadWriteStream): Promise<{ digest: string; size: number }> {
    const headerAt = this.#at;
    this.#at += BLOCK;
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      source,
      transform,
      new Writable({
        write: (chunk: Buffer, _e, cb) => {
          hash.update(chunk);
          size += chunk.length;
          this.write(chunk).then(() => cb(), cb);
        },
      }),
    );
    const digest = hash.digest('hex');
    await this.fh.write(tarHeader(`blobs/sha256/${digest}`, size), 0, BLOCK, headerAt);
    await this.write(Buffer.alloc(paddingOf(size)));
    return { digest, size };
  }

  async end(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
    await this.fh.truncate(this.#at);
  }
}

/** Reads a tar stream entry by entry; `onEntry` gets each file's content as a stream it must consume. */
async function readTar(input: Readable, onEntry: (name: string, content: Readable) => Promise<void>): Promise<void> {
  const it = input[Symbol.asyncIterator]();
  let pending = Buffer.alloc(0);
  let done = false;
  const more = async () => {
    const r = await it.next();
    if (r.done) done = true;
    else pending = pending.length ? Buffer.concat([pending, r.value]) : r.value;
  };
  const take = async (n: number): Promise<Buffer> => {
    while (pending.length < n && !done) await more();
    if (pending.length < n) throw new Error('truncated tar');
    const out = pending.subarray(0, n);
    pending = pending.subarray(n);
    return out;
  };
  for (;;) {
    const block = Buffer.from(await take(BLOCK));
    if (isZeroBlock(block)) break;
    const header = parseHeader(block);
    let left = header.size;
    const content = Readable.from(
      (async function* () {
        while (left > 0) {
          if (pending.length === 0) await more();
          if (pending.length === 0) throw new Error('truncated tar');
          const n = Math.min(left, pending.length);
          yield pending.subarray(0, n);
          pending = pending.subarray(n);
          left -= n;
        }
      })(),
      { objectMode: false },
    );
    if (header.type === '0') await onEntry(header.name, content);
    else content.resume();
    while (left > 0) await new Promise((r) => setImmediate(r)); // until the consumer drained it
    await take(paddingOf(header.size));
  }
  while (!done) await more(); // drain the rest (docker save may pad more zero blocks)
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

export async function perLayer(input: Readable, out: string): Promise<object> {
  const compressor = new GzipCompressor(); // the plugin's defaults
  const tar = new TarFile(await open(out, 'w'));
  const small = new Map<string, Buffer>();
  const layers = new Map<string, { digest: string; size: number }>();
  await readTar(input, async (name, content) => {
    if (name.endsWith('/layer.tar')) layers.set(name, await tar.streamed(content, compressor.compress()));
    else small.set(name, await collect(content));
  });
  const [entry] = JSON.parse(small.get('manifest.json')!.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  const config = small.get(entry!.Config)!;
  const configDigest = sha256(config);
  await tar.entry(`blobs/sha256/${configDigest}`, config);
  const blobs = entry!.Layers.map((l) => layers.get(l)!);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: config.length },
      layers: blobs.map((b) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${b.digest}`, size: b.size })),
    }),
  );
  const manifestDigest = sha256(manifest);
  await tar.entry(`blobs/sha256/${manifestDigest}`, manifest);
  const ref = entry!.RepoTags[0] ?? '';
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${manifestDigest}`,
        size: manifest.length,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.slice(ref.lastIndexOf(':') + 1) },
      },
    ],
  };
  await tar.entry('index.json', Buffer.from(JSON.stringify(index)));
  const legacy = [{ Config: `blobs/sha256/${configDigest}`, RepoTags: entry!.RepoTags, Layers: blobs.map((b) => `blobs/sha256/${b.digest}`) }];
  await tar.entry('manifest.json', Buffer.from(JSON.stringify(legacy)));
  await tar.entry('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await tar.end();
  await tar.fh.close();
  return { manifestDigest: `sha256:${manifestDigest}`, configDigest: `sha256:${configDigest}`, layers: blobs.map((b) => ({ digest: `sha256:${b.digest}`, size: b.size })) };
}

export async function whole(input: Readable, out: string): Promise<object> {
  const compressor = new GzipCompressor(); // the plugin's defaults
  const fh = await open(out, 'w');
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(input, compressor.compress(), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
      await fh.write(chunk);
    }
  });
  await fh.close();
  return { fileDigest: `sha256:${hash.digest('hex')}`, size };
}

if (import.meta.main) {
  const [mode, out] = process.argv.slice(2);
  if ((mode !== 'whole' && mode !== 'per-layer') || !out) {
    console.error('usage: docker save IMAGE | node bench/oci-convert.ts whole|per-layer OUT');
    process.exit(2);
  }
  const result = await (mode === 'whole' ? whole : perLayer)(process.stdin, out);
  console.log(JSON.stringify(result));
}
