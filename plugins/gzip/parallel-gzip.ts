/**
 * A gzip compressor that uses every core, in the manner of pigz.
 *
 * The input is cut into blocks of exactly `blockSize` bytes (the last one shorter, possibly empty),
 * whatever the sizes of the chunks written. Up to `threads` blocks are deflated at once on libuv's
 * thread pool (zlib's asynchronous API: no worker isolates, so memory stays small), each primed
 * with the 32 KiB of input before it as dictionary, and the results are written in order as
 * ONE gzip member holding ONE deflate stream: every block but the last ends with a sync flush
 * (byte-aligned, no BFINAL), the last one finishes the stream. The trailer's CRC-32 is combined
 * from the blocks' CRCs. Blocks that do not compress (see deflate-block.ts) are written as stored
 * deflate blocks, which costs a copy instead of a deflate.
 *
 * The output is a function of the input bytes, `level`, `blockSize` and `adaptive` only (not of
 * `threads`, chunking or timing); the header has mtime 0, no name, and OS 3 (Unix) on every
 * platform, so the same input always gives the same bytes with the same zlib.
 *
 * With `indexed` (the plugin's default), each block is instead a gzip member of its own, compressed
 * without a dictionary (0.16 % larger with 1 MiB blocks, measured), whose header records its size in an
 * extra field every gzip reader skips (gzip-member.ts): gunzip, pigz, zlib, Python and docker read it
 * as any multi-member file, and {@link ParallelGunzip} (parallel-gunzip.ts) inflates its members in
 * parallel. Without it, one member, as pigz writes: `gzip -l` / ISIZE then describe the whole file.
 *
 * Memory is bounded whatever the input size: at most `maxInFlight` blocks (threads + 2, and no
 * more than 32 MiB of input) are being compressed or waiting to be pushed, input buffers are
 * recycled, and no new block is started while the readable side holds two blocks' worth of bytes
 * or more (then the pending write's callback waits, which in turn stops the writer). With 1 MiB
 * blocks and 4 threads (the default on 2 cores) that is ~7 MiB of input and at most ~8 MiB of
 * output. (Twice as many blocks in flight, as before, measured no faster on 2 cores.)
 *
 * Results of blocks compressing when the stream is destroyed are dropped.
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import zlib from 'node:zlib';
import { crc32Combine } from './crc32-combine.ts';
import { compressBlock, compressMember, WINDOW_SIZE, type BlockSettings } from './deflate-block.ts';
import { MEMBER_HEADER_SIZE as MEMBER_HEADER_BYTES, memberHeader } from './gzip-member.ts';

export interface ParallelGzipSettings extends BlockSettings {
  /** Most blocks compressing at once (at least 1). */
  threads: number;
  /** Bytes of input per block (at least 32 KiB). */
  blockSize: number;
  /**
   * Each block a gzip member of its own, with no dictionary and its size recorded in the header
   * (gzip-member.ts), so that a reader can inflate the blocks in parallel. Otherwise one member.
   */
  indexed?: boolean;
}

/** Bytes of input allowed in flight (compressing, or compressed and waiting to be pushed). */
const IN_FLIGHT_BUDGET = 32 * 1024 * 1024;

/** A compressed block, waiting for its turn to be pushed. */
interface BlockResult {
  /** Raw deflate data, or (indexed) a whole gzip member as zlib wrote it, its 10-byte header to be replaced. */
  output: Uint8Array;
  /** CRC-32 and length of the block's input. */
  crc: number;
  length: number;
  stored: boolean;
  last: boolean;
  /** The input buffer, for reuse. */
  buffer: ArrayBuffer;
}

interface PendingWrite {
  chunk: Uint8Array;
  offset: number;
  callback: (error?: Error | null) => void;
}

/** Most blocks in flight for these settings. */
export function maxInFlight(threads: number, blockSize: number): number {
  return Math.max(2, Math.min(threads + 2, Math.floor(IN_FLIGHT_BUDGET / blockSize)));
}

/** The 10-byte gzip header: deflate, no flags, mtime 0, XFL as gzip sets it, OS 3 (Unix). */
export function gzipHeader(level: number): Buffer {
  const xfl = level >= 9 ? 2 : level <= 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}

/** The 8-byte gzip trailer: CRC-32 and length modulo 2^32 of the uncompressed data, little-endian. */
export function gzipTrailer(crc: number, length: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 0x100000000, 4);
  return trailer;
}

export class ParallelGzip extends Duplex {
  readonly #settings: ParallelGzipSettings;
  readonly #maxInFlight: number;
  readonly #spare: ArrayBuffer[] = [];
  /** Blocks being compressed now (at most `threads`). */
  #compressing = 0;
  /** Compressed blocks that arrived before their predecessors. */
  readonly #results = new Map<number, BlockResult>();

  /** The block being filled, and how much of it is. */
  #block: Uint8Array | null = null;
  #fill = 0;
  /** The last 32 KiB of the previous block, the next block's dictionary. */
  #tail: Uint8Array | null = null;
  /** Next block to send, next block to push. */
  #nextSeq = 0;
  #emitSeq = 0;
  #crc = 0;
  #length = 0;
  #headerPushed = false;
  #lastSent = false;
  #done = false;
  #write: PendingWrite | null = null;
  #final: ((error?: Error | null) => void) | null = null;
  #pumping = false;
  #pumpAgain = false;
  /** Counters, for diagnostics and tests. */
  #storedBlocks = 0;

  constructor(settings: ParallelGzipSettings, options: DuplexOptions = {}) {
    // The readable side holds two compressed blocks: with the default 64 KiB, one pushed block
    // (up to blockSize) would stop every other block from starting until the reader took it, and
    // the blocks would in effect compress one at a time.
    super({
      readableHighWaterMark: settings.blockSize * 2,
      ...options,
      objectMode: false,
      readableObjectMode: false,
      writableObjectMode: false,
      decodeStrings: true,
    });
    if (!Number.isInteger(settings.level) || settings.level < 0 || settings.level > 9) throw new RangeError(`gzip level must be an integer from 0 to 9, not ${settings.level}.`);
    if (!Number.isInteger(settings.threads) || settings.threads < 1) throw new RangeError(`gzip threads must be a positive integer, not ${settings.threads}.`);
    if (!Number.isInteger(settings.blockSize) || settings.blockSize < WINDOW_SIZE) throw new RangeError(`gzip blockSize must be an integer of at least ${WINDOW_SIZE}, not ${settings.blockSize}.`);
    this.#settings = { ...settings };
    this.#maxInFlight = maxInFlight(settings.threads, settings.blockSize);
  }

  /** Blocks being compressed now (those still running when the stream is destroyed finish, and are dropped). */
  get activeCompressions(): number {
    return this.#compressing;
  }

  /** Blocks written as stored deflate blocks so far, because they did not compress. */
  get storedBlockCount(): number {
    return this.#storedBlocks;
  }

  /** Blocks compressed and pushed so far. */
  get blockCount(): number {
    return this.#emitSeq;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#write = { chunk, offset: 0, callback };
    this.#pump();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#final = callback;
    this.#pump();
  }

  override _read(): void {
    // Readable.read() calls _read before it takes the data out of the buffer, and not again until
    // something is pushed: look at the buffer once this read is over, or a full buffer seen now
    // would stall the stream.
    process.nextTick(() => this.#pump());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#done = true;
    this.#write = null;
    this.#final = null;
    this.#results.clear();
    this.#spare.length = 0;
    this.#block = null;
    this.#tail = null;
    callback(error);
  }

  /** Pushes what is ready, then takes in input as far as the limits allow. Safe to re-enter. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#emit();
        this.#feed();
      } while (this.#pumpAgain && !this.#done);
    } finally {
      this.#pumping = false;
    }
  }

  /** Pushes the compressed blocks that are next in order; after the last one, the trailer. */
  #emit(): void {
    for (;;) {
      if (this.#done) return;
      const result = this.#results.get(this.#emitSeq);
      if (!result) return;
      this.#results.delete(this.#emitSeq);
      this.#emitSeq++;
      this.#crc = crc32Combine(this.#crc, result.crc, result.length);
      this.#length += result.length;
      if (result.stored && result.length > 0) this.#storedBlocks++;
      if (this.#settings.indexed) {
        // An empty last block ends nothing when members came before it (an empty input still gets one member).
        if (result.length > 0 || this.#emitSeq === 1) this.#pushMember(result.output, result.length);
        if (result.last) this.#finish(null);
        if (this.#done) return;
        continue;
      }
      if (!this.#headerPushed) {
        this.#headerPushed = true;
        this.push(gzipHeader(this.#settings.level));
      }
      if (result.output.byteLength > 0) this.push(Buffer.from(result.output.buffer, result.output.byteOffset, result.output.byteLength));
      if (result.last) {
        this.#finish(gzipTrailer(this.#crc, this.#length));
        return;
      }
    }
  }

  /** A member from zlib's gzip output: donodo's indexed header instead of zlib's 10 bytes, then the rest as it is. */
  #pushMember(gzip: Uint8Array, inputSize: number): void {
    const body = Buffer.from(gzip.buffer, gzip.byteOffset + 10, gzip.byteLength - 10);
    const header = memberHeader(this.#settings.level, MEMBER_HEADER_BYTES + body.length, inputSize);
    this.push(header);
    this.push(body);
  }

  #finish(trailer: Buffer | null): void {
    this.#done = true;
    if (trailer) this.push(trailer);
    this.push(null);
    const final = this.#final;
    this.#final = null;
    final?.();
  }

  /** Copies pending input into blocks and sends full blocks (and, at the end, the last one). */
  #feed(): void {
    const { blockSize } = this.#settings;
    for (;;) {
      if (this.#done) return;
      if (this.#fill === blockSize) {
        if (!this.#canSend()) return;
        this.#send(false);
        continue;
      }
      const write = this.#write;
      if (write) {
        if (write.offset >= write.chunk.length) {
          this.#write = null;
          write.callback();
          continue;
        }
        this.#block ??= new Uint8Array(this.#spare.pop() ?? new ArrayBuffer(blockSize));
        const n = Math.min(blockSize - this.#fill, write.chunk.length - write.offset);
        this.#block.set(write.chunk.subarray(write.offset, write.offset + n), this.#fill);
        this.#fill += n;
        write.offset += n;
        continue;
      }
      if (this.#final && !this.#lastSent) {
        if (!this.#canSend()) return;
        this.#send(true);
      }
      return;
    }
  }

  /** Whether another block may go out: few enough compressing and in flight, and room on the readable side. */
  #canSend(): boolean {
    if (this.#compressing >= this.#settings.threads) return false;
    if (this.#nextSeq - this.#emitSeq >= this.#maxInFlight) return false;
    return this.readableLength === 0 || this.readableLength < this.readableHighWaterMark;
  }

  #send(last: boolean): void {
    const length = this.#fill;
    const block = this.#block ?? new Uint8Array(0);
    const dictionary = this.#tail;
    // The next block's dictionary; a full block is at least 32 KiB long.
    this.#tail = last || this.#settings.indexed ? null : block.slice(length - WINDOW_SIZE, length);
    const seq = this.#nextSeq++;
    this.#block = null;
    this.#fill = 0;
    if (last) this.#lastSent = true;
    const input = block.subarray(0, length);
    const indexed = this.#settings.indexed === true;
    // Indexed members carry their own CRC, computed with the deflate on the thread pool.
    const crc = indexed ? 0 : zlib.crc32(input);
    this.#compressing++;
    const compressed = indexed
      ? compressMember(input, this.#settings).then(({ gzip, stored }) => ({ output: gzip, stored }))
      : compressBlock(input, dictionary, last, this.#settings);
    compressed.then(
      ({ output, stored }) => {
        this.#compressing--;
        if (this.#done) return;
        // Reuse input buffers: there are never more than maxInFlight + 1 of them.
        if (this.#spare.length <= this.#maxInFlight && block.buffer.byteLength === this.#settings.blockSize) this.#spare.push(block.buffer as ArrayBuffer);
        this.#results.set(seq, { output, crc, length, stored, last, buffer: block.buffer as ArrayBuffer });
        this.#pump();
      },
      (error: Error) => {
        this.#compressing--;
        this.destroy(error);
      },
    );
  }
}
