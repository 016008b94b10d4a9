import { Listr, ListrLogger, ProcessOutput, type ListrBaseClassOptions } from 'listr2';
import { DonodoError } from '../errors/donodo-error.ts';
import { errors } from '../errors/catalogue.ts';
import type { Services } from '../services.ts';
import type { Step } from './step.ts';
import { TaskProgress } from './task-progress.ts';

/** How the runner shows progress and asks questions. */
export interface RunnerOutput {
  /** `live`: a redrawn task list (terminal); `lines`: one line per event; `silent`: nothing. */
  mode: 'live' | 'lines' | 'silent';
  /** Where progress goes (stderr, masked for secrets). */
  stream: NodeJS.WriteStream;
  /** Ask a yes/no question; absent when nobody can answer (then the answer is no). */
  ask?: (question: string) => Promise<boolean>;
  /** Prefix of every task title (the image, in a batch). */
  label?: string;
  /** Receives stack traces and other detail for --debug. */
  debug?: (text: string) => void;
}

/**
 * Run a pipeline: its steps become listr2 tasks, in order. A step that asks for confirmation
 * splits the run: the list so far finishes, the question is asked on a clean terminal, and the
 * rest continues only on "yes". Errors are tagged with the step they came from.
 */
export async function runPipeline<C extends object>(steps: readonly Step<C>[], context: C, services: Services, output: RunnerOutput): Promise<C> {
  let start = 0;
  while (start < steps.length) {
    let end = start + 1;
    while (end < steps.length && !steps[end]!.confirm) end += 1;
    const first = steps[start]!;
    if (first.confirm && !first.skip?.(context)) {
      const question = first.confirm(context);
      if (question !== undefined) {
        const yes = output.ask ? await output.ask(question) : false;
        if (!yes) {
          first.declined?.(context);
          return context;
        }
      }
    }
    await runSegment(steps.slice(start, end), context, services, output);
    start = end;
  }
  return context;
}

async function runSegment<C extends object>(steps: readonly Step<C>[], context: C, services: Services, output: RunnerOutput): Promise<void> {
  const prefix = output.label ? `${output.label}: ` : '';
  const list = new Listr<C>(
    steps.map((step) => ({
      title: prefix + step.title,
      enabled: () => step.enabled?.(context) ?? true,
      skip: () => step.skip?.(context) || false,
      task: async (_ctx, task) => {
        const progress = new TaskProgress((line) => (task.output = line), output.mode === 'live');
        try {
          await step.run(context, { services, progress });
        } catch (cause) {
          throw tagStep(cause, step.id);
        }
        const summary = progress.summary();
        if (summary) task.title = `${prefix}${step.title} (${summary})`;
      },
    })),
    {
      ctx: context,
      exitOnError: true,
      renderer: output.mode === 'live' ? 'default' : output.mode === 'lines' ? 'simple' : 'silent',
      fallbackRenderer: output.mode === 'silent' ? 'silent' : 'simple',
      rendererOptions: {
        logger: new ListrLogger({ processOutput: new ProcessOutput(output.stream, output.stream) }),
        collapseErrors: true,
        showErrorMessage: false,
      },
      fallbackRendererOptions: {
        logger: new ListrLogger({ processOutput: new ProcessOutput(output.stream, output.stream) }),
      },
      registerSignalListeners: false,
      collectErrors: false,
    } as ListrBaseClassOptions<C, any, any>,
  );
  await list.run();
}

function tagStep(cause: unknown, step: string): DonodoError {
  const error = cause instanceof DonodoError ? cause : errors.unexpected(cause);
  error.step ??= step;
  return error;
}
