import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { shapeDifferences } from './shape.ts';
import { Client, bodyOf, raw, recorded } from './test-client.ts';

let emulator: Emulator;
let client: Client;

beforeAll(async () => {
  emulator = await startEmulator({ sandbox: true });
  client = new Client(emulator);
});
afterAll(async () => {
  await emulator.close();
});

/** The metadata the deposits R package sent in REC:B1 (sandbox, 2025-12-05). */
const b1Metadata = {
  title: 'New Title',
  publication_date: '2022-01-01',
  description: '## abstract\n\nThis is the abstract',
  access_right: 'closed',
  creators: [{ name: 'A. Person' }, { name: 'B. Person' }],
  keywords: ['one', 'two', 'three'],
  notes: '---start-deposits-meta---',
  upload_type: 'other',
};

describe('responses have the structure of the recorded Zenodo responses', () => {
  it('creates a deposition shaped like the recorded legacy create (REC:B1)', async () => {
    const res = await client.json('POST', '/deposit/depositions', { metadata: b1Metadata });
    expect(res.status).toBe(201);
    expect(shapeDifferences(res.body, recorded('B1'))).toEqual([]);
    expect(res.body.metadata.access_right).toBe('restricted');
    expect(res.body.links.badge).toBe(`${emulator.baseUrl}/badge/doi/.svg`);
  });

  it('creates from an empty body like the recorded create with {} (REC:C1), without the retired registerconceptdoi link', async () => {
    const res = await client.json('POST', '/deposit/depositions', {});
    expect(res.status).toBe(201);
    expect(shapeDifferences(res.body, recorded('C1'), { ignore: ['$.links.registerconceptdoi'] })).toEqual([]);
    expect(res.body.metadata).toEqual({ access_right: 'open', prereserve_doi: { doi: `10.5281/zenodo.${res.body.id}`, recid: res.body.id } });
    expect(res.body.title).toBe('');
  });

  it('answers a bucket PUT like the recorded one (REC:B2) with the recorded headers (REC:B2h)', async () => {
    const dep = await client.create(b1Metadata);
    const csv = 'a,b\n1,2\n';
    const res = await fetch(`${dep.links.bucket}/data.csv`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${emulator.token}`, 'Content-Type': 'application/octet-stream' },
      body: csv,
    });
    expect(res.status).toBe(201);
    const body = await bodyOf(res);
    expect(shapeDifferences(body, recorded('B2'))).toEqual([]);
    expect(body.mimetype).toBe('text/csv');
    expect(body.checksum).toMatch(/^md5:[0-9a-f]{32}$/);
    const recordedHeaders = (recorded('B2h') as { headers: Record<string, string> }).headers;
    for (const name of ['content-type', 'content-length', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']) {
      expect(res.headers.get(name), name).not.toBeNull();
      expect(name in recordedHeaders).toBe(true);
    }
    expect(res.headers.get('etag')).toBeNull();
  });

  it('serialises JSON with Python separators, so Content-Length matches the recorded bodies', async () => {
    const dep = await client.publishedRecord();
    const again = await client.call('POST', `/deposit/depositions/${dep.id}/actions/publish`);
    expect(again.headers.get('content-length')).toBe('40'); // REC:H11, publish twice
    expect(await again.text()).toBe('{"status": 404, "message": "Not found."}');
  });

  it('shows a deposition with files like the recorded GET (REC:B3)', async () => {
    const dep = await client.create({ ...b1Metadata, notes: undefined });
    // The client of REC:B3 sent the pre-reserved DOI back as metadata.doi, so `doi` shows on the draft.
    await client.json('PUT', `/deposit/depositions/${dep.id}`, { metadata: { ...b1Metadata, notes: undefined, doi: `10.5281/zenodo.${dep.id}` } });
    await client.upload(dep, 'data2.csv', 'x,y\n');
    await client.upload(dep, 'data.csv', 'x,y\n');
    const res = await client.json('GET', `/deposit/depositions/${dep.id}`);
    expect(res.status).toBe(200);
    expect(shapeDifferences(res.body, recorded('B3'))).toEqual([]);
    expect(res.body.files[0].links.download).toBe(`${emulator.apiUrl}/records/${dep.id}/draft/files/data2.csv/content`);
    expect(res.body.links.badge).toBe(`${emulator.baseUrl}/badge/doi/10.5281%2Fzenodo.${dep.id}.svg`);
  });

  it('lists depositions like the recorded list, without links.bucket (REC:B4)', async () => {
    const separate = await startEmulator();
    try {
      const c = new Client(separate);
      const dep = await c.create({ ...b1Metadata, notes: undefined, access_right: 'embargoed', embargo_date: '2030-01-01' });
      await c.json('PUT', `/deposit/depositions/${dep.id}`, {
        metadata: { ...b1Metadata, notes: undefined, access_right: 'embargoed', embargo_date: '2030-01-01', doi: `10.5281/zenodo.${dep.id}` },
      });
      const res = await c.json('GET', '/deposit/depositions');
      expect(res.status).toBe(200);
      expect(shapeDifferences(res.body, recorded('B4'))).toEqual([]);
      expect(res.body[0].links.bucket).toBeUndefined();
    } finally {
      await separate.close();
    }
  });

  it('answers newversion with the new draft shaped like the recorded one (REC:D1)', async () => {
    const dep = await client.create({
      title: 'Dataset of organoids',
      description: '<p>Cropped images.</p>',
      access_right: 'open',
      creators: [{ name: 'INRIA Raffaele Martone' }],
      license: 'cc-by-4.0',
      upload_type: 'dataset',
      publication_date: '2025-10-01',
    });
    await client.upload(dep, 'Organoids_Dataset.zip', 'zip bytes');
    await client.publish(dep.id);
    const res = await client.json('POST', `/deposit/depositions/${dep.id}/actions/newversion`);
    expect(res.status).toBe(201);
    expect(shapeDifferences(res.body, recorded('D1'))).toEqual([]);
    expect(res.body.metadata.publication_date).toBeUndefined();
    expect(res.body.metadata.version).toBeUndefined();
  });

  it('serves a record like the recorded records API JSON (REC:F1)', async () => {
    const dep = await client.create({
      title: 'CODECHECK Certificate 2024-111',
      publication_date: '2024-12-20',
      description: '<p>The basics of integration testing</p>',
      access_right: 'open',
      creators: [{ name: 'Carberry, Josiah' }],
      upload_type: 'publication',
      publication_type: 'other',
      license: 'cc-by-4.0',
    });
    await client.upload(dep, 'codecheck.yml', 'certificate: 2024-111\n');
    await client.publish(dep.id);
    const res = await fetch(`${emulator.apiUrl}/records/${dep.id}`);
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    // Zenodo added these links after REC:F1 (2024-12); REC:A7 and REC:H3 have them.
    const newer = ['preview_html', 'request_deletion', 'file_modification', 'quota_increase'].map((l) => `$.links.${l}`);
    expect(shapeDifferences(body, recorded('F1'), { ignore: newer })).toEqual([]);
    expect(body.metadata.resource_type).toEqual({ title: 'Other', type: 'publication', subtype: 'other' });
    expect(body.doi).toBe(`10.5072/zenodo.${dep.id}`);
    expect(body.doi_url).toBe(`https://handle.test.datacite.org/10.5072/zenodo.${dep.id}`);
  });

  it('lists versions like the recorded versions list (REC:H8)', async () => {
    const first = await client.publishedRecord({ title: 'Versions list', version: '1' });
    const draft = (await client.json('POST', `/deposit/depositions/${first.id}/actions/newversion`)).body;
    await client.json('PUT', `/deposit/depositions/${draft.id}`, { metadata: { ...first.metadata, version: '2', publication_date: '2025-01-02' } });
    await client.publish(draft.id);
    const res = await fetch(`${emulator.apiUrl}/records/${draft.id}/versions`);
    const body = await bodyOf(res);
    const rec = recorded('H8') as any;
    expect(body.hits.total).toBe(2);
    // REC:H8 pruned the links of each hit, so only the envelope and the hits' other keys are compared.
    expect(shapeDifferences(body, rec, { ignore: ['$.hits.hits[0].links', '$.hits.hits[1].links', '$.hits.hits[0].metadata', '$.hits.hits[1].metadata'] })).toEqual([]);
    expect(body.hits.hits.map((h: any) => h.metadata.relations.version[0])).toEqual([
      { index: 1, is_last: true, parent: { pid_type: 'recid', pid_value: first.conceptrecid } },
      { index: 0, is_last: false, parent: { pid_type: 'recid', pid_value: first.conceptrecid } },
    ]);
  });

  it('answers a second publish with the recorded 404 (REC:H4)', async () => {
    const dep = await client.publishedRecord();
    const res = await client.json('POST', `/deposit/depositions/${dep.id}/actions/publish`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(recorded('H4'));
  });

  it('answers a second newversion while the draft has files with the recorded 400 (REC:H5)', async () => {
    const dep = await client.publishedRecord();
    expect((await client.json('POST', `/deposit/depositions/${dep.id}/actions/newversion`)).status).toBe(201);
    const res = await client.json('POST', `/deposit/depositions/${dep.id}/actions/newversion`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(recorded('H5'));
  });

  it('answers a deleted draft with the recorded 404 (REC:H9)', async () => {
    const dep = await client.create();
    expect((await client.call('DELETE', `/deposit/depositions/${dep.id}`)).status).toBe(204);
    const res = await client.json('GET', `/deposit/depositions/${dep.id}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(recorded('H9'));
  });

  it('answers an injected 429 with the recorded body shape and a compact JSON line (REC:H10, REC:H11)', async () => {
    emulator.faults.failNext({ path: /^\/api\/records$/, status: 429 });
    const res = await fetch(`${emulator.apiUrl}/records?q=x`);
    expect(res.status).toBe(429);
    const text = await res.text();
    expect(shapeDifferences(JSON.parse(text), recorded('H10'))).toEqual([]);
    expect(text).toBe('{"message":"30 per 1 minute","status":429}\n');
    expect(res.headers.get('content-length')).toBe('43');
  });

  it('answers anonymous deposit calls with the documented 403 body', async () => {
    const res = await new Client(emulator, null).json('GET', '/deposit/depositions');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: 403, message: 'Permission denied.' });
  });

  it('reports page-size errors with the texts of Zenodo’s own tests (REC:J1)', async () => {
    const j1 = recorded('J1') as any;
    const guest = await fetch(`${emulator.apiUrl}/records?size=26`);
    expect(guest.status).toBe(400);
    expect(await bodyOf(guest)).toEqual(j1.records_search_guest_size_26);
    const auth = await client.json('GET', '/records?size=101');
    expect(auth.body).toEqual(j1.records_search_auth_size_101);
  });

  it('sends the recorded download headers for a text file (REC:H11)', async () => {
    const dep = await client.publishedRecord({ key: 'data.txt', data: 'hello zenodo\n' });
    const res = await raw({ method: 'GET', url: `${emulator.apiUrl}/records/${dep.id}/files/data.txt/content` });
    const rec = (recorded('H11') as any[])[1].headers as Record<string, string>;
    for (const name of ['content-type', 'content-length', 'content-disposition', 'oc-checksum', 'accept-ranges', 'x-content-type-options', 'x-download-options', 'x-permitted-cross-domain-policies']) {
      expect(res.headers[name], name).toBeDefined();
      expect(name in rec).toBe(true);
    }
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('inline');
    expect(res.headers['etag']).toBeUndefined();
    expect(res.headers['content-md5']).toBeUndefined();
  });
});
