import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DonodoError } from '../../src/errors/donodo-error.ts';
import { VersionLocks } from '../../src/lock/version-lock.ts';

const LOCKS = fileURLToPath(new URL('../../src/lock/version-lock.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-locks-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A child process that takes the lock of `name`, says so on stdout, then does `then`. */
function child(name: string, then: 'exit' | 'wait') {
  const code = `
    import { VersionLocks } from ${JSON.stringify(LOCKS)};
    new VersionLocks(${JSON.stringify(dir)}).acquire('loc', ${JSON.stringify(name)});
    process.stdout.write('held\\n');
    ${then === 'exit' ? 'process.exit(3);' : 'setInterval(() => {}, 1000);'}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve) => proc.stdout.on('data', (d) => String(d).includes('held') && resolve()));
  const ended = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, held, ended };
}

async function lockFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.lock'));
}

describe('the lock of an image name', () => {
  it('refuses a second holder while a live process holds it, naming its pid, and is free again once that process is killed', async () => {
    const holder = child('x/one', 'wait');
    await holder.held;
    const locks = new VersionLocks(dir);
    let refused: unknown;
    try {
      locks.acquire('loc', 'x/one');
    } catch (cause) {
      refused = cause;
    }
    expect(refused).toBeInstanceOf(DonodoError);
    expect((refused as DonodoError).code).toBe('IMAGE_BUSY');
    expect((refused as DonodoError).message).toContain(`pid ${holder.proc.pid} on ${os.hostname()}`);

    // SIGKILL runs no handler: the file stays, and its dead pid makes it stale.
    holder.proc.kill('SIGKILL');
    await holder.ended;
    expect(await lockFiles()).toHaveLength(1);
    const lease = locks.acquire('loc', 'x/one');
    const owner = JSON.parse(await readFile(path.join(dir, (await lockFiles())[0]!), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });
    lease.release();
    expect(await lockFiles()).toEqual([]);
  });

  it('is released when the holder ends through process.exit()', async () => {
    const holder = child('x/two', 'exit');
    expect(await holder.ended).toBe(3);
    expect(await lockFiles()).toEqual([]);
  });

  it('is re-entrant within a process: released when the last holder lets go', async () => {
    const locks = new VersionLocks(dir);
    const first = locks.acquire('loc', 'x/three');
    const second = locks.acquire('loc', 'x/three');
    first.release();
    expect(await lockFiles()).toHaveLength(1);
    second.release();
  });

  it('keeps locks of other hosts (a shared home folder): it cannot tell whether they are alive', async () => {
    const locks = new VersionLocks(dir);
    const lease = locks.acquire('loc', 'x/four');
    const [file] = await lockFiles();
    lease.release();
    await writeFile(path.join(dir, file!), JSON.stringify({ pid: 999_999, host: 'elsewhere', started: '2026-01-01T00:00:00Z', token: 't' }));
    expect(() => locks.acquire('loc', 'x/four')).toThrow(/pid 999999 on elsewhere/);
    expect(existsSync(path.join(dir, file!))).toBe(true);
  });

  it('remembers what the last holder made, for the next run', async () => {
    const locks = new VersionLocks(dir);
    const lease = locks.acquire('loc', 'x/five');
    lease.remember('1.0', { recordId: '12', conceptRecId: '11', published: true });
    lease.release();
    const next = new VersionLocks(dir).acquire('loc', 'x/five');
    expect(next.recent('1.0')).toMatchObject({ recordId: '12', published: true });
    expect(next.recentConcept()).toBe('11');
    next.release();
  });
});
