/** Messages between the parallel gzip stream and its workers. */

/** A block to compress. `buffer` is transferred to the worker and comes back in the result. */
export interface BlockJob {
  /** Position of the block in the stream, from 0. */
  seq: number;
  /** Holds the block's bytes in [0, length). */
  buffer: ArrayBuffer;
  length: number;
  /** The last up to 32 KiB of input before this block, or null for the first block. */
  dictionary: Uint8Array | null;
  /** Whether this block ends the stream. */
  last: boolean;
}

/** A compressed block. */
export interface BlockResult {
  seq: number;
  /** Raw deflate data (its ArrayBuffer is exactly this size). */
  output: Uint8Array;
  /** CRC-32 of the block's input. */
  crc: number;
  /** Bytes of input. */
  length: number;
  /** Whether the block was stored (found incompressible). */
  stored: boolean;
  last: boolean;
  /** The job's input buffer, handed back for reuse. */
  buffer: ArrayBuffer;
}
