import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const NAME = `donodo-test/config-errors-${process.pid}`;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-config-errors-'));
  await buildTestImage(`${NAME}:1.0`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`);
  await rm(dir, { recursive: true, force: true });
});

/** A project folder holding `donodo.config.json` with `content`. */
async function project(content: string): Promise<string> {
  const folder = await mkdtemp(path.join(dir, 'project-'));
  await writeFile(path.join(folder, 'donodo.config.json'), content);
  return folder;
}

describe('configuration errors a user can act on', () => {
  it('lists every problem of a file at once, its own settings and its plugins\' options, each with the closest known key', async () => {
    const cwd = await project(JSON.stringify({
      storag: { name: 'dir' },
      concurrency: 0,
      storage: { name: 'dir', options: { pat: './archive' } },
      compressor: { name: 'gzp' },
      metadata: ['defaults', { name: 'labels', options: { colour: 1 } }],
    }));
    const run = await runCli(['push', `${NAME}:1.0`, '-y'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('donodo: Configuration file "donodo.config.json" has 5 problems. [CONFIG_INVALID]');
    expect(run.stderr).toContain('  - storag: unknown setting; did you mean "storage"?');
    expect(run.stderr).toContain('  - concurrency: must be >= 1 (got 0)');
    expect(run.stderr).toContain('  - storage.options.pat: unknown setting; did you mean "path"?');
    expect(run.stderr).toContain('  - compressor.name: no compressor plugin is named "gzp" (known: gzip); did you mean "gzip"?');
    expect(run.stderr).toContain('  - metadata[1].options.colour: unknown setting');
    // The hint names documentation the user has: the schema in the installed package, the README section.
    expect(run.stderr).toMatch(/described in \/\S+\/schemas\/config\.schema\.json .*README's "Configuration" section/);
    expect(run.stderr).not.toContain('donodo.config.example.json');
    // Printed once, hint once.
    expect(run.stderr.match(/CONFIG_INVALID/g)).toHaveLength(1);
    expect(run.stderr.match(/Correct each setting listed/g)).toHaveLength(1);
  });

  it('checks a repository entry\'s storage options against the storage plugin too', async () => {
    const cwd = await project(JSON.stringify({ storage: { name: 'dir' }, repositories: { 'lab/*': { storage: { options: { path: 7 } } } } }));
    const run = await runCli(['push', `${NAME}:1.0`, '-y'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('repositories["lab/*"].storage.options.path: must be string (got 7)');
  });

  it('names the file of a syntax error by its path, found by search or given with --config', async () => {
    const cwd = await project('{ "autoPublish": tru }');
    const searched = await runCli(['push', `${NAME}:1.0`], { cwd });
    expect(searched.code).toBe(1);
    expect(searched.stderr).toMatch(/^donodo: Configuration file "donodo\.config\.json" is not valid JSON or YAML: .*tru/m);
    expect(searched.stderr).not.toContain('"file"');
    const elsewhere = path.join(dir, 'broken.json');
    await writeFile(elsewhere, '{ "autoPublish": tru }');
    const given = await runCli(['push', `${NAME}:1.0`, '--config', elsewhere], { cwd });
    expect(given.stderr).toContain(`Configuration file "${elsewhere}" is not valid JSON or YAML`);
    expect(given.stderr.match(/CONFIG_SYNTAX/g)).toHaveLength(1);
  });

  it('suggests the option or command meant for a misspelt one', async () => {
    const option = await runCli(['push', `${NAME}:1.0`, '--storag', 'dir']);
    expect(option.code).toBe(1);
    expect(option.stderr).toContain("unknown option '--storag'");
    expect(option.stderr).toContain('(Did you mean --storage?)');
    const command = await runCli(['psuh', `${NAME}:1.0`]);
    expect(command.code).toBe(1);
    expect(command.stderr).toContain('(Did you mean push?)');
  });

  it('refuses a template key Zenodo does not know (titel), naming the closest one, before anything is written', async () => {
    const template = path.join(dir, 'typo.json');
    await writeFile(template, JSON.stringify({ titel: 'My tool', keywords: ['x'] }));
    const archive = path.join(dir, 'archive');
    const run = await runCli(['push', `${NAME}:1.0`, '-t', template, '--storage', 'dir', '--dir', archive, '-y', '--no-lock']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('METADATA_INVALID');
    expect(run.stderr).toContain('metadata.titel: not a deposition field Zenodo knows; did you mean "title"?');
    // Zenodo's other legacy fields are accepted as they are.
    await writeFile(template, JSON.stringify({ journal_title: 'J', imprint_publisher: 'P', prereserve_doi: true }));
    const fine = await runCli(['push', `${NAME}:1.0`, '-t', template, '--storage', 'dir', '--dir', archive, '--dry-run']);
    expect(fine.code, fine.stderr).toBe(0);
  });
});
