import { Readable } from 'node:stream';
import ky, { HTTPError, type KyInstance, type Options } from 'ky';
import { DonodoError, MeasuringStream, type Logger, type ProgressSink, type UploadSource } from '../../src/plugin-api.ts';
import type { Endpoint } from './endpoint.ts';
import { translateHttpError } from './zenodo-errors.ts';
import type { BucketFile } from './zenodo-json.ts';

export interface HttpSettings {
  userAgent: string;
  logger: Logger;
  /** Retries of a failed request (429, 5xx, timeouts, dropped connections). */
  retries: number;
  /** Per-attempt timeout for API calls, in ms. Transfers have only an idle timeout. */
  timeoutMs: number;
}

/**
 * HTTP to one Zenodo. The token goes only in the Authorization header and only to the API's own
 * origin; it is never put in a URL. Every request carries donodo's User-Agent.
 */
export class ZenodoHttp {
  readonly endpoint: Endpoint;
  readonly #ky: KyInstance;
  readonly #settings: HttpSettings;

  constructor(endpoint: Endpoint, settings: HttpSettings) {
    this.endpoint = endpoint;
    this.#settings = settings;
    this.#ky = ky.create({
      headers: { 'user-agent': settings.userAgent, accept: 'application/json' },
      timeout: settings.timeoutMs,
      retry: {
        limit: settings.retries,
        methods: ['get', 'put', 'delete', 'head'],
        statusCodes: [408, 429, 500, 502, 503, 504],
        afterStatusCodes: [429, 503],
        maxRetryAfter: 120_000,
        backoffLimit: 30_000,
        jitter: true,
        retryOnTimeout: true,
      },
      hooks: {
        beforeRequest: [({ request }) => this.#authorize(request)],
        beforeRetry: [
          ({ request, retryCount, error }) => {
            settings.logger.debug(`retry ${retryCount} of ${request.method} ${request.url}: ${error.message}`);
          },
        ],
      },
    });
  }

  /** Add the token when the request goes to this Zenodo. */
  #authorize(request: Request): void {
    if (this.endpoint.token && new URL(request.url).origin === this.endpoint.origin) {
      request.headers.set('authorization', `Bearer ${this.endpoint.token}`);
    }
  }

  /** An API URL from a path below the API base (`deposit/depositions`) or a full link. */
  url(pathOrLink: string): string {
    return /^https?:\/\//.test(pathOrLink) ? pathOrLink : `${this.endpoint.api}/${pathOrLink.replace(/^\/+/, '')}`;
  }

  /** A JSON request; failures become DonodoErrors that name `action`. */
  async json<T>(method: 'get' | 'post' | 'put' | 'delete', pathOrLink: string, action: string, options: Options = {}): Promise<T> {
    const url = this.url(pathOrLink);
    this.#settings.logger.debug(`${method.toUpperCase()} ${url}`);
    try {
      const response = await this.#ky(url, { method, ...options });
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (cause) {
      throw translateHttpError(cause, action, this.endpoint);
    }
  }

  /** Like `json`, but a 404 gives undefined. */
  async maybe<T>(pathOrLink: string, action: string, options: Options = {}): Promise<T | undefined> {
    try {
      return await this.json<T>('get', pathOrLink, action, { ...options, retry: options.retry });
    } catch (cause) {
      if (cause instanceof DonodoError && cause.cause instanceof HTTPError && cause.cause.response.status === 404) return undefined;
      throw cause;
    }
  }

  /**
   * Upload a file with a PUT of known length (Zenodo refuses chunked uploads). A failed attempt is
   * retried from the start of the file, which is re-read.
   */
  async putFile(link: string, source: UploadSource, progress: ProgressSink, action: string): Promise<BucketFile> {
    const url = this.url(link);
    for (let attempt = 0; ; attempt++) {
      progress.total(source.size);
      const measure = new MeasuringStream({ md5: false, progress });
      const body = Readable.toWeb(source.open().pipe(measure)) as ReadableStream<Uint8Array>;
      try {
        const response = await this.#ky(url, {
          method: 'put',
          body,
          duplex: 'half', // Node's fetch needs this for a stream body
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(source.size) },
          retry: 0,
          timeout: false,
        });
        return (await response.json()) as BucketFile;
      } catch (cause) {
        const error = translateHttpError(cause, action, this.endpoint);
        if (attempt >= this.#settings.retries || !isRetryable(error)) throw error;
        const wait = retryDelay(cause, attempt);
        progress.note(`attempt ${attempt + 1} failed (${error.message}); retrying in ${Math.round(wait / 1000)} s`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Stream a download. */
  async download(link: string, action: string): Promise<{ body: Readable; size?: number }> {
    try {
      const response = await this.#ky(this.url(link), { method: 'get', timeout: false, headers: { accept: '*/*' } });
      const length = Number(response.headers.get('content-length'));
      return { body: Readable.fromWeb(response.body as never), size: Number.isFinite(length) && length > 0 ? length : undefined };
    } catch (cause) {
      throw translateHttpError(cause, action, this.endpoint);
    }
  }
}

function isRetryable(error: DonodoError): boolean {
  return ['ZENODO_SERVER_ERROR', 'ZENODO_RATE_LIMITED', 'ZENODO_TIMEOUT', 'ZENODO_UNREACHABLE'].includes(error.code);
}

function retryDelay(cause: unknown, attempt: number): number {
  if (cause instanceof HTTPError) {
    const after = Number(cause.response.headers.get('retry-after'));
    if (Number.isFinite(after) && after >= 0) return Math.min(after * 1000, 120_000);
  }
  const base = Math.min(1000 * 2 ** attempt, 30_000);
  return base / 2 + Math.random() * (base / 2);
}
