import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { Client, bodyOf, getJson, raw, validMetadata } from './test-client.ts';

let emulator: Emulator;
let client: Client;
let other: Client;
let anonymous: Client;

beforeAll(async () => {
  emulator = await startEmulator();
  client = new Client(emulator);
  other = new Client(emulator, emulator.otherToken);
  anonymous = new Client(emulator, null);
});
afterAll(async () => {
  await emulator.close();
});

describe('creating a deposition', () => {
  it('allocates the concept id first and the record id next, with conceptrecid as a string', async () => {
    const dep = await client.create(validMetadata());
    expect(typeof dep.id).toBe('number');
    expect(dep.record_id).toBe(dep.id);
    expect(dep.conceptrecid).toBe(String(dep.id - 1));
    expect(dep.state).toBe('unsubmitted');
    expect(dep.submitted).toBe(false);
    expect(dep.files).toEqual([]);
    expect(dep.doi).toBeUndefined();
    expect(dep.conceptdoi).toBeUndefined();
    expect(dep.metadata.prereserve_doi).toEqual({ doi: `10.5281/zenodo.${dep.id}`, recid: dep.id });
    expect(dep.links.latest_draft).toBe(`${emulator.apiUrl}/deposit/depositions/${dep.id}`);
    expect(dep.links.record).toBeUndefined();
  });

  it('maps licence aliases, fills defaults and drops unknown metadata keys', async () => {
    const dep = await client.create({ title: 'Defaults', upload_type: 'other', license: 'cc-by', url: 'https://example.org', prereserve_doi: true });
    expect(dep.metadata.license).toBe('cc-by-4.0');
    expect(dep.metadata.imprint_publisher).toBe('Zenodo');
    expect(dep.metadata.publication_date).toBe(new Date().toISOString().slice(0, 10));
    expect(dep.metadata.access_right).toBe('open');
    expect(dep.metadata.url).toBeUndefined();
    const dataset = await client.create({ title: 'Data', upload_type: 'dataset' });
    expect(dataset.metadata.license).toBe('cc0-1.0');
  });

  it('rejects a top-level key other than metadata with 400 and creates nothing', async () => {
    const before = emulator.store.versions.size;
    const res = await client.json('POST', '/deposit/depositions', { unknownkey: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, message: 'A validation error occurred.', errors: [{ field: 'unknownkey', messages: ['Unknown field.'] }] });
    expect(emulator.store.versions.size).toBe(before);
  });

  it('rejects a chunked JSON body with 500, as Zenodo does', async () => {
    const { Readable } = await import('node:stream');
    const res = await raw({
      method: 'POST',
      url: `${emulator.apiUrl}/deposit/depositions`,
      headers: { Authorization: `Bearer ${emulator.token}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      body: Readable.from([Buffer.from('{}')]),
    });
    expect(res.status).toBe(500);
    expect(res.json().status).toBe(500);
  });

  it('answers malformed JSON and a wrong Content-Type like flask-resources', async () => {
    const bad = await client.call('POST', '/deposit/depositions', undefined, { 'Content-Type': 'application/json' });
    expect(bad.status).toBe(400);
    const res = await fetch(`${emulator.apiUrl}/deposit/depositions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${emulator.token}`, 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await bodyOf(res)).toEqual({ status: 400, message: 'Unable to decode JSON data in request body.' });
    const text = await fetch(`${emulator.apiUrl}/deposit/depositions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${emulator.token}`, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
  });

  it('rejects invalid legacy values at create time (license type, related_identifiers, communities)', async () => {
    const license = await client.json('POST', '/deposit/depositions', { metadata: { license: 5 } });
    expect(license.status).toBe(400);
    expect(license.body.errors[0].field).toBe('metadata.license');
    const related = await client.json('POST', '/deposit/depositions', { metadata: { related_identifiers: 'x' } });
    expect(related.body.errors[0]).toEqual({ field: 'metadata.related_identifiers', messages: ['related_identifiers must be a list'] });
    const communities = await client.json('POST', '/deposit/depositions', { metadata: { communities: ['zenodo'] } });
    expect(communities.body.errors[0].field).toBe('communities');
  });
});

describe('reading, updating and deleting a deposition', () => {
  it('answers 404 for an unknown id and 403 for someone else or anonymous, never 401', async () => {
    const dep = await client.create();
    expect((await client.json('GET', '/deposit/depositions/999999')).status).toBe(404);
    expect((await other.json('GET', `/deposit/depositions/${dep.id}`)).status).toBe(403);
    const anon = await anonymous.json('GET', `/deposit/depositions/${dep.id}`);
    expect(anon.status).toBe(403);
    expect(anon.body).toEqual({ status: 403, message: 'Permission denied.' });
    const badToken = await new Client(emulator, 'not-a-token').json('POST', '/deposit/depositions', {});
    expect(badToken.status).toBe(403);
  });

  it('replaces the whole metadata on PUT: fields not sent disappear', async () => {
    const dep = await client.create(validMetadata());
    const res = await client.json('PUT', `/deposit/depositions/${dep.id}`, { metadata: { title: 'Only a title', upload_type: 'other' } });
    expect(res.status).toBe(200);
    expect(res.body.metadata.version).toBeUndefined();
    expect(res.body.metadata.creators).toBeUndefined();
    expect(res.body.title).toBe('Only a title');
  });

  it('keeps invalid RDM values out silently and reports them only at publish', async () => {
    const dep = await client.create({ title: 'ab', upload_type: 'nonsense', creators: [{ name: 'x' }] });
    expect(dep.title).toBe('');
    expect(dep.metadata.upload_type).toBeUndefined();
    await client.upload(dep, 'f.txt', 'x');
    const res = await client.json('POST', `/deposit/depositions/${dep.id}/actions/publish`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'metadata.resource_type', messages: ['Missing data for required field.'] },
      { field: 'metadata.title', messages: ['Missing data for required field.'] },
    ]);
  });

  it('deletes a draft with 204 and an empty body, then answers 404', async () => {
    const dep = await client.create();
    const res = await client.call('DELETE', `/deposit/depositions/${dep.id}`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect((await client.call('DELETE', `/deposit/depositions/${dep.id}`)).status).toBe(404);
    expect(emulator.store.concepts.has(dep.id - 1)).toBe(false);
  });

  it('discards with the same 204 as DELETE', async () => {
    const dep = await client.create();
    expect((await client.call('POST', `/deposit/depositions/${dep.id}/actions/discard`)).status).toBe(204);
    expect((await client.call('GET', `/deposit/depositions/${dep.id}`)).status).toBe(404);
  });
});

describe('publishing', () => {
  it('refuses a draft without files, creators or title, with the RDM error list', async () => {
    const empty = await client.create();
    const res = await client.json('POST', `/deposit/depositions/${empty.id}/actions/publish`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('A validation error occurred.');
    expect(res.body.errors.map((e: any) => e.field)).toEqual(['metadata.resource_type', 'metadata.creators', 'metadata.title', 'metadata.publication_date']);
    const noFile = await client.create(validMetadata());
    const files = await client.json('POST', `/deposit/depositions/${noFile.id}/actions/publish`);
    expect(files.body.errors).toEqual([
      { field: 'files.enabled', messages: ['Missing uploaded files. To disable files for this record please mark it as metadata-only.'] },
    ]);
  });

  it('publishes with 202: state done, DOI, concept DOI and the record link set', async () => {
    const dep = await client.create(validMetadata());
    await client.upload(dep, 'image.tar.gz', 'bytes');
    const res = await client.json('POST', `/deposit/depositions/${dep.id}/actions/publish`);
    expect(res.status).toBe(202);
    const pub = res.body;
    expect(pub.id).toBe(dep.id);
    expect(pub.state).toBe('done');
    expect(pub.submitted).toBe(true);
    expect(pub.doi).toBe(`10.5281/zenodo.${dep.id}`);
    expect(pub.conceptdoi).toBe(`10.5281/zenodo.${dep.conceptrecid}`);
    expect(pub.doi_url).toBe(`https://doi.org/10.5281/zenodo.${dep.id}`);
    expect(pub.links.self).toBe(`${emulator.apiUrl}/records/${dep.id}`);
    expect(pub.links.html).toBe(`${emulator.baseUrl}/records/${dep.id}`);
    expect(pub.links.record_html).toBe(`${emulator.baseUrl}/record/${dep.id}`);
    expect(pub.links.latest).toBe(`${emulator.apiUrl}/records/${dep.id}/versions/latest`);
    expect(pub.links.parent_doi).toBe(`https://doi.org/10.5281/zenodo.${dep.conceptrecid}`);
    expect(pub.links.latest_draft).toBe(`${emulator.apiUrl}/deposit/depositions/${dep.id}`);
  });

  it('uses the 10.5072 prefix on the sandbox but keeps 10.5281 in prereserve_doi', async () => {
    const sandbox = await startEmulator({ sandbox: true });
    try {
      const c = new Client(sandbox);
      const pub = await c.publishedRecord();
      expect(pub.doi).toBe(`10.5072/zenodo.${pub.id}`);
      expect(pub.conceptdoi).toBe(`10.5072/zenodo.${pub.conceptrecid}`);
      expect(pub.doi_url).toBe(`https://doi.org/10.5072/zenodo.${pub.id}`);
      expect(pub.metadata.prereserve_doi.doi).toBe(`10.5281/zenodo.${pub.id}`);
    } finally {
      await sandbox.close();
    }
  });

  it('answers PUT and DELETE on a published record without an edit draft with 404', async () => {
    const pub = await client.publishedRecord();
    expect((await client.json('PUT', `/deposit/depositions/${pub.id}`, { metadata: validMetadata() })).status).toBe(404);
    expect((await client.call('DELETE', `/deposit/depositions/${pub.id}`)).status).toBe(404);
  });

  it('edits a published record: 201 inprogress, PUT, publish again keeps the DOI', async () => {
    const pub = await client.publishedRecord();
    const edit = await client.json('POST', `/deposit/depositions/${pub.id}/actions/edit`);
    expect(edit.status).toBe(201);
    expect(edit.body.state).toBe('inprogress');
    expect(edit.body.submitted).toBe(true);
    expect(edit.body.links.self).toBe(`${emulator.apiUrl}/deposit/depositions/${pub.id}`);
    const put = await client.json('PUT', `/deposit/depositions/${pub.id}`, { metadata: { ...validMetadata(), title: 'Edited title' } });
    expect(put.status).toBe(200);
    // The record stays unchanged until the edit is published.
    const before = await getJson(`${emulator.apiUrl}/records/${pub.id}`);
    expect(before.title).toBe(pub.title);
    const again = await client.publish(pub.id);
    expect(again.title).toBe('Edited title');
    expect(again.doi).toBe(pub.doi);
  });

  it('locks the files of a published record in its edit draft: add 404, delete 403, bucket 403', async () => {
    const pub = await client.publishedRecord();
    const edit = (await client.json('POST', `/deposit/depositions/${pub.id}/actions/edit`)).body;
    const form = new FormData();
    form.append('file', new Blob(['x']), 'new.txt');
    const add = await fetch(`${emulator.apiUrl}/deposit/depositions/${pub.id}/files`, { method: 'POST', headers: { Authorization: `Bearer ${emulator.token}` }, body: form });
    expect(add.status).toBe(404);
    const del = await client.call('DELETE', `/deposit/depositions/${pub.id}/files/${edit.files[0].id}`);
    expect(del.status).toBe(403);
    const put = await fetch(`${edit.links.bucket}/other.txt`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${emulator.token}`, 'Content-Type': 'application/octet-stream' },
      body: 'x',
    });
    expect(put.status).toBe(403);
  });

  it('discarding an edit draft leaves the record published', async () => {
    const pub = await client.publishedRecord();
    await client.json('POST', `/deposit/depositions/${pub.id}/actions/edit`);
    expect((await client.call('POST', `/deposit/depositions/${pub.id}/actions/discard`)).status).toBe(204);
    const res = await client.json('GET', `/deposit/depositions/${pub.id}`);
    expect(res.body.state).toBe('done');
    expect(res.body.links.self).toBe(`${emulator.apiUrl}/records/${pub.id}`);
  });
});

describe('new versions', () => {
  it('returns the new draft: new id, same concept, conceptdoi, no doi, own bucket, files copied', async () => {
    const pub = await client.publishedRecord({ data: 'version one' });
    const res = await client.json('POST', `/deposit/depositions/${pub.id}/actions/newversion`);
    expect(res.status).toBe(201);
    const draft = res.body;
    expect(draft.id).toBeGreaterThan(pub.id);
    expect(draft.conceptrecid).toBe(pub.conceptrecid);
    expect(draft.conceptdoi).toBe(pub.conceptdoi);
    expect(draft.doi).toBeUndefined();
    expect(draft.state).toBe('unsubmitted');
    expect(draft.links.bucket).not.toBe(pub.links.bucket);
    expect(draft.links.latest_draft).toBe(`${emulator.apiUrl}/deposit/depositions/${draft.id}`);
    expect(draft.files.map((f: any) => [f.id, f.filename, f.checksum])).toEqual(pub.files.map((f: any) => [f.id, f.filename, f.checksum]));
    expect(draft.metadata.version).toBeUndefined();
    expect(draft.metadata.publication_date).toBeUndefined();
    expect(draft.metadata.title).toBe(pub.metadata.title);
    // The published version still points at itself (zenodo/zenodo-rdm#858).
    const old = await client.json('GET', `/deposit/depositions/${pub.id}`);
    expect(old.body.links.latest_draft).toBe(`${emulator.apiUrl}/deposit/depositions/${pub.id}`);
  });

  it('returns the same draft again once its files are removed, and imports the files again', async () => {
    const pub = await client.publishedRecord();
    const draft = (await client.json('POST', `/deposit/depositions/${pub.id}/actions/newversion`)).body;
    expect((await client.call('DELETE', `/deposit/depositions/${draft.id}/files/${draft.files[0].id}`)).status).toBe(204);
    const again = await client.json('POST', `/deposit/depositions/${pub.id}/actions/newversion`);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(draft.id);
    expect(again.body.files).toHaveLength(1);
  });

  it('refuses a newversion of an unpublished draft or of a concept id with 404', async () => {
    const dep = await client.create(validMetadata());
    expect((await client.json('POST', `/deposit/depositions/${dep.id}/actions/newversion`)).status).toBe(404);
    const pub = await client.publishedRecord();
    expect((await client.json('POST', `/deposit/depositions/${pub.conceptrecid}/actions/newversion`)).status).toBe(404);
  });

  it('publishes the new version with its own DOI and makes it the latest', async () => {
    const pub = await client.publishedRecord({ version: '1.0' });
    const draft = (await client.json('POST', `/deposit/depositions/${pub.id}/actions/newversion`)).body;
    await client.call('DELETE', `/deposit/depositions/${draft.id}/files/${draft.files[0].id}`);
    await client.upload(draft, 'image.tar.gz', 'version two');
    // A new version needs its full metadata again (publication_date was not copied).
    const incomplete = await client.json('POST', `/deposit/depositions/${draft.id}/actions/publish`);
    expect(incomplete.body.errors).toEqual([{ field: 'metadata.publication_date', messages: ['Missing data for required field.'] }]);
    await client.json('PUT', `/deposit/depositions/${draft.id}`, { metadata: validMetadata({ version: '2.0' }) });
    const v2 = await client.publish(draft.id);
    expect(v2.doi).toBe(`10.5281/zenodo.${draft.id}`);
    expect(v2.conceptdoi).toBe(pub.conceptdoi);
    const latest = await fetch(`${emulator.apiUrl}/records/${pub.id}/versions/latest`, { redirect: 'manual' });
    expect(latest.status).toBe(301);
    expect(latest.headers.get('location')).toBe(`${emulator.apiUrl}/records/${draft.id}`);
    const old = await getJson(`${emulator.apiUrl}/records/${pub.id}`);
    expect(old.metadata.relations.version[0].is_last).toBe(false);
  });
});
