/** Options of the Zenodo emulator, with the defaults real Zenodo has. */
export interface EmulatorOptions {
  /** TCP port; default 0 = any free port. The host is always 127.0.0.1. */
  port?: number;
  /** Sandbox mode: DOI prefix 10.5072 instead of 10.5281 (legacy `prereserve_doi` keeps 10.5281, as real Zenodo). */
  sandbox?: boolean;
  /**
   * New or changed items stay invisible to search (deposition list and `/api/records` search) for this long,
   * like Zenodo's OpenSearch refresh lag (contract 1.4). Deletions are visible at once: the draft delete
   * forces an index refresh (invenio-drafts-resources `delete_draft`, `index_refresh=True`). Default 0.
   */
  indexDelayMs?: number;
  /**
   * The clock of the index delay (default Date.now). A test that needs the delay to have passed
   * moves its own clock forward instead of sleeping: the index then catches up, as Zenodo's does.
   */
  clock?: () => number;
  /** Accept empty uploads. Default false (`RECORDS_RESOURCES_ALLOW_EMPTY_FILES = False`, contract 2; the sandbox accepted them once). */
  allowEmptyFiles?: boolean;
  /** Per-file limit in bytes. Default 50e9 (`RDM_FILES_DEFAULT_MAX_FILE_SIZE`, contract 2). */
  maxFileSize?: number;
  /** Per-record quota in bytes. Default 50e9 (`RDM_FILES_DEFAULT_QUOTA_SIZE`, contract 2). */
  quotaSize?: number;
  /** Files per record. Default 100 (`RDM_RECORDS_MAX_FILES_COUNT`, contract 2). */
  maxFiles?: number;
  /**
   * Honour `Range: bytes=…` on file downloads with 206 (default true). Real Zenodo is inconsistent
   * (contract 3.3); set false to ignore Range and always answer 200 with the whole file.
   */
  rangeRequests?: boolean;
  /**
   * Answer 429 once a rate-limit window is used up (default false: the X-RateLimit headers still count
   * down, but requests are never refused). Limits: 30/min for `GET /api/records`, 1000/min with a token,
   * 133/min as a guest (contract 6; the numbers seen in REC:B2h and REC:H11).
   */
  enforceRateLimits?: boolean;
  /**
   * Answer requests without a User-Agent with the production edge's HTML 403 page (contract 5, item 4).
   * Default false (the sandbox does not do it).
   */
  requireUserAgent?: boolean;
  /**
   * `zenodo` (default): Zenodo-RDM, with the legacy deposit API beside the native InvenioRDM API, integer
   * record ids, DOIs `<prefix>/zenodo.<id>` and the "ZenodoSchema" hybrid JSON unless the client asks for
   * `application/vnd.inveniordm.v1+json` (contract 8).
   * `invenio`: a plain InvenioRDM instance (CaltechDATA, TU Wien…): no legacy routes (`/api/deposit/…` and
   * `/api/files/<bucket>/…` answer 404), record ids like `abcde-12345` (RDM's default recid provider),
   * DOIs `<doiPrefix>/<id>` (RDM's default `DATACITE_FORMAT = "{prefix}/{id}"`), RDM JSON for every Accept.
   */
  mode?: 'zenodo' | 'invenio';
  /** DOI prefix of the `invenio` mode (default 10.80001, an instance's own DataCite prefix). Ignored in `zenodo` mode. */
  doiPrefix?: string;
  /**
   * Communities of the instance (`GET /api/communities/<slug>`). A community with `review: true` has its
   * curators review every submission: a draft submitted to it (`PUT …/draft/review`, then
   * `POST …/draft/actions/submit-review`) stays a draft under review until the request is accepted —
   * in the emulator by `emulator.acceptReview(requestId)` or `POST /api/requests/<id>/actions/accept` with
   * the curator's token (`emulator.curatorToken`). Without review, a submission is accepted at once.
   */
  communities?: Array<{ slug: string; title?: string; review?: boolean }>;
}

export interface ResolvedOptions {
  port: number;
  sandbox: boolean;
  indexDelayMs: number;
  clock: () => number;
  allowEmptyFiles: boolean;
  maxFileSize: number;
  quotaSize: number;
  maxFiles: number;
  rangeRequests: boolean;
  enforceRateLimits: boolean;
  requireUserAgent: boolean;
  mode: 'zenodo' | 'invenio';
  doiPrefix: string;
  communities: Array<{ slug: string; title: string; review: boolean }>;
}

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  return {
    port: options.port ?? 0,
    sandbox: options.sandbox ?? false,
    indexDelayMs: options.indexDelayMs ?? 0,
    clock: options.clock ?? Date.now,
    allowEmptyFiles: options.allowEmptyFiles ?? false,
    maxFileSize: options.maxFileSize ?? 50e9,
    quotaSize: options.quotaSize ?? 50e9,
    maxFiles: options.maxFiles ?? 100,
    rangeRequests: options.rangeRequests ?? true,
    enforceRateLimits: options.enforceRateLimits ?? false,
    requireUserAgent: options.requireUserAgent ?? false,
    mode: options.mode ?? 'zenodo',
    doiPrefix: options.mode === 'invenio' ? (options.doiPrefix ?? '10.80001') : options.sandbox ? '10.5072' : '10.5281',
    communities: (options.communities ?? []).map((c) => ({ slug: c.slug, title: c.title ?? c.slug, review: c.review ?? false })),
  };
}

/** One request as the emulator saw it. */
export interface RequestLogEntry {
  method: string;
  /** Path with the query string, as sent (so a token passed as `?access_token=` is visible). */
  url: string;
  /** Status sent; 0 while the request runs or when the connection was dropped before any answer. */
  status: number;
  headers: {
    'user-agent'?: string | undefined;
    'content-type'?: string | undefined;
    'content-length'?: string | undefined;
    'transfer-encoding'?: string | undefined;
    authorization?: string | undefined;
  } & Record<string, string | undefined>;
}
