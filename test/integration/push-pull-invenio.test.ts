import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { fetchJson } from '../support/http.ts';
import { runCli, type CliRun } from '../support/cli.ts';
import { buildTestImage, dockerLoadFrom, imageId, removeImages } from '../support/images.ts';

const NAME = `donodo-test/inv-${process.pid}`;
const folder = mkdtempSync(path.join(os.tmpdir(), 'donodo-invenio-'));
/** Zenodo's native publish needs a publisher (REC:H2), which donodo's default metadata leaves out. */
const publisher = path.join(folder, 'publisher.json');
writeFileSync(publisher, JSON.stringify({ imprint_publisher: 'Zenodo' }));

let id1: string;
let id2: string;

beforeAll(async () => {
  id1 = await buildTestImage(`${NAME}:1.0`);
  id2 = await buildTestImage(`${NAME}:2.0`);
});
afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}:2.0`);
});

/** Push two tags, then pull by DOI, concept DOI (latest, and with --tag) and record link; same ids, same concept. */
async function pushTwoTagsAndPull(run: (args: string[], env?: Record<string, string | undefined>) => Promise<CliRun>, doiOf: (id: string) => string, emulator: Emulator) {
  const pushed1 = await run(['push', `${NAME}:1.0`, '-y', '--json', '-t', publisher]);
  expect(pushed1.code, pushed1.stderr).toBe(0);
  const first = pushed1.json[0];
  expect(first).toMatchObject({ image: `${NAME}:1.0`, status: 'published', imageId: id1, version: '1.0', published: true, doi: doiOf(first.recordId), conceptDoi: doiOf(first.conceptRecId) });

  const pushed2 = await run(['push', `${NAME}:2.0`, '-y', '--json', '-t', publisher]);
  expect(pushed2.code, pushed2.stderr).toBe(0);
  const second = pushed2.json[0];
  expect(second).toMatchObject({ status: 'published', imageId: id2, version: '2.0', conceptRecId: first.conceptRecId, conceptDoi: first.conceptDoi });
  expect(second.recordId).not.toBe(first.recordId);
  // The new version started empty and holds its own archive only.
  const record = await fetchJson(`${emulator.apiUrl}/records/${second.recordId}`, { headers: { Accept: 'application/vnd.inveniordm.v1+json' } });
  expect(Object.keys(record.files.entries)).toEqual(['image.tar']);
  expect(record.files.entries['image.tar'].checksum).toBe(`md5:${second.file.md5}`);

  await removeImages(`${NAME}:1.0`, `${NAME}:2.0`);
  const forms: Array<[string[], string]> = [
    [[first.doi], id1],
    [[`https://doi.org/${first.doi}`], id1],
    [[`${emulator.baseUrl}/records/${first.recordId}`], id1],
    [[first.conceptDoi], id2],
    [[first.conceptDoi, '--tag', '1.0'], id1],
  ];
  for (const [args, expected] of forms) {
    const pulled = await run(['pull', ...args, '--json']);
    expect(pulled.code, `${args.join(' ')}: ${pulled.stderr}`).toBe(0);
    expect(pulled.json[0].imageId, args.join(' ')).toBe(expected);
  }
  expect(await imageId(`${NAME}:1.0`)).toBe(id1);
  return { first, second };
}

describe('--storage invenio on Zenodo (the emulator in Zenodo mode)', () => {
  let zenodo: Emulator;
  beforeAll(async () => {
    zenodo = await startEmulator();
  });
  afterAll(async () => {
    await zenodo.close();
  });
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli([...args, ...(args[0] === 'push' ? ['--no-lock'] : []), '--storage', 'invenio', '--invenio-url', zenodo.apiUrl, '--invenio-zenodo'], { env: { ZENODO_TOKEN: zenodo.token, ...env } });

  it('pushes two tags as versions of one concept and pulls them by DOI, concept DOI and record link', async () => {
    const { first } = await pushTwoTagsAndPull(run, (id) => `10.5281/zenodo.${id}`, zenodo);
    // The legacy view of the same record is what the zenodo storage would have made: notes with the identity.
    const legacy = await fetchJson(`${zenodo.apiUrl}/records/${first.recordId}`);
    expect(legacy.metadata.notes.startsWith(`{ "docker-id" : "${id1}", "docker-image-name" : "${NAME}:1.0"`)).toBe(true);
    expect(legacy.metadata.version).toBe('1.0');
    // Only native routes were used.
    expect(zenodo.requests.filter((r) => r.url.includes('/deposit/') || r.url.includes('/api/files/'))).toEqual([]);
  });

  it('pushes a record the original donodo pulls: its DOI search, its choice of file, docker load from the download', async () => {
    const name = `${NAME}-original`;
    const id = await buildTestImage(`${name}:1.0`);
    try {
      const pushed = await run(['push', `${name}:1.0`, '-y', '--json', '-t', publisher]);
      expect(pushed.code, pushed.stderr).toBe(0);
      const doi = pushed.json[0].doi;
      // As the original resolves a DOI: a records search for it over all versions, exactly one hit.
      const search = await fetchJson(`${zenodo.apiUrl}/records?q=${encodeURIComponent(`doi:"${doi}"`)}&all_versions=1`);
      expect(search.hits.hits).toHaveLength(1);
      const files = search.hits.hits[0].files as Array<{ key: string; links: { self: string } }>;
      const candidates = files.filter((file) => file.key.startsWith('image.tar'));
      expect(candidates).toHaveLength(1);
      await removeImages(`${name}:1.0`);
      // A key not ending in .gz goes into docker load as it is streamed.
      const download = await fetch(candidates[0]!.links.self);
      expect(download.status).toBe(200);
      const loaded = await dockerLoadFrom(Readable.fromWeb(download.body as never));
      expect(loaded).toContain(`Loaded image: ${name}:1.0`);
      expect(await imageId(`${name}:1.0`)).toBe(id);
    } finally {
      await removeImages(`${name}:1.0`);
    }
  });

  it('shares records with the zenodo storage: a concept begun through zenodo gets its next version through invenio, and each pulls the other’s', async () => {
    const name = `${NAME}-mixed`;
    const ids = [await buildTestImage(`${name}:1.0`), await buildTestImage(`${name}:2.0`)];
    const viaZenodo = (args: string[]) =>
      runCli([...args, ...(args[0] === 'push' ? ['--no-lock'] : []), '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], { env: { ZENODO_TOKEN: zenodo.token } });
    try {
      const first = await viaZenodo(['push', `${name}:1.0`, '-y', '--json']);
      expect(first.code, first.stderr).toBe(0);
      const second = await run(['push', `${name}:2.0`, '-y', '--json', '-t', publisher]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.json[0]).toMatchObject({ status: 'published', conceptRecId: first.json[0].conceptRecId, version: '2.0' });
      await removeImages(`${name}:1.0`, `${name}:2.0`);
      const byInvenio = await run(['pull', first.json[0].doi, '--json']);
      expect(byInvenio.code, byInvenio.stderr).toBe(0);
      expect(byInvenio.json[0].imageId).toBe(ids[0]);
      const byZenodo = await viaZenodo(['pull', first.json[0].conceptDoi, '--json']);
      expect(byZenodo.code, byZenodo.stderr).toBe(0);
      expect(byZenodo.json[0].imageId).toBe(ids[1]);
    } finally {
      await removeImages(`${name}:1.0`, `${name}:2.0`);
    }
  });

  it('refuses metadata Zenodo’s RDM schema rejects before any request: no family name, no publisher', async () => {
    const bad = path.join(folder, 'bad.json');
    writeFileSync(bad, JSON.stringify({ creators: [{ name: ', Jane' }] }));
    await buildTestImage(`${NAME}:3.0`);
    try {
      const before = zenodo.requests.length;
      const refused = await run(['push', `${NAME}:3.0`, '-y', '-t', bad]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('METADATA_INVALID');
      expect(refused.stderr).toContain('metadata.creators[0].person_or_org.family_name');
      expect(refused.stderr).toContain('metadata.publisher: is required but missing');
      expect(zenodo.requests.length).toBe(before);
    } finally {
      await removeImages(`${NAME}:3.0`);
    }
  });
});

describe('--storage invenio on a plain InvenioRDM (another DOI prefix, RDM record ids)', () => {
  let rdm: Emulator;
  beforeAll(async () => {
    rdm = await startEmulator({ mode: 'invenio', doiPrefix: '10.83000' });
    // The first describe pulled the images back; build them again (new ids: the build date differs).
    id1 = await buildTestImage(`${NAME}:1.0`);
    id2 = await buildTestImage(`${NAME}:2.0`);
  });
  afterAll(async () => {
    await rdm.close();
  });
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli([...args, ...(args[0] === 'push' ? ['--no-lock'] : []), '--storage', 'invenio', '--invenio-url', rdm.apiUrl], { env: { INVENIO_TOKEN: rdm.token, ZENODO_TOKEN: undefined, ...env } });

  it('pushes two tags and pulls them by DOI, concept DOI and record link', async () => {
    const { first } = await pushTwoTagsAndPull(run, (id) => `10.83000/${id}`, rdm);
    expect(first.recordId).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
  });
});
