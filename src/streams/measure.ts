import { createHash, type Hash } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { ProgressSink } from '../contracts/progress.ts';
import { releaseBuffers } from '../runtime/streaming-memory.ts';
import { HASH_BACKLOG_LIMIT, hashBacklog, hashDrained, OffThreadHash, type HashAlgorithm } from './off-thread-hash.ts';

/** Digests and length of bytes that went through a {@link MeasuringStream}. */
export interface Measured {
  size: number;
  md5: string;
  sha256?: string;
}

export interface MeasureOptions {
  md5?: boolean;
  sha256?: boolean;
  progress?: ProgressSink;
  /** Bytes buffered on each side; a larger buffer lets fast and bursty stages overlap. */
  highWaterMark?: number;
  /** At most this many bytes may pass: the stream fails with `error()` at the first byte beyond. */
  limit?: { bytes: number; error: () => Error };
  /** Hash on the hashing thread (off-thread-hash.ts); the digests then come from {@link MeasuringStream.settled}. */
  offThread?: boolean;
}

/**
 * A pass-through that counts bytes, hashes them (md5 unless turned off, sha256 on request) and reports
 * progress, without copying the data.
 */
export class MeasuringStream extends Transform {
  #size = 0;
  readonly #md5?: Hash;
  readonly #sha256?: Hash;
  readonly #progress?: ProgressSink;
  readonly #limit?: MeasureOptions['limit'];
  readonly #offThread?: { hash: OffThreadHash; algorithms: HashAlgorithm[] };

  /** `md5` defaults to true; set it false to only count (and report progress). */
  constructor(options: MeasureOptions = {}) {
    super({ highWaterMark: options.highWaterMark });
    const algorithms: HashAlgorithm[] = [...(options.md5 !== false ? (['md5'] as const) : []), ...(options.sha256 ? (['sha256'] as const) : [])];
    if (options.offThread && algorithms.length > 0) this.#offThread = { hash: new OffThreadHash(algorithms), algorithms };
    else {
      if (options.md5 !== false) this.#md5 = createHash('md5');
      if (options.sha256) this.#sha256 = createHash('sha256');
    }
    this.#progress = options.progress;
    this.#limit = options.limit;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#limit && this.#size + chunk.length > this.#limit.bytes) return callback(this.#limit.error());
    this.#size += chunk.length;
    this.#md5?.update(chunk);
    this.#sha256?.update(chunk);
    this.#progress?.advance(chunk.length);
    releaseBuffers(chunk.length);
    if (!this.#offThread) return callback(null, chunk);
    this.#offThread.hash.update(chunk);
    if (hashBacklog() <= HASH_BACKLOG_LIMIT) return callback(null, chunk);
    hashDrained().then(() => callback(null, chunk));
  }

  /**
   * Measure what `source` delivers. Unlike `source.pipe()`, failure or destruction travels both
   * ways: a reader that gives up also closes the source (a file, a connection).
   */
  static of(source: Readable, options: MeasureOptions = {}): MeasuringStream {
    const measure = new MeasuringStream(options);
    pipeline(source, measure, () => undefined); // errors reach the reader of `measure`
    return measure;
  }

  /** Final figures; call once the stream has finished (not for `offThread`: see {@link settled}). */
  result(): Measured {
    if (this.#offThread) throw new Error('an off-thread MeasuringStream gives its figures by settled()');
    return { size: this.#size, md5: this.#md5?.digest('hex') ?? '', sha256: this.#sha256?.digest('hex') };
  }

  /** Final figures, also of an `offThread` stream; call once, once the stream has finished. */
  async settled(): Promise<Measured> {
    if (!this.#offThread) return this.result();
    const hex = await this.#offThread.hash.digest();
    const of = (algorithm: HashAlgorithm) => hex[this.#offThread!.algorithms.indexOf(algorithm)];
    return { size: this.#size, md5: of('md5') ?? '', sha256: of('sha256') };
  }
}
