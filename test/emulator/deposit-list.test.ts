import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { Client, getJson, validMetadata } from './test-client.ts';

let emulator: Emulator;
let client: Client;
let v1: any;
let v2: any;
let pendingDraft: any;
let otherDraft: any;

const ids = (list: any[]) => list.map((d) => d.id);

beforeAll(async () => {
  emulator = await startEmulator();
  client = new Client(emulator);
  // A concept with two published versions and a pending third draft, one unrelated draft, and one
  // deposition of the other user.
  v1 = await client.publishedRecord({ title: 'Docker image colomoto/colomoto-docker', version: '1.0' });
  let draft = (await client.json('POST', `/deposit/depositions/${v1.id}/actions/newversion`)).body;
  await client.json('PUT', `/deposit/depositions/${draft.id}`, { metadata: validMetadata({ version: '2.0' }) });
  v2 = await client.publish(draft.id);
  draft = (await client.json('POST', `/deposit/depositions/${v2.id}/actions/newversion`)).body;
  await client.json('PUT', `/deposit/depositions/${draft.id}`, { metadata: validMetadata({ version: '3.0' }) });
  pendingDraft = draft;
  otherDraft = await client.create(validMetadata({ title: 'Docker image pauleve/donodo', version: '0.4' }));
  await new Client(emulator, emulator.otherToken).create(validMetadata({ title: 'Docker image colomoto/colomoto-docker', version: '9.9' }));
});
afterAll(async () => {
  await emulator.close();
});

async function list(query: string): Promise<{ status: number; body: any }> {
  return client.json('GET', `/deposit/depositions${query}`);
}

describe('listing depositions', () => {
  it('returns a bare array of the caller’s items, only the latest draft of each concept, newest first', async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(ids(res.body)).toEqual([otherDraft.id, pendingDraft.id]);
    expect(res.body.every((d: any) => d.owner === 1)).toBe(true);
    expect(res.body.every((d: any) => d.links.bucket === undefined)).toBe(true);
  });

  it('returns every version with all_versions, one entry per record', async () => {
    for (const flag of ['1', 'true']) {
      const res = await list(`?all_versions=${flag}`);
      expect(ids(res.body).sort()).toEqual([v1.id, v2.id, pendingDraft.id, otherDraft.id].sort());
    }
    expect((await list('?all_versions=0')).body).toHaveLength(2);
  });

  it('finds by conceptrecid, recid, doi and conceptdoi', async () => {
    expect(ids((await list(`?q=conceptrecid:${v1.conceptrecid}`)).body)).toEqual([pendingDraft.id]);
    expect(ids((await list(`?q=conceptrecid:${v1.conceptrecid}&all_versions=1&sort=version`)).body)).toEqual([pendingDraft.id, v2.id, v1.id]);
    expect(ids((await list(`?q=recid:${v2.id}&all_versions=1`)).body)).toEqual([v2.id]);
    expect(ids((await list(`?q=${encodeURIComponent(`doi:"${v1.doi}"`)}&all_versions=1`)).body)).toEqual([v1.id]);
    // An unquoted DOI works too (Zenodo quotes values starting with "10.").
    expect(ids((await list(`?q=doi:${v1.doi}&all_versions=1`)).body)).toEqual([v1.id]);
    expect(ids((await list(`?q=${encodeURIComponent(`conceptdoi:"${v1.conceptdoi}"`)}&all_versions=1&sort=oldest`)).body)).toEqual([v1.id, v2.id, pendingDraft.id]);
  });

  it('finds by metadata.version, combined with AND, over all versions', async () => {
    const q = encodeURIComponent(`conceptrecid:${v1.conceptrecid} AND metadata.version:"2.0"`);
    expect(ids((await list(`?q=${q}&all_versions=1`)).body)).toEqual([v2.id]);
    const none = encodeURIComponent(`conceptrecid:${v1.conceptrecid} AND metadata.version:"2"`);
    expect((await list(`?q=${none}&all_versions=1`)).body).toEqual([]);
  });

  it('treats version: as the integer version index, not the version string', async () => {
    const q = encodeURIComponent(`conceptrecid:${v1.conceptrecid} AND version:2`);
    expect(ids((await list(`?q=${q}&all_versions=1`)).body)).toEqual([v2.id]);
  });

  it('finds by title (field or free text, quoted or not) and by is_published', async () => {
    const phrase = encodeURIComponent('"Docker image pauleve/donodo"');
    expect(ids((await list(`?q=${phrase}`)).body)).toEqual([otherDraft.id]);
    expect(ids((await list(`?q=${encodeURIComponent('title:"pauleve/donodo"')}`)).body)).toEqual([otherDraft.id]);
    expect(ids((await list(`?q=${encodeURIComponent('metadata.title:"colomoto docker"')}`)).body)).toEqual([pendingDraft.id]);
    expect(ids((await list('?q=donodo')).body)).toEqual([otherDraft.id]);
    expect(ids((await list('?q=is_published:true&all_versions=1&sort=oldest')).body)).toEqual([v1.id, v2.id]);
    expect(ids((await list('?q=is_published:false&sort=oldest')).body)).toEqual([pendingDraft.id, otherDraft.id]);
  });

  it('ignores the status parameter, as Zenodo does', async () => {
    expect((await list('?status=published')).body).toHaveLength(2);
  });

  it('pages with size and page, and refuses more than 100 per page or an unknown sort', async () => {
    expect(ids((await list('?all_versions=1&sort=oldest&size=2&page=2')).body)).toEqual([pendingDraft.id, otherDraft.id]);
    const big = await list('?size=101');
    expect(big.status).toBe(400);
    expect(big.body).toEqual({ status: 400, message: 'A validation error occurred.', errors: [{ field: 'size', messages: ['Page size cannot be greater than 100.'] }] });
    const sort = await list('?sort=random');
    expect(sort.status).toBe(400);
    expect(sort.body.errors[0].messages).toEqual(["Invalid sort option 'random'."]);
    expect((await list('?sort=mostrecent')).status).toBe(200);
    expect((await list('?page=500&size=100')).status).toBe(400);
  });
});

describe('the search index lags behind writes', () => {
  it('hides new and changed items from the list and the records search for indexDelayMs', async () => {
    // A lag long enough that a loaded machine does not see it pass between two requests.
    const lagging = await startEmulator({ indexDelayMs: 1500 });
    try {
      const c = new Client(lagging);
      const dep = await c.create(validMetadata({ title: 'Fresh draft' }));
      expect((await c.json('GET', '/deposit/depositions')).body).toEqual([]);
      // Reads by id are not affected.
      expect((await c.json('GET', `/deposit/depositions/${dep.id}`)).status).toBe(200);
      await sleep(1700);
      expect(ids((await c.json('GET', '/deposit/depositions')).body)).toEqual([dep.id]);

      await c.json('PUT', `/deposit/depositions/${dep.id}`, { metadata: validMetadata({ title: 'Renamed draft' }) });
      expect((await c.json('GET', '/deposit/depositions')).body[0].title).toBe('Fresh draft');
      await c.upload(dep, 'image.tar.gz', 'x');
      await c.publish(dep.id);
      const search = await getJson(`${lagging.apiUrl}/records?q=recid:${dep.id}`);
      expect(search.hits.total).toBe(0);
      await sleep(1700);
      expect((await c.json('GET', '/deposit/depositions')).body[0].title).toBe('Renamed draft');
      expect((await getJson(`${lagging.apiUrl}/records?q=recid:${dep.id}`)).hits.total).toBe(1);
    } finally {
      await lagging.close();
    }
  });

  it('shows a deletion at once (the delete refreshes the index)', async () => {
    const lagging = await startEmulator({ indexDelayMs: 100 });
    try {
      const c = new Client(lagging);
      const dep = await c.create(validMetadata());
      await sleep(150);
      await c.call('DELETE', `/deposit/depositions/${dep.id}`);
      expect((await c.json('GET', '/deposit/depositions')).body).toEqual([]);
      const gone = await c.create(validMetadata());
      await c.call('DELETE', `/deposit/depositions/${gone.id}`);
      await sleep(150);
      expect((await c.json('GET', '/deposit/depositions')).body).toEqual([]);
    } finally {
      await lagging.close();
    }
  });
});
