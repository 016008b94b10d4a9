import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import plugin, { GzipCompressor, type GzipOptions } from '../../../plugins/gzip/index.ts';
import { crc32Combine } from '../../../plugins/gzip/crc32-combine.ts';
import { entropyBits, looksIncompressible } from '../../../plugins/gzip/deflate-block.ts';
import { ParallelGzip } from '../../../plugins/gzip/parallel-gzip.ts';
import { ParallelGunzip } from '../../../plugins/gzip/parallel-gunzip.ts';
import { MEMBER_HEADER_SIZE, readMemberIndex } from '../../../plugins/gzip/gzip-member.ts';
import { validateAgainst } from '../../../src/schema/validator.ts';
import type { PluginDeps } from '../../../src/plugin-api.ts';
import { makeRandom, makeText } from './data.ts';

const deps = {} as PluginDeps;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'donodo-gzip-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KiB = 1024;
const MiB = 1024 * KiB;
const text = makeText(3 * MiB);
const random = makeRandom(2 * MiB);

function compressor(options: GzipOptions = {}): GzipCompressor {
  return plugin.create(options, deps) as GzipCompressor;
}

function* chunksOf(input: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < input.length; at += size) yield input.subarray(at, at + size);
}

async function collect(stream: Duplex): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Compresses `input`, written in chunks of `chunkSize`; returns the bytes and the stream (for its counters). */
async function gzip(input: Buffer, options: GzipOptions = {}, chunkSize = 64 * KiB): Promise<{ output: Buffer; stream: ParallelGzip }> {
  const stream = compressor(options).compress() as ParallelGzip;
  const [, output] = await Promise.all([pipeline(Readable.from(chunksOf(input, chunkSize)), stream), collect(stream)]);
  return { output, stream };
}

async function gunzip(input: Buffer): Promise<Buffer> {
  const stream = compressor().decompress();
  const [, output] = await Promise.all([pipeline(Readable.from([input]), stream), collect(stream)]);
  return output;
}

let files = 0;
function writeTemp(data: Buffer): string {
  const file = path.join(tmp, `f${files++}.gz`);
  writeFileSync(file, data);
  return file;
}

/** Checks `output` with gunzip -t, gunzip -c and Python's gzip module against `input`. */
function expectToolsRead(output: Buffer, input: Buffer): void {
  const file = writeTemp(output);
  execFileSync('gunzip', ['-t', file]);
  expect(execFileSync('gunzip', ['-c', file], { maxBuffer: 1024 * MiB }).equals(input)).toBe(true);
  const python = 'import gzip, hashlib, sys; print(hashlib.sha256(gzip.open(sys.argv[1]).read()).hexdigest())';
  const digest = execFileSync('python3', ['-c', python, file], { encoding: 'utf8' }).trim();
  expect(digest).toBe(createSha256(input));
}

function createSha256(data: Buffer): string {
  return execFileSync('sha256sum', { input: data, encoding: 'utf8' }).split(' ')[0]!;
}

/** The single deflate stream between the 10-byte header and the 8-byte trailer, and the trailer's fields. */
function parseSingleMember(output: Buffer): { deflate: Buffer; crc: number; size: number } {
  expect([...output.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, expect.any(Number), 3]);
  return { deflate: output.subarray(10, -8), crc: output.readUInt32LE(output.length - 8), size: output.readUInt32LE(output.length - 4) };
}

describe('the gzip plugin', () => {
  it('is a compressor plugin named gzip whose options schema accepts its options and rejects others', () => {
    expect(plugin).toMatchObject({ kind: 'compressor', name: 'gzip', description: expect.any(String) });
    const schema = plugin.optionsSchema!;
    expect(validateAgainst(schema, {})).toEqual([]);
    expect(validateAgainst(schema, { level: 9, threads: 1, blockSize: 64 * KiB, adaptive: false })).toEqual([]);
    expect(validateAgainst(schema, { level: 0 })).toHaveLength(1);
    expect(validateAgainst(schema, { blockSize: 1000 })).toHaveLength(1);
    expect(validateAgainst(schema, { threads: 0 })).toHaveLength(1);
    expect(validateAgainst(schema, { speed: 'fast' })).toEqual(['speed: unknown setting']);
    const properties = schema.properties as Record<string, { default: unknown; description: string }>;
    expect(properties.level!.default).toBe(6);
    expect(properties.threads!.default).toBe(Math.min(64, 2 * os.availableParallelism()));
    expect(properties.blockSize!.default).toBe(MiB);
    expect(properties.adaptive!.default).toBe(true);
    for (const property of Object.values(properties)) expect(property.description.length).toBeGreaterThan(20);
  });

  it('applies the documented defaults when options are left out, and refuses an out-of-range value', () => {
    const gz = compressor();
    expect(gz).toMatchObject({ extension: '.gz', level: 6, blockSize: MiB, adaptive: true, threads: Math.min(64, 2 * os.availableParallelism()) });
    expect(() => compressor({ level: 11 })).toThrow(expect.objectContaining({ code: 'GZIP_OPTION_INVALID' }));
  });

  it('handles keys ending in .gz and no others', () => {
    const gz = compressor();
    expect(gz.handles('image.tar.gz')).toBe(true);
    expect(gz.handles('IMAGE.TAR.GZ')).toBe(true);
    expect(gz.handles('image.tar')).toBe(false);
    expect(gz.handles('image.tar.zst')).toBe(false);
    expect(gz.handles('image.tgz')).toBe(false);
  });
});

describe('parallel gzip compression', () => {
  it('round-trips empty input into a valid gzip file', async () => {
    const { output } = await gzip(Buffer.alloc(0));
    expect((await gunzip(output)).length).toBe(0);
    expect(zlib.gunzipSync(output).length).toBe(0);
    expectToolsRead(output, Buffer.alloc(0));
  });

  it('round-trips a tiny input', async () => {
    const input = Buffer.from('hello, zenodo\n');
    const { output } = await gzip(input);
    expect((await gunzip(output)).equals(input)).toBe(true);
    expectToolsRead(output, input);
  });

  it('round-trips input that is not a multiple of the block size, written in odd-sized chunks', async () => {
    const input = text.subarray(0, 5 * 64 * KiB + 12345);
    const { output, stream } = await gzip(input, { blockSize: 64 * KiB }, 10007);
    expect(stream.blockCount).toBe(6);
    expect((await gunzip(output)).equals(input)).toBe(true);
  });

  it('round-trips input that is an exact multiple of the block size', async () => {
    const input = text.subarray(0, 4 * 64 * KiB);
    const { output, stream } = await gzip(input, { blockSize: 64 * KiB });
    expect(stream.blockCount).toBe(5); // four full blocks and an empty last one that ends the stream
    expect((await gunzip(output)).equals(input)).toBe(true);
    expectToolsRead(output, input);
  });

  it('writes many blocks of compressible text as one gzip member that gunzip, Python and zlib read (indexed off)', async () => {
    const { output, stream } = await gzip(text, { blockSize: 128 * KiB, threads: 2, indexed: false });
    expect(stream.blockCount).toBeGreaterThan(20);
    expect(stream.storedBlockCount).toBe(0);
    expect(output.length).toBeLessThan(text.length * 0.6);
    expectToolsRead(output, text);
    const member = parseSingleMember(output);
    expect(zlib.inflateRawSync(member.deflate).equals(text)).toBe(true);
    expect(member.crc).toBe(zlib.crc32(text));
    expect(member.size).toBe(text.length);
  });

  it('writes many blocks of random bytes as stored blocks, barely larger than the input (indexed off)', async () => {
    const { output, stream } = await gzip(random, { blockSize: 128 * KiB, indexed: false });
    expect(stream.storedBlockCount).toBe(16);
    // 5 bytes per 64 KiB stored block, plus header and trailer.
    expect(output.length).toBeLessThan(random.length * 1.0001 + 64);
    expectToolsRead(output, random);
    expect(parseSingleMember(output).crc).toBe(zlib.crc32(random));
  });

  it('deflates incompressible blocks too when adaptive is off, still producing a valid file', async () => {
    const input = random.subarray(0, 512 * KiB);
    const { output, stream } = await gzip(input, { blockSize: 128 * KiB, adaptive: false });
    expect(stream.storedBlockCount).toBe(0);
    expect((await gunzip(output)).equals(input)).toBe(true);
    expect(output.length).toBeLessThan(input.length * 1.001 + 64);
  });

  it('stores the random blocks and deflates the text blocks of mixed input', async () => {
    const input = Buffer.concat([text.subarray(0, MiB), random.subarray(0, MiB), text.subarray(MiB, 2 * MiB)]);
    const { output, stream } = await gzip(input, { blockSize: 256 * KiB });
    expect(stream.storedBlockCount).toBe(4);
    expect(stream.blockCount).toBe(13);
    expectToolsRead(output, input);
  });

  it('deflates a block of high byte entropy that repeats itself (the entropy alone would have stored it)', async () => {
    // 4 KiB of random bytes, repeated: every byte value equally common, yet deflate shrinks it ~30×.
    const input = Buffer.concat(Array.from({ length: 64 }, () => random.subarray(0, 4 * KiB)));
    expect(entropyBits(input)).toBeGreaterThan(7.9);
    expect(looksIncompressible(input)).toBe(false);
    const { output, stream } = await gzip(input, { blockSize: 128 * KiB });
    expect(stream.storedBlockCount).toBe(0);
    expect(output.length).toBeLessThan(input.length / 10);
    expectToolsRead(output, input);
  });

  it('measures byte entropy in bits per byte', () => {
    expect(entropyBits(Buffer.alloc(64 * KiB, 7))).toBe(0);
    expect(entropyBits(Buffer.from('abababab'))).toBeCloseTo(1, 10);
    expect(entropyBits(random.subarray(0, 64 * KiB))).toBeGreaterThan(7.99);
    expect(entropyBits(text.subarray(0, 64 * KiB))).toBeLessThan(6);
  });

  it('stays within 2% of gzip -6 on compressible text with the default options', async () => {
    const input = makeText(4 * MiB, 7);
    const { output } = await gzip(input);
    const reference = execFileSync('gzip', ['-6', '-c'], { input, maxBuffer: 64 * MiB }).length;
    expect(output.length / reference).toBeLessThan(1.02);
  });

  it('gives the same bytes for the same input whatever the thread count and chunking', async () => {
    const input = Buffer.concat([text.subarray(0, 700 * KiB), random.subarray(0, 300 * KiB)]);
    const options = { blockSize: 64 * KiB };
    const first = (await gzip(input, { ...options, threads: 1 }, 1000)).output;
    for (const [threads, chunk] of [[2, 64 * KiB], [3, input.length], [4, 77777]] as const) {
      expect((await gzip(input, { ...options, threads }, chunk)).output.equals(first)).toBe(true);
    }
    expect(first.readUInt32LE(4)).toBe(0); // mtime
  });

  it('keeps a 32 KiB dictionary across blocks when indexed is off, so small blocks cost little ratio', async () => {
    const input = text.subarray(0, MiB);
    const small = (await gzip(input, { blockSize: 32 * KiB, indexed: false })).output.length;
    const whole = zlib.gzipSync(input, { level: 6 }).length;
    expect(small / whole).toBeLessThan(1.01);
  });

  it('reads archives made of several gzip members back to back', async () => {
    const a = (await gzip(text.subarray(0, 100 * KiB))).output;
    const b = execFileSync('gzip', ['-c'], { input: random.subarray(0, 50 * KiB) });
    expect((await gunzip(Buffer.concat([a, b]))).equals(Buffer.concat([text.subarray(0, 100 * KiB), random.subarray(0, 50 * KiB)]))).toBe(true);
  });

  it('reads pigz output and rejects corrupt data with a zlib error code', async () => {
    const fromPigz = execFileSync('pigz', ['-c', '-p', '2'], { input: text.subarray(0, 300 * KiB) });
    expect((await gunzip(fromPigz)).equals(text.subarray(0, 300 * KiB))).toBe(true);
    const corrupt = Buffer.from(fromPigz);
    corrupt.fill(0xff, 100, 200);
    await expect(gunzip(corrupt)).rejects.toMatchObject({ code: expect.stringMatching(/^Z_/) });
  });

  it('works with a slow reader that pulls chunk by chunk', async () => {
    const stream = compressor({ blockSize: 64 * KiB, threads: 2 }).compress();
    const input = text.subarray(0, MiB);
    const feeding = pipeline(Readable.from(chunksOf(input, 16 * KiB)), stream);
    const parts: Buffer[] = [];
    for await (const part of stream) {
      parts.push(part as Buffer);
      await sleep(2);
    }
    await feeding;
    expect(zlib.gunzipSync(Buffer.concat(parts)).equals(input)).toBe(true);
  });

  it('stops reading its input while nobody reads its output, then resumes', async () => {
    const blockSize = 64 * KiB;
    const total = 12 * MiB;
    const piece = text.subarray(0, 64 * KiB);
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        produced += piece.length;
        this.push(piece);
      },
    });
    const stream = compressor({ blockSize, threads: 2 }).compress();
    const done = pipeline(source, stream);
    await sleep(300);
    // At most a few blocks in flight, one in the readable buffer, and the streams' own buffers.
    expect(produced).toBeLessThan(2 * MiB);
    const output = await collect(stream);
    await done;
    expect(produced).toBe(total);
    expect(zlib.gunzipSync(output).length).toBe(total);
  });

  it('passes an error of its input on and stops compressing', async () => {
    const source = new Readable({ read() {} });
    source.push(text.subarray(0, 2 * MiB));
    const stream = compressor({ blockSize: 64 * KiB, threads: 2 }).compress() as ParallelGzip;
    setTimeout(() => source.destroy(new Error('the docker daemon went away')), 50);
    await expect(pipeline(source, stream, async (output) => { for await (const _ of output); })).rejects.toThrow('the docker daemon went away');
    if (!stream.closed) await once(stream, 'close');
    expect(stream.destroyed).toBe(true);
    await vi.waitFor(() => expect(stream.activeCompressions).toBe(0));
  });

  it('stops compressing when destroyed in the middle of a stream', async () => {
    const stream = compressor({ blockSize: 64 * KiB, threads: 2 }).compress() as ParallelGzip;
    stream.write(text);
    await once(stream, 'data');
    expect(stream.activeCompressions).toBeGreaterThan(0);
    stream.destroy();
    await once(stream, 'close');
    await vi.waitFor(() => expect(stream.activeCompressions).toBe(0));
  });

  it('has nothing compressing once the output is complete', async () => {
    const { stream } = await gzip(text.subarray(0, 300 * KiB), { blockSize: 64 * KiB });
    await sleep(10);
    expect(stream.activeCompressions).toBe(0);
  });

  it('lets the process exit after a stream was destroyed, or abandoned with input pending', () => {
    const url = pathToFileURL(path.resolve(import.meta.dirname, '../../../plugins/gzip/index.ts')).href;
    const script = `
      import plugin from ${JSON.stringify(url)};
      const make = () => plugin.create({ threads: 2, blockSize: 65536 }, {}).compress();
      const destroyed = make();
      destroyed.write(Buffer.alloc(8 << 20, 97));
      destroyed.once('data', () => destroyed.destroy());
      const abandoned = make();
      abandoned.write(Buffer.alloc(8 << 20, 98));
    `;
    const started = Date.now();
    const file = path.join(tmp, 'abandon.mjs');
    writeFileSync(file, script);
    const result = spawnSync(process.execPath, [file], { timeout: 20_000, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

/** The members of an indexed file, by the sizes their headers record: [offset, size, inflated size]. */
function membersOf(file: Buffer): Array<[number, number, number]> {
  const members: Array<[number, number, number]> = [];
  for (let at = 0; at < file.length; ) {
    const index = readMemberIndex(file.subarray(at, at + MEMBER_HEADER_SIZE));
    if (!index) throw new Error(`no indexed member header at byte ${at}`);
    members.push([at, index.size, index.inputSize]);
    at += index.size;
  }
  return members;
}

async function gunzipStream(input: Buffer, chunk = 100_000): Promise<{ output: Buffer; stream: ParallelGunzip }> {
  const stream = compressor().decompress() as ParallelGunzip;
  const [, output] = await Promise.all([pipeline(Readable.from(chunksOf(input, chunk)), stream), collect(stream)]);
  return { output, stream };
}

describe('indexed gzip members, inflated in parallel', () => {
  const mixed = Buffer.concat([text.subarray(0, MiB), random.subarray(0, 700 * KiB), text.subarray(MiB, 1500 * KiB)]);

  it('writes each block as a gzip member whose header records its size, which gunzip -t, gunzip and Python read', async () => {
    const { output, stream } = await gzip(mixed, { blockSize: 128 * KiB });
    const members = membersOf(output);
    expect(members.length).toBe(Math.ceil(mixed.length / (128 * KiB)));
    expect(stream.blockCount).toBe(members.length);
    expect(members.reduce((sum, [, , inflated]) => sum + inflated, 0)).toBe(mixed.length);
    for (const [at, size] of members) expect(zlib.gunzipSync(output.subarray(at, at + size)).length).toBeGreaterThan(0); // each on its own
    expectToolsRead(output, mixed);
  });

  it('inflates an indexed file member by member in parallel, and gives its bytes in order', async () => {
    const { output } = await gzip(mixed, { blockSize: 64 * KiB });
    for (const chunk of [1, 7_000, 1 << 20]) {
      const read = await gunzipStream(output, chunk === 1 ? 4099 : chunk);
      expect(read.output.equals(mixed)).toBe(true);
      expect(read.stream.parallelMembers).toBe(membersOf(output).length);
      expect(read.stream.serial).toBe(false);
    }
  });

  it('reads a single-stream gzip -9 file (as the original donodo wrote) serially, and an indexed file followed by another gzip member', async () => {
    const single = execFileSync('gzip', ['-9', '-c'], { input: mixed, maxBuffer: 64 * MiB });
    const serial = await gunzipStream(single);
    expect(serial.output.equals(mixed)).toBe(true);
    expect(serial.stream.parallelMembers).toBe(0);
    expect(serial.stream.serial).toBe(true);
    const indexed = (await gzip(mixed, { blockSize: 256 * KiB })).output;
    const both = await gunzipStream(Buffer.concat([indexed, single]));
    expect(both.output.equals(Buffer.concat([mixed, mixed]))).toBe(true);
    expect(both.stream.parallelMembers).toBe(membersOf(indexed).length);
  });

  it('names the offset of a damaged member, of a member cut short, and of one whose recorded size is wrong', async () => {
    const { output } = await gzip(mixed, { blockSize: 128 * KiB });
    const [at, size] = membersOf(output)[5]!;
    const flipped = Buffer.from(output);
    flipped[at + Math.floor(size / 2)]! ^= 0x55;
    await expect(gunzipStream(flipped)).rejects.toMatchObject({ code: expect.stringMatching(/^Z_/), message: expect.stringContaining(`member at byte ${at} (block 6)`) });
    const last = membersOf(output).at(-1)!;
    await expect(gunzipStream(output.subarray(0, output.length - 10))).rejects.toMatchObject({ code: 'Z_BUF_ERROR', message: expect.stringContaining(`member at byte ${last[0]}`) });
    const forged = Buffer.from(output);
    forged.writeUInt32LE(size + 40, at + 16);
    await expect(gunzipStream(forged)).rejects.toMatchObject({ code: expect.stringMatching(/^Z_/), message: expect.stringContaining(`member at byte ${at}`) });
  });

  it('stops reading its input while nobody reads its output', async () => {
    const { output } = await gzip(Buffer.concat([mixed, mixed, mixed, mixed]), { blockSize: 64 * KiB });
    const stream = compressor().decompress() as ParallelGunzip;
    const source = Readable.from(chunksOf(output, 64 * KiB));
    let fed = 0;
    source.on('data', (chunk: Buffer) => (fed += chunk.length));
    source.pipe(stream);
    await sleep(300);
    // The readable side's 1 MiB, the members in flight: far less than the 13 MB it inflates to.
    expect(stream.readableLength).toBeLessThanOrEqual(5 * MiB);
    expect(fed).toBeLessThan(output.length);
    const rest = await collect(stream);
    expect(rest.length).toBe(4 * mixed.length);
  });
});

describe('crc32Combine', () => {
  it('gives the CRC-32 of a concatenation from the CRCs of its parts, as zlib computes it', () => {
    const data = random.subarray(0, 200_003);
    for (const cut of [0, 1, 3, 4096, 65536, 131071, 200_002, 200_003]) {
      const combined = crc32Combine(zlib.crc32(data.subarray(0, cut)), zlib.crc32(data.subarray(cut)), data.length - cut);
      expect(combined).toBe(zlib.crc32(data));
    }
  });

  it('combines consistently for lengths beyond 4 GiB', () => {
    // Any 32-bit value is the CRC of some string of the given length, so associativity must hold.
    const [a, b, c] = [0x12345678, 0x9abcdef0, 0x0fedcba9];
    const [lengthB, lengthC] = [2 ** 32 + 5, 3 * 2 ** 31 + 1];
    const left = crc32Combine(crc32Combine(a, b, lengthB), c, lengthC);
    const right = crc32Combine(a, crc32Combine(b, c, lengthC), lengthB + lengthC);
    expect(left).toBe(right);
  });
});
