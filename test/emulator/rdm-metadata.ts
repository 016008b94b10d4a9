/**
 * RDM metadata on the native API (contract 8): the lenient load of `POST /api/records` and
 * `PUT …/draft` bodies, and the two projections between the RDM form and the legacy form the rest of the
 * emulator stores (Zenodo's own legacy layer maps one to the other, ZR legacy/deserializers and
 * legacy/serializers; contract 4 gives the mapping table).
 *
 * The load is lenient as DRR's `create`/`update_draft` are: only valid values are kept, every problem is
 * reported in the draft's `errors` (RDM JSON) and nothing is refused; required fields surface again at
 * publish. Field paths and messages follow invenio-rdm-records' marshmallow schemas; the ones marked
 * UNCONFIRMED are not in the contract or the recordings.
 */
import { MESSAGES } from './api-error.ts';
import type { FieldError } from './api-error.ts';
import { IMAGE_TYPES, isEdtfDate, normaliseLicense, PUBLICATION_TYPES, UPLOAD_TYPES } from './metadata.ts';
import type { LegacyMetadata } from './metadata.ts';

export type RdmMetadata = Record<string, unknown>;

/** The stored RDM side of a draft or record: metadata and access (the parts a client writes). */
export interface RdmState {
  metadata: RdmMetadata;
  access: { record: 'public' | 'restricted'; files: 'public' | 'restricted'; embargo?: { active: boolean; until?: string; reason?: string | null } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RDM resource type ids (the `resourcetypes` vocabulary Zenodo loads: `<upload_type>[-<subtype>]`, contract 4) with titles. */
export function resourceTypeTitle(id: string): string | undefined {
  const [type, sub] = id.split('-', 2) as [string, string | undefined];
  // `workflow` is a Zenodo resource type without a legacy upload_type (REC:A6).
  if (id === 'workflow') return 'Workflow';
  if (!(type in UPLOAD_TYPES)) return undefined;
  if (sub === undefined) return UPLOAD_TYPES[type];
  const vocabulary = type === 'publication' ? PUBLICATION_TYPES : type === 'image' ? IMAGE_TYPES : null;
  return vocabulary?.[sub];
}

/** DataCite relation types, RDM ids are the lower-cased names (legacy output maps them back, ZR common.py `RELATION_TYPE_MAPPING`). */
const RELATIONS = [
  'isCitedBy', 'cites', 'isSupplementTo', 'isSupplementedBy', 'isContinuedBy', 'continues', 'isDescribedBy', 'describes',
  'hasMetadata', 'isMetadataFor', 'hasVersion', 'isVersionOf', 'isNewVersionOf', 'isPreviousVersionOf', 'isPartOf', 'hasPart',
  'isPublishedIn', 'isReferencedBy', 'references', 'isDocumentedBy', 'documents', 'isCompiledBy', 'compiles', 'isVariantFormOf',
  'isOriginalFormOf', 'isIdenticalTo', 'isReviewedBy', 'reviews', 'isDerivedFrom', 'isSourceOf', 'isRequiredBy', 'requires',
  'isObsoletedBy', 'obsoletes', 'isCollectedBy', 'collects', 'isTranslationOf', 'hasTranslation',
];
export const RELATION_BY_ID: Record<string, string> = Object.fromEntries(RELATIONS.map((r) => [r.toLowerCase(), r]));

/** RDM's description types; Zenodo adds `notes` for the legacy field (contract 4), a plain InvenioRDM has none. */
const DESCRIPTION_TYPES = new Set(['abstract', 'methods', 'seriesinformation', 'tableofcontents', 'technicalinfo', 'other']);

const ORCID = /^(?:https?:\/\/orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/i;

/** `metadata.creators[i]` of the RDM schema (`CreatorSchema`, `PersonOrOrganizationSchema`). */
function loadCreator(value: unknown, path: string, errors: FieldError[]): Record<string, unknown> | null {
  if (!isObject(value) || !isObject(value.person_or_org)) {
    errors.push({ field: `${path}.person_or_org`, messages: [MESSAGES.missingField] });
    return null;
  }
  const p = value.person_or_org;
  const type = p.type;
  if (type !== 'personal' && type !== 'organizational') {
    errors.push({ field: `${path}.person_or_org.type`, messages: type === undefined ? [MESSAGES.missingField] : ['Invalid value. Choose one of [\'organizational\', \'personal\'].'] });
    return null;
  }
  const out: Record<string, unknown> = { type };
  if (type === 'personal') {
    // invenio-rdm-records `PersonOrOrganizationSchema.validate_names`.
    if (typeof p.family_name !== 'string' || p.family_name.trim() === '') {
      errors.push({ field: `${path}.person_or_org.family_name`, messages: ['Family name must be filled.'] });
      return null;
    }
    out.family_name = p.family_name;
    if (typeof p.given_name === 'string' && p.given_name !== '') out.given_name = p.given_name;
  } else {
    if (typeof p.name !== 'string' || p.name.trim() === '') {
      errors.push({ field: `${path}.person_or_org.name`, messages: ['Name cannot be blank.'] });
      return null;
    }
    out.name = p.name;
  }
  if (Array.isArray(p.identifiers) && p.identifiers.length > 0) {
    const identifiers: Array<Record<string, string>> = [];
    p.identifiers.forEach((id, i) => {
      const scheme = isObject(id) ? id.scheme : undefined;
      const identifier = isObject(id) ? id.identifier : undefined;
      if (scheme === 'orcid' && typeof identifier === 'string' && ORCID.test(identifier)) {
        identifiers.push({ identifier: ORCID.exec(identifier)![1]!.toUpperCase(), scheme: 'orcid' });
      } else if ((scheme === 'gnd' || scheme === 'isni' || scheme === 'ror') && typeof identifier === 'string' && identifier !== '') {
        identifiers.push({ identifier, scheme });
      } else {
        // Message UNCONFIRMED (RDM's IdentifierSchema: "Invalid {scheme} identifier.").
        errors.push({ field: `${path}.person_or_org.identifiers.${i}.identifier`, messages: [`Invalid ${String(scheme ?? 'identifier')} identifier.`] });
      }
    });
    if (identifiers.length > 0) out.identifiers = identifiers;
  }
  const creator: Record<string, unknown> = { person_or_org: out };
  if (Array.isArray(value.affiliations)) {
    const affiliations = value.affiliations.filter((a) => isObject(a) && (typeof a.name === 'string' || typeof a.id === 'string'));
    if (affiliations.length > 0) creator.affiliations = affiliations.map((a) => ({ ...(a as object) }));
  }
  if (isObject(value.role) && typeof value.role.id === 'string') creator.role = { id: value.role.id };
  return creator;
}

function idOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.id === 'string' ? value.id : undefined;
}

/**
 * Loads the client's RDM body. Kept: the valid parts; `errors`: what RDM reports in the draft's `errors`.
 * Unknown top-level keys are dropped (UNCONFIRMED: RDM's record schema excludes unknown fields).
 */
export function loadRdmBody(body: unknown, mode: 'zenodo' | 'invenio'): { state: RdmState; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const input = isObject(body) && isObject(body.metadata) ? body.metadata : {};
  const m: RdmMetadata = {};

  const rt = idOf(input.resource_type);
  if (input.resource_type === undefined) errors.push({ field: 'metadata.resource_type', messages: [MESSAGES.missingField] });
  // Vocabulary lookup failure, message UNCONFIRMED (RDM's VocabularyRelation validation).
  else if (rt === undefined || resourceTypeTitle(rt) === undefined) errors.push({ field: 'metadata.resource_type', messages: [`Invalid value ${JSON.stringify(rt ?? input.resource_type)}.`] });
  else m.resource_type = { id: rt };

  if (!Array.isArray(input.creators) || input.creators.length === 0) {
    errors.push({ field: 'metadata.creators', messages: [input.creators === undefined ? MESSAGES.missingField : 'Missing data for required field.'] });
  } else {
    const creators = input.creators.map((c, i) => loadCreator(c, `metadata.creators.${i}`, errors)).filter((c) => c !== null);
    if (creators.length > 0) m.creators = creators;
  }

  if (typeof input.title !== 'string') errors.push({ field: 'metadata.title', messages: [MESSAGES.missingField] });
  else if (input.title.trim().length < 3) errors.push({ field: 'metadata.title', messages: ['Shorter than minimum length 3.'] });
  else m.title = input.title;

  if (typeof input.publication_date !== 'string') errors.push({ field: 'metadata.publication_date', messages: [MESSAGES.missingField] });
  else if (!isEdtfDate(input.publication_date)) errors.push({ field: 'metadata.publication_date', messages: ['Please provide a valid date or interval.'] });
  else m.publication_date = input.publication_date;

  if (typeof input.description === 'string' && input.description.trim().length >= 3) m.description = input.description;
  if (typeof input.version === 'string' && input.version !== '' && input.version.length <= 191) m.version = input.version;
  if (typeof input.publisher === 'string' && input.publisher.trim() !== '') m.publisher = input.publisher;

  if (Array.isArray(input.rights)) {
    const rights = input.rights
      .map((r) => normaliseLicense(r))
      .filter((r): r is string => r !== null && r !== '')
      .map((id) => ({ id }));
    if (rights.length > 0) m.rights = rights;
  }
  if (Array.isArray(input.subjects)) {
    const subjects = input.subjects.filter((s) => isObject(s) && (typeof s.subject === 'string' || typeof s.id === 'string'));
    if (subjects.length > 0) m.subjects = subjects.map((s) => ({ ...(s as object) }));
  }
  if (Array.isArray(input.additional_descriptions)) {
    const list: Array<Record<string, unknown>> = [];
    input.additional_descriptions.forEach((d, i) => {
      const type = isObject(d) ? idOf(d.type) : undefined;
      if (!isObject(d) || typeof d.description !== 'string' || type === undefined || !(DESCRIPTION_TYPES.has(type) || (type === 'notes' && mode === 'zenodo'))) {
        errors.push({ field: `metadata.additional_descriptions.${i}`, messages: ['Invalid value.'] });
      } else list.push({ description: d.description, type: { id: type } });
    });
    if (list.length > 0) m.additional_descriptions = list;
  }
  if (Array.isArray(input.related_identifiers)) {
    const list: Array<Record<string, unknown>> = [];
    input.related_identifiers.forEach((r, i) => {
      const relation = isObject(r) ? idOf(r.relation_type) : undefined;
      if (!isObject(r) || typeof r.identifier !== 'string' || typeof r.scheme !== 'string' || relation === undefined || !(relation in RELATION_BY_ID)) {
        errors.push({ field: `metadata.related_identifiers.${i}`, messages: ['Invalid value.'] });
        return;
      }
      const item: Record<string, unknown> = { identifier: r.identifier, scheme: r.scheme, relation_type: { id: relation } };
      const rtId = idOf(r.resource_type);
      if (rtId !== undefined) item.resource_type = { id: rtId };
      list.push(item);
    });
    if (list.length > 0) m.related_identifiers = list;
  }
  for (const key of ['languages', 'dates', 'locations', 'funding', 'references', 'contributors', 'identifiers']) {
    if (Array.isArray(input[key]) && (input[key] as unknown[]).length > 0) m[key] = structuredClone(input[key]);
  }

  const access = isObject(body) && isObject(body.access) ? body.access : {};
  const state: RdmState = {
    metadata: m,
    access: {
      record: access.record === 'restricted' ? 'restricted' : 'public',
      files: access.files === 'restricted' ? 'restricted' : 'public',
    },
  };
  if (isObject(access.embargo) && access.embargo.active === true && typeof access.embargo.until === 'string') {
    state.access.embargo = { active: true, until: access.embargo.until, reason: typeof access.embargo.reason === 'string' ? access.embargo.reason : null };
  }
  return { state, errors };
}

/** `Family, Given` as RDM computes `person_or_org.name` for a person. */
export function personName(p: Record<string, unknown>): string {
  if (p.type === 'organizational') return String(p.name ?? '');
  return typeof p.given_name === 'string' ? `${String(p.family_name)}, ${p.given_name}` : String(p.family_name ?? '');
}

/** The legacy form of RDM metadata (what Zenodo's legacy and hybrid views show, contract 4 read backwards). */
export function rdmToLegacy(state: RdmState): LegacyMetadata {
  const m = state.metadata;
  const out: LegacyMetadata = {};
  if (typeof m.title === 'string') out.title = m.title;
  if (typeof m.publication_date === 'string') out.publication_date = m.publication_date;
  if (typeof m.description === 'string') out.description = m.description;
  out.access_right = state.access.embargo?.active ? 'embargoed' : state.access.files === 'restricted' ? 'restricted' : 'open';
  if (state.access.embargo?.until) out.embargo_date = state.access.embargo.until;
  if (Array.isArray(m.creators)) {
    out.creators = (m.creators as Array<Record<string, unknown>>).map((c) => {
      const p = c.person_or_org as Record<string, unknown>;
      const affiliations = Array.isArray(c.affiliations) ? (c.affiliations as Array<Record<string, unknown>>) : [];
      // Output quirk: `affiliation` is null when absent (REC:H1).
      const creator: Record<string, unknown> = { name: personName(p), affiliation: affiliations.length > 0 ? String(affiliations[0]!.name ?? affiliations[0]!.id) : null };
      const orcid = (Array.isArray(p.identifiers) ? (p.identifiers as Array<Record<string, string>>) : []).find((i) => i.scheme === 'orcid');
      if (orcid) creator.orcid = orcid.identifier;
      return creator;
    });
  }
  if (Array.isArray(m.subjects)) {
    const keywords = (m.subjects as Array<Record<string, unknown>>).map((s) => s.subject).filter((s): s is string => typeof s === 'string');
    if (keywords.length > 0) out.keywords = keywords;
  }
  if (Array.isArray(m.related_identifiers)) {
    out.related_identifiers = (m.related_identifiers as Array<Record<string, unknown>>).map((r) => {
      const item: Record<string, unknown> = { identifier: r.identifier, relation: RELATION_BY_ID[idOf(r.relation_type)!] };
      const rtId = idOf(r.resource_type);
      if (rtId) item.resource_type = rtId;
      item.scheme = r.scheme;
      return item;
    });
  }
  if (typeof m.version === 'string') out.version = m.version;
  if (Array.isArray(m.rights) && m.rights.length > 0) out.license = idOf(m.rights[0]);
  if (typeof m.publisher === 'string') out.imprint_publisher = m.publisher;
  for (const d of Array.isArray(m.additional_descriptions) ? (m.additional_descriptions as Array<Record<string, unknown>>) : []) {
    const type = idOf(d.type);
    if (type === 'notes') out.notes = d.description;
    if (type === 'methods') out.method = d.description;
  }
  const rt = idOf(m.resource_type);
  if (rt !== undefined) {
    const [type, sub] = rt.split('-', 2) as [string, string | undefined];
    out.upload_type = type;
    if (sub !== undefined) out[`${type}_type`] = sub;
  }
  return out;
}

/** Splits a legacy creator name as Zenodo's legacy loader does: exactly one comma → "Family, Given" (contract 4). */
function legacyPerson(name: string): Record<string, unknown> {
  const parts = name.split(',');
  if (parts.length === 2) return { type: 'personal', family_name: parts[0]!.trim(), given_name: parts[1]!.trim() };
  return { type: 'personal', family_name: name };
}

/** The RDM form of metadata written through the legacy API (ZR legacy/deserializers/metadata.py, contract 4). */
export function legacyToRdm(legacy: LegacyMetadata): RdmState {
  const m: RdmMetadata = {};
  if (typeof legacy.upload_type === 'string') {
    const sub = legacy[`${legacy.upload_type}_type`];
    m.resource_type = { id: typeof sub === 'string' ? `${legacy.upload_type}-${sub}` : legacy.upload_type };
  }
  if (Array.isArray(legacy.creators)) {
    m.creators = (legacy.creators as Array<Record<string, unknown>>).map((c) => {
      const person = legacyPerson(String(c.name ?? ''));
      if (typeof c.orcid === 'string') person.identifiers = [{ identifier: c.orcid, scheme: 'orcid' }];
      const creator: Record<string, unknown> = { person_or_org: person };
      if (typeof c.affiliation === 'string' && c.affiliation !== '') creator.affiliations = [{ name: c.affiliation }];
      return creator;
    });
  }
  for (const key of ['title', 'publication_date', 'description', 'version']) if (typeof legacy[key] === 'string') m[key] = legacy[key];
  if (typeof legacy.imprint_publisher === 'string') m.publisher = legacy.imprint_publisher;
  if (typeof legacy.license === 'string') m.rights = [{ id: legacy.license }];
  if (Array.isArray(legacy.keywords)) m.subjects = (legacy.keywords as string[]).map((subject) => ({ subject }));
  const descriptions: Array<Record<string, unknown>> = [];
  if (typeof legacy.notes === 'string') descriptions.push({ description: legacy.notes, type: { id: 'notes' } });
  if (typeof legacy.method === 'string') descriptions.push({ description: legacy.method, type: { id: 'methods' } });
  if (descriptions.length > 0) m.additional_descriptions = descriptions;
  if (Array.isArray(legacy.related_identifiers)) {
    m.related_identifiers = (legacy.related_identifiers as Array<Record<string, unknown>>).map((r) => {
      const item: Record<string, unknown> = {
        identifier: r.identifier,
        scheme: r.scheme ?? (String(r.identifier).startsWith('10.') ? 'doi' : 'url'),
        relation_type: { id: String(r.relation ?? '').toLowerCase() },
      };
      if (typeof r.resource_type === 'string') item.resource_type = { id: r.resource_type };
      return item;
    });
  }
  const access = legacy.access_right;
  const state: RdmState = { metadata: m, access: { record: 'public', files: access === 'restricted' ? 'restricted' : 'public' } };
  if (access === 'embargoed') {
    state.access.files = 'restricted';
    state.access.embargo = { active: true, reason: null, ...(typeof legacy.embargo_date === 'string' ? { until: legacy.embargo_date } : {}) };
  }
  return state;
}
