import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rdmDraftBody, rdmProblems, toRdm } from '../../../plugins/invenio/rdm-metadata.ts';
import { isDonodoError } from '../../../src/plugin-api.ts';
import { startEmulator } from '../../emulator/index.ts';
import type { Emulator } from '../../emulator/index.ts';
import { NativeClient } from '../../emulator/native-client.ts';

const ZENODO = { zenodo: true };
const INVENIO = { zenodo: false };

/** What donodo's default template renders (the original's fields) plus a publisher. */
function donodoMetadata(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    upload_type: 'other',
    access_right: 'open',
    license: 'cc-by',
    creators: [{ name: 'colomoto' }],
    title: 'Docker image colomoto/colomoto-docker',
    version: '2025-01-01',
    publication_date: '2025-01-01',
    keywords: ['docker image'],
    notes: '{ "docker-id" : "sha256:abc", "docker-image-name" : "colomoto/colomoto-docker:2025-01-01" }',
    description: '<p>A docker save export of the image.</p>',
    imprint_publisher: 'Zenodo',
    ...extra,
  };
}

function problemsOf(metadata: Record<string, unknown>, target = ZENODO): string[] {
  try {
    rdmDraftBody(metadata, target);
  } catch (error) {
    if (isDonodoError(error) && error.code === 'METADATA_INVALID') return error.details;
    throw error;
  }
  return [];
}

describe('mapping deposition metadata to RDM', () => {
  it('maps donodo’s default metadata field by field', () => {
    const { body, problems } = toRdm(donodoMetadata(), ZENODO);
    expect(problems).toEqual([]);
    expect(body).toEqual({
      metadata: {
        resource_type: { id: 'other' },
        creators: [{ person_or_org: { type: 'personal', family_name: 'colomoto' } }],
        title: 'Docker image colomoto/colomoto-docker',
        publication_date: '2025-01-01',
        description: '<p>A docker save export of the image.</p>',
        version: '2025-01-01',
        publisher: 'Zenodo',
        rights: [{ id: 'cc-by-4.0' }],
        subjects: [{ subject: 'docker image' }],
        additional_descriptions: [{ description: donodoMetadata().notes, type: { id: 'notes' } }],
      },
      access: { record: 'public', files: 'public' },
      files: { enabled: true },
    });
    expect(rdmProblems(body, ZENODO)).toEqual([]);
  });

  it('keeps notes as an "other" description on an InvenioRDM without Zenodo’s notes type', () => {
    const { body } = toRdm(donodoMetadata(), INVENIO);
    expect(body.metadata.additional_descriptions).toEqual([{ description: donodoMetadata().notes, type: { id: 'other' } }]);
  });

  it('splits "Family, Given", carries ORCID, GND, affiliation and contributor roles', () => {
    const { body } = toRdm(
      donodoMetadata({
        creators: [{ name: 'Doe, Jane', orcid: 'https://orcid.org/0000-0002-1825-0097', affiliation: 'Univ. X', gnd: '118540238' }, { name: 'The Lab' }],
        contributors: [{ name: 'Roe, Rick', type: 'ContactPerson' }],
      }),
      ZENODO,
    );
    expect(body.metadata.creators).toEqual([
      {
        person_or_org: { type: 'personal', family_name: 'Doe', given_name: 'Jane', identifiers: [{ scheme: 'orcid', identifier: '0000-0002-1825-0097' }, { scheme: 'gnd', identifier: '118540238' }] },
        affiliations: [{ name: 'Univ. X' }],
      },
      { person_or_org: { type: 'personal', family_name: 'The Lab' } },
    ]);
    expect(body.metadata.contributors).toEqual([{ person_or_org: { type: 'personal', family_name: 'Roe', given_name: 'Rick' }, role: { id: 'contactperson' } }]);
  });

  it('maps upload and image/publication types to resource type ids', () => {
    expect(toRdm(donodoMetadata({ upload_type: 'image', image_type: 'figure' }), ZENODO).body.metadata.resource_type).toEqual({ id: 'image-figure' });
    expect(toRdm(donodoMetadata({ upload_type: 'publication', publication_type: 'article' }), ZENODO).body.metadata.resource_type).toEqual({ id: 'publication-article' });
    expect(toRdm(donodoMetadata({ upload_type: 'software' }), ZENODO).body.metadata.resource_type).toEqual({ id: 'software' });
  });

  it('maps related identifiers to RDM relation ids, detects DOI and URL schemes, alternate identifiers apart', () => {
    const { body, problems } = toRdm(
      donodoMetadata({
        related_identifiers: [
          { identifier: '10.5281/zenodo.123', relation: 'isSupplementTo' },
          { identifier: 'https://github.com/colomoto/colomoto-docker', relation: 'isDerivedFrom', resource_type: 'software' },
          { identifier: 'colomoto:2025', relation: 'isAlternateIdentifier', scheme: 'other' },
        ],
      }),
      ZENODO,
    );
    expect(problems).toEqual([]);
    expect(body.metadata.related_identifiers).toEqual([
      { identifier: '10.5281/zenodo.123', scheme: 'doi', relation_type: { id: 'issupplementto' } },
      { identifier: 'https://github.com/colomoto/colomoto-docker', scheme: 'url', relation_type: { id: 'isderivedfrom' }, resource_type: { id: 'software' } },
    ]);
    expect(body.metadata.identifiers).toEqual([{ identifier: 'colomoto:2025', scheme: 'other' }]);
  });

  it('maps access rights: embargo with its date, restricted files', () => {
    expect(toRdm(donodoMetadata({ access_right: 'embargoed', embargo_date: '2030-01-01' }), ZENODO).body.access).toEqual({
      record: 'public',
      files: 'restricted',
      embargo: { active: true, reason: null, until: '2030-01-01' },
    });
    expect(toRdm(donodoMetadata({ access_right: 'closed' }), ZENODO).body.access).toEqual({ record: 'public', files: 'restricted' });
  });

  it('hands communities back apart from the metadata', () => {
    expect(toRdm(donodoMetadata({ communities: [{ identifier: 'colomoto' }] }), ZENODO).communities).toEqual(['colomoto']);
  });
});

describe('validating the mapped metadata against the RDM schema', () => {
  it('reports a creator without a family name, an unknown resource type and a missing publisher, all at once, by path', () => {
    const problems = problemsOf(donodoMetadata({ creators: [{ name: ', Jane' }], upload_type: 'model', imprint_publisher: undefined }));
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^metadata\.resource_type\.id: must be one of "publication", .* \(got "model"\) \(from upload_type/),
        expect.stringMatching(/^metadata\.creators\[0\]\.person_or_org\.family_name: must NOT have fewer than 1 characters .*creators\[0\]\.name before its comma/),
        'metadata.publisher: is required but missing (DOI registration needs one: set "imprint_publisher" in a template, e.g. "Zenodo" or the repository\'s name)',
      ]),
    );
  });

  it('needs a publisher on any InvenioRDM too (DataCite registration), and nothing else of donodo’s metadata', () => {
    expect(problemsOf(donodoMetadata({ imprint_publisher: undefined }), INVENIO)).toEqual([expect.stringMatching(/^metadata\.publisher: is required but missing/)]);
    expect(problemsOf(donodoMetadata(), INVENIO)).toEqual([]);
  });

  it('checks ORCID check digits, licence ids and the title length', () => {
    const problems = problemsOf(donodoMetadata({ creators: [{ name: 'Doe, J', orcid: '0000-0002-1825-0098' }], license: 'not-a-license', title: 'ab' }));
    expect(problems).toEqual([
      expect.stringMatching(/^metadata\.creators\[0\]\.person_or_org\.identifiers\[0\]\.identifier: must be an ORCID iD/),
      expect.stringMatching(/^metadata\.title: must NOT have fewer than 3 characters/),
      expect.stringMatching(/^metadata\.rights\[0\]\.id: must be a license id/),
    ]);
  });

  it('refuses fields the mapping cannot carry, and a related identifier without a scheme', () => {
    const problems = problemsOf(donodoMetadata({ grants: [{ id: '283595' }], related_identifiers: [{ identifier: 'isbn 123', relation: 'cites' }] }));
    expect(problems).toEqual([
      'metadata.related_identifiers[0].scheme: is required for "isbn 123" (not a DOI or URL)',
      'metadata.grants: is not carried over to InvenioRDM by the invenio storage; remove it for this storage',
      expect.stringMatching(/^metadata\.related_identifiers\[0\]\.scheme: must NOT have fewer than 1 characters/),
    ]);
  });
});

describe('the mapped metadata on the emulator', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('is saved without errors and publishes on Zenodo’s native API', async () => {
    const client = new NativeClient(emulator, { rdm: true });
    const { body } = rdmDraftBody(
      donodoMetadata({ creators: [{ name: 'Doe, Jane', orcid: '0000-0002-1825-0097', affiliation: 'Univ. X' }], related_identifiers: [{ identifier: '10.5281/zenodo.1', relation: 'isNewVersionOf' }] }),
      ZENODO,
    );
    const draft = await client.expect(201, 'POST', '/records', body);
    expect(draft.errors).toBeUndefined();
    await client.upload(draft.id, 'image.tar', 'bytes');
    const record = await client.publish(draft.id);
    expect(record.metadata.creators[0].person_or_org.identifiers).toEqual([{ scheme: 'orcid', identifier: '0000-0002-1825-0097' }]);
    // The legacy view of the same record shows what the legacy API would have stored.
    const legacy = await new NativeClient(emulator).expect(200, 'GET', `/records/${draft.id}`);
    expect(legacy.metadata.creators).toEqual([{ name: 'Doe, Jane', affiliation: 'Univ. X', orcid: '0000-0002-1825-0097' }]);
    expect(legacy.metadata.notes).toBe(donodoMetadata().notes);
    expect(legacy.metadata.license).toEqual({ id: 'cc-by-4.0' });
  });
});
