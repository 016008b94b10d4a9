/** A template that crosses an evaluation bound, through the real CLI: a clear error, nothing written. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const IMAGE = `donodo-test/template-bounds-${process.pid}:1.0`;
let zenodo: Emulator;
let dir: string;

beforeAll(async () => {
  zenodo = await startEmulator();
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-template-bounds-'));
  await buildTestImage(IMAGE);
});

afterAll(async () => {
  await removeImages(IMAGE);
  await zenodo.close();
  await rm(dir, { recursive: true, force: true });
});

describe('template bounds through push', () => {
  it('refuses 50,000 nested parentheses with the field, the column and the bound (exit 1, nothing written)', async () => {
    const file = path.join(dir, 'deep.json');
    await writeFile(file, JSON.stringify({ title: '{' + '('.repeat(50_000) + 'image.name' + ')'.repeat(50_000) + '}' }));
    const run = await runCli(['push', IMAGE, '-y', '--no-lock', '--templates', file, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], { env: { ZENODO_TOKEN: zenodo.token } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `Template field "title" in ${file}, column 102: this expression nests or chains more than 100 levels (parentheses, brackets, calls, lookups), the most a template field may have [TEMPLATE_INVALID]`,
    );
    expect(run.stderr).not.toContain('Unexpected failure');
    expect(zenodo.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
