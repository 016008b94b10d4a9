/**
 * On an InvenioRDM that is not Zenodo, the invenio storage's errors name InvenioRDM and its flag,
 * not Zenodo (the HTTP parts are shared with the zenodo storage). On the emulator as a plain InvenioRDM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestImage, removeImages } from '../support/images.ts';
import { plainInvenio, type PlainInvenio } from '../support/plain-invenio.ts';

const NAME = `donodo-test/invmessages-${process.pid}`;
let testbed: PlainInvenio;

beforeAll(async () => {
  testbed = await plainInvenio('donodo-invenio-messages-');
  await buildTestImage(`${NAME}:1.0`);
});
afterAll(async () => {
  await removeImages(`${NAME}:1.0`);
  await testbed?.close();
});

describe('the invenio storage on another InvenioRDM', () => {
  it('names InvenioRDM in a server error, not Zenodo, and the rerun publishes', async () => {
    const push = () => testbed.donodo('push', `${NAME}:1.0`, '-y', '--json', '-t', testbed.publisher);
    testbed.rdm.faults.failNext({ method: 'POST', path: /\/draft\/actions\/publish$/, status: 500 });
    const failed = await push();
    expect(failed.code).toBe(1);
    expect(failed.json[0]).toMatchObject({ status: 'failed', error: { code: 'ZENODO_SERVER_ERROR', message: expect.stringMatching(/^InvenioRDM failed to publish the draft: 500/) } });
    expect(failed.stderr).not.toMatch(/Zenodo|zenodo/);
    const rerun = await push();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json[0]).toMatchObject({ status: 'published' });
  });
});
