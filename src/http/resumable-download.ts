import { Readable } from 'node:stream';
import { IdleTimer, IdleTimeoutError } from './idle-timer.ts';

/** Opens the download at `offset` (asking for `Range: bytes=offset-` when offset > 0). */
export type OpenAt = (offset: number, signal: AbortSignal) => Promise<Response>;

export interface ResumeSettings {
  retries: number;
  /** Abort an attempt when no byte arrives for this long. */
  idleMs: number;
  /** Whether a failure is worth another attempt (network errors, timeouts, 5xx, 429). */
  retryable(cause: unknown): boolean;
  /** Delay before attempt `n` (1-based), given what failed. */
  delayMs(attempt: number, cause: unknown): number;
  /** Tell the user about a retry. */
  note(message: string): void;
  /** The download's length where the caller knows it (a blob's size): an early end is then resumed also without a Content-Length. */
  size?: number;
}

/**
 * A download that survives broken connections: after a failure it asks again from the first
 * byte not yet delivered. A server that honours Range answers 206 and sends only the rest; one
 * that does not (Zenodo is inconsistent) answers 200, and the bytes already delivered are skipped.
 * Readers see one unbroken stream either way.
 */
export function resumableDownload(first: Response, openAt: OpenAt, settings: ResumeSettings): Readable {
  const current: Attempt = {};
  const iterator = chunks(first, openAt, settings, current);
  return new Readable({
    read() {
      iterator.next().then(
        ({ done, value }) => void this.push(done ? null : value),
        (cause: unknown) => this.destroy(cause as Error),
      );
    },
    destroy(error, callback) {
      // A reader that gives up (a corrupt archive downstream) must not leave the connection open:
      // abort the attempt in flight, which also ends a generator waiting for the next chunk.
      current.controller?.abort(error ?? new Error('download abandoned'));
      iterator.return(undefined).then(() => callback(error), () => callback(error));
    },
  });
}

interface Attempt {
  controller?: AbortController;
}

async function* chunks(first: Response, openAt: OpenAt, settings: ResumeSettings, current: Attempt): AsyncGenerator<Uint8Array> {
  let delivered = 0;
  let attempt = 0;
  let response: Response | undefined = first;
  const expected = settings.size ?? lengthOf(first);
  for (;;) {
    const controller = new AbortController();
    current.controller = controller;
    const timer = new IdleTimer(controller, settings.idleMs);
    try {
      response ??= await openAt(delivered, controller.signal);
      let skip = 0;
      if (delivered > 0) {
        const range = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
        skip = response.status === 206 && range ? delivered - Number(range[1]) : delivered;
        if (skip < 0) throw new Error(`the server resumed at byte ${range?.[1]}, after byte ${delivered}`);
      }
      const reader = response.body!.getReader();
      controller.signal.addEventListener('abort', () => void reader.cancel(controller.signal.reason).catch(() => undefined), { once: true });
      timer.touch();
      for (;;) {
        const { done, value } = await reader.read();
        if (controller.signal.aborted) throw controller.signal.reason;
        if (done) break;
        timer.touch();
        let chunk = value;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
          if (chunk.length === 0) continue;
        }
        delivered += chunk.length;
        attempt = 0; // progress was made: the retry budget is for failures in a row
        yield chunk;
      }
      if (expected !== undefined && delivered < expected) throw new Error(`the connection ended after ${delivered} of ${expected} bytes`);
      return;
    } catch (cause) {
      if (controller.signal.aborted && !(controller.signal.reason instanceof IdleTimeoutError)) throw cause; // abandoned by the reader
      if (!settings.retryable(cause) || attempt >= settings.retries) throw cause;
      attempt += 1;
      const wait = settings.delayMs(attempt, cause);
      settings.note(`download interrupted at ${delivered} bytes (${(cause as Error)?.message ?? cause}); resuming in ${Math.round(wait / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      response = undefined;
    } finally {
      timer.stop();
    }
  }
}

function lengthOf(response: Response): number | undefined {
  const length = Number(response.headers.get('content-length'));
  return Number.isFinite(length) && length > 0 && response.status === 200 ? length : undefined;
}
