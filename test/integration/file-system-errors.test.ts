/**
 * A full disk, a folder without write permission and a read-only file system where the spool goes
 * (TMPDIR): real file systems (the tests run as root: a tiny tmpfs, a read-only tmpfs, and a child
 * without CAP_DAC_OVERRIDE, for which mode bits count), through the real CLI.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, type CliOptions } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const run = promisify(execFile);
const IMAGE = `donodo-test/fs-errors-${process.pid}:1.0`;
let zenodo: Emulator;
let scratch: string;

/** Push IMAGE with TMPDIR at `tmp`; what Zenodo was asked to change meanwhile. */
async function pushWithSpoolIn(tmp: string, options: CliOptions = {}) {
  const before = zenodo.requests.length;
  const result = await runCli(['push', IMAGE, '-y', '--no-lock', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], {
    ...options,
    env: { ZENODO_TOKEN: zenodo.token, TMPDIR: tmp },
  });
  return { ...result, writes: zenodo.requests.slice(before).filter((r) => r.method !== 'GET') };
}

/** A tmpfs mounted for the test, unmounted afterwards whatever happens. */
async function withTmpfs<T>(options: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(scratch, 'mnt-'));
  await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  try {
    return await use(dir);
  } finally {
    await run('umount', [dir]);
  }
}

beforeAll(async () => {
  zenodo = await startEmulator();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'donodo-fs-'));
  // Random bytes do not compress: the archive is larger than the 1 MB file system below.
  await buildTestImage(IMAGE, { extraBytes: 3_000_000 });
});

afterAll(async () => {
  await removeImages(IMAGE);
  await zenodo.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Runs the CLI as root without CAP_DAC_OVERRIDE: mode bits count, as for any user. */
const WITHOUT_OVERRIDE = ['setpriv', '--inh-caps=-dac_override,-dac_read_search', '--bounding-set=-dac_override,-dac_read_search', '--'];

describe('the spool folder refuses the archive', () => {
  it('a full disk: the error names the archive\'s path and the space needed, exit 1, nothing sent to Zenodo, nothing left', async () => {
    await withTmpfs('size=1m', async (tmp) => {
      const result = await pushWithSpoolIn(tmp);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`Could not write the archive at ${tmp}/donodo-\\w+/image\\.tar: the disk is full \\(ENOSPC\\)\\. \\[FS_ENOSPC; step export\\]`));
      expect(result.stderr).toMatch(/Free space on the file system of \S+ \(up to \d+(\.\d+)? MB are needed: the archive is at most the image's uncompressed size\)/);
      expect(result.stderr).not.toContain('Unexpected failure');
      expect(result.writes).toEqual([]);
      expect(await readdir(tmp)).toEqual([]);
    });
  });

  it('no write permission (EACCES): the error names the folder, exit 1, nothing sent to Zenodo', async () => {
    const tmp = path.join(scratch, 'no-write');
    await mkdir(tmp);
    await chmod(tmp, 0o555);
    const result = await pushWithSpoolIn(tmp, { wrap: WITHOUT_OVERRIDE });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`Could not create the spool folder for the archive at ${tmp}: permission denied (EACCES). [FS_EACCES; step export]`);
    expect(result.stderr).toContain(`Give yourself the permission to create the spool folder for the archive at ${tmp}, or use another path.`);
    expect(result.writes).toEqual([]);
  });

  it('a read-only file system (EROFS): the error names the folder, exit 1, nothing sent to Zenodo', async () => {
    await withTmpfs('ro,size=1m', async (tmp) => {
      const result = await pushWithSpoolIn(tmp);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`Could not create the spool folder for the archive at ${tmp}: the file system is read-only (EROFS). [FS_EROFS; step export]`);
      expect(result.writes).toEqual([]);
    });
  });
});

describe('a configuration file that cannot be read', () => {
  it('names the file and the refusal (EACCES), not a missing file, exit 1', async () => {
    const file = path.join(scratch, 'donodo.config.json');
    await writeFile(file, '{}');
    await chmod(file, 0o000);
    const result = await runCli(['push', IMAGE, '--config', file], { wrap: WITHOUT_OVERRIDE });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`Could not read the configuration at ${file}: permission denied (EACCES). [FS_EACCES]`);
    expect(result.stderr).toContain(`Give yourself the permission to read the configuration at ${file}, or use another path.`);
  });
});
