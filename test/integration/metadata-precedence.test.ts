import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');
const IMAGE = `donodo-test/order-${process.pid}:1.0`;
let project: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-order-'));
  await buildTestImage(IMAGE, {
    labels: {
      'org.opencontainers.image.title': 'Title from the label',
      'org.opencontainers.image.description': 'Description from the label',
      'org.opencontainers.image.licenses': 'MIT',
      'org.opencontainers.image.authors': 'Label Author <author@example.org>',
    },
  });
});

afterAll(async () => {
  await removeImages(IMAGE);
  await rm(project, { recursive: true, force: true });
});

/** The metadata a push would send, from --dry-run --json (nothing is written). */
async function planned(config: Record<string, unknown>, ...args: string[]) {
  await writeFile(path.join(project, 'donodo.config.json'), JSON.stringify({ storage: { name: 'dir', options: { path: './archive' } }, ...config }));
  const run = await runCli(['push', IMAGE, '--dry-run', '--json', ...args], { cwd: project });
  expect(run.code, run.stderr).toBe(0);
  return run.json[0].metadata;
}

describe('the order in which metadata plugins apply', () => {
  it('lets image labels override the defaults', async () => {
    const metadata = await planned({});
    expect(metadata).toMatchObject({ title: 'Title from the label', license: 'mit', creators: [{ name: 'Label Author' }], upload_type: 'other', version: '1.0' });
    expect(metadata.description).toMatch(/^<p>Description from the label<\/p>[\s\S]*docker load/);
  });

  it('lets the configuration\'s defaults override the labels, its repository entry the defaults, and --templates all of them', async () => {
    await writeFile(path.join(project, 'cli.json'), JSON.stringify({ keywords: ['from --templates'] }));
    const config = {
      defaults: { templates: { title: 'Title from defaults', keywords: ['from defaults'], license: 'cc-by-4.0' } },
      repositories: { 'donodo-test/*': { templates: { keywords: ['from the repository'], version: '{image.tag}' } } },
    };
    expect(await planned(config)).toMatchObject({ title: 'Title from defaults', keywords: ['from the repository'], license: 'cc-by-4.0' });
    expect(await planned(config, '-t', 'cli.json')).toMatchObject({ title: 'Title from defaults', keywords: ['from --templates'] });
  });

  it('applies custom plugins last, after every template', async () => {
    const config = { plugins: [path.join(fixtures, 'stamp-metadata.mjs')], metadata: ['defaults', 'labels', 'templates', { name: 'stamp', options: { keyword: 'stamped' } }], defaults: { templates: { keywords: ['from defaults'] } } };
    expect((await planned(config)).keywords).toEqual(['from defaults', 'stamped']);
  });
});
