import type { ProgressSink } from '../contracts/progress.ts';
import { formatBytes, formatDuration, formatRemaining } from '../output/format.ts';

/** How often a progress line is printed when nothing is redrawn: every 10 % of the total, or after this long. */
const LINE_EVERY_MS = 15_000;
/** A redrawn line (a terminal) is redrawn at most this often. */
const REDRAW_EVERY_MS = 100;
const BAR_WIDTH = 20;

/**
 * A ProgressSink that shows a transfer: bytes, percentage, speed and time left. `live` (a terminal,
 * redrawn in place): a bar, redrawn at most ten times a second. `lines` (a pipe, a log): a line
 * each time another 10 % is done, and every 15 s while it goes on, so that a log shows a transfer
 * moving (or stuck).
 */
export class TaskProgress implements ProgressSink {
  #total: number | undefined;
  #done = 0;
  #lastDraw = Date.now();
  #lastTenth = 0;
  #timer: NodeJS.Timeout | undefined;
  /** A redraw held back by the rate limit, so that the last bytes show even when nothing follows them. */
  #trailing: NodeJS.Timeout | undefined;
  readonly #started = Date.now();
  readonly #show: (line: string) => void;
  readonly #mode: 'live' | 'lines';

  constructor(show: (line: string) => void, mode: 'live' | 'lines') {
    this.#show = show;
    this.#mode = mode;
  }

  total(bytes: number | undefined): void {
    this.#total = bytes;
  }

  advance(bytes: number): void {
    this.#done += bytes;
    const now = Date.now();
    if (this.#mode === 'live') {
      if (now - this.#lastDraw >= REDRAW_EVERY_MS) this.#draw(now);
      // Bytes that came in between two redraws (a socket taking a whole small file at once) show at
      // the next one, also when no byte follows them while the server answers.
      else this.#trailing ??= setTimeout(() => this.#draw(Date.now()), REDRAW_EVERY_MS - (now - this.#lastDraw)).unref();
      return;
    }
    this.#timer ??= setInterval(() => {
      if (Date.now() - this.#lastDraw >= LINE_EVERY_MS) this.#draw(Date.now());
    }, LINE_EVERY_MS / 3).unref();
    const tenth = this.#total ? Math.floor((this.#done / this.#total) * 10) : 0;
    if (tenth > this.#lastTenth && tenth < 10) {
      this.#lastTenth = tenth;
      this.#draw(now);
    }
  }

  note(message: string): void {
    this.#show(this.#done ? `${this.line()} · ${message}` : message);
  }

  /** The step is over: no more lines. */
  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#trailing);
    this.#timer = undefined;
    this.#trailing = undefined;
  }

  /** Bytes moved so far. */
  get done(): number {
    return this.#done;
  }

  #draw(now: number): void {
    clearTimeout(this.#trailing);
    this.#trailing = undefined;
    this.#lastDraw = now;
    this.#show(this.line());
  }

  /** `[████████░░░░] 40% · 4.00 MB / 10.0 MB · 2.00 MB/s · 3 s left` (the bar on a terminal only; the time left after a second). */
  line(): string {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    const speed = this.#done / seconds;
    const rate = `${formatBytes(speed)}/s`;
    if (!this.#total) return `${formatBytes(this.#done)} · ${rate}`;
    const fraction = Math.min(1, this.#done / this.#total);
    const percent = `${Math.floor(fraction * 100)}%`;
    // The speed of the first moments says little about the rest: the time left shows after a second.
    const left = seconds >= 1 && speed > 0 && fraction < 1 ? ` · ${formatRemaining(((this.#total - this.#done) / speed) * 1000)} left` : '';
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = this.#mode === 'live' ? `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ` : '';
    return `${bar}${percent} · ${formatBytes(this.#done)} / ${formatBytes(this.#total)} · ${rate}${left}`;
  }

  /** "48.2 MB in 2.1 s, 23 MB/s", or undefined when nothing was moved. */
  summary(): string | undefined {
    if (!this.#done) return undefined;
    const ms = Date.now() - this.#started;
    return `${formatBytes(this.#done)} in ${formatDuration(ms)}, ${formatBytes(this.#done / Math.max(ms / 1000, 0.001))}/s`;
  }
}
