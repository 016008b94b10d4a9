import { Readable } from 'node:stream';
import { BLOCK, formatHeader, formatPax, MAX_USTAR_SIZE, paddingOf, ustarName } from './tar-header.ts';

export interface TarEntryOptions {
  /** Permission bits (default 0644 for files, 0755 for folders). */
  mode?: number;
  /** Modification time in seconds since 1970 (default: the writer's, itself 0 by default, for reproducible archives). */
  mtime?: number;
}

/**
 * A tar written as a stream (ustar, with a pax header for names that do not fit ustar and for
 * sizes of 8 GiB and more), readable by GNU tar, Python's tarfile, `docker load` and `podman load`:
 *
 *   const tar = new TarWriter();
 *   pipeline(tar, destination);
 *   await tar.addFile('manifest.json', Buffer.from(json));
 *   await tar.addFile('blobs/sha256/…', layerStream, { size });
 *   await tar.finish();
 *
 * Each call resolves once its bytes were taken by the reader (backpressure: nothing is buffered
 * beyond the high-water mark and the chunk at hand); calls made without waiting run in order.
 * A failure (a body of another size than declared, its stream failing) destroys the writer with it.
 */
export class TarWriter extends Readable {
  readonly #mtime: number;
  #chain: Promise<void> = Promise.resolve();
  #wake?: () => void;
  #finished = false;

  constructor(options: { highWaterMark?: number; mtime?: number } = {}) {
    super({ highWaterMark: options.highWaterMark });
    this.#mtime = options.mtime ?? 0;
  }

  override _read(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this._read();
    callback(error);
  }

  /** A file of `content`: a Buffer, or a stream of exactly `options.size` bytes. */
  addFile(name: string, content: Buffer | Readable, options: TarEntryOptions & { size?: number } = {}): Promise<void> {
    const size = Buffer.isBuffer(content) ? content.length : options.size;
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) return Promise.reject(new TypeError(`TarWriter: ${name} needs its size in bytes`));
    return this.#run(async () => {
      await this.#header(name, '0', size, options.mode ?? 0o644, options.mtime);
      if (Buffer.isBuffer(content)) await this.#write(content);
      else await this.#copy(name, content, size);
      await this.#write(Buffer.alloc(paddingOf(size)));
    });
  }

  /** A folder (its name gets a trailing `/`). */
  addDirectory(name: string, options: TarEntryOptions = {}): Promise<void> {
    return this.#run(() => this.#header(name.endsWith('/') ? name : `${name}/`, '5', 0, options.mode ?? 0o755, options.mtime));
  }

  /** The two zero blocks that end a tar, then the end of the stream. */
  finish(): Promise<void> {
    return this.#run(async () => {
      this.#finished = true;
      await this.#write(Buffer.alloc(2 * BLOCK));
      this.push(null);
    });
  }

  #run(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(() => {
      if (this.#finished) throw new Error('TarWriter: the tar is already finished');
      if (this.destroyed) throw new Error('TarWriter: the tar was destroyed');
      return step();
    });
    this.#chain = run.catch((cause: Error) => {
      if (!this.destroyed) this.destroy(cause);
    });
    return run;
  }

  async #header(name: string, type: string, size: number, mode: number, mtime = this.#mtime): Promise<void> {
    const fits = ustarName(name) !== undefined;
    if (!fits || size > MAX_USTAR_SIZE) {
      const records: Record<string, string> = {};
      if (!fits) records.path = name;
      if (size > MAX_USTAR_SIZE) records.size = String(size);
      const pax = formatPax(records);
      const base = name.replace(/\/$/, '').split('/').pop()!.replace(/[^\x20-\x7e]/g, '_').slice(0, 80);
      await this.#write(formatHeader({ name: `PaxHeaders/${base}`, size: pax.length, type: 'x', mode: 0o644, mtime }));
      await this.#write(Buffer.concat([pax, Buffer.alloc(paddingOf(pax.length))]));
    }
    await this.#write(formatHeader({ name, size, type, mode, mtime }));
  }

  async #copy(name: string, stream: Readable, size: number): Promise<void> {
    let copied = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      copied += chunk.length;
      if (copied > size) {
        stream.destroy();
        throw new Error(`TarWriter: ${name} has more than the ${size} bytes declared`);
      }
      await this.#write(chunk);
    }
    if (copied < size) throw new Error(`TarWriter: ${name} has ${copied} bytes, not the ${size} declared`);
  }

  async #write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    if (this.destroyed) throw new Error('TarWriter: the tar was destroyed');
    if (this.push(bytes)) return;
    await new Promise<void>((resolve) => (this.#wake = resolve));
  }
}
