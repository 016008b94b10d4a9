import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { Client, bodyOf, getJson, raw, validMetadata } from './test-client.ts';

let emulator: Emulator;
let client: Client;
let v1: any;
let v2: any;
let draftOnly: any;

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

beforeAll(async () => {
  emulator = await startEmulator();
  client = new Client(emulator);
  v1 = await client.publishedRecord({ version: '1.0', data: 'first image' });
  const draft = (await client.json('POST', `/deposit/depositions/${v1.id}/actions/newversion`)).body;
  await client.call('DELETE', `/deposit/depositions/${draft.id}/files/${draft.files[0].id}`);
  await client.upload(draft, 'image.tar.gz', '0123456789abcdefghij');
  await client.json('PUT', `/deposit/depositions/${draft.id}`, { metadata: validMetadata({ version: '2.0' }) });
  v2 = await client.publish(draft.id);
  draftOnly = await client.create(validMetadata());
});
afterAll(async () => {
  await emulator.close();
});

describe('reading a record', () => {
  it('serves the ZenodoSchema JSON anonymously, with files[] links to the content', async () => {
    const res = await fetch(`${emulator.apiUrl}/records/${v2.id}`);
    expect(res.status).toBe(200);
    const rec = await bodyOf(res);
    expect(rec).toMatchObject({
      id: v2.id,
      recid: String(v2.id),
      conceptrecid: v1.conceptrecid,
      doi: `10.5281/zenodo.${v2.id}`,
      conceptdoi: `10.5281/zenodo.${v1.conceptrecid}`,
      doi_url: `https://doi.org/10.5281/zenodo.${v2.id}`,
      status: 'published',
      state: 'done',
      submitted: true,
    });
    expect(rec.metadata.version).toBe('2.0');
    expect(rec.metadata.notes).toContain('docker-id');
    expect(rec.metadata.relations.version[0]).toEqual({ index: 1, is_last: true, parent: { pid_type: 'recid', pid_value: v1.conceptrecid } });
    expect(rec.files).toEqual([
      {
        id: expect.any(String),
        key: 'image.tar.gz',
        size: 20,
        checksum: `md5:${md5('0123456789abcdefghij')}`,
        links: { self: `${emulator.apiUrl}/records/${v2.id}/files/image.tar.gz/content` },
      },
    ]);
    expect(rec.links.latest).toBe(`${emulator.apiUrl}/records/${v2.id}/versions/latest`);
  });

  it('answers 404 for a concept id and for a draft that was never published', async () => {
    const concept = await fetch(`${emulator.apiUrl}/records/${v1.conceptrecid}`);
    expect(concept.status).toBe(404);
    expect(await bodyOf(concept)).toEqual({ status: 404, message: 'The persistent identifier does not exist.' });
    const draft = await client.json('GET', `/records/${draftOnly.id}`);
    expect(draft.status).toBe(404);
  });

  it('accepts application/json, */* and the Zenodo type, and answers 406 to other Accept values', async () => {
    for (const accept of ['application/json', '*/*', 'application/vnd.zenodo.v1+json', 'text/html, */*;q=0.1']) {
      expect((await fetch(`${emulator.apiUrl}/records/${v1.id}`, { headers: { Accept: accept } })).status, accept).toBe(200);
    }
    const res = await fetch(`${emulator.apiUrl}/records/${v1.id}`, { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(406);
    expect((await bodyOf(res)).message).toMatch(/^Invalid 'Accept' header. Expected one of: application\/json/);
  });

  it('redirects versions/latest (from a version or the concept id) with 301 and a JSON body', async () => {
    for (const id of [v1.id, v1.conceptrecid]) {
      const res = await fetch(`${emulator.apiUrl}/records/${id}/versions/latest`, { redirect: 'manual' });
      expect(res.status).toBe(301);
      const location = `${emulator.apiUrl}/records/${v2.id}`;
      expect(res.headers.get('location')).toBe(location);
      expect(await bodyOf(res)).toEqual({ status: 301, message: 'Redirecting...', location });
    }
    const followed = await fetch(`${emulator.apiUrl}/records/${v1.conceptrecid}/versions/latest`);
    expect((await bodyOf(followed)).id).toBe(v2.id);
  });
});

describe('searching records', () => {
  it('returns the hits envelope; doi: matches version DOIs only, older versions only with all_versions', async () => {
    const q = (s: string) => encodeURIComponent(s);
    const byDoi = await getJson(`${emulator.apiUrl}/records?q=${q(`doi:"${v1.doi}"`)}&all_versions=1`);
    expect(Object.keys(byDoi)).toEqual(['hits', 'aggregations', 'links']);
    expect(byDoi.hits.total).toBe(1);
    expect(byDoi.hits.hits[0].id).toBe(v1.id);
    expect(byDoi.aggregations).toEqual({});
    expect((await getJson(`${emulator.apiUrl}/records?q=${q(`doi:"${v1.doi}"`)}`)).hits.total).toBe(0);
    const concept = await getJson(`${emulator.apiUrl}/records?q=${q(`doi:"${v1.conceptdoi}"`)}&all_versions=1`);
    expect(concept.hits.total).toBe(0);
    const latest = await getJson(`${emulator.apiUrl}/records?q=${q(`conceptdoi:"${v1.conceptdoi}"`)}`);
    expect(latest.hits.hits.map((h: any) => h.id)).toEqual([v2.id]);
    const all = await getJson(`${emulator.apiUrl}/records?q=conceptrecid:${v1.conceptrecid}&all_versions=true&sort=version`);
    expect(all.hits.hits.map((h: any) => h.id)).toEqual([v2.id, v1.id]);
    const tag = await getJson(`${emulator.apiUrl}/records?q=${q(`conceptrecid:${v1.conceptrecid} AND metadata.version:"1.0"`)}&all_versions=1`);
    expect(tag.hits.hits.map((h: any) => h.id)).toEqual([v1.id]);
    expect((await getJson(`${emulator.apiUrl}/records?q=recid:${draftOnly.id}`)).hits.total).toBe(0);
  });

  it('searches the published state, not a pending edit of it', async () => {
    const pub = await client.publishedRecord({ title: 'Published title zebra' });
    await client.json('POST', `/deposit/depositions/${pub.id}/actions/edit`);
    await client.json('PUT', `/deposit/depositions/${pub.id}`, { metadata: { ...validMetadata(), title: 'Edited title okapi' } });
    expect((await getJson(`${emulator.apiUrl}/records?q=okapi`)).hits.total).toBe(0);
    const hits = (await getJson(`${emulator.apiUrl}/records?q=zebra`)).hits.hits;
    expect(hits.map((h: any) => [h.id, h.title])).toEqual([[pub.id, 'Published title zebra']]);
    // The owner's deposition list shows the edit draft instead.
    expect((await client.json('GET', '/deposit/depositions?q=okapi')).body.map((d: any) => d.state)).toEqual(['inprogress']);
  });

  it('limits guests to 25 hits per page and token holders to 100', async () => {
    expect((await fetch(`${emulator.apiUrl}/records?size=25`)).status).toBe(200);
    expect((await fetch(`${emulator.apiUrl}/records?size=26`)).status).toBe(400);
    expect((await client.call('GET', '/records?size=100')).status).toBe(200);
    expect((await client.call('GET', '/records?size=101')).status).toBe(400);
  });

  it('counts search requests in their own 30-per-minute window', async () => {
    const res = await fetch(`${emulator.apiUrl}/records?q=x`);
    expect(res.headers.get('x-ratelimit-limit')).toBe('30');
  });
});

describe('downloading files', () => {
  const url = () => `${emulator.apiUrl}/records/${v2.id}/files/image.tar.gz/content`;

  it('streams the bytes with content-length, oc-checksum and, for an archive, an attachment disposition', async () => {
    const res = await raw({ method: 'GET', url: url() });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('0123456789abcdefghij');
    expect(res.headers['content-length']).toBe('20');
    expect(res.headers['oc-checksum']).toBe(`MD5:${md5('0123456789abcdefghij')}`);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe('attachment; filename=image.tar.gz');
  });

  it('answers HEAD with the headers only', async () => {
    const res = await raw({ method: 'HEAD', url: url() });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('20');
    expect(res.body.length).toBe(0);
  });

  it('honours a byte range with 206 by default', async () => {
    const res = await raw({ method: 'GET', url: url(), headers: { Range: 'bytes=10-' } });
    expect(res.status).toBe(206);
    expect(res.body.toString()).toBe('abcdefghij');
    expect(res.headers['content-range']).toBe('bytes 10-19/20');
    expect(res.headers['content-length']).toBe('10');
    const middle = await raw({ method: 'GET', url: url(), headers: { Range: 'bytes=2-4' } });
    expect(middle.body.toString()).toBe('234');
    const beyond = await raw({ method: 'GET', url: url(), headers: { Range: 'bytes=20-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */20');
  });

  it('ignores Range and answers 200 with the whole file when rangeRequests is off', async () => {
    const noRanges = await startEmulator({ rangeRequests: false });
    try {
      const c = new Client(noRanges);
      const pub = await c.publishedRecord({ data: 'whole file' });
      const res = await raw({ method: 'GET', url: `${noRanges.apiUrl}/records/${pub.id}/files/image.tar.gz/content`, headers: { Range: 'bytes=5-' } });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('whole file');
    } finally {
      await noRanges.close();
    }
  });

  it('answers 404 with the record/key message for an unknown key', async () => {
    const res = await fetch(`${emulator.apiUrl}/records/${v2.id}/files/nope.bin/content`);
    expect(res.status).toBe(404);
    expect(await bodyOf(res)).toEqual({ status: 404, message: `Record '${v2.id}' has no file 'nope.bin'.` });
  });

  it('serves a draft’s file to its owner only, at the legacy download link', async () => {
    await client.upload(draftOnly, 'draft.txt', 'draft bytes');
    const dep = (await client.json('GET', `/deposit/depositions/${draftOnly.id}`)).body;
    const link = dep.files[0].links.download;
    const own = await raw({ method: 'GET', url: link, headers: { Authorization: `Bearer ${emulator.token}` } });
    expect(own.body.toString()).toBe('draft bytes');
    expect((await raw({ method: 'GET', url: link })).status).toBe(403);
  });

  it('refuses a restricted record’s files to others but not its metadata', async () => {
    const restricted = await client.create({ ...validMetadata(), access_right: 'restricted' });
    await client.upload(restricted, 'secret.txt', 'secret');
    await client.publish(restricted.id);
    expect((await fetch(`${emulator.apiUrl}/records/${restricted.id}`)).status).toBe(200);
    expect((await fetch(`${emulator.apiUrl}/records/${restricted.id}/files/secret.txt/content`)).status).toBe(403);
    expect((await client.call('GET', `/records/${restricted.id}/files/secret.txt/content`)).status).toBe(200);
  });
});

describe('web pages and redirects', () => {
  it('redirects /record/<id> to /records/<id> and serves a landing page there', async () => {
    const res = await fetch(`${emulator.baseUrl}/record/${v1.id}`, { redirect: 'manual' });
    expect([301, 302]).toContain(res.status);
    expect(res.headers.get('location')).toBe(`${emulator.baseUrl}/records/${v1.id}`);
    const page = await fetch(`${emulator.baseUrl}/records/${v1.id}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain(v1.doi);
  });

  it('resolves /doi/<doi> with 302: a version DOI to its page, a concept DOI to the latest version', async () => {
    const version = await fetch(`${emulator.baseUrl}/doi/${v1.doi}`, { redirect: 'manual' });
    expect(version.status).toBe(302);
    expect(version.headers.get('location')).toBe(`${emulator.baseUrl}/records/${v1.id}`);
    const concept = await fetch(`${emulator.baseUrl}/doi/${v1.conceptdoi}`, { redirect: 'manual' });
    expect(concept.headers.get('location')).toBe(`${emulator.baseUrl}/records/${v2.id}`);
    expect((await fetch(`${emulator.baseUrl}/doi/10.5281/zenodo.1`, { redirect: 'manual' })).status).toBe(404);
  });

  it('sends /records/<concept id> and /records/<id>/latest to the latest version', async () => {
    for (const path of [`/records/${v1.conceptrecid}`, `/records/${v1.id}/latest`]) {
      const res = await fetch(`${emulator.baseUrl}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${emulator.baseUrl}/records/${v2.id}`);
    }
  });

  it('serves a file from the landing page with ?download=1 as an attachment', async () => {
    const res = await raw({ method: 'GET', url: `${emulator.baseUrl}/records/${v1.id}/files/image.tar.gz?download=1` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('first image');
    expect(res.headers['content-disposition']).toMatch(/^attachment/);
  });

  it('redirects the deposit page to the upload page', async () => {
    const res = await fetch(`${emulator.baseUrl}/deposit/${draftOnly.id}`, { redirect: 'manual' });
    expect(res.headers.get('location')).toBe(`${emulator.baseUrl}/uploads/${draftOnly.id}`);
  });
});
