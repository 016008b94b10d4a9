/**
 * The parts of a tar header (POSIX ustar, with GNU and pax extensions) that donodo reads and
 * rewrites while an archive streams past. Only what is needed: names, sizes, types, checksums.
 */
export const BLOCK = 512;

export interface TarHeader {
  /** Full path (ustar prefix + name); an earlier GNU long-name or pax `path` record wins over it. */
  name: string;
  size: number;
  /** Type flag: '0' (or '\0') a file, '5' a directory, '2' a symlink, 'x'/'g' pax, 'L'/'K' GNU long names… */
  type: string;
}

export const isZeroBlock = (block: Buffer): boolean => block.every((byte) => byte === 0);

/** Parse a header block; throws when its checksum is wrong (the archive is damaged or not a tar). */
export function parseHeader(block: Buffer): TarHeader {
  const stored = parseOctal(block.subarray(148, 156));
  if (stored !== checksumOf(block)) throw new Error('a tar header checksum does not match');
  const name = text(block.subarray(0, 100));
  const magic = block.subarray(257, 263).toString('latin1');
  const prefix = magic === 'ustar\0' ? text(block.subarray(345, 500)) : '';
  return { name: prefix ? `${prefix}/${name}` : name, size: parseSize(block.subarray(124, 136)), type: String.fromCharCode(block[156] || 48) };
}

/** A copy of `block` with another size, and its checksum recomputed. */
export function withSize(block: Buffer, size: number): Buffer {
  const copy = Buffer.from(block);
  copy.write(size.toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
  copy.write(checksumOf(copy).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return copy;
}

/** Bytes of zero padding that follow `size` bytes of content. */
export const paddingOf = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** The records of a pax extended header (`<len> key=value\n`…). */
export function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

function parseSize(field: Buffer): number {
  // GNU base-256 for sizes of 8 GiB and more: the high bit of the first byte is set.
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  return parseOctal(field);
}

function parseOctal(field: Buffer): number {
  const digits = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return digits ? parseInt(digits, 8) : 0;
}

function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}
