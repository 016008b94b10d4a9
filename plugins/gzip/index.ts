import os from 'node:os';
import type { Duplex } from 'node:stream';
import { DonodoError, type Compressor, type DonodoPlugin } from '../../src/plugin-api.ts';
import { ParallelGunzip } from './parallel-gunzip.ts';
import { ParallelGzip } from './parallel-gzip.ts';

export interface GzipOptions {
  /** zlib compression level, 1 (fastest) to 9 (smallest). */
  level?: number;
  /** Most blocks compressing at once, on libuv's thread pool (UV_THREADPOOL_SIZE threads; the donodo command sets 2 × cores + 2). */
  threads?: number;
  /** Bytes of input compressed as one independent block. */
  blockSize?: number;
  /** Store blocks that do not compress (already-compressed or random data) instead of deflating them. */
  adaptive?: boolean;
  /**
   * Write each block as a gzip member of its own whose header records its size (an extra field every
   * gzip reader skips), so that a pull inflates the blocks on every core. Off: one gzip member, as pigz.
   */
  indexed?: boolean;
}

export const DEFAULT_LEVEL = 6;
export const DEFAULT_BLOCK_SIZE = 1024 * 1024;
export const MIN_BLOCK_SIZE = 32 * 1024;
export const MAX_BLOCK_SIZE = 16 * 1024 * 1024;
export const MAX_THREADS = 64;

/**
 * Two blocks per core: with only one, a core idles whenever its block waits to be handed out or
 * written (measured on 2 cores and 500 MB: 5.7 s with 2, 5.1 s with 4).
 */
const defaultThreads = (): number => Math.max(1, Math.min(MAX_THREADS, 2 * os.availableParallelism()));

/** Parallel, gzip-compatible compression (indexed members, or one member), deterministic bytes; parallel decompression of indexed files. */
export class GzipCompressor implements Compressor {
  readonly extension = '.gz';
  readonly level: number;
  readonly threads: number;
  readonly blockSize: number;
  readonly adaptive: boolean;
  readonly indexed: boolean;

  constructor(options: GzipOptions = {}) {
    this.level = checkInteger('level', options.level ?? DEFAULT_LEVEL, 1, 9);
    this.threads = checkInteger('threads', options.threads ?? defaultThreads(), 1, MAX_THREADS);
    this.blockSize = checkInteger('blockSize', options.blockSize ?? DEFAULT_BLOCK_SIZE, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE);
    this.adaptive = options.adaptive ?? true;
    this.indexed = options.indexed ?? true;
  }

  compress(): Duplex {
    return new ParallelGzip({ level: this.level, threads: this.threads, blockSize: this.blockSize, adaptive: this.adaptive, indexed: this.indexed });
  }

  /**
   * Reads any gzip file, including several members back to back: the members of an indexed file (as
   * this compressor writes them) `threads` at once, any other file with zlib's serial gunzip.
   */
  decompress(): Duplex {
    // Serial path: large output chunks. 16 KiB (the default) means a round trip to the thread pool per 16 KiB, which costs
    // about a third of the time of a pull; 256 KiB measured 0.8 s faster on a 500 MB image.
    // One member inflating per core: inflate is fast, and each member in flight holds its input and output (~2 MiB).
    return new ParallelGunzip({ threads: Math.max(1, Math.min(this.threads, os.availableParallelism())), serialChunkSize: 256 * 1024 });
  }

  handles(key: string): boolean {
    return key.toLowerCase().endsWith('.gz');
  }
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  throw new DonodoError('GZIP_OPTION_INVALID', `The gzip option "${name}" must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}.`, {
    hint: `Fix or remove "${name}" in the compressor options.`,
  });
}

/** The built-in compressor: parallel gzip over all cores, readable by gunzip, docker load and any zlib. */
const plugin: DonodoPlugin<'compressor', GzipOptions> = {
  kind: 'compressor',
  name: 'gzip',
  description: 'gzip (.gz), compressed and (for its own files) decompressed in parallel on all cores; readable by gunzip and docker load',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      level: {
        type: 'integer',
        minimum: 1,
        maximum: 9,
        default: DEFAULT_LEVEL,
        description: 'Compression level, 1 (fastest) to 9 (smallest). The default 6 gives files about as small as gzip -6.',
      },
      threads: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_THREADS,
        default: defaultThreads(),
        description: 'Most blocks compressing at once, on libuv\'s thread pool, whose size (UV_THREADPOOL_SIZE; the donodo command sets 2 × cores + 2 unless it is set) caps it; default: twice the number of cores. Does not change the output.',
      },
      blockSize: {
        type: 'integer',
        minimum: MIN_BLOCK_SIZE,
        maximum: MAX_BLOCK_SIZE,
        default: DEFAULT_BLOCK_SIZE,
        description: 'Bytes of input per independently compressed block (32 KiB to 16 MiB, default 1 MiB). Larger blocks use more memory; smaller ones spread better over cores. Changes the output bytes.',
      },
      adaptive: {
        type: 'boolean',
        default: true,
        description: 'Store blocks that do not compress (already-compressed layers, random data) instead of deflating them: much faster, and no bigger.',
      },
      indexed: {
        type: 'boolean',
        default: true,
        description: 'Write each block as a gzip member of its own, its size recorded in an extra field that every gzip reader skips, so that pulls inflate on every core (about 0.2 % larger). false: one gzip member, as pigz writes.',
      },
    },
  },
  create(options) {
    return new GzipCompressor(options);
  },
};

export default plugin;
