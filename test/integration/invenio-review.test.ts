/**
 * Review before publish (issue 13, point 5): a push through the invenio storage into a community
 * whose curators review submissions ends "submitted for review" (its own --json status and exit
 * code 3); a rerun before acceptance submits nothing again; a rerun after acceptance finds the
 * published record. On the emulator as a plain InvenioRDM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/index.ts';
import { fetchJson } from '../support/http.ts';
import { buildTestImage, removeImages } from '../support/images.ts';
import { plainInvenio, type PlainInvenio } from '../support/plain-invenio.ts';

const NAME = `donodo-test/invreview-${process.pid}`;
let testbed: PlainInvenio;
let rdm: Emulator;

beforeAll(async () => {
  testbed = await plainInvenio('donodo-invenio-review-', { communities: [{ slug: 'reviewed', review: true }, { slug: 'open-uploads', review: false }] });
  rdm = testbed.rdm;
  await buildTestImage(`${NAME}:1.0`);
  await buildTestImage(`${NAME}-open:1.0`);
});
afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}-open:1.0`);
  await testbed?.close();
});

const push = (image: string, community: string) => testbed.donodo('push', image, '-y', '--json', '-t', testbed.publisher, '--invenio-community', community);

describe('--storage invenio into a community', () => {
  it('that reviews: "submitted for review" (exit 3), nothing submitted twice, and the rerun after acceptance finds the published record', async () => {
    const submitted = await push(`${NAME}:1.0`, 'reviewed');
    expect(submitted.code, submitted.stderr).toBe(3);
    expect(submitted.json[0]).toMatchObject({ status: 'submitted', published: false, version: '1.0' });
    const id = submitted.json[0].recordId;

    const submissions = () => rdm.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/draft/actions/submit-review')).length;
    const waiting = await push(`${NAME}:1.0`, 'reviewed');
    expect(waiting.code, waiting.stderr).toBe(3);
    expect(waiting.json[0]).toMatchObject({ status: 'submitted', recordId: id, published: false });
    expect(submissions()).toBe(1);

    const review = await fetchJson(`${rdm.apiUrl}/records/${id}/draft/review`, { headers: { authorization: `Bearer ${rdm.token}` } });
    rdm.acceptReview(review.id);
    const accepted = await push(`${NAME}:1.0`, 'reviewed');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.json[0]).toMatchObject({ status: 'unchanged', recordId: id, published: true, doi: expect.stringMatching(/^10\.80001\//) });
    expect(submissions()).toBe(1);
  });

  it('that does not review: published at once', async () => {
    const pushed = await push(`${NAME}-open:1.0`, 'open-uploads');
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ status: 'published', published: true, doi: expect.stringMatching(/^10\.80001\//) });
  });
});
