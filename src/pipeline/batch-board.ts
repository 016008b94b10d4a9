import { Listr, ListrLogger, ProcessOutput, type ListrBaseClassOptions } from 'listr2';
import type { PushResult } from '../results.ts';
import type { StepReport } from './step-report.ts';

interface Row {
  label: string;
  title: (text: string) => void;
  end: (failed: boolean) => void;
}

/**
 * A batch on a terminal: one live line per image (listr2 tasks that run side by side), each
 * showing the image, its current step and the step's progress, and at the end what became of it.
 * The images' pipelines report to their line (see StepReport) instead of drawing lists of their own.
 */
export class BatchBoard {
  readonly #rows: Array<Promise<Row>> = [];
  readonly #arrive: Array<(row: Row) => void> = [];
  readonly #run: Promise<unknown>;

  constructor(stream: NodeJS.WriteStream, labels: readonly string[]) {
    for (const index of labels.keys()) this.#rows.push(new Promise((resolve) => (this.#arrive[index] = resolve)));
    const list = new Listr(
      labels.map((label, index) => ({
        title: `${label}: waiting`,
        task: (_ctx: unknown, task: { title: string }) =>
          new Promise<void>((resolve, reject) => {
            this.#arrive[index]!({
              label,
              title: (text) => (task.title = `${label}: ${text}`),
              // A failed image's error is printed once, below the list.
              end: (failed) => (failed ? reject(new Error(`${label} failed`)) : resolve()),
            });
          }),
      })),
      {
        concurrent: true,
        exitOnError: false,
        renderer: 'default',
        rendererOptions: {
          logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }),
          collapseErrors: true,
          showErrorMessage: false,
        },
        registerSignalListeners: false,
        collectErrors: false,
      } as ListrBaseClassOptions<unknown, any, any>,
    );
    this.#run = list.run().catch(() => undefined);
  }

  /** The line of the image at `index` of the labels, for its pipeline to report to. */
  report(index: number): StepReport {
    const row = this.#rows[index]!;
    let step = '';
    const show = (text: string) => void row.then((r) => r.title(text));
    return {
      live: true,
      started: (title) => show((step = title)),
      progress: (title, line) => show(`${title} ${line}`),
      finished: () => undefined,
      skipped: (title, reason, final) => (final ? show(reason) : undefined),
      failed: (title) => show(`${(step = title)}: failed`),
    };
  }

  /** The image is done: its line says what became of it, and stops moving. */
  end(index: number, result: PushResult): void {
    void this.#rows[index]!.then((row) => {
      row.title(outcome(result));
      row.end(result.status === 'failed');
    });
  }

  /** Once every image ended: the list's last drawing is on the screen. */
  async done(): Promise<void> {
    await this.#run;
  }
}

/** What became of one image, in a few words. */
function outcome(result: PushResult): string {
  const where = result.doi ?? (result.recordId ? `record ${result.recordId}` : undefined);
  switch (result.status) {
    case 'published':
      return `published ${where ?? ''}`.trim();
    case 'unchanged':
      return `unchanged, already published as ${where}`;
    case 'unpublished':
      return `uploaded, not published (draft ${result.recordId})`;
    case 'submitted':
      return `submitted for review, not published yet (draft ${result.recordId})`;
    case 'planned':
      return `would ${result.plan ?? 'create'}`;
    case 'failed':
      return `failed${result.error?.step ? ` at ${result.error.step}` : ''} [${result.error?.code ?? 'ERROR'}]`;
  }
}
