/**
 * The JSON shapes Zenodo answers with: the legacy deposition (contract 1.2, 1.3, 1.7; REC:B1, B3, B4, D1),
 * the bucket object (contract 2; REC:B2) and the records API's "ZenodoSchema" (contract 3.1; REC:F1,
 * REC:H8). Key order follows the recordings / the marshmallow schemas.
 */
import { orderedLegacyMetadata, resourceType } from './metadata.ts';
import type { LegacyMetadata } from './metadata.ts';
import type { Concept, Deposition, IndexedDoc, Snapshot, StoredFile } from './store.ts';

export interface Urls {
  /** `http://127.0.0.1:PORT/api` */
  api: string;
  /** `http://127.0.0.1:PORT` */
  ui: string;
  sandbox: boolean;
}

/** Python's `urllib.parse.quote(key)` (safe "/"), used for keys in links since 2026-03 (contract 1.7). */
export function quoteKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

/** DOI resolver of the records API links: DataCite's test handle server on the sandbox (REC:H3, REC:H8). */
export function doiResolver(urls: Urls): string {
  return urls.sandbox ? 'https://handle.test.datacite.org/' : 'https://doi.org/';
}

// ------------------------------------------------------------------ legacy deposition

export interface LegacyOptions {
  /** List/search results come from the index, which has no bucket id (contract 1.3; REC:B4). */
  inList?: boolean;
}

/** The view the legacy API shows: the draft if there is one, else the published record. */
function legacyView(dep: Deposition): { snap: Snapshot; isDraft: boolean; isPublished: boolean } {
  return dep.draft ? { snap: dep.draft, isDraft: true, isPublished: dep.record !== null } : { snap: dep.record!, isDraft: false, isPublished: true };
}

function legacyLinks(urls: Urls, dep: Deposition, concept: Concept, snap: Snapshot, isDraft: boolean, isPublished: boolean, inList: boolean) {
  const { api, ui } = urls;
  const id = dep.id;
  const isRecordView = !isDraft;
  const links: Record<string, string> = {};
  links.self = isRecordView ? `${api}/records/${id}` : `${api}/deposit/depositions/${id}`;
  links.html = isRecordView ? `${ui}/records/${id}` : `${ui}/deposit/${id}`;
  // The legacy `doi` link is hard-coded to doi.org, also on the sandbox (REC:B3).
  if (snap.doi) links.doi = `https://doi.org/${snap.doi}`;
  if (isRecordView && concept.doi) links.parent_doi = `https://doi.org/${concept.doi}`;
  // With no DOI the template renders `…/badge/doi/.svg` (REC:B1, REC:D1).
  links.badge = `${ui}/badge/doi/${encodeURIComponent(snap.doi ?? '')}.svg`;
  if (isRecordView && concept.doi) links.conceptbadge = `${ui}/badge/doi/${encodeURIComponent(concept.doi)}.svg`;
  links.files = isRecordView ? `${api}/records/${id}/files` : `${api}/deposit/depositions/${id}/files`;
  if (!inList) links.bucket = `${api}/files/${dep.bucketId}`;
  // Always the object's own id (zenodo/zenodo-rdm#858; REC:D1).
  links.latest_draft = `${api}/deposit/depositions/${id}`;
  links.latest_draft_html = `${ui}/deposit/${id}`;
  for (const action of ['publish', 'edit', 'discard', 'newversion']) links[action] = `${api}/deposit/depositions/${id}/actions/${action}`;
  if (isPublished) {
    links.record = `${api}/records/${id}`;
    links.record_html = `${ui}/record/${id}`;
    links.latest = `${api}/records/${id}/versions/latest`;
    links.latest_html = `${ui}/records/${id}/latest`;
  }
  return links;
}

export function legacyDeposition(urls: Urls, dep: Deposition, concept: Concept, options: LegacyOptions = {}): Record<string, unknown> {
  const { snap, isDraft, isPublished } = legacyView(dep);
  const links = legacyLinks(urls, dep, concept, snap, isDraft, isPublished, options.inList ?? false);
  const metadata = orderedLegacyMetadata(snap.metadata, snap.doi);
  // Always `10.5281/zenodo.<id>`, even on the sandbox (hard-coded prefix, contract 1.2; REC:B1).
  metadata.prereserve_doi = { doi: `10.5281/zenodo.${dep.id}`, recid: dep.id };
  const out: Record<string, unknown> = {
    created: dep.created,
    modified: snap.updated,
    id: dep.id,
    conceptrecid: String(dep.conceptId),
  };
  if (snap.doi) out.doi = snap.doi;
  if (concept.doi) out.conceptdoi = concept.doi;
  if (snap.doi) out.doi_url = links.doi;
  out.metadata = metadata;
  out.title = typeof snap.metadata.title === 'string' ? snap.metadata.title : '';
  out.links = links;
  out.record_id = dep.id;
  out.owner = dep.ownerId;
  // Inside a deposition, `download` is always on the `/draft/` path (contract 1.7).
  out.files = snap.files.map((f) => legacyFileEntry(urls, dep, f, { draftDownload: true }));
  out.state = !isPublished ? 'unsubmitted' : isDraft ? 'inprogress' : 'done';
  out.submitted = isPublished;
  return out;
}

/**
 * A legacy file entry, hex checksum (contract 1.7): one of `GET/POST …/depositions/<id>/files[/<file id>]`,
 * where `download` is the record's content URL for a published file and the draft's otherwise; or,
 * with `draftDownload`, one of a deposition's `files[]`, where it is always the draft's.
 */
export function legacyFileEntry(urls: Urls, dep: Deposition, file: StoredFile, options: { draftDownload?: boolean } = {}): Record<string, unknown> {
  const key = quoteKey(file.key);
  const published = dep.record && !options.draftDownload;
  return {
    id: file.id,
    filename: file.key,
    filesize: file.size,
    checksum: file.checksum,
    links: {
      self: `${urls.api}/deposit/depositions/${dep.id}/files/${file.id}`,
      download: published ? `${urls.api}/records/${dep.id}/files/${key}/content` : `${urls.api}/records/${dep.id}/draft/files/${key}/content`,
    },
  };
}

/** Answer of `PUT /api/files/<bucket>/<key>` (REC:B2; `is_head`/`delete_marker` are constants). */
export function bucketObject(urls: Urls, bucketId: string, file: StoredFile): Record<string, unknown> {
  const self = `${urls.api}/files/${bucketId}/${quoteKey(file.key)}`;
  return {
    created: file.created,
    updated: file.updated,
    version_id: file.versionId,
    key: file.key,
    size: file.size,
    mimetype: file.mimetype,
    checksum: `md5:${file.checksum}`,
    is_head: true,
    delete_marker: false,
    links: { self, version: `${self}?version_id=${file.versionId}`, uploads: `${self}?uploads=1` },
  };
}

// ------------------------------------------------------------------ records API (ZenodoSchema)

function nested(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

export function zenodoMetadata(m: LegacyMetadata, doi: string | null, dep: Deposition, isLatest: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const copy = (key: string) => {
    if (m[key] !== undefined) out[key] = m[key];
  };
  copy('title');
  if (doi) out.doi = doi;
  for (const key of ['publication_date', 'description', 'access_right', 'embargo_date', 'creators', 'contributors', 'keywords', 'subjects']) copy(key);
  for (const key of ['related_identifiers', 'locations', 'dates', 'version', 'references', 'language']) copy(key);
  const rt = resourceType(m);
  if (rt) out.resource_type = rt;
  const journal = nested({ title: m.journal_title, volume: m.journal_volume, issue: m.journal_issue, pages: m.journal_pages });
  if (journal) out.journal = journal;
  const meeting = nested({
    title: m.conference_title,
    acronym: m.conference_acronym,
    dates: m.conference_dates,
    place: m.conference_place,
    url: m.conference_url,
    session: m.conference_session,
    session_part: m.conference_session_part,
  });
  if (meeting) out.meeting = meeting;
  const imprint = nested({ place: m.imprint_place, isbn: m.imprint_isbn });
  if (imprint) out.imprint = imprint;
  const partOf = nested({ pages: m.partof_pages, title: m.partof_title });
  if (partOf) out.part_of = partOf;
  const thesis = nested({ university: m.thesis_university });
  if (thesis) out.thesis = thesis;
  if (typeof m.license === 'string') out.license = { id: m.license };
  if (m.grants !== undefined) out.grants = m.grants;
  if (Array.isArray(m.communities)) out.communities = (m.communities as Array<Record<string, unknown>>).map((c) => ({ id: c.identifier }));
  out.relations = {
    version: [{ index: dep.index - 1, is_last: isLatest, parent: { pid_type: 'recid', pid_value: String(dep.conceptId) } }],
  };
  copy('notes');
  copy('method');
  return out;
}

function zenodoLinks(urls: Urls, dep: Deposition, concept: Concept, doi: string | null): Record<string, string> {
  const { api, ui } = urls;
  const id = dep.id;
  const resolver = doiResolver(urls);
  // The link set of today's Zenodo (REC:H3, 2026-08; REC:F1 of 2024-12 lacks preview_html,
  // request_deletion, file_modification and quota_increase), in its order.
  const links: Record<string, string> = { self: `${api}/records/${id}`, self_html: `${ui}/records/${id}`, preview_html: `${ui}/records/${id}?preview=1` };
  if (doi) {
    links.doi = `${resolver}${doi}`;
    links.self_doi = `${resolver}${doi}`;
    links.self_doi_html = `${ui}/doi/${doi}`;
  }
  links.reserve_doi = `${api}/records/${id}/draft/pids/doi`;
  // `parent` points at /api/records/<conceptrecid>, which answers 404 (zenodo/zenodo#2499; REC:F1).
  links.parent = `${api}/records/${concept.id}`;
  links.parent_html = `${ui}/records/${concept.id}`;
  if (concept.doi) {
    links.parent_doi = `${resolver}${concept.doi}`;
    links.parent_doi_html = `${ui}/doi/${concept.doi}`;
  }
  Object.assign(links, {
    self_iiif_manifest: `${api}/iiif/record:${id}/manifest`,
    self_iiif_sequence: `${api}/iiif/record:${id}/sequence/default`,
    files: `${api}/records/${id}/files`,
    media_files: `${api}/records/${id}/media-files`,
    archive: `${api}/records/${id}/files-archive`,
    archive_media: `${api}/records/${id}/media-files-archive`,
    latest: `${api}/records/${id}/versions/latest`,
    latest_html: `${ui}/records/${id}/latest`,
    versions: `${api}/records/${id}/versions`,
    draft: `${api}/records/${id}/draft`,
    ...sharingLinks(api, id),
    request_deletion: `${api}/records/${id}/request-deletion`,
    file_modification: `${api}/records/${id}/file-modification`,
    quota_increase: `${api}/records/${id}/quota-increase`,
    requests: `${api}/records/${id}/requests`,
  });
  return links;
}

/** The access and communities links every draft and record has (REC:A1, REC:H3), in their order. */
export function sharingLinks(api: string, id: string | number): Record<string, string> {
  return {
    access_links: `${api}/records/${id}/access/links`,
    access_grants: `${api}/records/${id}/access/grants`,
    access_users: `${api}/records/${id}/access/users`,
    access_request: `${api}/records/${id}/access/request`,
    access: `${api}/records/${id}/access`,
    communities: `${api}/records/${id}/communities`,
    'communities-suggestions': `${api}/records/${id}/communities-suggestions`,
  };
}

/** ZenodoSchema `files[]` (REC:F1), a draft's with `/draft/` content links (REC:A6). */
export function zenodoFiles(urls: Urls, dep: Deposition, files: StoredFile[], draft: boolean): Array<Record<string, unknown>> {
  return files.map((f) => ({
    id: f.id,
    key: f.key,
    size: f.size,
    checksum: `md5:${f.checksum}`,
    links: { self: `${urls.api}/records/${dep.id}${draft ? '/draft' : ''}/files/${quoteKey(f.key)}/content` },
  }));
}

export interface ZenodoOptions {
  /** Search/versions hits are dumped from the index: no `modified`/`updated`/`stats`, `swh: null` (REC:H8). */
  hit?: boolean;
}

/** `GET /api/records/<id>` default JSON (REC:F1) of a published record. */
export function zenodoRecord(urls: Urls, doc: Pick<IndexedDoc, 'dep' | 'concept' | 'isLatest'>, options: ZenodoOptions = {}): Record<string, unknown> {
  const { dep, concept } = doc;
  const rec = dep.record!;
  const hit = options.hit ?? false;
  const out: Record<string, unknown> = { created: dep.created };
  if (!hit) out.modified = rec.updated;
  out.id = dep.id;
  out.conceptrecid = String(dep.conceptId);
  if (rec.doi) out.doi = rec.doi;
  if (concept.doi) out.conceptdoi = concept.doi;
  if (rec.doi) out.doi_url = `${doiResolver(urls)}${rec.doi}`;
  out.metadata = zenodoMetadata(rec.metadata, rec.doi, dep, doc.isLatest);
  out.title = typeof rec.metadata.title === 'string' ? rec.metadata.title : '';
  out.links = zenodoLinks(urls, dep, concept, rec.doi);
  if (!hit) out.updated = rec.updated;
  out.recid = String(dep.id);
  out.revision = rec.revision;
  out.files = zenodoFiles(urls, dep, rec.files, false);
  out.swh = hit ? null : {};
  out.owners = [{ id: String(dep.ownerId) }];
  out.status = 'published';
  if (!hit) {
    // Usage statistics are aggregated asynchronously on Zenodo; the emulator never counts.
    out.stats = {
      downloads: 0,
      unique_downloads: 0,
      views: 0,
      unique_views: 0,
      version_downloads: 0,
      version_unique_downloads: 0,
      version_unique_views: 0,
      version_views: 0,
    };
  }
  out.state = 'done';
  out.submitted = true;
  return out;
}
