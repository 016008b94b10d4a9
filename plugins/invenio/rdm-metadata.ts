/**
 * The deposition metadata users write (Zenodo's legacy deposit shape, what templates render) mapped to
 * InvenioRDM's record metadata, the way Zenodo's own legacy layer maps it (contract section 4,
 * ZR legacy/deserializers/metadata.py), then checked against the backend's schema
 * ({@link rdmMetadataSchema}) with every problem reported at once, before any request.
 *
 * | deposition                          | RDM                                                                 |
 * |-------------------------------------|---------------------------------------------------------------------|
 * | upload_type (+ publication/image_type) | resource_type.id `<upload_type>[-<subtype>]`                    |
 * | creators[].name "Family, Given"     | person_or_org {type personal, family_name, given_name}; one comma splits, else all of it is the family name |
 * | creators[].orcid / gnd              | person_or_org.identifiers [{scheme, identifier}]                    |
 * | creators[].affiliation              | affiliations [{name}]                                               |
 * | contributors[] (+ type)             | contributors with role.id = type in lower case                      |
 * | license (id or alias)               | rights [{id}] (cc-by → cc-by-4.0, cc-zero → cc0-1.0, …)            |
 * | keywords[]                          | subjects [{subject}]                                                |
 * | related_identifiers[].relation      | related_identifiers[].relation_type.id (lower case); isAlternateIdentifier → identifiers |
 * | notes / method                      | additional_descriptions of type notes (Zenodo) or other (InvenioRDM) / methods |
 * | imprint_publisher / publisher       | publisher (Zenodo's DOI registration needs it)                      |
 * | access_right (+ embargo_date)       | access {record, files, embargo}                                     |
 * | communities[].identifier            | (not metadata) communities to submit the record to                  |
 */
import type { DepositionMetadata } from '../../src/plugin-api.ts';
import { DonodoError, rdmLicenseId, validateAgainst } from '../../src/plugin-api.ts';
import { rdmAccessSchema, rdmMetadataSchema } from './rdm-metadata-schema.ts';

export type RdmMetadata = Record<string, unknown>;

export interface RdmAccess {
  record: 'public' | 'restricted';
  files: 'public' | 'restricted';
  embargo?: { active: boolean; until?: string; reason?: string | null };
}

/** What `PUT /api/records/<id>/draft` sends. */
export interface RdmDraftBody {
  metadata: RdmMetadata;
  access: RdmAccess;
  files: { enabled: true };
}

export interface RdmTarget {
  /** Zenodo (notes as a `notes` description) or another InvenioRDM (notes as `other`). */
  zenodo: boolean;
}

export interface MappedMetadata {
  body: RdmDraftBody;
  /** Communities the deposition names (`communities[].identifier`), for a community submission. */
  communities: string[];
  /** Fields the mapping cannot carry over, one line each (path: why). */
  problems: string[];
}

/** Deposition fields the RDM mapping does not carry (yet): refused rather than silently dropped. */
const UNSUPPORTED = ['grants', 'locations', 'journal_title', 'conference_title', 'partof_title', 'thesis_university', 'doi'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** "Family, Given" with exactly one comma is split; otherwise the whole name is the family name (Zenodo's legacy rule). */
function personOrOrg(person: Record<string, unknown>): Record<string, unknown> {
  const name = text(person.name) ?? '';
  const parts = name.split(',');
  const out: Record<string, unknown> = { type: 'personal' };
  if (parts.length === 2) {
    out.family_name = parts[0]!.trim();
    const given = parts[1]!.trim();
    if (given) out.given_name = given;
  } else out.family_name = name.trim();
  const identifiers: Array<Record<string, string>> = [];
  const orcid = text(person.orcid);
  if (orcid) identifiers.push({ scheme: 'orcid', identifier: orcid.replace(/^https:\/\/orcid\.org\//, '') });
  const gnd = text(person.gnd);
  if (gnd) identifiers.push({ scheme: 'gnd', identifier: gnd });
  if (identifiers.length > 0) out.identifiers = identifiers;
  return out;
}

function creatorOf(person: unknown): Record<string, unknown> {
  const p = isObject(person) ? person : {};
  const out: Record<string, unknown> = { person_or_org: personOrOrg(p) };
  const affiliation = text(p.affiliation);
  if (affiliation) out.affiliations = [{ name: affiliation }];
  const role = text(p.type);
  if (role) out.role = { id: role.toLowerCase() };
  return out;
}

/** A related identifier's scheme as RDM needs it: given, else detected for DOIs and URLs (idutils would). */
function schemeOf(identifier: string, given: unknown): string | undefined {
  if (typeof given === 'string' && given !== '') return given.toLowerCase();
  if (/^(?:https?:\/\/(?:dx\.)?doi\.org\/)?10\.\d{4,9}\/\S+$/i.test(identifier)) return 'doi';
  if (/^https?:\/\//i.test(identifier)) return 'url';
  return undefined;
}

function resourceTypeId(type: unknown, sub: unknown): string | undefined {
  if (typeof type !== 'string') return undefined;
  return typeof sub === 'string' ? `${type}-${sub}` : type;
}

/** Maps deposition metadata to the RDM draft body; what cannot be mapped is listed in `problems`. */
export function toRdm(deposition: DepositionMetadata, target: RdmTarget): MappedMetadata {
  const m: RdmMetadata = {};
  const problems: string[] = [];
  const d = deposition;

  const upload = text(d.upload_type);
  const rt = resourceTypeId(upload, upload ? d[`${upload}_type`] : undefined);
  if (rt !== undefined) m.resource_type = { id: rt };
  if (Array.isArray(d.creators)) m.creators = d.creators.map(creatorOf);
  if (Array.isArray(d.contributors)) m.contributors = d.contributors.map(creatorOf);
  for (const key of ['title', 'publication_date', 'description', 'version'] as const) {
    if (d[key] !== undefined) m[key] = d[key];
  }
  const publisher = text(d.imprint_publisher) ?? text(d.publisher);
  if (publisher !== undefined) m.publisher = publisher;

  const license = typeof d.license === 'string' ? d.license : isObject(d.license) ? text(d.license.id) : undefined;
  if (license !== undefined) m.rights = [{ id: rdmLicenseId(license) }];
  if (Array.isArray(d.keywords)) m.subjects = d.keywords.map((subject) => ({ subject }));
  if (Array.isArray(d.subjects)) {
    // Legacy subjects are `{term, identifier, scheme}`; RDM keeps the term as a free subject.
    const extra = d.subjects.map((s) => (isObject(s) ? text(s.term) : undefined));
    extra.forEach((term, i) => {
      if (term === undefined) problems.push(`metadata.subjects[${i}]: needs a "term" to become an RDM subject`);
    });
    m.subjects = [...((m.subjects as unknown[]) ?? []), ...extra.filter((t) => t !== undefined).map((subject) => ({ subject }))];
  }

  const descriptions: Array<Record<string, unknown>> = [];
  const notes = text(d.notes);
  // RDM's description types have no `notes`; Zenodo adds one for the legacy field.
  if (notes) descriptions.push({ description: notes, type: { id: target.zenodo ? 'notes' : 'other' } });
  const method = text(d.method);
  if (method) descriptions.push({ description: method, type: { id: 'methods' } });
  if (descriptions.length > 0) m.additional_descriptions = descriptions;

  if (Array.isArray(d.related_identifiers)) {
    const related: Array<Record<string, unknown>> = [];
    const alternate: Array<Record<string, unknown>> = [];
    d.related_identifiers.forEach((r, i) => {
      if (!isObject(r) || typeof r.identifier !== 'string') return; // the deposition schema reports these
      const scheme = schemeOf(r.identifier, r.scheme);
      if (scheme === undefined) problems.push(`metadata.related_identifiers[${i}].scheme: is required for ${JSON.stringify(r.identifier)} (not a DOI or URL)`);
      const relation = text(r.relation) ?? '';
      if (relation === 'isAlternateIdentifier') {
        alternate.push({ identifier: r.identifier, scheme: scheme ?? '' });
        return;
      }
      const item: Record<string, unknown> = { identifier: r.identifier, scheme: scheme ?? '', relation_type: { id: relation.toLowerCase() } };
      const type = text(r.resource_type);
      if (type) item.resource_type = { id: type };
      related.push(item);
    });
    if (related.length > 0) m.related_identifiers = related;
    if (alternate.length > 0) m.identifiers = alternate;
  }
  const language = text(d.language);
  if (language) m.languages = [{ id: language }];
  if (Array.isArray(d.references)) m.references = d.references.map((reference) => ({ reference }));
  if (Array.isArray(d.dates)) {
    m.dates = d.dates.map((x) => {
      const date = isObject(x) ? x : {};
      const range = [text(date.start), text(date.end)];
      const out: Record<string, unknown> = { date: range[0] && range[1] && range[0] !== range[1] ? `${range[0]}/${range[1]}` : (range[0] ?? range[1] ?? ''), type: { id: (text(date.type) ?? '').toLowerCase() } };
      if (text(date.description)) out.description = date.description;
      return out;
    });
  }
  for (const key of UNSUPPORTED) {
    if (d[key] !== undefined) problems.push(`metadata.${key}: is not carried over to InvenioRDM by the invenio storage; remove it for this storage`);
  }

  const rights = text(d.access_right) ?? 'open';
  const access: RdmAccess = { record: 'public', files: rights === 'open' ? 'public' : 'restricted' };
  if (rights === 'embargoed') {
    access.embargo = { active: true, reason: null };
    const until = text(d.embargo_date);
    if (until) access.embargo.until = until;
  }

  const communities = Array.isArray(d.communities) ? d.communities.map((c) => (isObject(c) ? text(c.identifier) : undefined)).filter((c): c is string => !!c) : [];
  return { body: { metadata: m, access, files: { enabled: true } }, communities, problems };
}

/** Where a problem of the mapped metadata comes from in what the user wrote. */
function withSource(line: string): string {
  const creator = /^metadata\.(creators|contributors)\[(\d+)\]\.person_or_org\.family_name:/.exec(line);
  if (creator) return `${line} (the family name is the part of ${creator[1]}[${creator[2]}].name before its comma, "Family, Given")`;
  if (line.startsWith('metadata.resource_type')) return `${line} (from upload_type and publication_type/image_type)`;
  if (/^metadata\.publisher: is required/.test(line)) return `${line} (DOI registration needs one: set "imprint_publisher" in a template, e.g. "Zenodo" or the repository's name)`;
  return line;
}

const schemas = new Map<boolean, Record<string, unknown>>();

/** One schema object per flavour, so ajv compiles each once. */
function schemaFor(zenodo: boolean): Record<string, unknown> {
  let schema = schemas.get(zenodo);
  if (!schema) schemas.set(zenodo, (schema = rdmMetadataSchema(zenodo)));
  return schema;
}

/** Problems of an RDM draft body against the backend's schema, one line each, all at once. */
export function rdmProblems(body: RdmDraftBody, target: RdmTarget): string[] {
  return [...validateAgainst(schemaFor(target.zenodo), body.metadata, 'metadata'), ...validateAgainst(rdmAccessSchema, body.access, 'access')].map(withSource);
}

/**
 * Maps and validates; throws METADATA_INVALID naming every problem (mapping and schema) when there is
 * any, so that nothing is written to the backend.
 */
export function rdmDraftBody(deposition: DepositionMetadata, target: RdmTarget): MappedMetadata {
  const mapped = toRdm(deposition, target);
  const problems = [...mapped.problems, ...rdmProblems(mapped.body, target)];
  if (problems.length > 0) {
    throw new DonodoError('METADATA_INVALID', `The metadata has ${problems.length} problem${problems.length === 1 ? '' : 's'} for ${target.zenodo ? "Zenodo's" : "InvenioRDM's"} RDM schema; nothing was uploaded.`, {
      hint: 'Fix the templates or labels that produce these fields (see "Metadata" in the README), then push again.',
      details: problems,
    });
  }
  return mapped;
}
