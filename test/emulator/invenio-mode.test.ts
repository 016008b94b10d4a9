import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { NativeClient, rdmMetadata } from './native-client.ts';

let emulator: Emulator;
let client: NativeClient;

beforeAll(async () => {
  emulator = await startEmulator({
    mode: 'invenio',
    doiPrefix: '10.83000',
    communities: [
      { slug: 'reviewed', title: 'Staff-reviewed uploads', review: true },
      { slug: 'open-uploads', review: false },
    ],
  });
  client = new NativeClient(emulator);
});
afterAll(async () => {
  await emulator.close();
});

const RECID = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;

describe('a plain InvenioRDM instance', () => {
  it('has no legacy deposit or bucket API', async () => {
    expect((await client.call('POST', '/deposit/depositions', {})).status).toBe(404);
    expect((await client.call('GET', '/deposit/depositions')).status).toBe(404);
    expect((await client.call('PUT', '/files/some-bucket/image.tar', Buffer.from('x'))).status).toBe(404);
  });

  it('answers RDM JSON to application/json and to no Accept, with RDM record ids', async () => {
    const draft = await client.createDraft();
    expect(draft.id).toMatch(RECID);
    expect(draft.parent.id).toMatch(RECID);
    expect(draft.is_draft).toBe(true);
    expect(draft.links.self).toBe(`${emulator.apiUrl}/records/${draft.id}/draft`);
    const asJson = await client.expect(200, 'GET', `/records/${draft.id}/draft`, undefined, { Accept: 'application/json' });
    expect(asJson.metadata.title).toBe(draft.metadata.title);
    expect(asJson.conceptrecid).toBeUndefined();
  });

  it('knows no "notes" description type (Zenodo’s own): a draft reports it and drops it', async () => {
    const res = await client.call('POST', '/records', { metadata: { ...rdmMetadata(), additional_descriptions: [{ description: 'n', type: { id: 'notes' } }] } });
    expect(res.status).toBe(201);
    expect(res.body.errors).toEqual([{ field: 'metadata.additional_descriptions.0', messages: ['Invalid value.'] }]);
    expect(res.body.metadata.additional_descriptions).toBeUndefined();
  });

  it('mints DOIs with its own prefix, versions and locates records by parent id', async () => {
    const draft = await client.createDraft(rdmMetadata({ version: '1.0' }));
    const reserved = await client.expect(201, 'POST', `/records/${draft.id}/draft/pids/doi`);
    expect(reserved.pids.doi.identifier).toBe(`10.83000/${draft.id}`);
    await client.upload(draft.id, 'image.tar', 'first');
    const v1 = await client.publish(draft.id);
    expect(v1.pids.doi.identifier).toBe(`10.83000/${draft.id}`);
    expect(v1.parent.pids.doi.identifier).toBe(`10.83000/${draft.parent.id}`);
    const v2draft = await client.expect(201, 'POST', `/records/${v1.id}/versions`);
    expect(v2draft.files.entries).toEqual({});
    expect(v2draft.status).toBe('new_version_draft');
    await client.upload(v2draft.id, 'image.tar', 'second');
    await client.expect(200, 'PUT', `/records/${v2draft.id}/draft`, { metadata: rdmMetadata({ version: '2.0' }) });
    const v2 = await client.publish(v2draft.id);
    expect(v2.versions).toEqual({ index: 2, is_latest: true, is_latest_draft: true });
    const latest = await client.call('GET', `/records/${draft.parent.id}/versions/latest`);
    expect(latest.status).toBe(301);
    expect(latest.headers.get('location')).toBe(`${emulator.apiUrl}/records/${v2.id}`);
    const versions = await client.expect(200, 'GET', `/records/${v1.id}/versions`);
    expect(versions.hits.hits.map((h: any) => h.id)).toEqual([v2.id, v1.id]);
    const found = await client.expect(200, 'GET', `/records?q=${encodeURIComponent(`parent.id:${draft.parent.id}`)}&allversions=true`);
    expect(found.hits.total).toBe(2);
    const content = await fetch(`${emulator.apiUrl}/records/${v1.id}/files/image.tar/content`);
    expect(await content.text()).toBe('first');
  });
});

describe('communities that review submissions', () => {
  it('keeps a submission to a reviewing community in review until the curator accepts it', async () => {
    const community = await client.expect(200, 'GET', '/communities/reviewed');
    expect(community.access.review_policy).toBe('closed');
    const draft = await client.createDraft(rdmMetadata({ title: 'Reviewed upload' }));
    await client.upload(draft.id, 'image.tar', 'bytes');
    const request = await client.expect(200, 'PUT', `/records/${draft.id}/draft/review`, { receiver: { community: community.id }, type: 'community-submission' });
    expect(request.status).toBe('created');
    // With a review request, the draft is not published directly.
    expect((await client.call('POST', `/records/${draft.id}/draft/actions/publish`)).status).toBe(400);
    const submitted = await client.expect(202, 'POST', `/records/${draft.id}/draft/actions/submit-review`, { payload: { content: 'please', format: 'html' } });
    expect(submitted.status).toBe('submitted');
    expect(submitted.id).toBe(request.id);
    const inReview = await client.expect(200, 'GET', `/records/${draft.id}/draft`);
    expect(inReview.status).toBe('in_review');
    expect(inReview.parent.review).toMatchObject({ id: request.id, status: 'submitted' });
    expect((await client.call('GET', `/records/${draft.id}`)).status).toBe(404);
    // Only the curator may accept.
    expect((await client.call('POST', `/requests/${request.id}/actions/accept`)).status).toBe(403);
    emulator.acceptReview(request.id);
    const record = await client.expect(200, 'GET', `/records/${draft.id}`);
    expect(record.is_published).toBe(true);
    expect(record.parent.communities.ids).toEqual([community.id]);
    expect((await client.expect(200, 'GET', `/requests/${request.id}`)).status).toBe('accepted');
  });

  it('accepts through the requests API with the curator token', async () => {
    const draft = await client.createDraft(rdmMetadata({ title: 'Curated upload' }));
    await client.upload(draft.id, 'image.tar', 'bytes');
    const request = await client.expect(200, 'PUT', `/records/${draft.id}/draft/review`, { receiver: { community: 'reviewed' }, type: 'community-submission' });
    await client.expect(202, 'POST', `/records/${draft.id}/draft/actions/submit-review`);
    const curator = new NativeClient(emulator, { token: emulator.curatorToken });
    const accepted = await curator.expect(200, 'POST', `/requests/${request.id}/actions/accept`);
    expect(accepted.status).toBe('accepted');
    expect((await client.expect(200, 'GET', `/records/${draft.id}`)).is_published).toBe(true);
  });

  it('publishes a submission to a community without review at once', async () => {
    const draft = await client.createDraft(rdmMetadata({ title: 'Open upload' }));
    await client.upload(draft.id, 'image.tar', 'bytes');
    await client.expect(200, 'PUT', `/records/${draft.id}/draft/review`, { receiver: { community: 'open-uploads' }, type: 'community-submission' });
    const submitted = await client.expect(202, 'POST', `/records/${draft.id}/draft/actions/submit-review`);
    expect(submitted.status).toBe('accepted');
    expect((await client.expect(200, 'GET', `/records/${draft.id}`)).is_published).toBe(true);
  });

  it('validates a submission as a publish would', async () => {
    const draft = await client.createDraft(rdmMetadata({ title: 'No files yet' }));
    await client.expect(200, 'PUT', `/records/${draft.id}/draft/review`, { receiver: { community: 'reviewed' }, type: 'community-submission' });
    const res = await client.call('POST', `/records/${draft.id}/draft/actions/submit-review`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'files.enabled', messages: ['Missing uploaded files. To disable files for this record please mark it as metadata-only.'] }]);
  });
});
