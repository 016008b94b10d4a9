/**
 * Fault injection for tests of retries and resume. Every switch is off by default; each armed fault
 * fires on the next matching request(s) and then disarms itself.
 *
 * A request matches when `method` (case-insensitive) and `path` (tested against the URL path without
 * the query string, e.g. `/api/files/<bucket>/image.tar.gz`) both match; an absent criterion matches all.
 */

export interface RequestMatcher {
  method?: string;
  path?: RegExp;
}

export interface FailNextOptions extends RequestMatcher {
  /** Status to answer with, e.g. 500, 503, or 429. */
  status: number;
  /** How many matching requests fail (default 1). */
  count?: number;
  /**
   * Body: an object (sent as JSON) or a string (sent as is). Default: Zenodo's body for that status —
   * 429: `{"message":"<limit> per 1 minute","status":429}` (REC:H10); 502/503/504: nginx's HTML page;
   * other: `{"status": N, "message": "…"}`.
   */
  body?: unknown;
  /** Extra headers; a 429 gets `Retry-After: 1` and `X-RateLimit-Remaining: 0` unless given here. */
  headers?: Record<string, string>;
}

export interface DropConnectionOptions extends RequestMatcher {
  /**
   * Destroy the socket after this many body bytes: of the request body for a file upload (bucket PUT,
   * multipart POST), otherwise of the response body (file download or JSON answer).
   */
  afterBytes: number;
  /** How many matching transfers are cut (default 1). */
  count?: number;
}

export interface CorruptChecksumOptions extends RequestMatcher {
  /** How many matching transfers are corrupted (default 1). */
  count?: number;
}

interface Armed<T> {
  options: T;
  remaining: number;
}

function matches(m: RequestMatcher, method: string, path: string): boolean {
  if (m.method && m.method.toUpperCase() !== method.toUpperCase()) return false;
  if (m.path) {
    m.path.lastIndex = 0;
    if (!m.path.test(path)) return false;
  }
  return true;
}

function take<T extends RequestMatcher>(list: Armed<T>[], method: string, path: string): T | undefined {
  const armed = list.find((a) => a.remaining > 0 && matches(a.options, method, path));
  if (!armed) return undefined;
  armed.remaining--;
  if (armed.remaining <= 0) list.splice(list.indexOf(armed), 1);
  return armed.options;
}

/** A request held back by {@link Faults.hold}: `arrived` resolves when it comes in; `release()` lets it through. */
export interface Held {
  arrived: Promise<void>;
  release(): void;
}

export class Faults {
  private holds: Array<{ matcher: RequestMatcher; arrive: () => void; release: () => void; released: Promise<void> }> = [];
  private waiting = new Set<() => void>();
  private failures: Armed<FailNextOptions>[] = [];
  private drops: Armed<DropConnectionOptions>[] = [];
  private corruptions: Armed<CorruptChecksumOptions>[] = [];
  private linkRate: number | null = null;
  private remainingOverride: number | null = null;

  /** Answer the next matching request(s) with `status` instead of handling them. */
  failNext(options: FailNextOptions): void {
    this.failures.push({ options, remaining: options.count ?? 1 });
  }

  /** Cut the connection in the middle of the next matching transfer (see {@link DropConnectionOptions}). */
  dropConnection(options: DropConnectionOptions): void {
    this.drops.push({ options, remaining: options.count ?? 1 });
  }

  /** Throttle file uploads and downloads to this many bytes per second; null (or 0) = full speed. */
  slowLink(bytesPerSecond: number | null): void {
    this.linkRate = bytesPerSecond && bytesPerSecond > 0 ? bytesPerSecond : null;
  }

  /**
   * Corrupt the next matching file transfer:
   * - an upload (bucket PUT or multipart POST) is stored byte for byte, but the MD5 Zenodo records and
   *   reports (201 answer, deposition `files[].checksum`, record `files[].checksum`, `oc-checksum`) is wrong;
   * - a download (record/draft file content, bucket GET, UI file link) delivers its first byte flipped,
   *   while Content-Length and `oc-checksum` still describe the stored file.
   */
  corruptChecksum(options: CorruptChecksumOptions = {}): void {
    this.corruptions.push({ options, remaining: options.count ?? 1 });
  }

  /**
   * Make responses report `X-RateLimit-Remaining: n`, then n-1, … down to 0 (and 0 from then on),
   * whatever the real counter says; null lifts it. It does not refuse requests: arm `failNext` with 429
   * for that.
   */
  rateLimitRemaining(n: number | null): void {
    this.remainingOverride = n === null ? null : Math.max(0, Math.floor(n));
  }

  /**
   * Hold the next matching request before it is handled, as a slow server would: tests use it to kill
   * a client at an exact point (e.g. after the deposition was created, before the metadata write).
   */
  hold(matcher: RequestMatcher): Held {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ matcher, arrive, release, released });
    return { arrived, release };
  }

  /** Wait while a hold applies to this request (used by the server). */
  async waitIfHeld(method: string, path: string): Promise<void> {
    const held = this.holds.find((h) => matches(h.matcher, method, path));
    if (!held) return;
    this.holds.splice(this.holds.indexOf(held), 1);
    held.arrive();
    this.waiting.add(held.release);
    await held.released;
    this.waiting.delete(held.release);
  }

  /** Disarm everything. */
  reset(): void {
    for (const release of [...this.waiting, ...this.holds.map((h) => h.release)]) release();
    this.holds = [];
    this.failures = [];
    this.drops = [];
    this.corruptions = [];
    this.linkRate = null;
    this.remainingOverride = null;
  }

  // ------------------------------------------------------------ used by the server

  takeFailure(method: string, path: string): FailNextOptions | undefined {
    return take(this.failures, method, path);
  }

  takeDrop(method: string, path: string): DropConnectionOptions | undefined {
    return take(this.drops, method, path);
  }

  takeCorruption(method: string, path: string): CorruptChecksumOptions | undefined {
    return take(this.corruptions, method, path);
  }

  get bytesPerSecond(): number | null {
    return this.linkRate;
  }

  /** The Remaining value to report instead of the real one, if overridden (counts down per call). */
  nextRemaining(): number | null {
    if (this.remainingOverride === null) return null;
    const value = this.remainingOverride;
    if (this.remainingOverride > 0) this.remainingOverride--;
    return value;
  }
}
