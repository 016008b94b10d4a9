import type { ProgressSink } from '../contracts/progress.ts';
import { formatBytes, formatDuration } from '../output/format.ts';

/**
 * A ProgressSink that shows bytes, percentage and speed on a progress line. `live` lines are
 * redrawn at most ten times a second (terminal); otherwise only notes and the summary are shown.
 */
export class TaskProgress implements ProgressSink {
  #total: number | undefined;
  #done = 0;
  #lastDraw = 0;
  readonly #started = Date.now();
  readonly #show: (line: string) => void;
  readonly #live: boolean;

  constructor(show: (line: string) => void, live: boolean) {
    this.#show = show;
    this.#live = live;
  }

  total(bytes: number | undefined): void {
    this.#total = bytes;
  }

  advance(bytes: number): void {
    this.#done += bytes;
    const now = Date.now();
    if (this.#live && now - this.#lastDraw >= 100) {
      this.#lastDraw = now;
      this.#show(this.line());
    }
  }

  note(message: string): void {
    this.#show(this.#done ? `${this.line()} · ${message}` : message);
  }

  /** Bytes moved so far. */
  get done(): number {
    return this.#done;
  }

  line(): string {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    const rate = `${formatBytes(this.#done / seconds)}/s`;
    if (this.#total) {
      const percent = Math.min(100, Math.floor((this.#done / this.#total) * 100));
      return `${formatBytes(this.#done)} / ${formatBytes(this.#total)} (${percent}%) · ${rate}`;
    }
    return `${formatBytes(this.#done)} · ${rate}`;
  }

  /** "48.2 MB in 2.1 s, 23 MB/s", or undefined when nothing was moved. */
  summary(): string | undefined {
    if (!this.#done) return undefined;
    const ms = Date.now() - this.#started;
    return `${formatBytes(this.#done)} in ${formatDuration(ms)}, ${formatBytes(this.#done / Math.max(ms / 1000, 0.001))}/s`;
  }
}
