import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MeasuringStream } from '../../src/streams/measure.ts';
import { OffThreadHash } from '../../src/streams/off-thread-hash.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'donodo-hash-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const data = Buffer.alloc(5_000_003);
for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 255;
const expected = (algorithm: string, bytes: Buffer = data) => createHash(algorithm).update(bytes).digest('hex');

describe('hashing on the hashing thread', () => {
  it('gives the digests crypto gives, whatever the chunking, on the thread and inline', async () => {
    const inline = new OffThreadHash(['sha256', 'md5'], { thread: false });
    inline.update(data);
    expect(await inline.digest()).toEqual([expected('sha256'), expected('md5')]);
    for (const chunk of [1, 70_001, 1 << 20, data.length]) {
      const hash = new OffThreadHash(['md5', 'sha256'], { thread: true });
      const part = data.subarray(0, chunk === 1 ? 3000 : data.length);
      for (let at = 0; at < part.length; at += chunk) hash.update(part.subarray(at, at + chunk));
      expect(await hash.digest()).toEqual([expected('md5', part), expected('sha256', part)]);
    }
  });

  it('measures a stream off-thread with the same figures as on it', async () => {
    const run = async (offThread: boolean) => {
      const measure = new MeasuringStream({ sha256: true, offThread });
      await pipeline(Readable.from([data.subarray(0, 100), data.subarray(100)]), measure, new Writable({ write: (_c, _e, cb) => cb() }));
      return measure.settled();
    };
    expect(await run(true)).toEqual(await run(false));
    expect((await run(true)).md5).toBe(expected('md5'));
  });

  it('lets the process exit while a hash is abandoned half-way', () => {
    const url = pathToFileURL(path.resolve(import.meta.dirname, '../../src/streams/off-thread-hash.ts')).href;
    const script = path.join(tmp, 'abandon.ts');
    writeFileSync(script, `import { OffThreadHash } from ${JSON.stringify(url)};\nconst h = new OffThreadHash(['md5'], { thread: true });\nh.update(Buffer.alloc(3 << 20));\nconsole.log('left');\n`);
    const result = spawnSync(process.execPath, [script], { timeout: 20_000, encoding: 'utf8' });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('left\n');
  });
});
