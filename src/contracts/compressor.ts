import type { Duplex } from 'node:stream';

/**
 * Turns the image tar into the archived file and back.
 * The built-in implementation is the `gzip` plugin (parallel, gzip-compatible output).
 */
export interface Compressor {
  /** Suffix appended to `image.tar` for the archived file, e.g. `.gz`. */
  readonly extension: string;
  /** A fresh stream that compresses what is written to it. */
  compress(): Duplex;
  /** A fresh stream that decompresses what is written to it. */
  decompress(): Duplex;
  /** Whether a file with this key is in this compressor's format (decided by its name). */
  handles(key: string): boolean;
}

export const Compressor: unique symbol = Symbol.for('donodo.Compressor');
