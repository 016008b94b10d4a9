import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { fetchJson } from '../support/http.ts';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');
const PREFIX = `donodo-test/cfg${process.pid}`;
const A = `${PREFIX}-a`;
const B = `${PREFIX}-b`;
let zenodo: Emulator;
let project: string;
const ids: Record<string, string> = {};

async function writeConfig(config: Record<string, unknown>): Promise<void> {
  await writeFile(path.join(project, 'donodo.config.json'), JSON.stringify({ storage: { name: 'zenodo', options: { url: zenodo.apiUrl } }, ...config }, null, 2));
}
// The configuration names the emulator, a host other than zenodo.org: the user consents to it.
const donodo = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { cwd: project, env: { ZENODO_TOKEN: zenodo.token, DONODO_TRUST_CONFIG_URL: '1', ...env } });
const record = (id: string) => fetchJson(`${zenodo.apiUrl}/records/${id}`);
const writes = () => zenodo.requests.filter((r) => r.method !== 'GET').length;

beforeAll(async () => {
  zenodo = await startEmulator();
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-project-'));
  for (const image of [`${A}:1.0`, `${A}:1.1`, `${B}:2.0`, `${B}:1.9`]) {
    ids[image] = await buildTestImage(image, { labels: image.startsWith(B) ? { 'org.opencontainers.image.source': 'https://github.com/example/b', 'org.opencontainers.image.revision': 'abc123' } : {} });
  }
});

afterAll(async () => {
  await removeImages(...Object.keys(ids));
  await zenodo.close();
  await rm(project, { recursive: true, force: true });
});

describe('a project configuration with per-repository templates, archived in one batch', () => {
  let conceptB: string;

  it('archives three tags of two images with push --all, each repository with its own templates and concept', async () => {
    // B's concept exists already (an earlier version pushed by hand); the config names it.
    const earlier = await runCli(['push', `${B}:1.9`, '-y', '--json', '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl, '--no-lock'], { env: { ZENODO_TOKEN: zenodo.token } });
    conceptB = earlier.json[0].conceptRecId;
    await writeFile(path.join(project, 'b-template.json'), JSON.stringify({ creators: [{ name: 'Team, B', orcid: '0000-0002-1825-0097' }], keywords: ['docker image', '{image.labels["org.opencontainers.image.revision"]}'] }));
    await writeConfig({
      repositories: {
        [`${PREFIX}-a*`]: { templates: { creators: [{ name: 'Team, A' }], title: 'Tool A ({image.name})', keywords: ['docker image', 'team-a'] } },
        [B]: { templates: './b-template.json', conceptrecid: conceptB },
      },
      images: [{ name: A, tags: ['1.0', '1.1'] }, `${B}:2.0`],
      autoPublish: true,
    });

    const run = await donodo(['push', '--all', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.map((r) => [r.image, r.status])).toEqual([
      [`${A}:1.0`, 'published'],
      [`${A}:1.1`, 'published'],
      [`${B}:2.0`, 'published'],
    ]);
    const [a10, a11, b20] = run.json;
    expect(a11.conceptRecId).toBe(a10.conceptRecId);
    expect(b20.conceptRecId).toBe(conceptB);

    const recordA = await record(a11.recordId);
    expect(recordA.metadata).toMatchObject({ title: `Tool A (${A})`, version: '1.1', keywords: ['docker image', 'team-a'] });
    expect(recordA.metadata.creators[0].name).toBe('Team, A');
    const recordB = await record(b20.recordId);
    expect(recordB.metadata.keywords).toEqual(['docker image', 'abc123']);
    expect(recordB.metadata.creators[0]).toMatchObject({ name: 'Team, B', orcid: '0000-0002-1825-0097' });
    // From the image labels: the source repository and the revision.
    expect(recordB.metadata.related_identifiers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ identifier: 'https://github.com/example/b', relation: 'isDerivedFrom' }),
        expect.objectContaining({ identifier: 'https://github.com/example/b/tree/abc123', relation: 'isDerivedFrom' }),
      ]),
    );

    const lock = JSON.parse(await readFile(path.join(project, 'donodo.lock.json'), 'utf8'));
    const entries = lock.storages[zenodo.apiUrl];
    expect(Object.keys(entries).sort()).toEqual([`${A}:1.0`, `${A}:1.1`, `${B}:2.0`]);
    expect(entries[`${B}:2.0`]).toMatchObject({
      recordId: b20.recordId,
      doi: b20.doi,
      conceptDoi: `10.5281/zenodo.${conceptB}`,
      imageId: ids[`${B}:2.0`],
      published: true,
      file: { key: 'image.tar', md5: b20.file.md5, size: b20.file.size, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('does nothing on a rerun, says so, and does not even ask Zenodo', async () => {
    const before = zenodo.requests.length;
    const run = await donodo(['push', '--all']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.match(/already published with this image/g)).toHaveLength(3);
    expect(run.stdout).toMatch(/IMAGE\s+STATUS\s+RECORD\s+DOI/);
    expect(zenodo.requests.length).toBe(before);
  });

  it('prints the plan with --dry-run, with the metadata exactly as it would be sent, and writes nothing', async () => {
    const image = `${A}:1.2`;
    ids[image] = await buildTestImage(image);
    const before = writes();
    const run = await donodo(['push', image, `${B}:2.0`, '--dry-run', '--json', '--no-lock']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json[0]).toMatchObject({ image, status: 'planned', plan: 'new-version', metadata: { title: `Tool A (${A})`, version: '1.2' } });
    expect(run.json[0].metadata.notes).toBe(`{ "docker-id" : "${ids[image]}", "docker-image-name" : "${image}" }`);
    expect(run.json[1]).toMatchObject({ image: `${B}:2.0`, plan: 'unchanged' });
    expect(writes()).toBe(before);
    const human = await donodo(['push', image, '--dry-run']);
    expect(human.stdout).toContain(`${image}: would add a new version to concept`);
  });
});

describe('metadata plugins from the configuration', () => {
  it('lets a custom plugin change the published metadata', async () => {
    await writeFile(path.join(project, 'CITATION.cff'), 'cff-version: 1.2.0\ndoi: 10.1234/paper.5\nrepository-code: "https://github.com/example/a"\n');
    await writeConfig({ plugins: [path.join(fixtures, 'citation-metadata.mjs')], autoPublish: true });
    const image = `${A}:1.2`;
    const run = await donodo(['push', image, '--json', '--no-lock']);
    expect(run.code, run.stderr).toBe(0);
    const published = await record(run.json[0].recordId);
    expect(published.metadata.related_identifiers).toEqual(
      expect.arrayContaining([expect.objectContaining({ identifier: '10.1234/paper.5', relation: 'isSupplementTo' })]),
    );
  });

  it('names a broken plugin and the step when it throws, and when its options are wrong', async () => {
    await writeConfig({ plugins: [path.join(fixtures, 'broken-metadata.mjs')] });
    const thrown = await donodo(['push', `${A}:1.0`, '--no-lock']);
    expect(thrown.code).toBe(1);
    expect(thrown.stderr).toContain('Plugin "broken" failed during provide: CITATION.cff not found [PLUGIN_FAILED; step render, plugin broken]');

    await writeConfig({ plugins: [path.join(fixtures, 'stamp-metadata.mjs')], metadata: ['defaults', { name: 'stamp', options: { keyword: 3 } }] });
    const options = await donodo(['push', `${A}:1.0`, '--no-lock']);
    expect(options.code).toBe(1);
    // Options in the configuration file are its problems: reported with the file's others, by their path in it.
    expect(options.stderr).toMatch(/Configuration file "[^"]+" has 1 problem\.[\s\S]*metadata\[1\]\.options\.keyword: must be string \(got 3\)/);
  });
});

describe('metadata is checked field by field before anything is uploaded', () => {
  it('reports missing creators, a bad date, an unknown upload_type and license, and a malformed ORCID at once', async () => {
    await writeConfig({});
    await writeFile(
      path.join(project, 'bad.json'),
      JSON.stringify({ creators: [], publication_date: '2024-13-45', upload_type: 'container', license: 'cc-by-9000', contributors: [{ name: 'X', type: 'Editor', orcid: '0000-0002-1825-0098' }] }),
    );
    const before = writes();
    const run = await donodo(['push', `${A}:1.0`, '-t', 'bad.json', '-y', '--no-lock']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('METADATA_INVALID');
    for (const line of [
      'metadata.creators: must NOT have fewer than 1 items',
      'metadata.publication_date: must be a date YYYY-MM-DD (got "2024-13-45")',
      'metadata.upload_type: must be one of "publication"',
      'metadata.license: must be a license id Zenodo knows',
      'metadata.contributors[0].orcid: must be an ORCID iD with a valid check digit',
    ]) {
      expect(run.stderr).toContain(line);
    }
    expect(writes()).toBe(before);
  });

  it('refuses a template with a forbidden expression, naming the field and position', async () => {
    await writeFile(path.join(project, 'evil.json'), JSON.stringify({ title: 'x {image.__class__} y' }));
    const run = await donodo(['push', `${A}:1.0`, '-t', 'evil.json', '--no-lock']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TEMPLATE_INVALID/);
    expect(run.stderr).toMatch(/"title".*evil\.json.*column/);
  });

  it('refuses a template from a plain http URL', async () => {
    const run = await donodo(['push', `${A}:1.0`, '-t', 'http://example.org/template.json', '--no-lock']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Template URL "http:\/\/example.org\/template.json" is not https[\s\S]*TEMPLATE_URL_INSECURE/);
  });
});
