/** No byte moved for too long: an upload or download attempt is given up (and may be retried). */
export class IdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`no data for ${Math.round(ms / 1000)} s`);
    this.name = 'IdleTimeoutError';
  }
}

/**
 * The one idle timer of transfers: aborts `controller` with an IdleTimeoutError when `touch` was
 * not called for `ms` (transfers have no overall timeout, only this one). `touch(longer)` sets the
 * wait for the next stretch (e.g. the server storing an upload before it answers).
 */
export class IdleTimer {
  readonly #controller: AbortController;
  readonly #ms: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(controller: AbortController, ms: number) {
    this.#controller = controller;
    this.#ms = ms;
  }

  touch(ms = this.#ms): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#controller.abort(new IdleTimeoutError(ms)), ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
