import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TarParser } from './tar-parser.ts';

/** An entry of a tar, read by {@link readTarEntries}. */
export interface TarEntry {
  /** The path, a leading `./` taken off; GNU long names and pax `path` records applied. */
  name: string;
  /** Bytes of content (0 for folders and links). */
  size: number;
  /** Type flag: '0' a file, '5' a folder, '2' a symlink, '1' a hard link, … */
  type: string;
  /** A link's target ('' for other types). */
  linkname: string;
  mode: number;
  /** The content, `size` bytes. Read it to its end, or skip it (asking for the next entry skips what is left). */
  body: Readable;
}

/** Entries handed over but not yet asked for; the archive is read no further ahead than that. */
const QUEUED = 8;

/**
 * The entries of a tar (plain or gzip, told apart by its first bytes), one at a time, as the
 * stream arrives: `for await (const entry of readTarEntries(stream)) …`. Each entry's `body`
 * must be read or left before the next is asked for (asking for the next skips the rest of it).
 * Memory is bounded (a body buffers up to its high-water mark, then the stream is not read until
 * it is); the stream is read to its end (so a gzip trailer is checked). Breaking out of the loop
 * destroys the stream. A damaged tar throws {@link TarFormatError} (with what is wrong; name the
 * file yourself when reporting it), also through the body being read then.
 */
export async function* readTarEntries(stream: Readable, options: { highWaterMark?: number } = {}): AsyncGenerator<TarEntry, void, undefined> {
  const queue: TarEntry[] = [];
  let current: Readable | undefined;
  let finished = false;
  let stopped = false;
  let failure: Error | undefined;
  let wakePump: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const signal = (which: 'pump' | 'reader') => {
    const wake = which === 'pump' ? wakePump : wakeReader;
    if (which === 'pump') wakePump = undefined;
    else wakeReader = undefined;
    wake?.();
  };
  const parser = new TarParser({
    entry(header) {
      const body = new Readable({ highWaterMark: options.highWaterMark, read: () => signal('pump') });
      body.once('close', () => signal('pump'));
      current = body;
      queue.push({ name: header.name, size: header.size, type: header.type, linkname: header.linkname, mode: header.mode, body });
      signal('reader');
    },
    data(chunk) {
      if (!current!.destroyed) current!.push(chunk);
    },
    entryEnd() {
      if (!current!.destroyed) current!.push(null);
      current = undefined;
    },
  });
  const full = () => queue.length >= QUEUED || (current !== undefined && !current.destroyed && current.readableLength >= current.readableHighWaterMark);
  const pump = async () => {
    for await (const chunk of plainChunks(stream)) {
      if (stopped) return;
      parser.write(chunk);
      while (full() && !stopped) await new Promise<void>((resolve) => (wakePump = resolve));
    }
    if (!stopped) parser.finish();
  };
  const pumping = pump().then(
    () => {
      finished = true;
    },
    (cause: Error) => {
      failure = cause;
      current?.destroy(cause);
    },
  );
  void pumping.finally(() => signal('reader'));
  let previous: Readable | undefined;
  try {
    for (;;) {
      if (previous && !previous.readableEnded && !previous.destroyed) previous.resume();
      previous = undefined;
      const next = queue.shift();
      if (next) {
        signal('pump');
        previous = next.body;
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => (wakeReader = resolve));
    }
  } finally {
    if (!finished && !failure) {
      stopped = true;
      stream.destroy();
      // A reader of the body hears why it ends; a body nobody reads (queued, skipped) just closes,
      // rather than raising an 'error' nobody listens to (which would crash the process).
      if (current?.listenerCount('error')) current.destroy(new Error('the tar stopped being read'));
      else current?.destroy();
      signal('pump');
    }
  }
}

/** The stream's chunks, gunzipped when it starts with gzip's magic bytes. */
async function* plainChunks(stream: Readable): AsyncGenerator<Buffer> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) return yield* rest();
  const gunzip = createGunzip();
  pipeline(Readable.from(rest(), { objectMode: false }), gunzip, () => {});
  yield* gunzip as AsyncIterable<Buffer>;
}
