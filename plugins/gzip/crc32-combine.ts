/**
 * CRC-32 (the gzip polynomial) of a concatenation, from the CRCs of its parts: a port of zlib's
 * `crc32_combine` (zlib >= 1.2.12), which multiplies in GF(2) modulo the CRC polynomial instead of
 * running zeros through the register. O(log n) per call, so combining per-block CRCs is free.
 */

/** The CRC-32 polynomial, reflected. */
const POLY = 0xedb88320;

/** a * b modulo the CRC polynomial (both reflected, x^0 in the top bit). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N_TABLE[k] = x^(2^k) modulo the polynomial. */
const X2N_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(32);
  let p = 1 << 30; // x^1
  table[0] = p;
  for (let n = 1; n < 32; n++) table[n] = p = multModP(p, p);
  return table;
})();

/** x^(n * 2^k) modulo the polynomial. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0 == 1
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N_TABLE[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p >>> 0;
}

/**
 * The CRC-32 of A followed by B, given `crcA` = crc32(A), `crcB` = crc32(B) and B's length in bytes
 * (any non-negative safe integer).
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}
