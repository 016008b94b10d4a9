/** Deterministic test and benchmark inputs: text that compresses like prose or code, and random bytes. */
import crypto from 'node:crypto';

/** xorshift32, so the same seed always gives the same bytes. */
function generator(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * `size` bytes of pseudo-text: words from a generated vocabulary with a skewed (Zipf-like)
 * frequency, punctuation, numbers and 72-column lines. gzip -6 makes it about 45 % of its size.
 */
export function makeText(size: number, seed = 1): Buffer {
  const random = generator(seed);
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const vocabulary: string[] = [];
  for (let i = 0; i < 8000; i++) {
    const length = 2 + Math.floor(random() * random() * 12);
    let word = '';
    for (let j = 0; j < length; j++) word += letters[Math.floor(random() * random() * 26)];
    vocabulary.push(word);
  }
  const out = Buffer.allocUnsafe(size + 64);
  let at = 0;
  let column = 0;
  while (at < size) {
    let word = vocabulary[Math.floor(random() ** 3 * vocabulary.length)]!;
    const r = random();
    if (r < 0.05) word += ',';
    else if (r < 0.08) word += '.';
    else if (r < 0.09) word = String(Math.floor(random() * 100000));
    column += word.length + 1;
    const wrap = column > 72;
    if (wrap) column = 0;
    at += out.write(word + (wrap ? '\n' : ' '), at, 'latin1');
  }
  return out.subarray(0, size);
}

/** `size` pseudo-random (incompressible) bytes: AES-128-CTR of zeros under a key made from `seed`. */
export function makeRandom(size: number, seed = 1): Buffer {
  const key = crypto.createHash('sha256').update(`donodo-gzip-${seed}`).digest().subarray(0, 16);
  const cipher = crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}
