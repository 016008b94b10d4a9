/** What happens to the steps of one run, as the runner reports it when it does not draw a task list. */
export interface StepReport {
  /** Whether the report is redrawn in place (a terminal): progress may then come ten times a second. */
  readonly live?: boolean;
  started(title: string): void;
  /** How far the step's transfer has come ("40% · 4.0 MB / 10 MB · 2.0 MB/s · ETA 3 s"). */
  progress(title: string, line: string): void;
  finished(title: string, summary: string | undefined): void;
  /** `final`: every step left skips for this reason too (the run has nothing more to do). */
  skipped(title: string, reason: string, final: boolean): void;
  /** The error itself is printed once, by the caller, with its code and hint. */
  failed(title: string): void;
}

/**
 * Plain lines, for a pipe or a log file: one when a step ends (with what it moved), progress lines
 * in between (see TaskProgress: every 10 % or 15 s), and one for a reason that ends the run.
 */
export class LineReport implements StepReport {
  readonly #write: (text: string) => void;
  readonly #prefix: string;

  constructor(write: (text: string) => void, label?: string) {
    this.#write = write;
    this.#prefix = label ? `${label}: ` : '';
  }

  started(): void {}

  progress(title: string, line: string): void {
    this.#write(`  ${this.#prefix}${title}: ${line}\n`);
  }

  finished(title: string, summary: string | undefined): void {
    this.#write(`✔ ${this.#prefix}${title}${summary ? ` (${summary})` : ''}\n`);
  }

  skipped(title: string, reason: string, final: boolean): void {
    this.#write(final ? `↓ ${this.#prefix}${reason}\n` : `↓ ${this.#prefix}${title}: skipped, ${reason}\n`);
  }

  failed(title: string): void {
    this.#write(`✖ ${this.#prefix}${title}\n`);
  }
}
