/**
 * The legacy deposition metadata: what Zenodo's legacy deserializer accepts, rejects, drops and defaults
 * (contract 1.5 and 4), and the publish-time checks of the RDM schema (contract 1.6 and 4).
 *
 * Metadata is stored already in its legacy *output* form (the form GET returns), because the emulator
 * has no RDM layer in between.
 */
import { MESSAGES, validationError } from './api-error.ts';
import type { FieldError } from './api-error.ts';
import { today } from './timestamps.ts';

export type LegacyMetadata = Record<string, unknown>;

export interface LoadedBody {
  metadata: LegacyMetadata;
  /** `metadata.doi` as sent (a DOI the client supplies itself, contract 4), null when absent. */
  doi: string | null;
}

export const UPLOAD_TYPES: Record<string, string> = {
  publication: 'Publication',
  poster: 'Poster',
  presentation: 'Presentation',
  dataset: 'Dataset',
  image: 'Image',
  video: 'Video/Audio',
  software: 'Software',
  lesson: 'Lesson',
  physicalobject: 'Physical object',
  other: 'Other',
};

export const PUBLICATION_TYPES: Record<string, string> = {
  annotationcollection: 'Annotation collection',
  book: 'Book',
  section: 'Book section',
  conferencepaper: 'Conference paper',
  datamanagementplan: 'Data management plan',
  article: 'Journal article',
  patent: 'Patent',
  preprint: 'Preprint',
  deliverable: 'Project deliverable',
  milestone: 'Project milestone',
  proposal: 'Proposal',
  report: 'Report',
  softwaredocumentation: 'Software documentation',
  taxonomictreatment: 'Taxonomic treatment',
  technicalnote: 'Technical note',
  // Still accepted on input? UNCONFIRMED (contract 4: RDM calls it `dissertation` now).
  thesis: 'Thesis',
  workingpaper: 'Working paper',
  other: 'Other',
};

export const IMAGE_TYPES: Record<string, string> = {
  figure: 'Figure',
  plot: 'Plot',
  drawing: 'Drawing',
  diagram: 'Diagram',
  photo: 'Photo',
  other: 'Other',
};

const ACCESS_RIGHTS = new Set(['open', 'embargoed', 'restricted', 'closed']);

/** Legacy licence aliases → RDM ids (contract 4; REC:E1 `cc-by` → `cc-by-4.0`). Other ids are lower-cased. */
const LICENSE_ALIASES: Record<string, string> = {
  'cc-by': 'cc-by-4.0',
  'cc-by-sa': 'cc-by-sa-4.0',
  'cc-by-nd': 'cc-by-nd-4.0',
  'cc-by-nc': 'cc-by-nc-4.0',
  'cc-by-nc-sa': 'cc-by-nc-sa-4.0',
  'cc-by-nc-nd': 'cc-by-nc-nd-4.0',
  'cc-zero': 'cc0-1.0',
  cc0: 'cc0-1.0',
  'mit-license': 'mit',
  apache: 'apache-2.0',
  'apache2.0': 'apache-2.0',
  'apache-license-2.0': 'apache-2.0',
};

/** Plain string fields copied as they are (custom fields of the legacy schema, contract 4). */
const PLAIN_STRINGS = [
  'notes',
  'method',
  'language',
  'journal_title',
  'journal_volume',
  'journal_issue',
  'journal_pages',
  'conference_title',
  'conference_acronym',
  'conference_dates',
  'conference_place',
  'conference_url',
  'conference_session',
  'conference_session_part',
  'imprint_isbn',
  'imprint_place',
  'partof_pages',
  'partof_title',
  'thesis_university',
];

/** Lists copied as they are. */
const PLAIN_LISTS = ['subjects', 'locations', 'dates', 'references', 'grants'];

/** Output order of the legacy `metadata` object (field order of ZR legacyjson.py/common.py MetadataSchema). */
export const LEGACY_METADATA_ORDER = [
  'title',
  'doi',
  'publication_date',
  'description',
  'access_right',
  'embargo_date',
  'creators',
  'contributors',
  'keywords',
  'subjects',
  'related_identifiers',
  'locations',
  'dates',
  'version',
  'references',
  'language',
  'grants',
  'license',
  'journal_title',
  'journal_volume',
  'journal_issue',
  'journal_pages',
  'conference_title',
  'conference_acronym',
  'conference_dates',
  'conference_place',
  'conference_url',
  'conference_session',
  'conference_session_part',
  'imprint_publisher',
  'imprint_isbn',
  'imprint_place',
  'partof_pages',
  'partof_title',
  'thesis_university',
  'communities',
  'notes',
  'method',
  'upload_type',
  'publication_type',
  'image_type',
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** EDTF level 0 date or interval, as RDM accepts for `publication_date`. */
export function isEdtfDate(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  return parts.every((part) => {
    const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(part);
    if (!m) return false;
    const month = m[2] === undefined ? 1 : Number(m[2]);
    const day = m[3] === undefined ? 1 : Number(m[3]);
    if (month < 1 || month > 12) return false;
    const daysInMonth = new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate();
    return day >= 1 && day <= daysInMonth;
  });
}

function normaliseName(name: string): string {
  // "Family, Given" (exactly one comma) is split into family/given by the loader and rendered back as
  // "family, given"; any other name becomes the family name as a whole (contract 4).
  const parts = name.split(',');
  if (parts.length === 2) return `${parts[0]!.trim()}, ${parts[1]!.trim()}`;
  return name.trim();
}

function person(entry: unknown, withType: boolean): Record<string, unknown> | null {
  if (!isObject(entry) || typeof entry.name !== 'string' || entry.name.trim() === '') return null;
  const out: Record<string, unknown> = {
    name: normaliseName(entry.name),
    // `affiliation` is null when absent (REC:B1, REC:E1).
    affiliation: typeof entry.affiliation === 'string' && entry.affiliation !== '' ? entry.affiliation : null,
  };
  if (withType && typeof entry.type === 'string') out.type = entry.type;
  if (typeof entry.orcid === 'string' && entry.orcid !== '') out.orcid = entry.orcid.replace(/^https?:\/\/orcid\.org\//, '');
  if (typeof entry.gnd === 'string' && entry.gnd !== '') out.gnd = entry.gnd.replace(/^gnd:/, '');
  return out;
}

function people(value: unknown, withType: boolean): Record<string, unknown>[] | null {
  if (!Array.isArray(value)) return null;
  const out: Record<string, unknown>[] = [];
  for (const entry of value) {
    const p = person(entry, withType);
    // One invalid entry makes the whole list invalid; the lenient draft save then drops it (contract 1.5).
    if (!p) return null;
    out.push(p);
  }
  return out;
}

export function normaliseLicense(value: unknown): string | null {
  const id = typeof value === 'string' ? value : isObject(value) && typeof value.id === 'string' ? value.id : null;
  if (id === null) return null;
  const lower = id.trim().toLowerCase();
  return LICENSE_ALIASES[lower] ?? lower;
}

/**
 * Loads `{"metadata": {...}}` of POST/PUT on a deposition.
 *
 * - A body that is not an object, or a top-level key other than `metadata` → 400 (contract 1.5,
 *   `unknown = RAISE`; the message text is marshmallow's standard one, live text UNCONFIRMED).
 * - No `metadata` key → only RDM's default access (`access_right: "open"`, REC:C1).
 * - Unknown keys inside `metadata` are dropped (`unknown = EXCLUDE`, REC:E0/E1).
 * - Errors of the legacy deserializer itself → 400 (`license`, `related_identifiers`, `communities`,
 *   `access_right`, wrong types).
 * - Values RDM would reject (title < 3 characters, bad date, unknown upload type, creators without a
 *   name…) are silently left out: the draft save is lenient and errors only surface at publish (contract 1.5).
 * - Defaults: `publication_date` today, `imprint_publisher` "Zenodo", licence cc-by-4.0 (cc0-1.0 for
 *   datasets) when open/embargoed without one (contract 1.5).
 */
export function loadDepositionBody(body: unknown): LoadedBody {
  if (!isObject(body)) throw validationError([{ field: '_schema', messages: ['Invalid input type.'] }]);
  const unknown = Object.keys(body).filter((key) => key !== 'metadata');
  if (unknown.length > 0) throw validationError(unknown.map((field) => ({ field, messages: ['Unknown field.'] })));
  if (!('metadata' in body)) return { metadata: { access_right: 'open' }, doi: null };
  const input = body.metadata;
  if (!isObject(input)) throw validationError([{ field: 'metadata', messages: ['Invalid input type.'] }]);

  const errors: FieldError[] = [];
  const out: LegacyMetadata = {};
  const stringField = (key: string): string | undefined => {
    const value = input[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      errors.push({ field: `metadata.${key}`, messages: ['Not a valid string.'] });
      return undefined;
    }
    return value;
  };

  const title = stringField('title');
  if (title !== undefined && title.trim().length >= 3) out.title = title;

  const publicationDate = stringField('publication_date');
  if (publicationDate === undefined) out.publication_date = today();
  else if (isEdtfDate(publicationDate)) out.publication_date = publicationDate;

  const description = stringField('description');
  if (description !== undefined && description.trim().length >= 3) out.description = description;

  let accessRight = 'open';
  const access = stringField('access_right');
  if (access !== undefined) {
    if (!ACCESS_RIGHTS.has(access)) {
      // Field path UNCONFIRMED; message from ZR legacy deserializer `load_access` (contract 4).
      errors.push({ field: 'metadata.access_right', messages: ['Unknown access type.'] });
    } else {
      // `closed` and `restricted` both become restricted files; output shows "restricted" (REC:B1).
      accessRight = access === 'closed' ? 'restricted' : access;
    }
  }
  out.access_right = accessRight;
  const embargo = stringField('embargo_date');
  if (accessRight === 'embargoed' && embargo !== undefined && isEdtfDate(embargo)) out.embargo_date = embargo;

  if (input.creators !== undefined && input.creators !== null) {
    if (!Array.isArray(input.creators)) errors.push({ field: 'metadata.creators', messages: ['Not a valid list.'] });
    else {
      const creators = people(input.creators, false);
      if (creators && creators.length > 0) out.creators = creators;
    }
  }
  if (Array.isArray(input.contributors)) {
    const contributors = people(input.contributors, true);
    if (contributors && contributors.length > 0) out.contributors = contributors;
  }

  if (Array.isArray(input.keywords)) {
    const keywords = input.keywords.filter((k): k is string => typeof k === 'string' && k !== '');
    if (keywords.length > 0) out.keywords = keywords;
  }

  if (input.related_identifiers !== undefined && input.related_identifiers !== null) {
    if (!Array.isArray(input.related_identifiers) || !input.related_identifiers.every(isObject)) {
      errors.push({ field: 'metadata.related_identifiers', messages: ['related_identifiers must be a list'] });
    } else if (input.related_identifiers.length > 0) {
      out.related_identifiers = input.related_identifiers.map((r) => {
        const item: Record<string, unknown> = { identifier: r.identifier };
        if (r.relation !== undefined) item.relation = r.relation;
        if (r.resource_type !== undefined) item.resource_type = r.resource_type;
        if (r.scheme !== undefined) item.scheme = r.scheme;
        return item;
      });
    }
  }

  if (input.communities !== undefined && input.communities !== null) {
    if (!Array.isArray(input.communities) || !input.communities.every((c) => isObject(c) && typeof c.identifier === 'string')) {
      // Field `communities` as in ZR's test (REC:J1); exact message UNCONFIRMED (the test only checks "identifier").
      errors.push({ field: 'communities', messages: ["Invalid communities: each entry needs an 'identifier'."] });
    } else if (input.communities.length > 0) {
      out.communities = input.communities.map((c) => ({ identifier: (c as Record<string, unknown>).identifier }));
    }
  }

  const version = stringField('version');
  if (version !== undefined && version.length <= 191) out.version = version;

  if (input.license !== undefined && input.license !== null) {
    const license = normaliseLicense(input.license);
    if (license === null || license === '') {
      errors.push({ field: 'metadata.license', messages: ['Invalid license value provided.'] });
    } else out.license = license;
  }

  for (const key of PLAIN_STRINGS) {
    const value = stringField(key);
    if (value !== undefined && value !== '') out[key] = value;
  }
  for (const key of PLAIN_LISTS) {
    if (Array.isArray(input[key]) && (input[key] as unknown[]).length > 0) out[key] = input[key];
  }
  const publisher = stringField('imprint_publisher');
  out.imprint_publisher = publisher !== undefined && publisher !== '' ? publisher : 'Zenodo';

  const uploadType = stringField('upload_type');
  if (uploadType !== undefined && uploadType in UPLOAD_TYPES) {
    // An unknown type or subtype is not a valid RDM resource type: dropped, reported at publish.
    if (uploadType === 'publication' || uploadType === 'image') {
      const subKey = `${uploadType}_type`;
      const sub = stringField(subKey);
      const vocabulary = uploadType === 'publication' ? PUBLICATION_TYPES : IMAGE_TYPES;
      if (sub === undefined) out.upload_type = uploadType;
      else if (sub in vocabulary) {
        out.upload_type = uploadType;
        out[subKey] = sub;
      }
    } else out.upload_type = uploadType;
  }

  if (out.license === undefined && (accessRight === 'open' || accessRight === 'embargoed')) {
    out.license = out.upload_type === 'dataset' ? 'cc0-1.0' : 'cc-by-4.0';
  }

  if (errors.length > 0) throw validationError(errors);
  const doi = typeof input.doi === 'string' && input.doi.trim() !== '' ? input.doi.trim() : null;
  return { metadata: out, doi };
}

/**
 * Strict validation at publish, in RDM's schema field order (resource_type, creators, title,
 * publication_date), all reported together; these come before the files and DOI checks, which only run
 * once the schema passes (invenio-drafts-resources `publish`: `_validate_draft` first, then components).
 */
export function publishMetadataErrors(metadata: LegacyMetadata): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof metadata.upload_type !== 'string') errors.push({ field: 'metadata.resource_type', messages: [MESSAGES.missingField] });
  if (!Array.isArray(metadata.creators) || metadata.creators.length === 0) {
    errors.push({ field: 'metadata.creators', messages: [MESSAGES.missingField] });
  }
  if (typeof metadata.title !== 'string') errors.push({ field: 'metadata.title', messages: [MESSAGES.missingField] });
  if (typeof metadata.publication_date !== 'string') {
    errors.push({ field: 'metadata.publication_date', messages: [MESSAGES.missingField] });
  }
  return errors;
}

/** `resource_type` of the records API (ZenodoSchema): `{title, type, subtype?}` (REC:F1). */
export function resourceType(metadata: LegacyMetadata): Record<string, string> | undefined {
  const type = metadata.upload_type;
  if (typeof type !== 'string') return undefined;
  const subKey = `${type}_type`;
  const sub = typeof metadata[subKey] === 'string' ? (metadata[subKey] as string) : undefined;
  const vocabulary = type === 'publication' ? PUBLICATION_TYPES : type === 'image' ? IMAGE_TYPES : {};
  const title = sub !== undefined ? (vocabulary[sub] ?? sub) : (UPLOAD_TYPES[type] ?? type);
  const out: Record<string, string> = { title, type };
  if (sub !== undefined) out.subtype = sub;
  return out;
}

export function orderedLegacyMetadata(metadata: LegacyMetadata, doi: string | null): LegacyMetadata {
  const out: LegacyMetadata = {};
  for (const key of LEGACY_METADATA_ORDER) {
    if (key === 'doi') {
      if (doi) out.doi = doi;
    } else if (metadata[key] !== undefined) out[key] = metadata[key];
  }
  return out;
}

