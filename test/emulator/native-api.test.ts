import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { NativeClient, RDM_JSON, rdmMetadata } from './native-client.ts';
import { shapeDifferences } from './shape.ts';
import { Client, recorded, validMetadata } from './test-client.ts';

let emulator: Emulator;
let native: NativeClient;
let rdm: NativeClient;
let legacy: Client;

beforeAll(async () => {
  emulator = await startEmulator({ sandbox: true });
  native = new NativeClient(emulator);
  rdm = new NativeClient(emulator, { rdm: true });
  legacy = new Client(emulator);
});
afterAll(async () => {
  await emulator.close();
});

describe('the native draft flow answers like the recorded sandbox responses (REC:A1–A7, H1–H9)', () => {
  it('creates a draft from the recorded request body (REC:H0) shaped like REC:H1', async () => {
    const body = await native.expect(201, 'POST', '/records', recorded('H0'));
    expect(shapeDifferences(body, recorded('H1'))).toEqual([]);
    expect(body.conceptrecid).toBe(String(body.id - 1));
    expect(body.metadata.creators).toEqual([{ name: 'Labadorf, Adam', affiliation: null }]);
    expect(body.metadata.resource_type).toEqual({ title: 'Dataset', type: 'dataset' });
    expect(body.metadata.relations.version[0]).toEqual({ index: 0, is_last: false, parent: { pid_type: 'recid', pid_value: body.conceptrecid } });
    expect([body.status, body.state, body.submitted]).toEqual(['draft', 'unsubmitted', false]);
    expect(body.links.self).toBe(`${emulator.apiUrl}/records/${body.id}/draft`);
    // No legacy defaults on the native API: no publisher, no licence.
    expect(body.metadata.license).toBeUndefined();
  });

  it('creates an empty draft like REC:A1 and reserves its DOI like REC:A2', async () => {
    const draft = await native.expect(201, 'POST', '/records', { metadata: {}, files: { enabled: true } });
    // quota_increase appeared between REC:A1 (2025-10) and REC:H1 (2026-08).
    expect(shapeDifferences(draft, recorded('A1'), { ignore: ['$.links.quota_increase'] })).toEqual([]);
    expect(draft.metadata).toEqual({ access_right: 'open', relations: draft.metadata.relations });
    const reserved = await native.expect(201, 'POST', `/records/${draft.id}/draft/pids/doi`);
    expect(shapeDifferences(reserved, recorded('A2'), { ignore: ['$.links.quota_increase'] })).toEqual([]);
    expect(reserved.doi).toBe(`10.5072/zenodo.${draft.id}`);
    expect(reserved.doi_url).toBe(`https://handle.test.datacite.org/10.5072/zenodo.${draft.id}`);
    expect(reserved.metadata.doi).toBe(reserved.doi);
  });

  it('registers, uploads and commits files like REC:A3, A4, A5, then updates the draft like REC:A6', async () => {
    const draft = await native.createDraft();
    const id = String(draft.id);
    const init = await native.expect(201, 'POST', `/records/${id}/draft/files`, [
      { key: 'pattern-1_v1.0.0.cwl', size: 5, checksum: 'md5:5a105e8b9d40e1329780d62ea2265d8a' },
      { key: 'codemeta.json', size: 2, checksum: 'md5:99914b932bd37a50b983c5e7c90ae93b' },
    ]);
    expect(shapeDifferences(init, recorded('A3'))).toEqual([]);
    expect(init.entries.map((e: any) => [e.key, e.status, e.transfer.type])).toEqual([
      ['pattern-1_v1.0.0.cwl', 'pending', 'L'],
      ['codemeta.json', 'pending', 'L'],
    ]);
    const content = await native.expect(200, 'PUT', `/records/${id}/draft/files/pattern-1_v1.0.0.cwl/content`, Buffer.from('test1'));
    expect(shapeDifferences(content, recorded('A4'))).toEqual([]);
    expect(content.status).toBe('pending');
    const committed = await native.expect(200, 'POST', `/records/${id}/draft/files/pattern-1_v1.0.0.cwl/commit`);
    expect(shapeDifferences(committed, recorded('A5'))).toEqual([]);
    expect(committed.status).toBe('completed');
    expect(committed.checksum).toBe('md5:5a105e8b9d40e1329780d62ea2265d8a');
    await native.expect(200, 'PUT', `/records/${id}/draft/files/codemeta.json/content`, Buffer.from('{}'));
    await native.expect(200, 'POST', `/records/${id}/draft/files/codemeta.json/commit`);
    await native.expect(201, 'POST', `/records/${id}/draft/pids/doi`);
    const updated = await native.expect(200, 'PUT', `/records/${id}/draft`, {
      metadata: {
        ...rdmMetadata({ title: 'Water bodies detection based on NDWI and the otsu threshold', version: '1.0.0' }),
        description: 'Water bodies detection based on NDWI',
        creators: [{ person_or_org: { type: 'personal', family_name: 'Brito', given_name: 'Fabrice' }, affiliations: [{ name: 'Terradue Srl' }] }],
        resource_type: { id: 'workflow' },
      },
    });
    expect(shapeDifferences(updated, recorded('A6'), { ignore: ['$.links.quota_increase'] })).toEqual([]);
    expect(updated.metadata.creators).toEqual([{ name: 'Brito, Fabrice', affiliation: 'Terradue Srl' }]);
    expect(updated.files.map((f: any) => f.key)).toEqual(['pattern-1_v1.0.0.cwl', 'codemeta.json']);
    const published = await native.publish(id);
    expect(shapeDifferences(published, recorded('A7'), { ignore: ['$.links.file_modification', '$.links.quota_increase'] })).toEqual([]);
    // REC:H3's metadata differs by content (no description, a null affiliation); its links and envelope are today's.
    expect(shapeDifferences(published, recorded('H3'), { ignore: ['$.metadata'] })).toEqual([]);
    expect(published.doi).toBe(`10.5072/zenodo.${id}`);
    expect(published.conceptdoi).toBe(`10.5072/zenodo.${published.conceptrecid}`);
    expect(published.files[0].links.self).toBe(`${emulator.apiUrl}/records/${id}/files/pattern-1_v1.0.0.cwl/content`);
    expect([published.status, published.state, published.submitted]).toEqual(['published', 'done', true]);
  });

  it('refuses a publish without publisher (REC:H2), with a pending file (REC:H6), and a second publish (REC:H4)', async () => {
    const noPublisher = await native.createDraft(rdmMetadata({ publisher: null }));
    await native.upload(String(noPublisher.id), 'image.tar', 'bytes');
    const h2 = await native.call('POST', `/records/${noPublisher.id}/draft/actions/publish`);
    expect([h2.status, h2.body]).toEqual([400, recorded('H2')]);

    const pending = await native.createDraft();
    await native.expect(201, 'POST', `/records/${pending.id}/draft/files`, [{ key: 'data.txt' }]);
    const h6 = await native.call('POST', `/records/${pending.id}/draft/actions/publish`);
    expect([h6.status, h6.body]).toEqual([400, recorded('H6')]);

    const done = await native.publishedRecord();
    const h4 = await native.call('POST', `/records/${done.id}/draft/actions/publish`);
    expect([h4.status, h4.body]).toEqual([404, recorded('H4')]);
  });

  it('discards a draft: 204, then GET …/draft answers 404 as REC:H9', async () => {
    const draft = await native.createDraft();
    expect((await native.call('DELETE', `/records/${draft.id}/draft`)).status).toBe(204);
    const gone = await native.call('GET', `/records/${draft.id}/draft`);
    expect([gone.status, gone.body]).toEqual([404, recorded('H9')]);
  });
});

describe('versions on the native API', () => {
  it('makes a new version that starts empty, is idempotent, imports files once (REC:H5), and lists versions like REC:H8', async () => {
    const v1 = await native.publishedRecord({ version: '1.0', data: 'one' });
    const v2 = await native.expect(201, 'POST', `/records/${v1.id}/versions`);
    expect(v2.id).not.toBe(v1.id);
    expect(v2.conceptrecid).toBe(v1.conceptrecid);
    expect(v2.files).toEqual([]);
    expect(v2.doi).toBeUndefined();
    expect(v2.conceptdoi).toBe(v1.conceptdoi);
    expect(v2.metadata.version).toBeUndefined();
    const again = await native.expect(201, 'POST', `/records/${v1.id}/versions`);
    expect(again.id).toBe(v2.id);
    const files = await native.call('GET', `/records/${v2.id}/draft/files`);
    expect(files.body.entries).toEqual([]);
    // files-import copies the previous version's files; a second import is refused.
    await native.expect(201, 'POST', `/records/${v2.id}/draft/actions/files-import`);
    const h5 = await native.call('POST', `/records/${v2.id}/draft/actions/files-import`);
    expect([h5.status, h5.body]).toEqual([400, recorded('H5')]);
    await native.expect(204, 'DELETE', `/records/${v2.id}/draft/files/image.tar`);
    await native.upload(String(v2.id), 'image.tar', 'two');
    await native.expect(200, 'PUT', `/records/${v2.id}/draft`, { metadata: rdmMetadata({ version: '2.0' }) });
    const published = await native.publish(String(v2.id));
    expect(published.metadata.relations.version[0]).toMatchObject({ index: 1, is_last: true });

    const latest = await native.call('GET', `/records/${v1.id}/versions/latest`);
    expect(latest.status).toBe(301);
    expect(latest.headers.get('location')).toBe(`${emulator.apiUrl}/records/${v2.id}`);
    const byConcept = await native.call('GET', `/records/${v1.conceptrecid}/versions/latest`);
    expect(byConcept.headers.get('location')).toBe(`${emulator.apiUrl}/records/${v2.id}`);

    const list = await native.expect(200, 'GET', `/records/${v1.id}/versions`);
    const rec = recorded('H8') as any;
    expect(shapeDifferences(list, rec, { ignore: ['$.hits.hits[0].links', '$.hits.hits[1].links', '$.hits.hits[0].metadata', '$.hits.hits[1].metadata'] })).toEqual([]);
    expect(list.hits.hits.map((h: any) => h.id)).toEqual([v2.id, v1.id]);
  });

  it('refuses a new version of a never-published draft with 404', async () => {
    const draft = await native.createDraft();
    expect((await native.call('POST', `/records/${draft.id}/versions`)).status).toBe(404);
  });
});

describe('one store behind both APIs', () => {
  it('shows a legacy deposition as a native draft, and publishes it through the native API', async () => {
    const dep = await legacy.create(validMetadata({ title: 'Docker image legacy/made' }));
    await legacy.upload(dep, 'image.tar.gz', 'legacy bytes');
    const draft = await native.expect(200, 'GET', `/records/${dep.id}/draft`);
    expect(draft.title).toBe('Docker image legacy/made');
    expect(draft.files.map((f: any) => f.key)).toEqual(['image.tar.gz']);
    const asRdm = await rdm.expect(200, 'GET', `/records/${dep.id}/draft`);
    expect(asRdm.metadata.creators[0].person_or_org).toEqual({ type: 'personal', family_name: 'colomoto', name: 'colomoto' });
    expect(asRdm.metadata.publisher).toBe('Zenodo');
    expect(asRdm.metadata.additional_descriptions[0].type.id).toBe('notes');
    await native.publish(String(dep.id));
    const viaLegacy = await legacy.json('GET', `/deposit/depositions/${dep.id}`);
    expect(viaLegacy.body.state).toBe('done');
  });

  it('shows a natively published record through the legacy API and versions it there', async () => {
    const rec = await native.publishedRecord({ title: 'Docker image native/made' });
    const viaLegacy = await legacy.json('GET', `/deposit/depositions/${rec.id}`);
    expect(viaLegacy.body.submitted).toBe(true);
    expect(viaLegacy.body.doi).toBe(rec.doi);
    const next = await legacy.json('POST', `/deposit/depositions/${rec.id}/actions/newversion`);
    expect(next.status).toBe(201);
    expect(next.body.files.map((f: any) => f.filename)).toEqual(['image.tar']);
    const search = await legacy.json('GET', `/records?q=${encodeURIComponent(`doi:"${rec.doi}"`)}&all_versions=1`);
    expect(search.body.hits.total).toBe(1);
  });

  it('lists the caller’s drafts and records in GET /api/user/records', async () => {
    const draft = await native.createDraft(rdmMetadata({ title: 'Docker image user/records' }));
    const all = await native.expect(200, 'GET', `/user/records?q=${encodeURIComponent('metadata.title:"Docker image user/records"')}`);
    expect(all.hits.hits.map((h: any) => [h.id, h.status])).toEqual([[draft.id, 'draft']]);
    const drafts = await native.expect(200, 'GET', `/user/records?q=is_published:false&size=100`);
    expect(drafts.hits.hits.some((h: any) => h.id === draft.id)).toBe(true);
    const others = await new NativeClient(emulator, { token: emulator.otherToken }).expect(200, 'GET', '/user/records');
    expect(others.hits.total).toBe(0);
  });
});

describe('RDM JSON with Accept: application/vnd.inveniordm.v1+json', () => {
  it('answers drafts and records in RDM shape, hybrid shape without that Accept', async () => {
    const draft = await rdm.createDraft();
    expect(draft.id).toMatch(/^\d+$/);
    expect(draft.is_draft).toBe(true);
    expect(draft.is_published).toBe(false);
    expect(draft.metadata.creators[0].person_or_org).toEqual({ type: 'personal', family_name: 'Labadorf', given_name: 'Adam', name: 'Labadorf, Adam' });
    expect(draft.metadata.resource_type).toEqual({ id: 'other', title: { en: 'Other' } });
    expect(draft.parent.id).toBe(String(Number(draft.id) - 1));
    expect(draft.pids).toEqual({});
    await rdm.upload(draft.id, 'image.tar', 'rdm bytes');
    const record = await rdm.publish(draft.id);
    expect(record.is_published).toBe(true);
    expect(record.pids.doi.identifier).toBe(`10.5072/zenodo.${draft.id}`);
    expect(record.parent.pids.doi.identifier).toBe(`10.5072/zenodo.${draft.parent.id}`);
    expect(record.files.entries['image.tar']).toMatchObject({ key: 'image.tar', size: 9, status: 'completed' });
    expect(record.versions).toEqual({ index: 1, is_latest: true, is_latest_draft: true });
    const viaGet = await rdm.expect(200, 'GET', `/records/${draft.id}`);
    expect(viaGet.metadata.title).toBe(record.metadata.title);
    const hybrid = await native.expect(200, 'GET', `/records/${draft.id}`);
    expect(hybrid.files[0].checksum).toMatch(/^md5:/);
    expect(hybrid.recid).toBe(draft.id);
  });

  it('reports save errors in the draft (lenient save), keeps the valid part, refuses at publish', async () => {
    const res = await rdm.call('POST', '/records', {
      metadata: { title: 'Ok title', creators: [{ person_or_org: { type: 'personal', given_name: 'Ada' } }], resource_type: { id: 'no-such-type' } },
    });
    expect(res.status).toBe(201);
    const fields = res.body.errors.map((e: any) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.resource_type', 'metadata.creators.0.person_or_org.family_name', 'metadata.publication_date']));
    expect(res.body.metadata.title).toBe('Ok title');
    await rdm.upload(res.body.id, 'image.tar', 'x');
    const publish = await rdm.call('POST', `/records/${res.body.id}/draft/actions/publish`);
    expect(publish.status).toBe(400);
    expect(publish.body.errors.map((e: any) => e.field)).toEqual(['metadata.resource_type', 'metadata.creators', 'metadata.publication_date']);
  });

  it('refuses another Accept with 406', async () => {
    const res = await native.call('GET', '/records/1', undefined, { Accept: 'application/xml' });
    expect(res.status).toBe(406);
  });
});

describe('auth and limits on the native API', () => {
  it('refuses anonymous drafts and someone else’s draft with 403', async () => {
    const anonymous = new NativeClient(emulator, { token: null });
    const res = await anonymous.call('POST', '/records', { metadata: rdmMetadata() });
    expect([res.status, res.body]).toEqual([403, { status: 403, message: 'Permission denied.' }]);
    const draft = await native.createDraft();
    const other = new NativeClient(emulator, { token: emulator.otherToken });
    expect((await other.call('GET', `/records/${draft.id}/draft`)).status).toBe(403);
    expect((await other.call('PUT', `/records/${draft.id}/draft`, { metadata: rdmMetadata() })).status).toBe(403);
    expect((await anonymous.call('GET', '/user/records')).status).toBe(403);
  });

  it('answers an armed 429 like REC:H10 with the headers of REC:H11', async () => {
    const draft = await native.createDraft();
    emulator.faults.failNext({ path: /\/draft\/actions\/publish$/, status: 429 });
    const res = await native.call('POST', `/records/${draft.id}/draft/actions/publish`);
    expect(res.status).toBe(429);
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(recorded('H10') as object).sort());
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('limits searches with RDM JSON like the others (30 per minute, REC:H10)', async () => {
    const strict = await startEmulator({ enforceRateLimits: true });
    try {
      for (let i = 0; i < 30; i++) expect((await fetch(`${strict.apiUrl}/records?q=x`, { headers: { Accept: RDM_JSON } })).status).toBe(200);
      const res = await fetch(`${strict.apiUrl}/records?q=x`, { headers: { Accept: RDM_JSON } });
      expect(res.status).toBe(429);
      expect(await res.json()).toEqual(recorded('H10'));
    } finally {
      await strict.close();
    }
  });
});
