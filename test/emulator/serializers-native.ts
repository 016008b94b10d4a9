/**
 * JSON shapes of the native InvenioRDM API (contract 8):
 * - Zenodo's hybrid "ZenodoSchema" of a draft (REC:A1, A2, A6, H1), what Zenodo answers on the native
 *   draft routes unless the client asks for `application/vnd.inveniordm.v1+json`;
 * - the RDM JSON of a draft or record (what plain InvenioRDM always answers, and Zenodo with that Accept);
 * - the draft files list and file entries (REC:A3, A4, A5; these have no hybrid form on Zenodo).
 *
 * No recording of RDM JSON exists in the contract; its shape follows invenio-rdm-records' `RDMRecordSchema`
 * (NATDOCS). Zenodo's `vnd.inveniordm.v1+json` serializer also adds a `ui` block of display strings,
 * which the emulator leaves out (a known gap: no client should rely on display strings).
 */
import { resourceTypeTitle, personName, RELATION_BY_ID } from './rdm-metadata.ts';
import type { RdmState } from './rdm-metadata.ts';
import { doiResolver, quoteKey, sharingLinks, zenodoFiles, zenodoMetadata } from './serializers.ts';
import type { Urls } from './serializers.ts';
import type { Concept, Deposition, PendingFile, ReviewRequest, Snapshot, Store, StoredFile } from './store.ts';
import type { FieldError } from './api-error.ts';

/** Links of a draft on the native API, in the order of REC:H1 (REC:A2 adds `doi`/`self_doi` once reserved). */
export function draftLinks(urls: Urls, dep: Deposition, snap: Snapshot): Record<string, string> {
  const { api, ui } = urls;
  const id = dep.pid;
  const links: Record<string, string> = {
    self: `${api}/records/${id}/draft`,
    self_html: `${ui}/uploads/${id}`,
    preview_html: `${ui}/records/${id}?preview=1`,
  };
  if (snap.doi) {
    links.doi = `${doiResolver(urls)}${snap.doi}`;
    links.self_doi = `${doiResolver(urls)}${snap.doi}`;
  }
  Object.assign(links, {
    reserve_doi: `${api}/records/${id}/draft/pids/doi`,
    self_iiif_manifest: `${api}/iiif/draft:${id}/manifest`,
    self_iiif_sequence: `${api}/iiif/draft:${id}/sequence/default`,
    files: `${api}/records/${id}/draft/files`,
    media_files: `${api}/records/${id}/draft/media-files`,
    archive: `${api}/records/${id}/draft/files-archive`,
    archive_media: `${api}/records/${id}/draft/media-files-archive`,
    versions: `${api}/records/${id}/versions`,
    record: `${api}/records/${id}`,
    record_html: `${ui}/records/${id}`,
    publish: `${api}/records/${id}/draft/actions/publish`,
    review: `${api}/records/${id}/draft/review`,
    ...sharingLinks(api, id),
    quota_increase: `${api}/records/${id}/quota-increase`,
    requests: `${api}/records/${id}/requests`,
  });
  return links;
}

function fileLinks(urls: Urls, dep: Deposition, key: string, draft: boolean): Record<string, string> {
  const base = `${urls.api}/records/${dep.pid}${draft ? '/draft' : ''}/files/${quoteKey(key)}`;
  const links: Record<string, string> = { self: base, content: `${base}/content` };
  if (draft) links.commit = `${base}/commit`;
  return links;
}

/** A committed file in a files list or as the commit answer (REC:A5). */
export function completedFileEntry(urls: Urls, dep: Deposition, file: StoredFile, draft: boolean): Record<string, unknown> {
  return {
    created: file.created,
    updated: file.updated,
    mimetype: file.mimetype,
    version_id: file.versionId,
    file_id: file.id,
    bucket_id: dep.bucketId,
    metadata: null,
    access: { hidden: false },
    links: fileLinks(urls, dep, file.key, draft),
    key: file.key,
    checksum: `md5:${file.checksum}`,
    size: file.size,
    transfer: { type: 'L' },
    status: 'completed',
    storage_class: 'L',
  };
}

/** A registered file before its commit (REC:A3 after init, REC:A4 after the content PUT: still pending). */
export function pendingFileEntry(urls: Urls, dep: Deposition, entry: PendingFile): Record<string, unknown> {
  const out: Record<string, unknown> = {
    created: entry.created,
    updated: entry.updated,
    metadata: null,
    access: { hidden: false },
    links: fileLinks(urls, dep, entry.key, true),
    key: entry.key,
  };
  if (entry.declaredChecksum !== undefined) out.checksum = entry.declaredChecksum;
  if (entry.declaredSize !== undefined) out.size = entry.declaredSize;
  out.transfer = { type: 'L' };
  out.status = 'pending';
  return out;
}

/** `GET/POST …/draft/files` (REC:A3) and `GET /api/records/<id>/files`. */
export function filesList(urls: Urls, dep: Deposition, snap: Snapshot, draft: boolean): Record<string, unknown> {
  const base = `${urls.api}/records/${dep.pid}${draft ? '/draft' : ''}`;
  return {
    enabled: true,
    links: { self: `${base}/files`, archive: `${base}/files-archive` },
    entries: [
      ...snap.files.map((f) => completedFileEntry(urls, dep, f, draft)),
      ...(draft ? (snap.pending ?? []).map((p) => pendingFileEntry(urls, dep, p)) : []),
    ],
    default_preview: null,
    order: [],
  };
}

/** Hybrid "ZenodoSchema" of a draft (REC:A1, A2, A6, H1). Pending files are not listed (as in the legacy views). */
export function zenodoDraft(urls: Urls, store: Store, dep: Deposition): Record<string, unknown> {
  const snap = dep.draft!;
  const concept = store.concept(dep);
  const out: Record<string, unknown> = { created: dep.created, modified: snap.updated, id: dep.id, conceptrecid: String(dep.conceptId) };
  if (snap.doi) out.doi = snap.doi;
  if (concept.doi) out.conceptdoi = concept.doi;
  if (snap.doi) out.doi_url = `${doiResolver(urls)}${snap.doi}`;
  out.metadata = zenodoMetadata(snap.metadata, snap.doi, dep, false);
  out.title = typeof snap.metadata.title === 'string' ? snap.metadata.title : '';
  out.links = draftLinks(urls, dep, snap);
  out.updated = snap.updated;
  out.recid = String(dep.id);
  out.revision = snap.revision;
  out.files = zenodoFiles(urls, dep, snap.files, true);
  out.owners = [{ id: String(dep.ownerId) }];
  out.status = 'draft';
  out.state = dep.record ? 'inprogress' : 'unsubmitted';
  out.submitted = dep.record !== null;
  return out;
}

// ------------------------------------------------------------------ RDM JSON

const LICENSE_TITLES: Record<string, string> = {
  'cc-by-4.0': 'Creative Commons Attribution 4.0 International',
  'cc0-1.0': 'Creative Commons Zero v1.0 Universal',
  'cc-by-sa-4.0': 'Creative Commons Attribution Share Alike 4.0 International',
  mit: 'MIT License',
  'apache-2.0': 'Apache License 2.0',
};

function words(camel: string): string {
  const spaced = camel.replace(/([A-Z])/g, ' $1').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** RDM metadata as the API dumps it: vocabulary entries get their titles, persons their computed `name`. */
function rdmMetadataOut(state: RdmState): Record<string, unknown> {
  const m = structuredClone(state.metadata);
  const rt = m.resource_type as { id: string } | undefined;
  if (rt) m.resource_type = { id: rt.id, title: { en: resourceTypeTitle(rt.id) ?? rt.id } };
  if (Array.isArray(m.creators)) {
    for (const c of m.creators as Array<Record<string, Record<string, unknown>>>) c.person_or_org!.name = personName(c.person_or_org!);
  }
  if (Array.isArray(m.rights)) m.rights = (m.rights as Array<{ id: string }>).map((r) => ({ id: r.id, title: { en: LICENSE_TITLES[r.id] ?? r.id } }));
  if (Array.isArray(m.related_identifiers)) {
    for (const r of m.related_identifiers as Array<Record<string, { id: string; title?: unknown }>>) {
      r.relation_type!.title = { en: words(RELATION_BY_ID[r.relation_type!.id] ?? r.relation_type!.id) };
    }
  }
  if (Array.isArray(m.additional_descriptions)) {
    for (const d of m.additional_descriptions as Array<Record<string, { id: string; title?: unknown }>>) d.type!.title = { en: words(d.type!.id) };
  }
  return m;
}

function doiPid(doi: string): Record<string, string> {
  return { identifier: doi, provider: 'datacite', client: 'datacite' };
}

export function reviewSummary(request: ReviewRequest): Record<string, unknown> {
  return { id: request.id, type: 'community-submission', status: request.status, receiver: { community: request.communityId } };
}

/** RDM `status` of a draft or record (invenio-rdm-records `RecordStatus`). */
function rdmStatus(dep: Deposition, concept: Concept, view: 'draft' | 'record'): string {
  if (view === 'record') return 'published';
  if (concept.review && concept.review.recordId === dep.id && concept.review.status === 'submitted') return 'in_review';
  if (dep.record) return 'published';
  return dep.index > 1 ? 'new_version_draft' : 'draft';
}

export interface RdmOptions {
  /** Save errors of the lenient load (DRR: a draft answer lists them, nothing is refused). */
  errors?: FieldError[];
}

/** RDM JSON of a draft (`view: 'draft'`) or of a published record. */
export function rdmRecord(urls: Urls, store: Store, dep: Deposition, view: 'draft' | 'record', options: RdmOptions = {}): Record<string, unknown> {
  const snap = view === 'draft' ? dep.draft! : dep.record!;
  const concept = store.concept(dep);
  const state = store.rdmOf(snap);
  const { api, ui } = urls;
  const id = dep.pid;
  const published = view === 'record';
  const latest = store.latestPublished(concept);
  const newest = store.conceptVersions(concept).reduce<Deposition | undefined>((a, b) => (!a || b.index > a.index ? b : a), undefined);
  const links: Record<string, string> = published
    ? {
        self: `${api}/records/${id}`,
        self_html: `${ui}/records/${id}`,
        ...(snap.doi ? { doi: `${doiResolver(urls)}${snap.doi}`, self_doi: `${doiResolver(urls)}${snap.doi}` } : {}),
        parent: `${api}/records/${concept.pid}`,
        parent_html: `${ui}/records/${concept.pid}`,
        ...(concept.doi ? { parent_doi: `${doiResolver(urls)}${concept.doi}` } : {}),
        files: `${api}/records/${id}/files`,
        archive: `${api}/records/${id}/files-archive`,
        latest: `${api}/records/${id}/versions/latest`,
        latest_html: `${ui}/records/${id}/latest`,
        versions: `${api}/records/${id}/versions`,
        draft: `${api}/records/${id}/draft`,
        reserve_doi: `${api}/records/${id}/draft/pids/doi`,
        communities: `${api}/records/${id}/communities`,
        requests: `${api}/records/${id}/requests`,
      }
    : { ...draftLinks(urls, dep, snap), parent: `${api}/records/${concept.pid}`, parent_html: `${ui}/records/${concept.pid}` };
  const entries: Record<string, unknown> = {};
  for (const f of snap.files) {
    entries[f.key] = { ...completedFileEntry(urls, dep, f, !published) };
  }
  if (!published) for (const p of snap.pending ?? []) entries[p.key] = pendingFileEntry(urls, dep, p);
  const parent: Record<string, unknown> = {
    id: concept.pid,
    access: { owned_by: { user: String(concept.ownerId) } },
    communities: concept.communities?.length ? { ids: concept.communities, default: concept.communities[0] } : {},
    pids: concept.doi ? { doi: doiPid(concept.doi) } : {},
  };
  if (concept.review && concept.review.recordId === dep.id && !published) parent.review = reviewSummary(concept.review);
  const embargo = state.access.embargo ?? { active: false, reason: null };
  const out: Record<string, unknown> = {
    access: {
      record: state.access.record,
      files: state.access.files,
      embargo,
      status: embargo.active ? 'embargoed' : state.access.record === 'restricted' ? 'restricted' : state.access.files === 'restricted' ? 'metadata-only' : 'open',
    },
    created: dep.created,
    updated: snap.updated,
    custom_fields: {},
    deletion_status: { is_deleted: false, status: 'P' },
    files: {
      enabled: true,
      order: [],
      count: snap.files.length,
      total_bytes: snap.files.reduce((sum, f) => sum + f.size, 0),
      entries,
      default_preview: null,
    },
    id,
    is_draft: !published,
    is_published: dep.record !== null,
    links,
    media_files: { enabled: false, order: [], count: 0, total_bytes: 0, entries: {} },
    metadata: rdmMetadataOut(state),
    parent,
    pids: snap.doi ? { doi: doiPid(snap.doi) } : {},
    revision_id: snap.revision,
    status: rdmStatus(dep, concept, view),
    versions: { index: dep.index, is_latest: published && latest?.id === dep.id, is_latest_draft: newest?.id === dep.id },
  };
  if (published) out.stats = { this_version: { views: 0, unique_views: 0, downloads: 0, unique_downloads: 0, data_volume: 0 }, all_versions: { views: 0, unique_views: 0, downloads: 0, unique_downloads: 0, data_volume: 0 } };
  if (options.errors && options.errors.length > 0) out.errors = options.errors;
  return out;
}

/** A community-submission request (invenio-requests `RequestSchema`; fields beyond id/status/type UNCONFIRMED in detail). */
export function requestJson(urls: Urls, store: Store, request: ReviewRequest): Record<string, unknown> {
  const dep = store.versions.get(request.recordId);
  const isOpen = request.status === 'submitted';
  return {
    id: request.id,
    number: request.number,
    type: 'community-submission',
    title: dep?.draft && typeof dep.draft.metadata.title === 'string' ? dep.draft.metadata.title : '',
    status: request.status,
    is_open: isOpen,
    is_closed: request.status !== 'submitted' && request.status !== 'created',
    is_expired: false,
    created_by: { user: String(request.createdBy) },
    receiver: { community: request.communityId },
    topic: { record: dep?.pid ?? '' },
    created: request.created,
    updated: request.updated,
    revision_id: request.revision,
    links: {
      self: `${urls.api}/requests/${request.id}`,
      self_html: `${urls.ui}/requests/${request.id}`,
      comments: `${urls.api}/requests/${request.id}/comments`,
      timeline: `${urls.api}/requests/${request.id}/timeline`,
      actions: isOpen
        ? { accept: `${urls.api}/requests/${request.id}/actions/accept`, decline: `${urls.api}/requests/${request.id}/actions/decline`, cancel: `${urls.api}/requests/${request.id}/actions/cancel` }
        : request.status === 'created'
          ? { submit: `${urls.api}/requests/${request.id}/actions/submit` }
          : {},
    },
  };
}
