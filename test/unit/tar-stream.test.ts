import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTarEntries, TarFormatError, TarParser, TarWriter } from '../../src/plugin-api.ts';
import { dockerSave } from '../support/crafted-record.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const longDir = `deep/${'d'.repeat(120)}`;
const longName = `${longDir}/${'f'.repeat(130)}.bin`;
const unicode = `naïve/${'ü'.repeat(60)}.txt`;

/** A tar GNU tar made of `files` in `format` (pax, gnu, ustar…). */
async function gnuTar(files: Record<string, Buffer | string>, format: string): Promise<Buffer> {
  const root = await mkdtemp(path.join(dir, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  const out = `${root}.tar`;
  await run('tar', ['-cf', out, `--format=${format}`, '-C', root, ...Object.keys(files)]);
  return readFile(out);
}

/** Every entry of a tar read back through readTarEntries: name, type and content. */
async function entriesOf(input: Readable): Promise<Array<{ name: string; type: string; size: number; content: Buffer }>> {
  const found = [];
  for await (const entry of readTarEntries(input)) {
    const parts: Buffer[] = [];
    for await (const part of entry.body) parts.push(part as Buffer);
    found.push({ name: entry.name, type: entry.type, size: entry.size, content: Buffer.concat(parts) });
  }
  return found;
}

/** `chunk`-byte pieces of a buffer, as a stream. */
const pieces = (input: Buffer, chunk: number) => Readable.from((function* () {
  for (let at = 0; at < input.length; at += chunk) yield input.subarray(at, at + chunk);
})());

async function written(build: (tar: TarWriter) => Promise<void>): Promise<string> {
  const tar = new TarWriter();
  const file = path.join(dir, `w-${Math.random()}.tar`);
  const { createWriteStream } = await import('node:fs');
  await Promise.all([pipeline(tar, createWriteStream(file)), build(tar)]);
  return file;
}

describe('readTarEntries reads what GNU tar writes', () => {
  const content = randomBytes(70_000);
  for (const format of ['pax', 'gnu', 'ustar']) {
    it(`in ${format} format, with long names, in chunks of any size`, async () => {
      // ustar holds names up to a 155-byte prefix and a 100-byte name; GNU and pax any.
      const long = format === 'ustar' ? `${'p'.repeat(120)}/${'n'.repeat(90)}.bin` : longName;
      const files: Record<string, Buffer | string> = { 'a.txt': 'a', [long]: content, 'empty': '' };
      if (format !== 'ustar') files[unicode] = 'u';
      const tar = await gnuTar(files, format);
      for (const chunk of [1, 511, 512, 4096, tar.length]) {
        const found = (await entriesOf(pieces(tar, chunk))).filter((e) => e.type === '0');
        expect(found.map((e) => e.name).sort()).toEqual(Object.keys(files).sort());
        expect(found.find((e) => e.name === long)!.content.equals(content)).toBe(true);
      }
    });
  }

  it('reads a gzip-compressed tar the same', async () => {
    const tar = await gnuTar({ 'x/y.txt': 'y', [longName]: content }, 'pax');
    const found = await entriesOf(pieces(gzipSync(tar), 1000));
    expect(found.map((e) => [e.name, e.type])).toEqual([['x/y.txt', '0'], [longName, '0']]);
  });

  it('skips what a reader does not read, and reads no further ahead than the reader', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    const tar = await gnuTar({ 'big.bin': big, 'small.txt': 'small' }, 'pax');
    let served = 0;
    const source = pieces(tar, 65536).on('data', (d: Buffer) => (served += d.length));
    const names = [];
    const iterator = readTarEntries(source)[Symbol.asyncIterator]();
    const first = (await iterator.next()).value!;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(served).toBeLessThan(1024 * 1024);
    names.push(first.name);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) names.push(next.value.name);
    expect(names).toEqual(['big.bin', 'small.txt']);
  });

  it('refuses a damaged or cut tar, through the entry being read', async () => {
    const tar = await gnuTar({ 'a.bin': randomBytes(10_000) }, 'pax');
    await expect(entriesOf(pieces(tar.subarray(0, 5000), 777))).rejects.toThrow(new TarFormatError('it ends in the middle of a file'));
    const damaged = Buffer.from(tar);
    damaged[100] ^= 1;
    await expect(entriesOf(pieces(damaged, 777))).rejects.toThrow(/checksum does not match/);
  });

  it('reads a real docker save archive: manifest.json names the layers and config it holds', async () => {
    const reference = `donodo-test/tar-${process.pid}:1.0`;
    try {
      await buildTestImage(reference);
      const tar = await dockerSave(reference);
      const found = await entriesOf(pieces(tar, 65536));
      const manifest = JSON.parse(found.find((e) => e.name === 'manifest.json')!.content.toString())[0];
      const names = new Set(found.map((e) => e.name));
      for (const layer of manifest.Layers) expect(names).toContain(layer);
      const config = found.find((e) => e.name === manifest.Config)!;
      expect(`${createHash('sha256').update(config.content).digest('hex')}.json`).toBe(manifest.Config);
    } finally {
      await removeImages(reference);
    }
  });
});

describe('TarWriter writes tars others read', () => {
  const big = randomBytes(300_000);
  const build = async (tar: TarWriter) => {
    await tar.addDirectory('blobs');
    await tar.addDirectory('blobs/sha256/');
    await tar.addFile('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await tar.addFile(longName, Readable.from([big.subarray(0, 1000), big.subarray(1000)]), { size: big.length });
    await tar.addFile(unicode, Buffer.from('u'), { mode: 0o600, mtime: 1_700_000_000 });
    await tar.addFile('empty', Buffer.alloc(0));
    await tar.finish();
  };

  it('GNU tar lists and extracts it, long and non-ASCII names included', async () => {
    const file = await written(build);
    const { stdout } = await run('tar', ['-tvf', file]);
    expect(stdout).toMatch(/^drwxr-xr-x 0\/0 +0 1970-01-01 00:00 blobs\/$/m);
    expect(stdout).toMatch(new RegExp(`^-rw-r--r-- 0/0 +300000 1970-01-01 00:00 ${longName}$`, 'm'));
    expect(stdout).toMatch(/^-rw------- 0\/0 +1 2023-11-14 \S+ naïve\//m);
    const out = await mkdtemp(path.join(dir, 'x-'));
    await run('tar', ['-xf', file, '-C', out]);
    expect((await readFile(path.join(out, longName))).equals(big)).toBe(true);
    expect(await readFile(path.join(out, unicode), 'utf8')).toBe('u');
    expect(await readFile(path.join(out, 'empty'), 'utf8')).toBe('');
  });

  it("Python's tarfile reads it, and readTarEntries reads it back", async () => {
    const file = await written(build);
    const script = 'import sys, tarfile\nfor m in tarfile.open(sys.argv[1]): print(m.type.decode() if m.type else "0", m.size, m.name)';
    const { stdout } = await run('python3', ['-c', script, file]);
    expect(stdout.trim().split('\n')).toEqual(['5 0 blobs', '5 0 blobs/sha256', '0 30 oci-layout', `0 300000 ${longName}`, `0 1 ${unicode}`, '0 0 empty']);
    const back = await entriesOf(Readable.from(await readFile(file)));
    expect(back.map((e) => e.name)).toEqual(['blobs/', 'blobs/sha256/', 'oci-layout', longName, unicode, 'empty']);
    expect(back[3]!.content.equals(big)).toBe(true);
  });

  it('docker load reads a docker save archive rewritten by it', async () => {
    const reference = `donodo-test/tar-write-${process.pid}:1.0`;
    try {
      const id = await buildTestImage(reference);
      const saved = await dockerSave(reference);
      await removeImages(reference);
      const tar = new TarWriter();
      const loading = run('docker', ['load']);
      const piping = pipeline(tar, loading.child.stdin!);
      for await (const entry of readTarEntries(Readable.from(saved))) {
        if (entry.type === '5') await tar.addDirectory(entry.name);
        else if (entry.type === '0') await tar.addFile(entry.name, entry.body, { size: entry.size });
      }
      await tar.finish();
      await piping;
      expect((await loading).stdout).toContain(reference);
      const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', reference]);
      expect(stdout.trim()).toBe(id);
    } finally {
      await removeImages(reference);
    }
  });

  it('refuses a body of another size than declared, and the tar fails with it', async () => {
    const tar = new TarWriter();
    const sink = new PassThrough().resume();
    const piping = pipeline(tar, sink);
    await expect(tar.addFile('short', Readable.from([Buffer.alloc(10)]), { size: 11 })).rejects.toThrow('short has 10 bytes, not the 11 declared');
    await expect(piping).rejects.toThrow('short has 10 bytes');
  });
});

describe('TarParser', () => {
  it('reports every raw byte exactly once, in order', async () => {
    const tar = await gnuTar({ [longName]: randomBytes(3000), 'b': 'b' }, 'pax');
    for (const chunk of [1, 100, 700, tar.length]) {
      const raw: Buffer[] = [];
      let entry = 0;
      const parser = new TarParser({
        extension: (b) => raw.push(Buffer.from(b)),
        entry: (h) => {
          entry++;
          raw.push(h.block);
        },
        data: (b) => raw.push(Buffer.from(b)),
        padding: (b) => raw.push(Buffer.from(b)),
        trailer: (b) => raw.push(Buffer.from(b)),
      });
      for (let at = 0; at < tar.length; at += chunk) parser.write(tar.subarray(at, at + chunk));
      parser.finish();
      expect(Buffer.concat(raw).equals(tar)).toBe(true);
      expect(entry).toBe(2);
      expect(parser.ended).toBe(true);
    }
  });
});
