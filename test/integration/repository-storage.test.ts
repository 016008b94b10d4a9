import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const A = `donodo-test/where-a-${process.pid}:1.0`;
const B = `donodo-test/where-b-${process.pid}:1.0`;
let project: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-where-'));
  await buildTestImage(A);
  await buildTestImage(B);
});

afterAll(async () => {
  await removeImages(A, B);
  await rm(project, { recursive: true, force: true });
});

describe('storage options per repository', () => {
  it('archives a repository with its own storage options, and the others with the global ones', async () => {
    await writeFile(
      path.join(project, 'donodo.config.json'),
      JSON.stringify({
        storage: { name: 'dir', options: { path: './main-archive' } },
        repositories: { [B.slice(0, B.indexOf(':'))]: { storage: { options: { path: './b-archive' } } } },
        autoPublish: true,
      }),
    );
    const run = await runCli(['push', A, B, '--json'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(await readdir(path.join(project, 'main-archive', 'records'))).toEqual([run.json[0].recordId]);
    expect(await readdir(path.join(project, 'b-archive', 'records'))).toEqual([run.json[1].recordId]);
  });
});
