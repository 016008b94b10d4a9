import { TarParser } from '../../src/archive/tar-parser.ts';

/** Where the content of each entry of a tar whose name matches `name` starts, and its size. */
export function contentsOf(tar: Buffer, name: RegExp): Array<{ name: string; at: number; size: number }> {
  const found: Array<{ name: string; at: number; size: number }> = [];
  let at = 0;
  const parser = new TarParser({ entry: (h) => void (name.test(h.name) && h.size > 0 && found.push({ name: h.name, at: at + 512, size: h.size })) });
  for (; at < tar.length && !parser.ended; at += 512) parser.write(tar.subarray(at, at + 512));
  return found;
}

/** The first entry matching `name` (throws when there is none). */
export function contentOf(tar: Buffer, name: RegExp): { name: string; at: number; size: number } {
  const [first] = contentsOf(tar, name);
  if (!first) throw new Error(`no ${name} in the tar`);
  return first;
}

/** A copy of `tar` with one byte in the middle of the content of `entry` changed (same size, same headers). */
export function alteredAt(tar: Buffer, entry: { at: number; size: number }): Buffer {
  const copy = Buffer.from(tar);
  copy[entry.at + Math.floor(entry.size / 2)] ^= 0x01;
  return copy;
}
