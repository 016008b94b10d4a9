/**
 * The header of an independently decodable gzip member, as donodo writes them: the 10-byte gzip
 * header with FLG.FEXTRA set, and one extra subfield (RFC 1952, 2.3.1.1) that records where the
 * member ends, as BGZF does with its 'BC' subfield:
 *
 *   1f 8b 08 04 | MTIME 0 | XFL | OS 3 | XLEN 12 | 'D' 'N' | LEN 8 | member size (u32 LE) | ISIZE (u32 LE)
 *
 * "member size" counts the whole member, header and trailer included; ISIZE is its uncompressed
 * length (the trailer's, written early). Every gzip reader skips extra fields it does not know
 * (gunzip, pigz, zlib, Python, Go), so such a file is an ordinary multi-member gzip file; a reader
 * that knows the subfield can cut the file into members without inflating it, and inflate them at once.
 */

/** SI1, SI2 of the subfield ('DN', donodo). */
export const SUBFIELD_ID = [0x44, 0x4e] as const;
/** Bytes of the header with the subfield: 10 + XLEN (2) + subfield header (4) + 8. */
export const MEMBER_HEADER_SIZE = 24;
/** The trailer: CRC-32 and ISIZE. */
export const MEMBER_TRAILER_SIZE = 8;
const FEXTRA = 0x04;

/** XFL as gzip sets it for a level: 2 best compression, 4 fastest, else 0. */
export function extraFlags(level: number): number {
  return level >= 9 ? 2 : level <= 1 ? 4 : 0;
}

/** The header of a member of `memberSize` bytes in all, holding `inputSize` uncompressed bytes. */
export function memberHeader(level: number, memberSize: number, inputSize: number): Buffer {
  const header = Buffer.alloc(MEMBER_HEADER_SIZE);
  header.set([0x1f, 0x8b, 8, FEXTRA, 0, 0, 0, 0, extraFlags(level), 3]);
  header.writeUInt16LE(12, 10);
  header.set(SUBFIELD_ID, 12);
  header.writeUInt16LE(8, 14);
  header.writeUInt32LE(memberSize, 16);
  header.writeUInt32LE(inputSize, 20);
  return header;
}

/** What the header at the start of `bytes` records, if it is a donodo member header. */
export interface MemberIndex {
  /** Bytes of the whole member. */
  size: number;
  /** Bytes it inflates to. */
  inputSize: number;
}

/**
 * Reads the member index from `bytes` (which must hold at least MEMBER_HEADER_SIZE bytes); undefined
 * when the bytes are not a gzip header with exactly this one subfield (then the member is read serially).
 */
export function readMemberIndex(bytes: Uint8Array): MemberIndex | undefined {
  if (bytes.length < MEMBER_HEADER_SIZE) return undefined;
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8 || bytes[3] !== FEXTRA) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, MEMBER_HEADER_SIZE);
  if (view.getUint16(10, true) !== 12 || bytes[12] !== SUBFIELD_ID[0] || bytes[13] !== SUBFIELD_ID[1] || view.getUint16(14, true) !== 8) return undefined;
  const size = view.getUint32(16, true);
  if (size < MEMBER_HEADER_SIZE + MEMBER_TRAILER_SIZE + 2) return undefined;
  return { size, inputSize: view.getUint32(20, true) };
}
