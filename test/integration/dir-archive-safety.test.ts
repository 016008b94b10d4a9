import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const run = promisify(execFile);
const NAME = `donodo-test/dirsafe-${process.pid}`;
let base: string;
let cache: string;
const mounts: string[] = [];

function push(archive: string, reference: string, extra: string[] = []): Promise<CliRun> {
  return runCli(['push', reference, '--storage', 'dir', '--dir', archive, '--json', ...extra], { env: { XDG_CACHE_HOME: cache } });
}

/** Every file below `dir` (relative paths). */
async function filesBelow(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** A small real file system of its own (tmpfs), so that a full disk and a read-only folder are real. */
async function tmpfs(size: string): Promise<string> {
  const dir = await mkdtemp(path.join(base, 'mnt-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'donodo-dirsafe-'));
  cache = await mkdtemp(path.join(os.tmpdir(), 'donodo-cache-'));
  await buildTestImage(`${NAME}:1.0`);
  // Random bytes do not compress: this archive is larger than 1 MB.
  await buildTestImage(`${NAME}-big:1.0`, { extraBytes: 3 * 1024 * 1024 });
});

afterAll(async () => {
  for (const dir of mounts) await run('umount', [dir]).catch(() => undefined);
  await removeImages(`${NAME}:1.0`, `${NAME}-big:1.0`);
  await rm(base, { recursive: true, force: true });
  await rm(cache, { recursive: true, force: true });
});

describe('the dir archive trusts none of its own files', () => {
  it('refuses a record.json whose file key leaves the record folder, and deletes nothing outside it', async () => {
    const archive = path.join(base, 'crafted', 'archive');
    const declined = await push(archive, `${NAME}:1.0`);
    expect(declined.code, declined.stderr).toBe(2);
    const draft = path.join(archive, 'drafts', declined.json[0].recordId, 'record.json');
    const victim = path.join(base, 'crafted', 'victim.txt');
    await writeFile(victim, 'keep me\n');
    const record = JSON.parse(await readFile(draft, 'utf8'));
    record.files[0].key = 'image.tar.gz/../../../../victim.txt';
    await writeFile(draft, JSON.stringify(record));

    const pushed = await push(archive, `${NAME}:1.0`, ['-y']);
    expect(pushed.code).toBe(1);
    expect(pushed.json[0].error).toMatchObject({ code: 'DIR_RECORD_DAMAGED' });
    expect(pushed.json[0].error.plugin).toBe('dir');
    expect(pushed.stderr).toContain(draft);
    expect(pushed.stderr).toContain('is not a plain file name');
    expect(await readFile(victim, 'utf8')).toBe('keep me\n');
  });

  it('refuses to pull through a symlink in the archive (an image file linked to /dev/zero) at once', async () => {
    const archive = path.join(base, 'symlink');
    const pushed = await push(archive, `${NAME}:1.0`, ['-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const file = path.join(archive, 'records', pushed.json[0].recordId, 'image.tar');
    await rm(file);
    await symlink('/dev/zero', file);

    const pulled = await runCli(['pull', pushed.json[0].recordId, '--storage', 'dir', '--dir', archive, '--json'], { env: { XDG_CACHE_HOME: cache } });
    expect(pulled.code).toBe(1);
    expect(pulled.json[0].error).toMatchObject({ code: 'DIR_SYMLINK' });
    expect(pulled.stderr).toContain(`${file} in the archive folder is a symbolic link`);
  });
});

describe('--dir is checked before the export starts', () => {
  it('refuses a --dir that is a file, as a user error, before the export', async () => {
    const file = path.join(base, 'not-a-folder');
    await writeFile(file, 'a file\n');
    const pushed = await push(file, `${NAME}:1.0`, ['-y']);
    expect(pushed.code).toBe(1);
    // The locate step comes before the export: the image was never exported.
    expect(pushed.json[0].error).toMatchObject({ code: 'DIR_NOT_A_FOLDER', step: 'locate' });
    expect(pushed.stderr).toContain(`${file} is a file, not a folder`);
    expect(pushed.stderr).not.toContain('fault in the plugin');
  });

  it('refuses a read-only --dir before the export, naming the folder', async () => {
    const mount = await tmpfs('4m');
    const archive = path.join(mount, 'archive');
    await mkdir(archive);
    await run('mount', ['-o', 'remount,ro', mount]);
    const pushed = await push(archive, `${NAME}:1.0`, ['-y']);
    expect(pushed.code).toBe(1);
    expect(pushed.json[0].error).toMatchObject({ code: 'FS_EROFS', step: 'locate' });
    expect(pushed.stderr).toContain(`at ${archive}: the file system is read-only`);
    expect(pushed.stderr).not.toContain('fault in the plugin');
  });
});

describe('a full disk during a dir push', () => {
  it('is a clear error naming the folder, leaves no partial file, and the rerun completes once there is room', async () => {
    const mount = await tmpfs('1m');
    const archive = path.join(mount, 'archive');
    const full = await push(archive, `${NAME}-big:1.0`, ['-y']);
    expect(full.code).toBe(1);
    expect(full.json[0].error).toMatchObject({ code: 'FS_ENOSPC', step: 'upload' });
    expect(full.stderr).toMatch(/Could not store image\.tar at .*archive\/drafts\/\d+: the disk is full/);
    expect(full.stderr).toContain('are needed');
    // Only the draft's record remains: no half archive, no temporary record.
    const left = await filesBelow(archive);
    expect(left.filter((f) => !f.startsWith('ids/'))).toEqual([expect.stringMatching(/^drafts\/\d+\/record\.json$/)]);

    await run('mount', ['-o', 'remount,size=64m', mount]);
    const rerun = await push(archive, `${NAME}-big:1.0`, ['-y']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json[0]).toMatchObject({ status: 'published', recordId: full.json[0].recordId });
    expect((await stat(path.join(archive, 'records', rerun.json[0].recordId, 'image.tar'))).size).toBe(rerun.json[0].file.size);
  });
});
