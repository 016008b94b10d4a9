import type { Readable } from 'node:stream';
import ky, { HTTPError, type KyInstance, type Options } from 'ky';
import type { Logger } from '../contracts/plugin.ts';
import type { ProgressSink } from '../contracts/progress.ts';
import type { UploadSource } from '../contracts/storage-backend.ts';
import { DonodoError } from '../errors/donodo-error.ts';
import { readResponseCapped } from '../streams/read-capped.ts';
import { MeasuringStream } from '../streams/measure.ts';
import { IdleTimer } from './idle-timer.ts';
import { RateLimit } from './rate-limit.ts';
import { redirectingFetch } from './redirecting-fetch.ts';
import { resumableDownload } from './resumable-download.ts';
import { isConnectionFailure, isRetryable, isTimeout, kyRetry, retryDelayMs } from './retry-policy.ts';
import { putStream } from './stream-put.ts';

export interface HttpKitSettings {
  /** The service's name in warnings ("Zenodo"). */
  service: string;
  userAgent: string;
  logger: Logger;
  /** Retries of a failed request (see retry-policy.ts for which). */
  retries: number;
  /** Per-attempt timeout of an API call, in ms. */
  timeoutMs: number;
  /** Transfers have no overall timeout, only this one: no byte moved for this long. */
  idleTimeoutMs: number;
  /** The most an upload's answer may take once all of it is sent (the server stores the file first). */
  answerAfterUploadMs?: number;
  /** The token: sent as `Authorization: Bearer` to `origin` only; never in a URL, never to another origin. */
  token?: string;
  origin: string;
  /** Throws for a redirect hop that must not be followed (redirects are followed hop by hop). */
  checkRedirect?(next: URL, from: URL): void;
  /** A failure as the service's own DonodoError, naming `action` (never the token: it is in no URL). */
  translate(cause: unknown, action: string): DonodoError;
  /** The largest JSON answer read; beyond, `answerTooLarge` is thrown and the connection closed. */
  maxAnswerBytes: number;
  answerTooLarge(method: string, url: string, action: string): DonodoError;
}

/**
 * HTTP for storage plugins: JSON on ky, streamed uploads, resumable downloads, with one retry
 * policy, one idle timer for transfers, rate-limit pacing (X-RateLimit-* headers), the token
 * scoped to the service's origin, and failures translated by the plugin. Every request carries
 * the plugin's User-Agent.
 *
 * Uploads go through node:http rather than ky: fetch (undici) reads a streamed body ahead of the
 * socket, so memory grows with the file. Measured by bench/upload-memory.ts (a 500 MB stream to a
 * server reading at a modest pace, the client in a process of its own): ky 2.1 with retries off
 * (no clone of the body) 620 MB of peak RSS, plain fetch 618 MB, node:http 93 MB.
 */
export class HttpKit {
  readonly #ky: KyInstance;
  readonly #settings: HttpKitSettings;
  readonly #rateLimit: RateLimit;

  constructor(settings: HttpKitSettings) {
    this.#settings = settings;
    this.#rateLimit = new RateLimit((message) => settings.logger.warn(message), settings.service);
    this.#ky = ky.create({
      headers: { 'user-agent': settings.userAgent, accept: 'application/json' },
      timeout: settings.timeoutMs,
      fetch: redirectingFetch({ check: (next, from) => settings.checkRedirect?.(next, from) }),
      retry: kyRetry('get', settings.retries),
      // No afterResponse hook: ky hands those a clone of the response, and an unread clone of a
      // download would hold its connection open. Rate-limit headers are read where responses arrive.
      hooks: {
        beforeRequest: [
          async ({ request }) => {
            await this.#rateLimit.pace();
            const header = this.#authorization(request.url);
            if (header.authorization) request.headers.set('authorization', header.authorization);
          },
        ],
        beforeRetry: [
          ({ request, retryCount, error }) => {
            settings.logger.warn(`${settings.service}: ${describe(error)} for ${request.method} ${new URL(request.url).pathname}; retry ${retryCount} of ${settings.retries}`);
          },
        ],
      },
    });
  }

  /** The Authorization header for a URL: the token, only for the service's own origin. */
  #authorization(url: string): { authorization?: string } {
    return this.#settings.token && new URL(url).origin === this.#settings.origin ? { authorization: `Bearer ${this.#settings.token}` } : {};
  }

  /** A JSON request; failures become the plugin's DonodoErrors that name `action`. */
  async json<T>(method: 'get' | 'post' | 'put' | 'delete', url: string, action: string, options: Options = {}): Promise<T> {
    this.#settings.logger.debug(`${method.toUpperCase()} ${url}`);
    try {
      const response = await this.#ky(url, { method, retry: kyRetry(method, this.#settings.retries), ...options });
      this.#rateLimit.observe(response.headers);
      if (response.status === 204) return undefined as T;
      const text = await readResponseCapped(response, this.#settings.maxAnswerBytes, () => this.#settings.answerTooLarge(method, url, action));
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (cause) {
      throw this.#settings.translate(cause, action);
    }
  }

  /** Like `json` for a GET, but a 404 gives undefined. */
  async maybe<T>(url: string, action: string, options: Options = {}): Promise<T | undefined> {
    try {
      return await this.json<T>('get', url, action, options);
    } catch (cause) {
      if (cause instanceof DonodoError && cause.cause instanceof HTTPError && cause.cause.response.status === 404) return undefined;
      throw cause;
    }
  }

  /**
   * PUT a file of known length (no chunked encoding), and parse the JSON answer. A failed attempt
   * is retried from the start of the file, which is re-read: a consumed stream cannot be replayed.
   */
  async upload(url: string, source: UploadSource, progress: ProgressSink, action: string): Promise<unknown> {
    const settings = this.#settings;
    for (let attempt = 0; ; attempt++) {
      progress.total(source.size);
      const controller = new AbortController();
      const idle = new IdleTimer(controller, settings.idleTimeoutMs);
      let sent = 0;
      const measure = MeasuringStream.of(source.open(), {
        md5: false,
        progress: {
          total: () => undefined,
          note: (m) => progress.note(m),
          advance: (n) => {
            sent += n;
            // Once every byte is sent, the server may take a while to store the file before it answers.
            idle.touch(sent >= source.size ? Math.max(settings.idleTimeoutMs, settings.answerAfterUploadMs ?? 0) : undefined);
            progress.advance(n);
          },
        },
      });
      try {
        await this.#rateLimit.pace();
        idle.touch();
        const headers = { 'content-type': 'application/octet-stream', 'content-length': String(source.size), 'user-agent': settings.userAgent, accept: 'application/json', ...this.#authorization(url) };
        const answer = await putStream(url, headers, measure, controller.signal, settings.maxAnswerBytes, () => settings.answerTooLarge('put', url, action));
        this.#rateLimit.observe(answer.headers);
        return answer.json;
      } catch (thrown) {
        const cause = controller.signal.aborted ? controller.signal.reason : thrown;
        const error = settings.translate(cause, action);
        if (attempt >= settings.retries || !isRetryable('put', cause)) throw error;
        const wait = retryDelayMs(cause, attempt + 1);
        progress.note(`upload failed after ${sent} bytes (${error.message}); attempt ${attempt + 2} of ${settings.retries + 1} in ${Math.round(wait / 1000)} s`);
        settings.logger.warn(`${action}: ${error.message}; retrying from the start of the file`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      } finally {
        idle.stop();
      }
    }
  }

  /** Stream a download that resumes after broken connections (see resumableDownload). */
  async download(url: string, action: string, progress: ProgressSink): Promise<{ body: Readable; size?: number }> {
    const open = (offset: number, signal?: AbortSignal) =>
      this.#ky(url, { method: 'get', timeout: false, signal, headers: { accept: '*/*', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) } });
    let first: Response;
    try {
      first = await open(0);
    } catch (cause) {
      throw this.#settings.translate(cause, action);
    }
    this.#rateLimit.observe(first.headers);
    const length = Number(first.headers.get('content-length'));
    const body = resumableDownload(first, open, {
      retries: this.#settings.retries,
      idleMs: this.#settings.idleTimeoutMs,
      retryable: (cause) => isRetryable('get', cause),
      delayMs: (attempt, cause) => retryDelayMs(cause, attempt),
      note: (message) => {
        progress.note(message);
        this.#settings.logger.warn(`${action}: ${message}`);
      },
    });
    return { body, size: Number.isFinite(length) && length > 0 ? length : undefined };
  }
}

/** What went wrong, without repeating the request (the warning names it). */
function describe(error: Error): string {
  if (error instanceof HTTPError) return `${error.response.status} ${error.response.statusText}`;
  return isTimeout(error) ? 'no answer in time' : isConnectionFailure(error) ? 'network error' : error.message;
}
