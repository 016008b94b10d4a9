import type { Readable } from 'node:stream';
import ky, { HTTPError, type KyInstance, type Options } from 'ky';
import { DonodoError, MeasuringStream, readResponseCapped, redirectingFetch, type Logger, type ProgressSink, type UploadSource } from '../../src/plugin-api.ts';
import { isSafeTransport, type Endpoint } from './endpoint.ts';
import { RateLimit } from './rate-limit.ts';
import { IdleTimeoutError, resumableDownload } from './resumable-download.ts';
import { putStream, UploadRefused } from './http-put.ts';
import { hostFailure, translateHttpError } from './zenodo-errors.ts';
import type { BucketFile } from './zenodo-json.ts';

export interface HttpSettings {
  userAgent: string;
  logger: Logger;
  /** Retries of a failed request (429, 5xx, timeouts, dropped connections; never a refused connection or an unknown host). */
  retries: number;
  /** Per-attempt timeout for API calls, in ms. */
  timeoutMs: number;
  /** Transfers have no overall timeout, only this one: no byte moved for this long. */
  idleTimeoutMs: number;
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504];
/** How long to wait for the answer to an upload once all of it is sent. */
const ANSWER_AFTER_UPLOAD_MS = 15 * 60_000;
/**
 * The largest JSON answer donodo reads. Zenodo's largest legitimate ones are a page of 100
 * depositions or records (donodo's page size; Zenodo's maximum) with their files: at 100 files
 * per record (Zenodo's limit) and ~300 bytes a file entry, plus metadata of some kB, that is
 * 3 to 5 MB at the very worst; typical answers are a few kB. 16 MB is well above any of them, and
 * small enough that reading and parsing it costs tens of MB, not the gigabytes an endless answer would.
 */
export const MAX_JSON_ANSWER_BYTES = 16_000_000;

/**
 * HTTP to one Zenodo. The token goes only in the Authorization header and only to the API's own
 * origin (never in a URL, never to another host after a redirect). Every request carries donodo's
 * User-Agent. Failed requests are retried with backoff and jitter, honouring Retry-After; requests
 * slow down when the rate-limit window is nearly used up.
 */
export class ZenodoHttp {
  readonly endpoint: Endpoint;
  readonly #ky: KyInstance;
  readonly #settings: HttpSettings;
  readonly #rateLimit: RateLimit;

  constructor(endpoint: Endpoint, settings: HttpSettings) {
    this.endpoint = endpoint;
    this.#settings = settings;
    this.#rateLimit = new RateLimit((message) => settings.logger.warn(message));
    this.#ky = ky.create({
      headers: { 'user-agent': settings.userAgent, accept: 'application/json' },
      timeout: settings.timeoutMs,
      // Redirects are followed by donodo, hop by hop: the token never follows one to another
      // origin, and none may lead from https to plain http, or to plain http off this machine.
      fetch: redirectingFetch({ check: (next, from) => this.#checkRedirect(next, from) }),
      retry: {
        limit: settings.retries,
        // POST is not idempotent (create, newversion, publish): it is retried only on 429, which Zenodo answers before doing anything.
        methods: ['get', 'put', 'delete', 'head'],
        statusCodes: RETRY_STATUS,
        // Zenodo sends Retry-After on every response (its rate-limit window), so it means "wait" only on a 429.
        afterStatusCodes: [429],
        maxRetryAfter: 120_000,
        backoffLimit: 30_000,
        jitter: true,
        retryOnTimeout: true,
        // A refused connection or an unknown host fails at once (the error names the host).
        shouldRetry: ({ error }) => (hostFailure(error) ? false : undefined),
      },
      // No afterResponse hook: ky hands those a clone of the response, and an unread clone of a
      // download would hold its connection open. Rate-limit headers are read where responses arrive.
      hooks: {
        beforeRequest: [
          async ({ request }) => {
            await this.#rateLimit.pace();
            this.#authorize(request);
          },
        ],
        beforeRetry: [
          ({ request, retryCount, error }) => {
            settings.logger.warn(`Zenodo: ${describe(error)} for ${request.method} ${new URL(request.url).pathname}; retry ${retryCount} of ${settings.retries}`);
          },
        ],
      },
    });
  }

  #checkRedirect(next: URL, from: URL): void {
    if (next.protocol === 'https:' || (from.protocol === 'http:' && isSafeTransport(next))) return;
    throw new DonodoError('ZENODO_REDIRECT_INSECURE', `${from.origin}${from.pathname} redirected donodo to ${next.origin}${next.pathname}, ${next.protocol !== 'http:' ? `a ${next.protocol} URL` : from.protocol === 'https:' ? 'from https to plain http' : 'plain http to another machine'}; donodo does not follow it.`, {
      hint: 'A Zenodo answer that leaves https could be read or changed on the way. Check --zenodo-url (or the configuration\'s url), or report it to the service.',
    });
  }

  /** Add the token when the request goes to this Zenodo. */
  #authorize(request: Request): void {
    const header = this.#authorization(request.url);
    if (header.authorization) request.headers.set('authorization', header.authorization);
  }

  /** The Authorization header for a URL: the token, only for this Zenodo's own origin. */
  #authorization(url: string): { authorization?: string } {
    return this.endpoint.token && new URL(url).origin === this.endpoint.origin ? { authorization: `Bearer ${this.endpoint.token}` } : {};
  }

  /** An API URL from a path below the API base (`deposit/depositions`) or a full link. */
  url(pathOrLink: string): string {
    const url = /^https?:\/\//.test(pathOrLink) ? pathOrLink : `${this.endpoint.api}/${pathOrLink.replace(/^\/+/, '')}`;
    // Links come from Zenodo's answers: one to plain http off this machine is not followed either.
    const parsed = new URL(url);
    if (!isSafeTransport(parsed)) {
      throw new DonodoError('ZENODO_LINK_INSECURE', `Zenodo (${this.endpoint.origin}) gave a link over plain http to another machine (${parsed.origin}${parsed.pathname}); donodo does not follow it.`, {
        hint: 'Check --zenodo-url (or the configuration\'s url): a Zenodo-compatible service must link to https addresses.',
      });
    }
    return url;
  }

  /** A JSON request; failures become DonodoErrors that name `action`. */
  async json<T>(method: 'get' | 'post' | 'put' | 'delete', pathOrLink: string, action: string, options: Options = {}): Promise<T> {
    const url = this.url(pathOrLink);
    this.#settings.logger.debug(`${method.toUpperCase()} ${url}`);
    const retry = method === 'post' ? { limit: this.#settings.retries, methods: ['post' as const], statusCodes: [429], afterStatusCodes: [429], maxRetryAfter: 120_000, shouldRetry: ({ error }: { error: Error }) => (hostFailure(error) ? false : undefined) } : undefined;
    try {
      const response = await this.#ky(url, { method, ...(retry ? { retry } : {}), ...options });
      this.#rateLimit.observe(response.headers);
      if (response.status === 204) return undefined as T;
      const text = await readResponseCapped(response, MAX_JSON_ANSWER_BYTES, () => answerTooLarge(method, url, action));
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (cause) {
      throw translateHttpError(cause, action, this.endpoint);
    }
  }

  /** Like `json` for a GET, but a 404 gives undefined. */
  async maybe<T>(pathOrLink: string, action: string): Promise<T | undefined> {
    try {
      return await this.json<T>('get', pathOrLink, action);
    } catch (cause) {
      if (cause instanceof DonodoError && cause.cause instanceof HTTPError && cause.cause.response.status === 404) return undefined;
      throw cause;
    }
  }

  /**
   * Upload a file with a PUT of known length (Zenodo refuses chunked uploads). A failed attempt is
   * retried from the start of the file, which is re-read: a consumed stream cannot be replayed.
   */
  async putFile(link: string, source: UploadSource, progress: ProgressSink, action: string): Promise<BucketFile> {
    const url = this.url(link);
    for (let attempt = 0; ; attempt++) {
      progress.total(source.size);
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      let sent = 0;
      const idle = () => {
        clearTimeout(timer);
        // Once every byte is sent, the server may take a while to store the file before it answers.
        const wait = sent >= source.size ? Math.max(this.#settings.idleTimeoutMs, ANSWER_AFTER_UPLOAD_MS) : this.#settings.idleTimeoutMs;
        timer = setTimeout(() => controller.abort(new IdleTimeoutError(wait)), wait);
      };
      const measure = MeasuringStream.of(source.open(), {
        md5: false,
        progress: { total: () => undefined, note: (m) => progress.note(m), advance: (n) => ((sent += n), idle(), progress.advance(n)) },
      });
      try {
        await this.#rateLimit.pace();
        idle();
        const answer = await putStream(
          url,
          {
            'content-type': 'application/octet-stream',
            'content-length': String(source.size),
            'user-agent': this.#settings.userAgent,
            accept: 'application/json',
            ...this.#authorization(url),
          },
          measure,
          controller.signal,
          MAX_JSON_ANSWER_BYTES,
          () => answerTooLarge('put', url, action),
        );
        this.#rateLimit.observe(answer.headers);
        return answer.json as BucketFile;
      } catch (cause) {
        const error = translateHttpError(controller.signal.aborted ? controller.signal.reason : cause, action, this.endpoint);
        if (attempt >= this.#settings.retries || !isRetryable(error)) throw error;
        const wait = retryDelay(cause, attempt + 1);
        progress.note(`upload failed after ${sent} bytes (${error.message}); attempt ${attempt + 2} of ${this.#settings.retries + 1} in ${Math.round(wait / 1000)} s`);
        this.#settings.logger.warn(`${action}: ${error.message}; retrying from the start of the file`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Stream a download that resumes after broken connections (see resumableDownload). */
  async download(link: string, action: string, progress: ProgressSink): Promise<{ body: Readable; size?: number }> {
    const url = this.url(link);
    const open = (offset: number, signal?: AbortSignal) =>
      this.#ky(url, {
        method: 'get',
        timeout: false,
        signal,
        headers: { accept: '*/*', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
      });
    let first: Response;
    try {
      first = await open(0);
    } catch (cause) {
      throw translateHttpError(cause, action, this.endpoint);
    }
    this.#rateLimit.observe(first.headers);
    const length = Number(first.headers.get('content-length'));
    const body = resumableDownload(first, open, {
      retries: this.#settings.retries,
      idleMs: this.#settings.idleTimeoutMs,
      retryable: (cause) => isRetryable(translateHttpError(cause, action, this.endpoint)) || cause instanceof IdleTimeoutError || isBrokenStream(cause),
      delayMs: (attempt, cause) => retryDelay(cause, attempt),
      note: (message) => {
        progress.note(message);
        this.#settings.logger.warn(`${action}: ${message}`);
      },
    });
    return { body, size: Number.isFinite(length) && length > 0 ? length : undefined };
  }
}

function answerTooLarge(method: string, url: string, action: string): DonodoError {
  const { pathname, search } = new URL(url);
  return new DonodoError(
    'ZENODO_ANSWER_TOO_LARGE',
    `Zenodo's answer to ${method.toUpperCase()} ${pathname}${search} (to ${action}) is larger than ${MAX_JSON_ANSWER_BYTES / 1e6} MB, donodo's limit for a JSON answer; it stopped reading and closed the connection.`,
    { hint: 'No Zenodo answer is that large: check that --zenodo-url (or the configuration\'s url) names a Zenodo API, and run with --debug to see the requests.' },
  );
}

function isRetryable(error: DonodoError): boolean {
  return ['ZENODO_SERVER_ERROR', 'ZENODO_RATE_LIMITED', 'ZENODO_TIMEOUT', 'ZENODO_UNREACHABLE'].includes(error.code) && !hostFailure(error.cause);
}

/** A body that broke off mid-way ("terminated", a reset socket), as opposed to a refusal. */
function isBrokenStream(cause: unknown): boolean {
  for (let current = cause as { message?: string; code?: string; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (/terminated|ended after|other side closed|socket/i.test(current.message ?? '') || /^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/.test(current.code ?? '')) return true;
  }
  return false;
}

/**
 * Retry-After of a 429, else exponential backoff with jitter. (Zenodo sends Retry-After on every
 * response, as the reset of its rate-limit window; only on a 429 does it mean "wait".)
 */
function retryDelay(cause: unknown, attempt: number): number {
  const isHttp = (value: unknown): value is HTTPError | UploadRefused => value instanceof HTTPError || value instanceof UploadRefused;
  const inner = (cause as { cause?: unknown })?.cause;
  const http = isHttp(cause) ? cause : isHttp(inner) ? inner : undefined;
  const after = Number(http?.response.headers.get('retry-after'));
  if (http?.response.status === 429 && Number.isFinite(after) && after >= 0) return Math.min(after * 1000, 120_000);
  const base = Math.min(1000 * 2 ** (attempt - 1), 30_000);
  return base / 2 + Math.random() * (base / 2);
}

/** What went wrong, without repeating the request (the warning names it). */
function describe(error: Error): string {
  if (error instanceof HTTPError) return `${error.response.status} ${error.response.statusText}`;
  return error.name === 'TimeoutError' ? 'no answer in time' : 'network error';
}
