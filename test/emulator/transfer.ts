/**
 * Streaming file bytes in and out, at disk speed unless a fault says otherwise: uploads are written to
 * disk chunk by chunk with the MD5 computed on the way (never buffered whole); downloads are streamed
 * from disk. Faults: throttling (`slowLink`), a cut connection (`dropConnection`) and a flipped byte
 * (`corruptChecksum`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export class TransferAborted extends Error {}

export interface UploadOptions {
  dest: string;
  /** Expected size (Content-Length). */
  expected: number;
  dropAfter: number | null;
  bytesPerSecond: number | null;
}

export interface UploadResult {
  size: number;
  md5: string;
}

class Throttle {
  private readonly start = Date.now();
  private bytes = 0;
  private readonly rate: number;

  constructor(rate: number) {
    this.rate = rate;
  }

  async account(n: number): Promise<void> {
    this.bytes += n;
    const due = this.start + (this.bytes / this.rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

/** Receives a request body into `dest`. Throws {@link TransferAborted} when the upload does not complete. */
export async function receiveUpload(req: IncomingMessage, options: UploadOptions): Promise<UploadResult> {
  const hash = createHash('md5');
  const out = createWriteStream(options.dest);
  const outError = new Promise<never>((_, reject) => out.once('error', reject));
  outError.catch(() => {});
  const throttle = options.bytesPerSecond ? new Throttle(options.bytesPerSecond) : null;
  let size = 0;
  try {
    for await (const data of req) {
      let chunk = data as Buffer;
      if (options.dropAfter !== null && size + chunk.length >= options.dropAfter) {
        chunk = chunk.subarray(0, Math.max(0, options.dropAfter - size));
        size += chunk.length;
        hash.update(chunk);
        out.write(chunk);
        req.socket.destroy();
        throw new TransferAborted('connection dropped by fault injection');
      }
      size += chunk.length;
      hash.update(chunk);
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), outError]);
      if (throttle) await throttle.account(chunk.length);
    }
    if (size !== options.expected) throw new TransferAborted(`received ${size} of ${options.expected} bytes`);
    out.end();
    await Promise.race([once(out, 'finish'), outError]);
    return { size, md5: hash.digest('hex') };
  } catch (error) {
    out.destroy();
    if (error instanceof TransferAborted) throw error;
    // The client went away (ECONNRESET / "aborted").
    throw new TransferAborted(error instanceof Error ? error.message : String(error));
  }
}

export interface WriteOptions {
  dropAfter: number | null;
  bytesPerSecond: number | null;
  /** Flip the first byte written (corruptChecksum on a download). */
  corruptFirstByte: boolean;
}

async function writeOrClose(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  // Abort the listener that did not fire, or one would be left on the response per wait.
  const controller = new AbortController();
  await Promise.race([once(res, 'drain', { signal: controller.signal }), once(res, 'close', { signal: controller.signal })]).catch(() => undefined);
  controller.abort();
  return !res.destroyed;
}

/** Writes body chunks with faults applied, then ends the response (or destroys the socket for a drop). */
export async function writeChunks(res: ServerResponse, chunks: AsyncIterable<Buffer> | Iterable<Buffer>, options: WriteOptions): Promise<void> {
  const throttle = options.bytesPerSecond ? new Throttle(options.bytesPerSecond) : null;
  const slice = options.bytesPerSecond ? Math.max(1024, Math.floor(options.bytesPerSecond / 10)) : Infinity;
  let sent = 0;
  let corrupt = options.corruptFirstByte;
  for await (const data of chunks) {
    let chunk = data;
    if (corrupt && chunk.length > 0) {
      chunk = Buffer.from(chunk);
      chunk[0] = chunk[0]! ^ 0xff;
      corrupt = false;
    }
    for (let offset = 0; offset < chunk.length; offset += slice) {
      let piece = chunk.subarray(offset, Math.min(chunk.length, offset + slice));
      if (options.dropAfter !== null && sent + piece.length >= options.dropAfter) {
        piece = piece.subarray(0, Math.max(0, options.dropAfter - sent));
        await new Promise<void>((resolve) => {
          if (res.destroyed) return resolve();
          res.write(piece, () => resolve());
        });
        res.socket?.destroy();
        res.destroy();
        return;
      }
      if (!(await writeOrClose(res, piece))) return;
      sent += piece.length;
      if (throttle) await throttle.account(piece.length);
    }
  }
  res.end();
}

/** Streams `[start, end]` (inclusive) of a file into the response body. */
export async function sendFileBody(res: ServerResponse, path: string, start: number, end: number, options: WriteOptions): Promise<void> {
  if (end < start) {
    if (options.dropAfter !== null) {
      res.socket?.destroy();
      return;
    }
    res.end();
    return;
  }
  const stream = createReadStream(path, { start, end, highWaterMark: 1024 * 1024 });
  try {
    await writeChunks(res, stream as AsyncIterable<Buffer>, options);
  } finally {
    stream.destroy();
  }
}
