import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { packageRoot } from '../../src/package-info.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('configuration', () => {
  it('accepts donodo.config.example.json as it is shipped', async () => {
    const loaded = await loadConfig({ file: path.join(packageRoot, 'donodo.config.example.json'), cwd: dir });
    expect(loaded.config.storage?.name).toBe('zenodo');
  });

  it('finds donodo.config.json in a parent of the working directory', async () => {
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ autoPublish: true }));
    const nested = path.join(dir, 'a', 'b');
    await mkdir(nested, { recursive: true });
    const loaded = await loadConfig({ cwd: nested });
    expect(loaded).toMatchObject({ config: { autoPublish: true }, file: path.join(dir, 'donodo.config.json'), baseDir: dir });
  });

  it('reads the donodo key of package.json and a YAML .donodorc', async () => {
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', donodo: { storage: { name: 'dir' } } }));
    expect((await loadConfig({ cwd: dir })).config).toEqual({ storage: { name: 'dir' } });
    const other = await mkdtemp(path.join(os.tmpdir(), 'donodo-config-'));
    await writeFile(path.join(other, '.donodorc.yaml'), 'autoPublish: true\nstorage:\n  name: zenodo\n');
    expect((await loadConfig({ cwd: other })).config).toEqual({ autoPublish: true, storage: { name: 'zenodo' } });
    await rm(other, { recursive: true, force: true });
  });

  it('is empty, not an error, when there is no configuration file', async () => {
    expect(await loadConfig({ cwd: dir })).toEqual({ config: {}, baseDir: dir });
  });

  it('reports every problem at once with its path and what is allowed', async () => {
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ storage: { name: 3 }, metadata: [{ options: {} }], plugins: 'x' }));
    const error = await loadConfig({ cwd: dir }).catch((e) => e);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual(
      expect.arrayContaining(['storage.name: must be string (got 3)', 'plugins: must be array (got "x")', 'metadata[0].name: is required but missing']),
    );
  });

  it('takes the archive format, and names the two there are for any other', async () => {
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ archive: { format: 'docker-save' } }));
    expect((await loadConfig({ cwd: dir })).config).toEqual({ archive: { format: 'docker-save' } });
    await writeFile(path.join(dir, 'donodo.config.json'), JSON.stringify({ archive: { format: 'zip' } }));
    const error = await loadConfig({ cwd: dir }).catch((e) => e);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual(['archive.format: must be one of "oci-layout", "docker-save" (got "zip")']);
  });

  it('names the file and the position of a syntax error', async () => {
    await writeFile(path.join(dir, 'donodo.config.json'), '{ "autoPublish": tru }');
    const error = await loadConfig({ cwd: dir }).catch((e) => e);
    expect(error.code).toBe('CONFIG_SYNTAX');
    expect(error.message).toMatch(/donodo.config.json|position|line/i);
  });

  it('says when a file given with --config cannot be read', async () => {
    const error = await loadConfig({ cwd: dir, file: 'nope.json' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'CONFIG_NOT_FOUND', message: expect.stringContaining('nope.json') });
  });
});
