import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_HEADER_SIZE, readMemberIndex } from '../../plugins/gzip/gzip-member.ts';
import { runCli } from '../support/cli.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';

const run = promisify(execFile);
const IMAGE = `donodo-test/indexed-${process.pid}:1.0`;
let scratch: string;
let id: string;
let dir: string;
let recordId: string;
let file: string;

/** The members of the file, by the sizes their headers record: [offset, size]. Throws where a header has no index. */
function membersOf(bytes: Buffer): Array<[number, number]> {
  const members: Array<[number, number]> = [];
  for (let at = 0; at < bytes.length; ) {
    const index = readMemberIndex(bytes.subarray(at, at + MEMBER_HEADER_SIZE));
    if (!index) throw new Error(`no indexed gzip member at byte ${at}`);
    members.push([at, index.size]);
    at += index.size;
  }
  return members;
}

/** The original donodo's pull of a key ending in .gz: the download streamed through gunzip into docker load. */
function gunzipIntoDockerLoad(gz: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const gunzip = spawn('gunzip', ['-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const load = spawn('docker', ['load'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    load.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    load.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    createReadStream(gz).pipe(gunzip.stdin);
    gunzip.stdout.pipe(load.stdin);
    load.on('error', reject);
    load.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`gunzip | docker load exited ${code}: ${out}`))));
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'donodo-indexed-'));
  dir = path.join(scratch, 'archive');
  // busybox deflates, 3 MB of random bytes are stored: both kinds of member, well over one 1 MiB block.
  id = await buildTestImage(IMAGE, { extraBytes: 3_000_000 });
  const pushed = await runCli(['push', IMAGE, '--storage', 'dir', '--dir', dir, '-y', '--json', '--no-lock', '--archive-format', 'docker-save']);
  expect(pushed.code, pushed.stderr).toBe(0);
  recordId = pushed.json[0].recordId;
  file = path.join(dir, 'records', recordId, 'image.tar.gz');
});

afterAll(async () => {
  await removeImages(IMAGE);
  await rm(scratch, { recursive: true, force: true });
});

describe('image.tar.gz written as independent gzip members with their sizes recorded', () => {
  it('is a chain of indexed members that gunzip -t and Python\'s gzip read as one file', async () => {
    const bytes = await readFile(file);
    expect(membersOf(bytes).length).toBeGreaterThan(3);
    await run('gunzip', ['-t', file]);
    const sha = (command: string, args: string[]) => run(command, args, { maxBuffer: 1 << 30, encoding: 'buffer' }).then(({ stdout }) => stdout);
    const viaGunzip = await sha('sh', ['-c', `gunzip -c '${file}' | sha256sum`]);
    const viaPython = await sha('python3', ['-c', 'import gzip, hashlib, sys; print(hashlib.sha256(gzip.open(sys.argv[1]).read()).hexdigest() + "  -")', file]);
    expect(viaPython.toString().trim()).toBe(viaGunzip.toString().trim());
  });

  it('loads with docker load -i, and the way the original donodo pulls (gunzip | docker load)', async () => {
    await removeImages(IMAGE);
    expect(await docker('load', '-i', file)).toContain(IMAGE);
    expect(await imageId(IMAGE)).toBe(id);
    await removeImages(IMAGE);
    expect(await gunzipIntoDockerLoad(file)).toContain(IMAGE);
    expect(await imageId(IMAGE)).toBe(id);
  });

  it('is pulled by donodo, and the image runs', async () => {
    await removeImages(IMAGE);
    const pulled = await runCli(['pull', recordId, '--storage', 'dir', '--dir', dir, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', image: IMAGE, imageId: id });
    expect(await docker('run', '--rm', IMAGE)).toContain(IMAGE);
  });

  it('fails a pull whose archive has a damaged member, naming the member\'s offset, and loads nothing', async () => {
    const copy = path.join(scratch, 'damaged');
    await run('cp', ['-r', dir, copy]);
    const damaged = path.join(copy, 'records', recordId, 'image.tar.gz');
    const bytes = await readFile(damaged);
    const [at, size] = membersOf(bytes)[1]!;
    bytes[at + Math.floor(size / 2)]! ^= 0xff;
    await writeFile(damaged, bytes);
    await removeImages(IMAGE);
    const pulled = await runCli(['pull', recordId, '--storage', 'dir', '--dir', copy]);
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toContain('ARCHIVE_CORRUPT');
    expect(pulled.stderr).toContain(`The gzip member at byte ${at} (block 2) is damaged`);
    expect(await imageId(IMAGE)).toBeUndefined();
  });
});
