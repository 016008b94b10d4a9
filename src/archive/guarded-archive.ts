import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { errors } from '../errors/catalogue.ts';
import { BLOCK, isZeroBlock, paddingOf, parsePax, parseHeader, withSize } from './tar-header.ts';

/** Top-level files of an image archive that tell an engine which names to give what it loads. */
const NAMING_FILES = new Set(['manifest.json', 'repositories', 'index.json']);
/** Far above any real one (a manifest.json lists a few hundred bytes per image), far below harm. */
const MAX_NAMING_FILE = 16 * 1024 * 1024;
/** Long names and pax records are a few hundred bytes; the zero blocks that end a tar, at most a GNU tar record (10 KiB). */
const MAX_HELD = 1024 * 1024;
/** Entry types that carry no data whatever their size field says (links, devices, folders, fifos). */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6']);
/** Files up to this size are hashed as they pass: image configs and manifests are a few KB; layers are not hashed here. */
const HASHED = 1024 * 1024;
/** Annotations by which an OCI index names an image (Docker 25+ and containerd read them). */
const NAME_ANNOTATIONS = ['io.containerd.image.name', 'org.opencontainers.image.ref.name'];

/** Every id by which an archive's own bytes name its image (config digests, manifest digests). */
export function identifiers(identity: ArchiveIdentity | undefined): string[] {
  return identity ? [...identity.configs, ...identity.manifests] : [];
}

type State = 'header' | 'data' | 'capture' | 'extension' | 'end';

/** What an archive says its images are, from its own bytes. */
export interface ArchiveIdentity {
  /** `sha256:…` of each image's config blob, checked against the blob's name (the classic image id). */
  configs: string[];
  /** `sha256:…` of the manifests an OCI index.json lists (Docker 25+ archives), as named there. */
  manifests: string[];
}

/**
 * A `docker save` / OCI archive on its way into an engine, made safe to load:
 * - **no names**: the names the archive gives its images (`RepoTags` of manifest.json, the legacy
 *   `repositories` file, the name annotations of index.json) are taken out and collected in
 *   {@link names}, so a load can never move a tag; the pull sets the tags it means to afterwards;
 * - **nothing loads before the bytes are checked**: the blocks that end the archive are held back
 *   until {@link release} (the download's md5 matched); {@link fail} instead makes the engine's load
 *   fail with that error, before it has the whole archive;
 * - **its identity from its own bytes**: each image's config blob is hashed as it passes and must
 *   match the digest it is named by ({@link identity}); when an `expected` id is given, an archive
 *   whose identity does not include it never gets its end through either.
 * Every other byte passes through untouched, as it arrives.
 */
export class GuardedArchive extends Transform {
  /** `name:tag` references the archive would have given (collected as they stream past). */
  readonly names = new Set<string>();
  readonly #key: string;
  #state: State = 'header';
  readonly #header = Buffer.alloc(BLOCK);
  #headerFill = 0;
  /** Bytes left in the current entry's data and padding. */
  #remaining = 0;
  #entry?: { header: Buffer; name: string; size: number; chunks: Buffer[]; got: number };
  #extension?: { type: string; chunks: Buffer[]; got: number; size: number };
  #longName?: string;
  #pax: Record<string, string> = {};
  /** The current data entry's name, its content bytes left, and its hash when it is small. */
  #current?: { name: string; left: number; hash?: Hash };
  readonly #digests = new Map<string, string>();
  #configs: string[] = [];
  #manifests: string[] = [];
  readonly #expected?: string;
  #identity?: ArchiveIdentity;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #open = false;
  #flushed?: TransformCallback;

  /**
   * `key`: the archive's file name, for messages. `expected`: the image id the archive must
   * identify (its config digest, or for a Docker 25+ archive one of its manifest digests).
   */
  constructor(key: string, options: { highWaterMark?: number; expected?: string } = {}) {
    super({ highWaterMark: options.highWaterMark });
    this.#key = key;
    this.#expected = options.expected;
  }

  /** What the archive's own bytes say its images are; known once its end was reached. */
  get identity(): ArchiveIdentity | undefined {
    return this.#identity;
  }

  /** The archive is the one the record describes: let its end through. */
  release(): void {
    if (this.#open || this.destroyed) return;
    this.#open = true;
    for (const chunk of this.#held) this.push(chunk);
    this.#held = [];
    const flushed = this.#flushed;
    this.#flushed = undefined;
    flushed?.();
  }

  /** The archive must not load: its end is never sent, and the load fails with `cause`. */
  fail(cause: Error): void {
    this.destroy(cause);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (cause) {
      callback(cause as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#state !== 'header' && this.#state !== 'end') return callback(errors.archiveDamaged(this.#key, 'it ends in the middle of a file'));
    if (this.#headerFill) return callback(errors.archiveDamaged(this.#key, 'it ends in the middle of a header'));
    if (this.#open) return callback();
    this.#flushed = callback;
  }

  #consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.#state) {
        case 'header': {
          const take = Math.min(BLOCK - this.#headerFill, chunk.length - at);
          chunk.copy(this.#header, this.#headerFill, at, at + take);
          this.#headerFill += take;
          at += take;
          if (this.#headerFill === BLOCK) {
            this.#headerFill = 0;
            this.#onHeader(Buffer.from(this.#header));
          }
          break;
        }
        case 'data': {
          const take = Math.min(this.#remaining, chunk.length - at);
          const slice = take === chunk.length ? chunk : chunk.subarray(at, at + take);
          this.push(slice);
          this.#hashData(slice);
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0) this.#state = 'header';
          break;
        }
        case 'extension':
        case 'capture': {
          const take = Math.min(this.#remaining, chunk.length - at);
          this.#collect(chunk.subarray(at, at + take));
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0) this.#endOfCollected();
          break;
        }
        case 'end':
          this.#hold(at === 0 ? chunk : chunk.subarray(at));
          at = chunk.length;
          break;
      }
    }
  }

  #onHeader(block: Buffer): void {
    if (isZeroBlock(block)) {
      this.#state = 'end';
      this.#identity = this.#checkIdentity();
      this.#hold(block);
      return;
    }
    let header;
    try {
      header = parseHeader(block);
    } catch (cause) {
      throw errors.archiveDamaged(this.#key, (cause as Error).message);
    }
    const dataSize = NO_DATA.has(header.type) ? 0 : header.size;
    if (header.type === 'L' || header.type === 'x') {
      if (dataSize > MAX_HELD) throw errors.archiveDamaged(this.#key, `an extended header of ${dataSize} bytes`);
      this.push(block);
      this.#extension = { type: header.type, chunks: [], got: 0, size: dataSize };
      this.#enter('extension', dataSize);
      return;
    }
    const name = (this.#longName ?? this.#pax.path ?? header.name).replace(/^\.\//, '');
    const paxSize = this.#pax.size;
    this.#longName = undefined;
    this.#pax = {};
    if ((header.type === '0' || header.type === '7') && NAMING_FILES.has(name)) {
      // A pax size would override the one rewritten below; no engine writes one for files this small.
      if (paxSize !== undefined) throw errors.archiveDamaged(this.#key, `${name} has a pax size record`);
      if (dataSize > MAX_NAMING_FILE) throw errors.archiveDamaged(this.#key, `its ${name} is ${dataSize} bytes, more than ${MAX_NAMING_FILE}`);
      this.#entry = { header: block, name, size: dataSize, chunks: [], got: 0 };
      this.#enter('capture', dataSize);
      return;
    }
    this.push(block);
    const regular = header.type === '0' || header.type === '7';
    this.#current = { name, left: dataSize, hash: regular && dataSize <= HASHED ? createHash('sha256') : undefined };
    this.#enter('data', dataSize);
    if (this.#state === 'header') this.#hashData(Buffer.alloc(0));
  }

  /** Hash the content part of `slice` (not the padding); note the digest at the entry's end. */
  #hashData(slice: Buffer): void {
    const current = this.#current;
    if (!current) return;
    const content = Math.min(current.left, slice.length);
    current.hash?.update(content === slice.length ? slice : slice.subarray(0, content));
    current.left -= content;
    if (current.left > 0) return;
    if (current.hash) this.#digests.set(current.name, current.hash.digest('hex'));
    this.#current = undefined;
  }

  /** At the archive's end: each config must be there and match the digest it is named by, and the expected id be among them. */
  #checkIdentity(): ArchiveIdentity {
    const configs = this.#configs.map((path) => {
      const digest = this.#digests.get(path.replace(/^\.\//, ''));
      if (!digest) throw errors.archiveDamaged(this.#key, `its image config ${path} is missing`);
      const named = /(?:^|\/)([0-9a-f]{64})(?:\.json)?$/.exec(path)?.[1];
      if (named && named !== digest) throw errors.archiveDamaged(this.#key, `its image config ${path} does not match its digest (sha256:${digest})`);
      return `sha256:${digest}`;
    });
    const identity = { configs, manifests: this.#manifests };
    const known = identifiers(identity);
    if (this.#expected && known.length > 0 && !known.includes(this.#expected)) throw errors.archiveNotRecorded(this.#key, this.#expected, known);
    return identity;
  }

  /** Go on with an entry of `size` bytes of data (plus padding) in `state`. */
  #enter(state: 'data' | 'capture' | 'extension', size: number): void {
    this.#remaining = size + paddingOf(size);
    if (this.#remaining > 0) this.#state = state;
    else if (state === 'data') this.#state = 'header';
    else {
      this.#state = state;
      this.#endOfCollected();
    }
  }

  #collect(bytes: Buffer): void {
    const target = this.#state === 'capture' ? this.#entry! : this.#extension!;
    target.chunks.push(bytes);
    target.got += bytes.length;
    if (this.#state === 'extension') this.push(bytes); // extensions pass as they are
  }

  #endOfCollected(): void {
    if (this.#state === 'extension') {
      const { type, chunks, size } = this.#extension!;
      const data = Buffer.concat(chunks).subarray(0, size);
      if (type === 'L') this.#longName = data.toString('utf8').replace(/\0+$/, '');
      else this.#pax = { ...this.#pax, ...parsePax(data) };
      this.#extension = undefined;
      this.#state = 'header';
      return;
    }
    const { header, name, size, chunks } = this.#entry!;
    const content = this.#unname(name, Buffer.concat(chunks).subarray(0, size));
    this.push(withSize(header, content.length));
    this.push(content);
    this.push(Buffer.alloc(paddingOf(content.length)));
    this.#entry = undefined;
    this.#state = 'header';
  }

  /** The file's content with every name taken out (and collected). */
  #unname(file: string, content: Buffer): Buffer {
    let value: unknown;
    try {
      value = JSON.parse(content.toString('utf8'));
    } catch {
      throw errors.archiveDamaged(this.#key, `its ${file} is not valid JSON`);
    }
    if (file === 'manifest.json') {
      if (!Array.isArray(value)) throw errors.archiveDamaged(this.#key, 'its manifest.json is not a list');
      for (const image of value as Array<Record<string, unknown>>) {
        for (const tag of Array.isArray(image?.RepoTags) ? image.RepoTags : []) if (typeof tag === 'string') this.names.add(tag);
        if (typeof image?.Config === 'string') this.#configs.push(image.Config);
        if (image && typeof image === 'object') image.RepoTags = null;
      }
    } else if (file === 'repositories') {
      for (const [repository, tags] of Object.entries((value ?? {}) as Record<string, Record<string, unknown>>)) {
        for (const tag of Object.keys(tags ?? {})) this.names.add(`${repository}:${tag}`);
      }
      value = {};
    } else {
      for (const manifest of ((value as { manifests?: unknown })?.manifests ?? []) as Array<{ digest?: unknown; annotations?: Record<string, string> }>) {
        if (typeof manifest?.digest === 'string') this.#manifests.push(manifest.digest);
        const annotations = manifest?.annotations;
        if (!annotations) continue;
        const name = annotations['io.containerd.image.name'];
        if (typeof name === 'string') this.names.add(name.replace(/^docker\.io\/(library\/)?/, ''));
        for (const key of NAME_ANNOTATIONS) delete annotations[key];
      }
    }
    return Buffer.from(JSON.stringify(value));
  }

  #hold(bytes: Buffer): void {
    if (this.#open) {
      this.push(bytes);
      return;
    }
    this.#heldBytes += bytes.length;
    if (this.#heldBytes > MAX_HELD) throw errors.archiveDamaged(this.#key, `more than ${MAX_HELD} bytes follow the end of the archive`);
    this.#held.push(Buffer.from(bytes));
  }
}
