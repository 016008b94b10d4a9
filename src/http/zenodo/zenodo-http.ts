import type { Readable } from 'node:stream';
import type { Options } from 'ky';
import type { Logger } from '../../contracts/plugin.ts';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { UploadSource } from '../../contracts/storage-backend.ts';
import { DonodoError } from '../../errors/donodo-error.ts';
import { HttpKit } from '../http-kit.ts';
import { isSafeTransport, type Endpoint } from './endpoint.ts';
import { translateHttpError } from './zenodo-errors.ts';

export interface HttpSettings {
  userAgent: string;
  logger: Logger;
  /** Retries of a failed request (429, 5xx, timeouts, dropped connections). */
  retries: number;
  /** Per-attempt timeout for API calls, in ms. */
  timeoutMs: number;
  /** Transfers have no overall timeout, only this one: no byte moved for this long. */
  idleTimeoutMs: number;
}

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
 * HTTP to one Zenodo, on the plugin API's HTTP kit (one retry policy, idle timer, rate-limit
 * pacing, the token only in the Authorization header and only to the API's own origin). What is
 * Zenodo's here: its URLs and links, which redirects and links are followed, and its errors.
 */
export class ZenodoHttp {
  readonly endpoint: Endpoint;
  readonly #kit: HttpKit;

  constructor(endpoint: Endpoint, settings: HttpSettings) {
    this.endpoint = endpoint;
    this.#kit = new HttpKit({
      service: 'Zenodo',
      ...settings,
      answerAfterUploadMs: ANSWER_AFTER_UPLOAD_MS,
      token: endpoint.token,
      origin: endpoint.origin,
      // Redirects are followed hop by hop: none may lead from https to plain http, or to plain http off this machine.
      checkRedirect: (next, from) => this.#checkRedirect(next, from),
      translate: (cause, action) => translateHttpError(cause, action, endpoint),
      maxAnswerBytes: MAX_JSON_ANSWER_BYTES,
      answerTooLarge,
    });
  }

  #checkRedirect(next: URL, from: URL): void {
    if (next.protocol === 'https:' || (from.protocol === 'http:' && isSafeTransport(next))) return;
    throw new DonodoError('ZENODO_REDIRECT_INSECURE', `${from.origin}${from.pathname} redirected donodo to ${next.origin}${next.pathname}, ${next.protocol !== 'http:' ? `a ${next.protocol} URL` : from.protocol === 'https:' ? 'from https to plain http' : 'plain http to another machine'}; donodo does not follow it.`, {
      hint: 'A Zenodo answer that leaves https could be read or changed on the way. Check --zenodo-url (or the configuration\'s url), or report it to the service.',
    });
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
    return this.#kit.json<T>(method, this.url(pathOrLink), action, options);
  }

  /** Like `json` for a GET, but a 404 gives undefined. */
  async maybe<T>(pathOrLink: string, action: string, options: Options = {}): Promise<T | undefined> {
    return this.#kit.maybe<T>(this.url(pathOrLink), action, options);
  }

  /** Upload a file into a bucket with a PUT of known length (Zenodo refuses chunked uploads). */
  async putFile<T>(link: string, source: UploadSource, progress: ProgressSink, action: string): Promise<T> {
    return (await this.#kit.upload(this.url(link), source, progress, action)) as T;
  }

  /** Stream a download that resumes after broken connections. */
  async download(link: string, action: string, progress: ProgressSink): Promise<{ body: Readable; size?: number }> {
    return this.#kit.download(this.url(link), action, progress);
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
