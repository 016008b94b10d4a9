/**
 * Tar header blocks (POSIX ustar, with GNU and pax extensions): read and written. Only what donodo
 * needs: names, link targets, sizes, types, modes, checksums.
 */
export const BLOCK = 512;

export interface TarHeader {
  /** Full path (ustar prefix + name); an earlier GNU long-name or pax `path` record wins over it. */
  name: string;
  size: number;
  /** Type flag: '0' (or '\0') a file, '5' a directory, '2' a symlink, 'x'/'g' pax, 'L'/'K' GNU long names… */
  type: string;
  /** Target of a link ('1' hard, '2' symbolic); an earlier GNU 'K' or pax `linkpath` record wins over it. */
  linkname: string;
  mode: number;
}

export const isZeroBlock = (block: Buffer): boolean => block.every((byte) => byte === 0);

/** Parse a header block; throws when its checksum is wrong (the archive is damaged or not a tar). */
export function parseHeader(block: Buffer): TarHeader {
  const stored = parseOctal(block.subarray(148, 156));
  if (stored !== checksumOf(block)) throw new Error('a tar header checksum does not match');
  const name = text(block.subarray(0, 100));
  const magic = block.subarray(257, 263).toString('latin1');
  const prefix = magic === 'ustar\0' ? text(block.subarray(345, 500)) : '';
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: parseSize(block.subarray(124, 136)),
    type: String.fromCharCode(block[156] || 48),
    linkname: text(block.subarray(157, 257)),
    mode: parseOctal(block.subarray(100, 108)),
  };
}

/** Largest size the 11 octal digits of a ustar size field hold (8 GiB - 1); larger ones go in a pax record. */
export const MAX_USTAR_SIZE = 8 ** 11 - 1;

/**
 * A ustar header block. `name` must fit ustar (see {@link ustarName}); `size` at most
 * {@link MAX_USTAR_SIZE} (a pax `size` record carries larger ones). Owner root, no user names.
 */
export function formatHeader(fields: { name: string; size: number; type: string; mode: number; mtime: number; linkname?: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  const split = ustarName(fields.name) ?? { prefix: '', name: fields.name.slice(0, 100) };
  block.write(split.name, 0, 100, 'utf8');
  octal(block, 100, 8, fields.mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, Math.min(fields.size, MAX_USTAR_SIZE));
  octal(block, 136, 12, Math.max(0, Math.floor(fields.mtime)));
  block.write(fields.type, 156, 1, 'latin1');
  if (fields.linkname) block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  block.write(split.prefix, 345, 155, 'utf8');
  block.write(checksumOf(block).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}

/** How `name` splits into ustar's prefix (155 bytes) and name (100 bytes), or undefined when it cannot. */
export function ustarName(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
    const prefix = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    if (Buffer.byteLength(prefix) > 155) return undefined;
    if (rest && Buffer.byteLength(rest) <= 100) return { prefix, name: rest };
  }
  return undefined;
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

/** The data of a pax extended header holding `records`. */
export function formatPax(records: Record<string, string>): Buffer {
  const lines = Object.entries(records).map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    const bytes = Buffer.byteLength(body);
    // The length counts its own digits.
    let length = bytes + 1;
    while (length !== bytes + String(length).length) length = bytes + String(length).length;
    return `${length}${body}`;
  });
  return Buffer.from(lines.join(''), 'utf8');
}

function octal(block: Buffer, at: number, width: number, value: number): void {
  block.write(value.toString(8).padStart(width - 1, '0') + '\0', at, width, 'latin1');
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
