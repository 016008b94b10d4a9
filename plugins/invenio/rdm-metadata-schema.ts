/**
 * JSON Schema of the RDM metadata the `invenio` storage writes (`metadata` of `PUT /api/records/<id>/draft`),
 * after mapping from the deposition metadata users write. It states what InvenioRDM requires to publish
 * (invenio-rdm-records' `MetadataSchema`: resource_type, creators with a family name for persons or a name for
 * organisations, title of 3 characters or more, publication_date as an EDTF date), the vocabularies donodo
 * maps into (resource types, relation types, description types), and `publisher`, which DataCite
 * registration needs wherever the repository mints DOIs (invenio-rdm-records' DataCite provider; on
 * Zenodo REC:H2: "Missing publisher field required for DOI registration.").
 * A backend owns its schema: this one is checked with ajv before any request, all problems at once.
 */

/** Resource type ids of the RDM vocabulary donodo maps `upload_type`/`*_type` into (`<upload_type>[-<subtype>]`). */
export const RESOURCE_TYPE_IDS = [
  'publication',
  ...[
    'annotationcollection', 'book', 'section', 'conferencepaper', 'datamanagementplan', 'article', 'patent', 'preprint',
    'deliverable', 'milestone', 'proposal', 'report', 'softwaredocumentation', 'taxonomictreatment', 'technicalnote',
    'thesis', 'workingpaper', 'other',
  ].map((s) => `publication-${s}`),
  'poster',
  'presentation',
  'dataset',
  'image',
  ...['figure', 'plot', 'drawing', 'diagram', 'photo', 'other'].map((s) => `image-${s}`),
  'video',
  'software',
  'lesson',
  'physicalobject',
  'workflow',
  'other',
];

/** DataCite relation types as RDM ids (lower case). */
export const RELATION_TYPE_IDS = [
  'iscitedby', 'cites', 'issupplementto', 'issupplementedby', 'iscontinuedby', 'continues', 'isdescribedby', 'describes',
  'hasmetadata', 'ismetadatafor', 'hasversion', 'isversionof', 'isnewversionof', 'ispreviousversionof', 'ispartof', 'haspart',
  'ispublishedin', 'isreferencedby', 'references', 'isdocumentedby', 'documents', 'iscompiledby', 'compiles', 'isvariantformof',
  'isoriginalformof', 'isidenticalto', 'isreviewedby', 'reviews', 'isderivedfrom', 'issourceof', 'isrequiredby', 'requires',
  'isobsoletedby', 'obsoletes', 'iscollectedby', 'collects', 'istranslationof', 'hastranslation',
];

const vocabularyEntry = (ids: string[]) => ({
  type: 'object',
  required: ['id'],
  properties: { id: { enum: ids } },
});

const identifier = {
  type: 'object',
  required: ['identifier', 'scheme'],
  properties: { identifier: { type: 'string', minLength: 1 }, scheme: { type: 'string', minLength: 1 } },
};

const personOrOrg = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['personal', 'organizational'] },
    family_name: { type: 'string', minLength: 1 },
    given_name: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    identifiers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['scheme', 'identifier'],
        properties: { scheme: { enum: ['orcid', 'gnd', 'isni', 'ror'] }, identifier: { type: 'string', minLength: 1 } },
        if: { properties: { scheme: { const: 'orcid' } } },
        then: { properties: { identifier: { format: 'orcid' } } },
      },
    },
  },
  // invenio-rdm-records `validate_names`: a person needs a family name, an organisation a name.
  if: { properties: { type: { const: 'personal' } } },
  then: { required: ['family_name'] },
  else: { required: ['name'] },
};

const creator = {
  type: 'object',
  required: ['person_or_org'],
  properties: {
    person_or_org: personOrOrg,
    affiliations: { type: 'array', items: { type: 'object', anyOf: [{ required: ['name'] }, { required: ['id'] }], properties: { name: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 } } } },
    role: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
  },
};

/** Description types: RDM's vocabulary, plus `notes` on Zenodo (where legacy `notes` lives). */
export function descriptionTypes(zenodo: boolean): string[] {
  return ['abstract', 'methods', 'seriesinformation', 'tableofcontents', 'technicalinfo', 'other', ...(zenodo ? ['notes'] : [])];
}

/** The schema of `metadata`; `zenodo` adds Zenodo's own `notes` description type. */
export function rdmMetadataSchema(zenodo: boolean): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: zenodo ? 'RDM metadata (Zenodo)' : 'RDM metadata (InvenioRDM)',
    type: 'object',
    required: ['resource_type', 'creators', 'title', 'publication_date', 'publisher'],
    properties: {
      resource_type: vocabularyEntry(RESOURCE_TYPE_IDS),
      creators: { type: 'array', minItems: 1, items: creator },
      contributors: { type: 'array', items: { ...creator, required: ['person_or_org', 'role'] } },
      title: { type: 'string', minLength: 3 },
      publication_date: { type: 'string', format: 'date' },
      description: { type: 'string', minLength: 3 },
      additional_descriptions: {
        type: 'array',
        items: { type: 'object', required: ['description', 'type'], properties: { description: { type: 'string', minLength: 1 }, type: vocabularyEntry(descriptionTypes(zenodo)) } },
      },
      publisher: { type: 'string', minLength: 1 },
      version: { type: 'string', minLength: 1, maxLength: 191 },
      rights: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'zenodo-license' } } } },
      subjects: { type: 'array', items: { type: 'object', required: ['subject'], properties: { subject: { type: 'string', minLength: 1 } } } },
      related_identifiers: {
        type: 'array',
        items: { ...identifier, required: ['identifier', 'scheme', 'relation_type'], properties: { ...identifier.properties, relation_type: vocabularyEntry(RELATION_TYPE_IDS), resource_type: vocabularyEntry(RESOURCE_TYPE_IDS) } },
      },
      identifiers: { type: 'array', items: identifier },
      languages: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z]{3}$' } } } },
      dates: {
        type: 'array',
        items: { type: 'object', required: ['date', 'type'], properties: { date: { type: 'string', minLength: 4 }, type: { type: 'object', required: ['id'] }, description: { type: 'string' } } },
      },
      references: { type: 'array', items: { type: 'object', required: ['reference'], properties: { reference: { type: 'string', minLength: 1 } } } },
    },
    additionalProperties: false,
  };
}

/** The schema of `access` (RDM `AccessSchema`). */
export const rdmAccessSchema: Record<string, unknown> = {
  type: 'object',
  required: ['record', 'files'],
  properties: {
    record: { enum: ['public', 'restricted'] },
    files: { enum: ['public', 'restricted'] },
    embargo: { type: 'object', required: ['active'], properties: { active: { type: 'boolean' }, until: { type: 'string', format: 'date' }, reason: { type: ['string', 'null'] } } },
  },
  if: { required: ['embargo'], properties: { embargo: { properties: { active: { const: true } } } } },
  then: { properties: { embargo: { required: ['active', 'until'] } } },
};
