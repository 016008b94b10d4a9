import { HTTPError, NetworkError, TimeoutError, type RetryOptions } from 'ky';
import { DonodoError } from '../errors/donodo-error.ts';
import { IdleTimeoutError } from './idle-timer.ts';
import { UploadRefused } from './stream-put.ts';

/**
 * The one retry policy of the HTTP kit, for API calls, uploads and downloads alike:
 *  - 408, 429 and 5xx answers, timeouts (no answer, or no byte moved), dropped and reset
 *    connections are retried, with exponential backoff and jitter;
 *  - POST is not idempotent (create, new version, publish): it is retried only on 429, which a
 *    service answers before doing anything;
 *  - Retry-After is honoured on a 429 only (Zenodo sends it on every response, as the reset of its
 *    rate-limit window), at most 2 minutes;
 *  - a DonodoError (a refused redirect, an answer too large) is never retried, nor a refused
 *    connection or an unknown host (see {@link hostFailure}).
 */
export const RETRY_STATUS = [408, 429, 500, 502, 503, 504];
const MAX_RETRY_AFTER_MS = 120_000;
const BACKOFF_LIMIT_MS = 30_000;
const BACKOFF_BASE_MS = 500;

/** The HTTP answer a failure carries (ky's HTTPError, a refused upload), also when wrapped once. */
function answerOf(cause: unknown): { status: number; headers: Headers } | undefined {
  const isHttp = (value: unknown): value is HTTPError | UploadRefused => value instanceof HTTPError || value instanceof UploadRefused;
  const inner = (cause as { cause?: unknown })?.cause;
  const http = isHttp(cause) ? cause : isHttp(inner) ? inner : undefined;
  return http && { status: http.response.status, headers: http.response.headers };
}

/** Whether a failed request with this method is worth another attempt. */
export function isRetryable(method: string, cause: unknown): boolean {
  const answer = answerOf(cause);
  if (answer) return method.toLowerCase() === 'post' ? answer.status === 429 : RETRY_STATUS.includes(answer.status);
  if (cause instanceof DonodoError || method.toLowerCase() === 'post' || hostFailure(cause)) return false;
  return isTimeout(cause) || isConnectionFailure(cause);
}

export function isTimeout(cause: unknown): boolean {
  return cause instanceof TimeoutError || cause instanceof IdleTimeoutError || (cause as Error)?.name === 'TimeoutError';
}

/** A connection that could not be made, or broke off mid-way ("terminated", a reset socket). */
export function isConnectionFailure(cause: unknown): boolean {
  if (cause instanceof NetworkError || cause instanceof TypeError) return true;
  for (let current = cause as { message?: string; code?: unknown; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current instanceof DonodoError) return false;
    if (typeof current.code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(current.code)) return true;
    if (/terminated|ended after|other side closed|socket/i.test(current.message ?? '')) return true;
  }
  return false;
}

/** Exponential backoff (0.5 s, 1 s, 2 s … at most 30 s) with jitter: between half and all of it. */
export function backoffMs(attempt: number): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** (attempt - 1), BACKOFF_LIMIT_MS);
  return base / 2 + Math.random() * (base / 2);
}

/** How long to wait before attempt `attempt` (1-based) after `cause`: a 429's Retry-After, else the backoff. */
export function retryDelayMs(cause: unknown, attempt: number): number {
  const answer = answerOf(cause);
  const after = Number(answer?.headers.get('retry-after'));
  if (answer?.status === 429 && Number.isFinite(after) && after >= 0) return Math.min(after * 1000, MAX_RETRY_AFTER_MS);
  return backoffMs(attempt);
}

/** The same policy in ky's terms, for one request of `method`. */
export function kyRetry(method: string, retries: number): RetryOptions {
  return {
    limit: retries,
    methods: [method.toLowerCase() as 'get'],
    statusCodes: RETRY_STATUS,
    afterStatusCodes: [429],
    maxRetryAfter: MAX_RETRY_AFTER_MS,
    delay: backoffMs,
    retryOnTimeout: true,
    // undefined: ky's own checks (which honour Retry-After on the 429 it then retries); false: no retry.
    shouldRetry: ({ error }) => (isRetryable(method, error) ? undefined : false),
  };
}

/** The codes of a host that will not answer however often it is asked: nothing listens there, or it does not exist. */
const HOST_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/**
 * A connection refused or a host name that does not resolve, anywhere in the chain of causes, with
 * what the system said about where: retrying those only delays the error (429, 5xx, resets and
 * timeouts are retried; `EAI_AGAIN`, a resolver that could not answer for now, too).
 */
export function hostFailure(cause: unknown): { code: string; hostname?: string; address?: string; port?: number } | undefined {
  for (let current = cause as { code?: string; hostname?: string; address?: string; port?: number; cause?: unknown } | undefined, depth = 0; current && depth < 8; current = current.cause as typeof current, depth++) {
    if (current.code && HOST_FAILURES.has(current.code)) return { code: current.code, hostname: current.hostname, address: current.address, port: current.port };
  }
  return undefined;
}
