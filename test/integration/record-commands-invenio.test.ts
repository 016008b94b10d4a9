/**
 * The record commands through the invenio storage (its versionsOf): `donodo versions` and `cite`
 * of a concept on the emulator as a plain InvenioRDM (its own DOI prefix, RDM record ids).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestImage, removeImages } from '../support/images.ts';
import { plainInvenio, type PlainInvenio } from '../support/plain-invenio.ts';

const NAME = `donodo-test/invrecords-${process.pid}`;
let testbed: PlainInvenio;

beforeAll(async () => {
  testbed = await plainInvenio('donodo-invenio-records-');
  await buildTestImage(`${NAME}:1.0`);
  await buildTestImage(`${NAME}:2.0`);
});
afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}:2.0`);
  await testbed?.close();
});

describe('record commands through the invenio storage', () => {
  it('versions lists both versions newest first from the concept DOI or a version DOI; cite of the concept cites the concept', async () => {
    const pushed = [];
    for (const tag of ['1.0', '2.0']) {
      const run = await testbed.donodo('push', `${NAME}:${tag}`, '-y', '--json', '-t', testbed.publisher);
      expect(run.code, run.stderr).toBe(0);
      pushed.push(run.json[0]);
    }
    const [first, second] = pushed;
    for (const reference of [first.conceptDoi, first.doi]) {
      const listed = await testbed.donodo('versions', reference, '--json');
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.json[0]).toMatchObject({ conceptRecId: first.conceptRecId, conceptDoi: first.conceptDoi });
      expect(listed.json[0].versions.map((v: any) => [v.tag, v.doi, v.latest])).toEqual([
        ['2.0', second.doi, true],
        ['1.0', first.doi, false],
      ]);
    }
    const cited = await testbed.donodo('cite', first.conceptDoi, '--format', 'csl-json');
    expect(cited.code, cited.stderr).toBe(0);
    const [item] = JSON.parse(cited.stdout);
    expect(item).toMatchObject({ DOI: first.conceptDoi, URL: `https://doi.org/${first.conceptDoi}`, title: `Docker image ${NAME}` });
    expect(item.version).toBeUndefined();
  });
});
