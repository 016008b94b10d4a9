/**
 * Zenodo sends X-RateLimit-Limit/Remaining/Reset on every response (a moving window per
 * User-Agent and IP). When the window is nearly used up, wait for its reset rather than run into 429.
 */
export class RateLimit {
  #remaining: number | undefined;
  #resetAt = 0;
  readonly #warn: (message: string) => void;

  constructor(warn: (message: string) => void) {
    this.#warn = warn;
  }

  observe(headers: Headers): void {
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    const reset = Number(headers.get('x-ratelimit-reset'));
    if (headers.has('x-ratelimit-remaining') && Number.isFinite(remaining)) this.#remaining = remaining;
    if (headers.has('x-ratelimit-reset') && Number.isFinite(reset)) this.#resetAt = reset * 1000;
  }

  /** Wait, at most a minute, when no request is left in the current window. */
  async pace(): Promise<void> {
    if (this.#remaining === undefined || this.#remaining > 1) return;
    const wait = Math.min(this.#resetAt - Date.now(), 60_000);
    if (wait <= 0) return;
    this.#warn(`Zenodo's rate limit is nearly used up; waiting ${Math.ceil(wait / 1000)} s for it to reset`);
    this.#remaining = undefined;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
