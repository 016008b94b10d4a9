/**
 * A gunzip that inflates the members of an indexed gzip file (gzip-member.ts: each member records its
 * size in its header, as donodo's compressor writes them) several at once, on libuv's thread pool,
 * and any other gzip file (one member, as gzip and pigz write, or members without the index) with
 * zlib's ordinary serial gunzip. The output is the same either way: the members' data in order.
 *
 * From the first member that has no index on (or from the start, for a file of another writer), the
 * rest of the stream goes through one serial gunzip, which also decides about anything unusual
 * there. Data after the last member that is not a gzip header is ignored, as zlib does.
 *
 * Each indexed member is inflated by zlib.gunzip, which checks its CRC-32 and length; a member that
 * fails, or inflates to another length than its header says, fails the stream with an error whose
 * `code` is zlib's (`Z_DATA_ERROR`, `Z_BUF_ERROR`) and whose message gives the member's offset in
 * the file. Memory: at most `threads + 1` members in flight (compressed and inflated), and nothing
 * new started while the readable side holds its high-water mark.
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { MEMBER_HEADER_SIZE, readMemberIndex, type MemberIndex } from './gzip-member.ts';

export interface ParallelGunzipOptions {
  /** Members inflating at once (at least 1). */
  threads: number;
  /** Bytes the readable side holds before no more members start (default 1 MiB). */
  readableHighWaterMark?: number;
  /** Output chunk size of the serial path (default 256 KiB). */
  serialChunkSize?: number;
}

/** Largest member accepted from an index (the compressor's blocks are at most 16 MiB). */
const MAX_MEMBER = 64 * 1024 * 1024;

type ZlibError = Error & { code?: string };

function damaged(message: string, code = 'Z_DATA_ERROR', cause?: unknown): ZlibError {
  const error: ZlibError = new Error(message, cause === undefined ? undefined : { cause });
  error.code = code;
  return error;
}

export class ParallelGunzip extends Transform {
  readonly #threads: number;
  readonly #maxInFlight: number;
  readonly #serialChunkSize: number;
  /** Input not yet handed to a member (or to the serial gunzip). */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** File offset of the first pending byte. */
  #offset = 0;
  #nextSeq = 0;
  #emitSeq = 0;
  #inflating = 0;
  readonly #results = new Map<number, Buffer>();
  /** The write waiting for room (members in flight, or the readable side). */
  #held: TransformCallback | null = null;
  #flushed: TransformCallback | null = null;
  /** From here on the serial path: set when an unindexed member is met, started once the parallel ones are out. */
  #toSerial = false;
  #serial?: zlib.Gunzip;
  #serialEnded = false;
  #members = 0;
  #pumping = false;
  #pumpAgain = false;

  constructor(options: ParallelGunzipOptions) {
    super({ readableHighWaterMark: options.readableHighWaterMark ?? 1024 * 1024 });
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`gunzip threads must be a positive integer, not ${options.threads}.`);
    this.#threads = options.threads;
    this.#maxInFlight = options.threads + 1;
    this.#serialChunkSize = options.serialChunkSize ?? 256 * 1024;
  }

  /** Members inflated in parallel so far (0 for a file without the index). */
  get parallelMembers(): number {
    return this.#members;
  }

  /** Whether (part of) the stream went through the serial gunzip. */
  get serial(): boolean {
    return this.#serial !== undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#serial) return this.#writeSerial(chunk, callback);
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    this.#held = callback;
    this.#pump();
  }

  override _flush(callback: TransformCallback): void {
    this.#flushed = callback;
    if (this.#serial) this.#endSerial();
    else this.#pump();
  }

  override _read(size: number): void {
    super._read(size);
    this.#serial?.resume();
    process.nextTick(() => this.#pump());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#results.clear();
    this.#pending = [];
    this.#serial?.destroy();
    callback(error);
  }

  /** Passes on what is inflated, starts what can start, asks for more input when there is room. Safe to re-enter. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        if (this.destroyed) return;
        this.#step();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #step(): void {
    this.#emit();
    if (!this.#serial) this.#dispatch();
    if (this.destroyed) return;
    if (this.#toSerial && !this.#serial && this.#inflating === 0 && this.#results.size === 0) this.#startSerial();
    if (this.#serial) return;
    const room = this.#inflating < this.#threads && this.#nextSeq - this.#emitSeq < this.#maxInFlight && this.readableLength < this.readableHighWaterMark;
    const held = this.#held;
    if (held && room && !this.#toSerial) {
      this.#held = null;
      held(); // may write the next chunk at once (which asks for another round)
    }
    if (this.#flushed && this.#inflating === 0 && this.#results.size === 0 && this.#pendingBytes === 0 && !this.#toSerial) this.#end();
  }

  /** Inflated members, in order. */
  #emit(): void {
    for (let result = this.#results.get(this.#emitSeq); result; result = this.#results.get(this.#emitSeq)) {
      this.#results.delete(this.#emitSeq++);
      if (result.length) this.push(result);
    }
  }

  /** Starts the members whose bytes are all here, as far as the limits allow. */
  #dispatch(): void {
    while (!this.#toSerial && this.#pendingBytes >= MEMBER_HEADER_SIZE) {
      if (this.#inflating >= this.#threads || this.#nextSeq - this.#emitSeq >= this.#maxInFlight) return;
      if (this.readableLength >= this.readableHighWaterMark) return;
      const head = this.#peek(MEMBER_HEADER_SIZE);
      const index = readMemberIndex(head);
      if (!index || index.size > MAX_MEMBER) {
        this.#toSerial = true;
        return;
      }
      if (this.#pendingBytes < index.size) break;
      const offset = this.#offset;
      this.#inflate(this.#take(index.size), index, offset);
    }
    // Fewer bytes than a header: at the end, a stream without any index (or a short one) is the serial gunzip's to judge.
    if (this.#flushed && this.#pendingBytes > 0 && !this.#toSerial) {
      const head = this.#peek(Math.min(this.#pendingBytes, MEMBER_HEADER_SIZE));
      const index = readMemberIndex(head.length >= MEMBER_HEADER_SIZE ? head : Buffer.alloc(0));
      if (index) return void this.destroy(damaged(`The gzip data ends inside the member at byte ${this.#offset} (its header says ${index.size} bytes, ${this.#pendingBytes} are there).`, 'Z_BUF_ERROR'));
      else this.#toSerial = true;
    }
  }

  #inflate(member: Buffer, index: MemberIndex, offset: number): void {
    const seq = this.#nextSeq++;
    this.#inflating++;
    this.#members++;
    zlib.gunzip(member, { chunkSize: Math.max(64, index.inputSize + 64), maxOutputLength: index.inputSize + 64 }, (error, output) => {
      this.#inflating--;
      if (this.destroyed) return;
      if (error) {
        const code = (error as ZlibError).code;
        return void this.destroy(damaged(`The gzip member at byte ${offset} (block ${seq + 1}) is damaged: ${error.message}.`, code?.startsWith('Z_') ? code : 'Z_DATA_ERROR', error));
      }
      if (output.length !== index.inputSize) {
        return void this.destroy(damaged(`The gzip member at byte ${offset} (block ${seq + 1}) inflates to ${output.length} bytes, but its header says ${index.inputSize}.`));
      }
      this.#results.set(seq, output);
      this.#pump();
    });
  }

  /** The rest of the stream through one serial gunzip, its output passed on as it comes. */
  #startSerial(): void {
    const rest = this.#take(this.#pendingBytes);
    const serial = zlib.createGunzip({ chunkSize: this.#serialChunkSize });
    this.#serial = serial;
    if (this.#members > 0 && (rest.length === 0 || rest[0] !== 0x1f || (rest.length > 1 && rest[1] !== 0x8b))) {
      // After complete members, data that is not gzip: ignored (and whatever else arrives), as zlib does.
      this.#serialEnded = true;
      serial.destroy();
      return this.#release();
    }
    serial.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) serial.pause();
    });
    serial.once('error', (error) => this.destroy(error));
    serial.once('end', () => {
      this.#serialEnded = true;
      if (this.#flushed) this.#end();
    });
    this.#writeSerial(rest, () => this.#release());
  }

  /** The serial path has taken the pending bytes: on with the input, or to the end. */
  #release(): void {
    if (this.#flushed) return this.#endSerial();
    const held = this.#held;
    this.#held = null;
    held?.();
  }

  #endSerial(): void {
    if (this.#serialEnded) this.#end();
    else this.#serial!.end();
  }

  #writeSerial(chunk: Buffer, callback: TransformCallback): void {
    if (this.#serialEnded) return callback(); // ignored trailing data
    if (chunk.length === 0 || this.#serial!.write(chunk)) return callback();
    this.#serial!.once('drain', () => callback());
  }

  #end(): void {
    const flushed = this.#flushed;
    this.#flushed = null;
    flushed?.();
  }

  #peek(n: number): Buffer {
    if (this.#pending[0]!.length >= n) return this.#pending[0]!.subarray(0, n);
    return Buffer.concat(this.#pending, this.#pendingBytes).subarray(0, n);
  }

  /** The first `n` pending bytes, taken out (one copy when they span chunks). */
  #take(n: number): Buffer {
    this.#offset += n;
    this.#pendingBytes -= n;
    const first = this.#pending[0];
    if (first && first.length === n) {
      this.#pending.shift();
      return first;
    }
    if (first && first.length > n) {
      this.#pending[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const chunk = this.#pending[0]!;
      const part = Math.min(chunk.length, n - at);
      chunk.copy(out, at, 0, part);
      at += part;
      if (part === chunk.length) this.#pending.shift();
      else this.#pending[0] = chunk.subarray(part);
    }
    return out;
  }
}
