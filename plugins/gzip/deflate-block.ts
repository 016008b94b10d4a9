/**
 * Compression of one block of the input into a piece of a single raw deflate stream. Pieces are
 * written back to back: every piece but the last ends byte-aligned without the final bit (a sync
 * flush, or stored blocks), the last one ends the stream. The deflate itself runs on libuv's thread
 * pool (zlib's asynchronous API), so blocks compress in parallel without worker threads; the output
 * is a pure function of the arguments, so it is deterministic.
 */
import zlib from 'node:zlib';

/** Size of the deflate window, and so of the useful dictionary. */
export const WINDOW_SIZE = 32 * 1024;

/** Largest payload of one stored deflate block. */
const STORED_MAX = 65535;

/**
 * How a block is judged: SAMPLE_COUNT slices of SAMPLE_SIZE bytes spread over it (all of it when
 * shorter). Their byte entropy settles most blocks at once; the rest are deflated at level 1.
 */
const SAMPLE_SIZE = 8 * 1024;
const SAMPLE_COUNT = 8;

/**
 * Below this many bits per byte the block compresses for sure: Huffman coding alone saves 12 %.
 * Text, code and executables measure 2–6.9 bits; already-compressed data and random bytes 7.9–8.
 * (Above it, repeats can still make a block compress — 7.99 bits with 12 % saved was seen in a tar
 * of /usr/lib — so those are deflated.)
 */
const SURELY_COMPRESSIBLE_BITS = 7;

/**
 * A block is stored when level 1 shrinks its samples by less than this fraction. Already-compressed
 * data (gzip, zstd, jpeg, zip…) and random bytes come out at ~100.03 %; text and code at 20–60 %.
 */
const INCOMPRESSIBLE_RATIO = 0.97;

export interface BlockSettings {
  /** zlib level, 1–9. */
  level: number;
  /** Store blocks that do not compress instead of deflating them. */
  adaptive: boolean;
}

export interface CompressedBlock {
  /** Raw deflate data. */
  output: Uint8Array;
  /** Whether the block was written as stored blocks (found incompressible). */
  stored: boolean;
}

/**
 * Deflates `input` as the next piece of a raw deflate stream.
 * @param dictionary the up to 32 KiB of input just before this block (so matches can reach back
 *   across the block boundary, as with one sequential deflate); empty for the first block.
 * @param last whether this block ends the stream (its last deflate block gets BFINAL).
 */
export function compressBlock(input: Uint8Array, dictionary: Uint8Array | null, last: boolean, settings: BlockSettings): Promise<CompressedBlock> {
  if (input.length === 0) return Promise.resolve({ output: storedBlocks(input, last), stored: true });
  if (settings.adaptive && looksIncompressible(input)) return Promise.resolve({ output: storedBlocks(input, last), stored: true });
  return new Promise((resolve, reject) => {
    zlib.deflateRaw(
      input,
      {
        level: settings.level,
        // memLevel 8 and a 32 KiB window, as gzip and pigz use.
        memLevel: 8,
        windowBits: 15,
        dictionary: dictionary && dictionary.length > 0 ? dictionary : undefined,
        // A sync flush ends the piece on a byte boundary with an empty stored block and no BFINAL, so
        // the next piece can simply follow; the last piece finishes the stream.
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
        // Output in one buffer for blocks that halve (text, code: no concatenation of 16 KiB
        // chunks), without holding a whole deflateBound for each block in flight: a block that
        // compresses less takes a second buffer, joined once.
        chunkSize: Math.max(64 * 1024, Math.min(deflateBound(input.length), (input.length >>> 1) + 16 * 1024)),
      },
      (error, output) => (error ? reject(error) : resolve({ output, stored: false })),
    );
  });
}

/** Upper bound of deflate's output for n bytes (zlib's deflateBound for raw deflate, plus flush markers). */
export function deflateBound(n: number): number {
  return n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13 + 10;
}

/** Counts of each byte value in the samples; reused (this runs on the main thread, one block at a time). */
const counts = new Uint32Array(256);
/** The samples back to back, deflated as one buffer: one zlib set-up per block rather than one per sample. */
const sampleBuffer = new Uint8Array(SAMPLE_SIZE * SAMPLE_COUNT);

/** Whether deflate would save less than 3 % on `input`, judged from samples spread over it. */
export function looksIncompressible(input: Uint8Array): boolean {
  let samples = input;
  if (input.length > sampleBuffer.length) {
    const stride = Math.floor((input.length - SAMPLE_SIZE) / (SAMPLE_COUNT - 1));
    for (let i = 0; i < SAMPLE_COUNT; i++) sampleBuffer.set(input.subarray(i * stride, i * stride + SAMPLE_SIZE), i * SAMPLE_SIZE);
    samples = sampleBuffer;
  }
  if (entropyBits(samples) < SURELY_COMPRESSIBLE_BITS) return false;
  const packed = zlib.deflateRawSync(samples, { level: 1, memLevel: 8, chunkSize: samples.length + 1024 }).length;
  return packed >= samples.length * INCOMPRESSIBLE_RATIO;
}

/** Shannon entropy of the byte values of `data`, in bits per byte (0–8). */
export function entropyBits(data: Uint8Array): number {
  counts.fill(0);
  for (let i = 0; i < data.length; i++) counts[data[i]!]!++;
  let bits = 0;
  for (let value = 0; value < 256; value++) {
    const count = counts[value]!;
    if (count === 0) continue;
    const p = count / data.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * `input` as stored (uncompressed) deflate blocks of at most 65535 bytes: 5 bytes of overhead per
 * block. Starts and ends on a byte boundary; the last block has BFINAL when `last`.
 */
export function storedBlocks(input: Uint8Array, last: boolean): Uint8Array {
  const count = Math.max(1, Math.ceil(input.length / STORED_MAX));
  const output = new Uint8Array(input.length + 5 * count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = i * STORED_MAX;
    const length = Math.min(STORED_MAX, input.length - start);
    output[at++] = last && i === count - 1 ? 1 : 0; // BFINAL, BTYPE=00, then padding to the byte
    output[at++] = length & 0xff;
    output[at++] = length >>> 8;
    output[at++] = ~length & 0xff;
    output[at++] = (~length >>> 8) & 0xff;
    output.set(input.subarray(start, start + length), at);
    at += length;
  }
  return output;
}

/** A block compressed as a gzip member of its own, from zlib: its header (10 bytes, to be replaced), deflate data, trailer. */
export interface CompressedMember {
  /** zlib's whole gzip output: a 10-byte header, the deflate stream, the 8-byte trailer (CRC-32, ISIZE). */
  gzip: Uint8Array;
  stored: boolean;
}

/**
 * Compresses `input` into a complete gzip member with no dictionary, so that it inflates on its own.
 * Everything, the CRC-32 and the copy of a block found incompressible (stored, level 0) included,
 * runs on libuv's thread pool, not on the thread that feeds the stream.
 */
export function compressMember(input: Uint8Array, settings: BlockSettings): Promise<CompressedMember> {
  const stored = input.length === 0 || (settings.adaptive && looksIncompressible(input));
  return new Promise((resolve, reject) => {
    zlib.gzip(
      input,
      {
        level: stored ? 0 : settings.level,
        memLevel: 8,
        windowBits: 15,
        chunkSize: stored ? Math.max(64, deflateBound(input.length) + 18) : Math.max(64 * 1024, Math.min(deflateBound(input.length) + 18, (input.length >>> 1) + 16 * 1024)),
      },
      (error, gzip) => (error ? reject(error) : resolve({ gzip, stored })),
    );
  });
}
