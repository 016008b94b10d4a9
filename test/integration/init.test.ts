import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

let project: string;

beforeEach(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-init-'));
});

afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

/** Where a written `$schema` points: a relative path from the project, or a file URL. */
function schemaFile(schema: string): string {
  return schema.startsWith('file:') ? fileURLToPath(schema) : path.resolve(project, schema);
}

describe('donodo init', () => {
  it('writes a commented starting configuration with the images given, which donodo then reads', async () => {
    const result = await runCli(['init', '--image', 'lab/tool:1.0', '-i', 'lab/tool:1.1', '--image', 'lab/other:2.0'], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Wrote donodo.config.json (2 images)');
    const config = JSON.parse(await readFile(path.join(project, 'donodo.config.json'), 'utf8'));
    expect(config.images).toEqual([{ name: 'lab/tool', tags: ['1.0', '1.1'] }, 'lab/other:2.0']);
    // A first try goes to the sandbox: publishing on zenodo.org is permanent.
    expect(config.storage).toEqual({ name: 'zenodo', options: { sandbox: true } });
    expect(config.autoPublish).toBe(false);
    expect(config.$comment.length).toBeGreaterThan(3);
    expect(config.$comment.join('\n')).toContain('"images"');
    // $schema names the installed package's schema file, which editors read.
    const schema = JSON.parse(await readFile(schemaFile(config.$schema), 'utf8'));
    expect(schema.title).toBe('donodo configuration');

    // donodo reads the file: the --all of a dry run takes its images (the engine has none of them).
    const dry = await runCli(['push', '--all', '--dry-run', '--json'], { cwd: project });
    expect(dry.json.map((r: any) => r.image)).toEqual(['lab/tool:1.0', 'lab/tool:1.1', 'lab/other:2.0']);
    expect(dry.stderr).not.toContain('CONFIG_INVALID');
  });

  it('takes the storage from the flags: --dir alone means the dir storage', async () => {
    const result = await runCli(['init', '--dir', './archive', '--json'], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json[0]).toMatchObject({ file: path.join(project, 'donodo.config.json'), storage: { name: 'dir', options: { path: './archive' } }, images: [] });
    const config = JSON.parse(await readFile(path.join(project, 'donodo.config.json'), 'utf8'));
    expect(config.storage).toEqual({ name: 'dir', options: { path: './archive' } });
  });

  it('refuses to overwrite an existing configuration, and leaves it as it was', async () => {
    await writeFile(path.join(project, 'donodo.config.json'), '{ "concurrency": 3 }\n');
    const again = await runCli(['init', '--image', 'lab/tool:1.0'], { cwd: project });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('donodo.config.json exists already; donodo init does not overwrite it.');
    expect(await readFile(path.join(project, 'donodo.config.json'), 'utf8')).toBe('{ "concurrency": 3 }\n');

    // Nor writes one beside another file donodo would read instead (here one it cannot even parse).
    const other = await mkdtemp(path.join(os.tmpdir(), 'donodo-init-'));
    try {
      await writeFile(path.join(other, '.donodorc.json'), '{ broken');
      const beside = await runCli(['init'], { cwd: other });
      expect(beside.code).toBe(1);
      expect(beside.stderr).toContain('.donodorc.json exists already');
      expect(existsSync(path.join(other, 'donodo.config.json'))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('refuses an image that cannot be a version, and writes nothing', async () => {
    for (const [image, message] of [
      ['lab/tool', 'has no tag'],
      ['lab/tool:latest', 'uses the tag "latest"'],
      ['Lab/Tool:1.0', 'is not valid'],
    ]) {
      const result = await runCli(['init', '--image', image!], { cwd: project });
      expect(result.code, image).toBe(1);
      expect(result.stderr).toContain(message);
      expect(existsSync(path.join(project, 'donodo.config.json'))).toBe(false);
    }
  });

  it('works below a folder whose configuration is broken: it reads none', async () => {
    await writeFile(path.join(project, 'donodo.config.json'), '{ "titel": 1 }');
    const sub = path.join(project, 'sub');
    await mkdir(sub);
    const result = await runCli(['init'], { cwd: sub });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(sub, 'donodo.config.json'))).toBe(true);
  });
});
