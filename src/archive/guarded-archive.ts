import { createHash, type Hash } from 'node:crypto';
import { posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { errors } from '../errors/catalogue.ts';
import { blobPathOf, imageManifest, indexEntries, layoutJson, LayoutError, savedImages, type SavedImage } from './image-layout.ts';
import { machinePlatform, platformFits, platformText, type Platform } from '../contracts/image-identity.ts';
import { HASH_BACKLOG_LIMIT, hashBacklog, hashDrained, OffThreadHash } from '../streams/off-thread-hash.ts';
import { OCI_ANNOTATIONS } from './oci-vocabulary.ts';
import { paddingOf, withSize } from './tar-header.ts';
import { TarFormatError, TarParser, type TarEntryHeader } from './tar-parser.ts';

/** Top-level files of an image archive that tell an engine which names to give what it loads. */
const NAMING_FILES = new Set(['manifest.json', 'repositories', 'index.json']);
/** Far above any real one (a manifest.json lists a few hundred bytes per image), far below harm. */
const MAX_NAMING_FILE = 16 * 1024 * 1024;
/** The zero blocks that end a tar are at most a GNU tar record (10 KiB). */
const MAX_HELD = 1024 * 1024;
/** JSON files up to this size are kept until the end (image configs, OCI manifests: a few KB). */
const KEPT = 1024 * 1024;
/** Of all kept JSON files together; a docker save archive keeps a few KB per layer. */
const MAX_KEPT = 16 * 1024 * 1024;
/** Files whose digests are remembered; an image has at most a few hundred layers. */
const MAX_FILES = 100_000;
/** Annotations by which an OCI index names an image (Docker 25+ and containerd read them). */
const NAME_ANNOTATIONS: string[] = [OCI_ANNOTATIONS.containerdName, OCI_ANNOTATIONS.refName];
/** An OCI blob, named by its own digest. */
const BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;

/** Every id by which an archive's own bytes name its image (config digests, manifest digests). */
export function identifiers(identity: ArchiveIdentity | undefined): string[] {
  return identity ? [...identity.configs, ...identity.manifests] : [];
}

/** What an archive says its images are, from its own bytes. */
export interface ArchiveIdentity {
  /** `sha256:…` of each image's config blob, checked against the blob's name (the classic image id). */
  configs: string[];
  /** `sha256:…` of the manifests an OCI index.json lists (Docker 25+ archives), as named there. */
  manifests: string[];
  /**
   * Layer files whose bytes were checked: a legacy `layer.tar` against its config's `rootfs.diff_ids`,
   * an OCI blob against its name (and, when uncompressed, against the diff_id too).
   */
  layers: number;
}

/** A file's sha256 as it passed, and whether it starts compressed (gzip or zstd). */
interface Digest {
  hex: string;
  compressed: boolean;
}

/**
 * A `docker save` / OCI archive on its way into an engine, made safe to load:
 * - **no names**: the names the archive gives its images (`RepoTags` of manifest.json, the legacy
 *   `repositories` file, the name annotations of index.json) are taken out and collected in
 *   {@link names}, so a load can never move a tag; the pull sets the tags it means to afterwards;
 * - **nothing loads before the bytes are checked**: the blocks that end the archive are held back
 *   until {@link release} (the download's md5 matched); {@link fail} instead makes the engine's load
 *   fail with that error, before it has the whole archive;
 * - **its identity from its own bytes**: every file is hashed as it passes; each image's config must
 *   match the digest it is named by, each layer the config's `rootfs.diff_ids` (legacy `layer.tar`)
 *   or its blob name (OCI), checked once manifest and config are known, at the latest at the end
 *   ({@link identity}); when an `expected` id is given, an archive whose identity does not include it
 *   never gets its end through either.
 * Every other byte passes through untouched, as it arrives. Parsing is {@link TarParser}'s.
 */
export class GuardedArchive extends Transform {
  /** `name:tag` references the archive would have given (collected as they stream past). */
  readonly names = new Set<string>();
  readonly #key: string;
  readonly #parser: TarParser;
  /** A naming file being captured (to be written again without names). */
  #capture?: { header: Buffer; name: string; chunks: Buffer[] };
  /** The current regular file: its hash (of a large one, on the hashing thread), and its bytes when it may be a small JSON file. */
  #file?: { name: string; hash: Hash | OffThreadHash; head?: Buffer; kept?: Buffer[]; size: number };
  /** Digests of large files still being computed on the hashing thread. */
  #hashing: Promise<void>[] = [];
  /** The identity check, started when the archive's end is reached. */
  #ending?: Promise<void>;
  /** The identity check passed: with {@link release}, the end may go through. */
  #verified = false;
  readonly #digests = new Map<string, Digest>();
  readonly #kept = new Map<string, Buffer>();
  #keptBytes = 0;
  readonly #links = new Map<string, string>();
  #images: SavedImage[] = [];
  #manifests: string[] = [];
  readonly #expected?: string;
  readonly #platform?: Platform;
  #chosen?: { platform: Platform; config: string };
  #identity?: ArchiveIdentity;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #open = false;
  #flushed?: TransformCallback;

  /**
   * `key`: the archive's file name, for messages. `expected`: the image id the archive must
   * identify (its config digest, or for a Docker 25+ archive one of its manifest digests).
   */
  constructor(key: string, options: { highWaterMark?: number; expected?: string; platform?: Platform } = {}) {
    super({ highWaterMark: options.highWaterMark });
    this.#key = key;
    this.#expected = options.expected;
    this.#platform = options.platform;
    this.#parser = new TarParser({
      extension: (raw) => this.push(raw), // extensions pass as they are
      entry: (header) => this.#onEntry(header),
      data: (chunk) => this.#onData(chunk),
      padding: (raw) => {
        if (!this.#capture) this.push(raw);
      },
      entryEnd: () => this.#onEntryEnd(),
      end: () => {
        this.#ending = this.#settleIdentity();
        // A failure is reported by _flush, or at once by destroying the stream.
        this.#ending.catch((cause: unknown) => this.destroy(this.#damaged(cause)));
      },
      trailer: (raw) => this.#hold(raw),
    });
  }

  /**
   * Of an archive whose index.json names a multi-platform index: the platform whose image the
   * `manifest.json` that reached the engine lists (the one asked for, else this machine's).
   */
  get chosen(): { platform: Platform; config: string } | undefined {
    return this.#chosen;
  }

  /** What the archive's own bytes say its images are; known once its end was reached. */
  get identity(): ArchiveIdentity | undefined {
    return this.#identity;
  }

  /** The archive is the one the record describes: let its end through. */
  release(): void {
    if (this.#open || this.destroyed) return;
    this.#open = true;
    this.#letEndThrough();
  }

  /** Once released and verified: the held end blocks, and the end of the stream. */
  #letEndThrough(): void {
    if (!this.#open || !this.#verified || this.destroyed) return;
    for (const chunk of this.#held) this.push(chunk);
    this.#held = [];
    const flushed = this.#flushed;
    this.#flushed = undefined;
    flushed?.();
  }

  /** At the archive's end: the digests computed elsewhere, then the identity check. */
  async #settleIdentity(): Promise<void> {
    await Promise.all(this.#hashing);
    this.#identity = this.#checkIdentity();
    this.#verified = true;
    this.#letEndThrough();
  }

  /** The archive must not load: its end is never sent, and the load fails with `cause`. */
  fail(cause: Error): void {
    this.destroy(cause);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#parser.write(chunk);
    } catch (cause) {
      return callback(this.#damaged(cause));
    }
    if (hashBacklog() <= HASH_BACKLOG_LIMIT) return callback();
    hashDrained().then(() => callback());
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#parser.finish();
    } catch (cause) {
      return callback(this.#damaged(cause));
    }
    this.#flushed = callback;
    this.#ending!.then(
      () => this.#letEndThrough(),
      (cause: unknown) => {
        this.#flushed = undefined;
        callback(this.#damaged(cause));
      },
    );
  }

  #damaged(cause: unknown): Error {
    return cause instanceof TarFormatError ? errors.archiveDamaged(this.#key, cause.message) : (cause as Error);
  }

  #onEntry(header: TarEntryHeader): void {
    const { name, type, size } = header;
    const regular = type === '0' || type === '7';
    if (regular && NAMING_FILES.has(name)) {
      // A pax size would override the one rewritten below; no engine writes one for files this small.
      if (header.pax.size !== undefined) throw errors.archiveDamaged(this.#key, `${name} has a pax size record`);
      if (size > MAX_NAMING_FILE) throw errors.archiveDamaged(this.#key, `its ${name} is ${size} bytes, more than ${MAX_NAMING_FILE}`);
      this.#capture = { header: header.block, name, chunks: [] };
      return;
    }
    this.push(header.block);
    if (type === '1' || type === '2') this.#links.set(name, type === '2' ? posix.join(posix.dirname(name), header.linkname) : posix.normalize(header.linkname));
    if (!regular) return;
    if (this.#digests.size >= MAX_FILES) throw errors.archiveDamaged(this.#key, `it holds more than ${MAX_FILES} files`);
    this.#file = { name, hash: size > KEPT ? new OffThreadHash(['sha256']) : createHash('sha256'), size, kept: size <= KEPT ? [] : undefined };
  }

  #onData(chunk: Buffer): void {
    if (this.#capture) {
      this.#capture.chunks.push(chunk);
      return;
    }
    this.push(chunk);
    const file = this.#file;
    if (!file) return;
    file.hash.update(chunk);
    if (!file.head || file.head.length < 4) file.head = Buffer.concat([file.head ?? Buffer.alloc(0), chunk.subarray(0, 4)]).subarray(0, 4);
    file.kept?.push(chunk);
  }

  #onEntryEnd(): void {
    if (this.#capture) {
      const { header, name, chunks } = this.#capture;
      this.#capture = undefined;
      const content = this.#unname(name, Buffer.concat(chunks));
      this.push(withSize(header, content.length));
      this.push(content);
      this.push(Buffer.alloc(paddingOf(content.length)));
      return;
    }
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    const head = file.head ?? Buffer.alloc(0);
    const compressed = (head[0] === 0x1f && head[1] === 0x8b) || (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528);
    if (file.hash instanceof OffThreadHash) {
      const hashing = file.hash.digest().then(([hex]) => this.#digested(file.name, hex!, compressed));
      // A blob that is not what its name says fails the stream as soon as that is known (and the end waits for it).
      hashing.catch((cause: unknown) => this.destroy(this.#damaged(cause)));
      this.#hashing.push(hashing);
    } else this.#digested(file.name, file.hash.digest('hex'), compressed);
    if (file.kept && head[0] === 0x7b /* { */) {
      this.#keptBytes += file.size;
      if (this.#keptBytes > MAX_KEPT) throw errors.archiveDamaged(this.#key, `it holds more than ${MAX_KEPT} bytes of JSON files`);
      this.#kept.set(file.name, Buffer.concat(file.kept));
    }
  }

  #digested(name: string, hex: string, compressed: boolean): void {
    this.#digests.set(name, { hex, compressed });
    const named = BLOB.exec(name)?.[1];
    if (named && named !== hex) throw errors.layerDigestMismatch(this.#key, name, `sha256:${named} (its name)`, `sha256:${hex}`);
  }

  /** A path as the archive holds it: `./` taken off, links followed. */
  #resolve(path: string): string {
    let at = posix.normalize(path.replace(/^(\.\/+)+/, ''));
    for (let hop = 0; hop < 8 && this.#links.has(at); hop++) at = this.#links.get(at)!;
    return at;
  }

  #json(path: string, what: string): Record<string, any> | undefined {
    const bytes = this.#kept.get(this.#resolve(path));
    return bytes ? (this.#layout(() => layoutJson(bytes, `${what} ${path}`)) as Record<string, any>) : undefined;
  }

  /** Read the archive's metadata with the shared layout parser; what is wrong with it, as damage of this download. */
  #layout<T>(read: () => T): T {
    try {
      return read();
    } catch (cause) {
      throw cause instanceof LayoutError ? errors.archiveDamaged(this.#key, cause.message) : cause;
    }
  }

  /**
   * At the archive's end: each config must be there and match the digest it is named by, each layer
   * its diff_id or blob name, and the expected id be among the image's ids.
   */
  #checkIdentity(): ArchiveIdentity {
    const configs = new Set<string>();
    const layers = new Set<string>();
    for (const image of this.#images) {
      const digest = this.#digests.get(this.#resolve(image.config));
      if (!digest) throw errors.archiveDamaged(this.#key, `its image config ${image.config} is missing`);
      if (image.digest && image.digest !== `sha256:${digest.hex}`) throw errors.archiveDamaged(this.#key, `its image config ${image.config} does not match its digest (sha256:${digest.hex})`);
      configs.add(`sha256:${digest.hex}`);
      this.#checkLayers(image.config, image.layers, layers);
    }
    for (const manifest of this.#manifests) this.#checkOciManifest(manifest, configs, layers, true);
    const identity = { configs: [...configs], manifests: this.#manifests, layers: layers.size };
    const known = identifiers(identity);
    if (this.#expected && known.length > 0 && !known.includes(this.#expected)) throw errors.archiveNotRecorded(this.#key, this.#expected, known);
    return identity;
  }

  /** The layer files of one image against its config's diff_ids; adds those checked to `checked`. */
  #checkLayers(config: string, files: string[], checked: Set<string>): void {
    const diffIds = this.#json(config, 'image config')?.rootfs?.diff_ids;
    const ids: unknown[] = Array.isArray(diffIds) ? diffIds : [];
    if (ids.length !== files.length) throw errors.archiveDamaged(this.#key, `its image config ${config} lists ${ids.length} layers, but its manifest ${files.length}`);
    files.forEach((layer, i) => {
      const file = this.#resolve(layer);
      const digest = this.#digests.get(file);
      if (!digest) throw errors.archiveDamaged(this.#key, `its layer ${layer} is missing`);
      // A blob was checked against its name as it passed; a compressed layer has another digest than its diff_id.
      if (digest.compressed) {
        if (BLOB.test(file)) checked.add(file);
        return;
      }
      if (`sha256:${digest.hex}` !== ids[i]) throw errors.layerDigestMismatch(this.#key, layer, String(ids[i]), `sha256:${digest.hex}`);
      checked.add(file);
    });
  }

  /** An OCI manifest (or index, one level down) named in index.json: its config and layer blobs. */
  #checkOciManifest(digest: string, configs: Set<string>, checked: Set<string>, top: boolean): void {
    const path = this.#layout(() => blobPathOf(digest));
    const value = this.#json(path, 'manifest');
    if (!value) {
      if (top && !this.#digests.has(path)) throw errors.archiveDamaged(this.#key, `its manifest blob ${digest} (named in index.json) is missing`);
      return;
    }
    if (Array.isArray(value.manifests)) {
      if (top) for (const inner of this.#layout(() => indexEntries(value, `image index ${digest}`))) this.#checkOciManifest(inner.digest, configs, checked, false);
      return;
    }
    const manifest = this.#layout(() => imageManifest(value, `manifest ${digest}`));
    const file = this.#layout(() => blobPathOf(manifest.config.digest));
    if (!this.#digests.has(file)) throw errors.archiveDamaged(this.#key, `its image config blob ${manifest.config.digest} is missing`);
    configs.add(manifest.config.digest);
    this.#checkLayers(file, manifest.layers.map((layer) => this.#layout(() => blobPathOf(layer.digest))), checked);
  }

  /** The file's content with every name taken out (and collected). */
  #unname(file: string, content: Buffer): Buffer {
    let value = this.#layout(() => layoutJson(content, file));
    if (file === 'manifest.json') {
      if (Array.isArray(value)) value = this.#platformView(value as Array<Record<string, unknown>>);
      for (const image of this.#layout(() => savedImages(value))) {
        for (const tag of image.repoTags) this.names.add(tag);
        this.#images.push(image);
        image.raw.RepoTags = null;
      }
    } else if (file === 'repositories') {
      for (const [repository, tags] of Object.entries((value ?? {}) as Record<string, Record<string, unknown>>)) {
        for (const tag of Object.keys(tags ?? {})) this.names.add(`${repository}:${tag}`);
      }
      value = {};
    } else {
      for (const manifest of this.#layout(() => indexEntries(value, 'index.json'))) {
        this.#manifests.push(manifest.digest);
        const annotations = manifest.annotations;
        if (!annotations) continue;
        const name = annotations[OCI_ANNOTATIONS.containerdName];
        if (typeof name === 'string') this.names.add(name.replace(/^docker\.io\/(library\/)?/, ''));
        for (const key of NAME_ANNOTATIONS) delete annotations[key];
      }
    }
    return Buffer.from(JSON.stringify(value));
  }

  /**
   * The manifest.json old loaders read, for an archive that holds a multi-platform index (named in
   * index.json, which comes first): the one image of the platform asked for, else this machine's,
   * made from the index and manifest blobs (checked against their names as they passed). Other
   * archives' manifest.json stays as it is.
   */
  #platformView(images: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
    const [top] = this.#manifests;
    const hex = this.#manifests.length === 1 ? /^sha256:([0-9a-f]{64})$/.exec(top ?? '')?.[1] : undefined;
    const index = hex ? this.#json(`blobs/sha256/${hex}`, 'image index') : undefined;
    if (!index || !Array.isArray(index.manifests)) return images;
    const entries = (index.manifests as Array<{ digest?: unknown; platform?: Platform }>).filter((entry) => entry?.platform && entry.platform.os !== 'unknown');
    const wanted = this.#platform ?? machinePlatform();
    const entry = entries.find((candidate) => platformFits(candidate.platform, wanted));
    if (!entry) throw errors.platformNotInArchive(this.#key, platformText(wanted), entries.map((candidate) => platformText(candidate.platform!)));
    const digest = typeof entry.digest === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(entry.digest)?.[1] : undefined;
    const manifest = digest ? this.#json(`blobs/sha256/${digest}`, 'manifest') : undefined;
    const config = typeof manifest?.config?.digest === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(manifest.config.digest)?.[1] : undefined;
    if (!manifest || !config || !Array.isArray(manifest.layers)) throw errors.archiveDamaged(this.#key, `the manifest of ${platformText(entry.platform!)} (${String(entry.digest)}) its index names is missing or not a manifest`);
    this.#chosen = { platform: entry.platform!, config: `sha256:${config}` };
    const layers = manifest.layers.map((layer: { digest?: unknown }) => `blobs/sha256/${String(layer?.digest).replace(/^sha256:/, '')}`);
    return [{ Config: `blobs/sha256/${config}`, RepoTags: images.flatMap((image) => (Array.isArray(image?.RepoTags) ? image.RepoTags : [])), Layers: layers }];
  }

  #hold(bytes: Buffer): void {
    if (this.#open && this.#verified) {
      this.push(bytes);
      return;
    }
    this.#heldBytes += bytes.length;
    if (this.#heldBytes > MAX_HELD) throw errors.archiveDamaged(this.#key, `more than ${MAX_HELD} bytes follow the end of the archive`);
    this.#held.push(Buffer.from(bytes));
  }
}
