/**
 * Zenodo's rate limiter (contract 6): Flask-Limiter, moving window, keyed by User-Agent + client IP.
 * The limit is the endpoint's own (30/min for `GET /api/records`) or else the authenticated-user limit
 * (with a token) or the guest limit. The numbers are those observed in responses (REC:B2h, REC:H11:
 * 1000 authenticated, 133 guest, 30 search); Zenodo changes them without notice.
 *
 * Every response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (Unix epoch
 * seconds) and `Retry-After` (seconds), also on 2xx (REC:A0, REC:B2h, REC:H11).
 */
export const LIMITS = { search: 30, authenticated: 1000, guest: 133 } as const;
export type LimitClass = keyof typeof LIMITS;

const WINDOW_MS = 60_000;

export interface RateState {
  limit: number;
  remaining: number;
  /** Epoch seconds when the oldest counted hit leaves the window. */
  reset: number;
  retryAfter: number;
  exceeded: boolean;
}

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  /** Counts one request (unless it is refused) and returns the header values. */
  hit(key: string, limitClass: LimitClass, now = Date.now()): RateState {
    const limit = LIMITS[limitClass];
    const windowKey = `${limitClass}\u0000${key}`;
    const hits = (this.windows.get(windowKey) ?? []).filter((t) => t > now - WINDOW_MS);
    const exceeded = hits.length >= limit;
    if (!exceeded) hits.push(now);
    this.windows.set(windowKey, hits);
    const oldest = hits[0] ?? now;
    const resetMs = oldest + WINDOW_MS;
    return {
      limit,
      remaining: Math.max(0, limit - hits.length),
      reset: Math.ceil(resetMs / 1000),
      retryAfter: Math.max(0, Math.ceil((resetMs - now) / 1000)),
      exceeded,
    };
  }
}

export function rateHeaders(state: RateState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(state.limit),
    'X-RateLimit-Remaining': String(state.remaining),
    'X-RateLimit-Reset': String(state.reset),
    'Retry-After': String(state.retryAfter),
  };
}

/** Flask-Limiter's message: the limit that tripped (REC:H10 `"30 per 1 minute"`). */
export function limitMessage(limitClass: LimitClass): string {
  return `${LIMITS[limitClass]} per 1 minute`;
}
