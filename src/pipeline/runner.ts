import { Listr, ListrLogger, ProcessOutput, type ListrBaseClassOptions } from 'listr2';
import { DonodoError } from '../errors/donodo-error.ts';
import { errors } from '../errors/catalogue.ts';
import type { Services } from '../services.ts';
import type { ServiceName, Step } from './step.ts';
import { TaskProgress } from './task-progress.ts';

/** How the runner shows progress and asks questions. */
export interface RunnerOutput {
  /** `live`: a redrawn task list (terminal); `lines`: one line per event; `silent`: nothing. */
  mode: 'live' | 'lines' | 'silent';
  /** Where progress goes (stderr, masked for secrets). */
  stream: NodeJS.WriteStream;
  /**
   * Ask a yes/no question; absent when nobody can answer (then the answer is no). `signal` aborts
   * the question when the run is interrupted (the answer is then no).
   */
  ask?: (question: string, signal: AbortSignal) => Promise<boolean>;
  /** Prefix of every task title (the image, in a batch). */
  label?: string;
  /** Receives stack traces and other detail for --debug. */
  debug?: (text: string) => void;
}

/** A signal that never aborts: runs that nobody can interrupt. */
const UNINTERRUPTED = new AbortController().signal;

/** How a run can be interrupted. */
export interface RunControl {
  /** Aborts when the user interrupts the run. */
  signal?: AbortSignal;
  /**
   * On interruption, leave running steps behind (all but those that stop on the signal), rather
   * than wait for them: for pipelines whose every write a rerun finds again (push), so that an
   * interruption never waits on a slow server. Default: wait, so that no undo runs beside work
   * that is still going on (a pull's load).
   */
  leaveOnAbort?: boolean;
}

/**
 * Run a pipeline: its steps become listr2 tasks, in order. A step that asks for confirmation
 * splits the run: the list so far finishes, the question is asked on a clean terminal, and the
 * rest continues only on "yes". Errors are tagged with the step they came from.
 *
 * When `control.signal` aborts (the user interrupted the run), no further step starts, and the run
 * ends with an INTERRUPTED error once the running step settled (or at once, see
 * RunControl.leaveOnAbort), so that the callers' `finally` blocks (the spool's removal, the undo of a
 * load) run before the process exits.
 */
export async function runPipeline<C extends object>(steps: readonly Step<C>[], context: C, services: Services, output: RunnerOutput, control: RunControl = {}): Promise<C> {
  const signal = control.signal ?? UNINTERRUPTED;
  let start = 0;
  while (start < steps.length) {
    let end = start + 1;
    while (end < steps.length && !steps[end]!.confirm) end += 1;
    const first = steps[start]!;
    if (signal.aborted) throw tagStep(interruption(signal), first.id);
    if (first.confirm && !first.skip?.(context)) {
      const question = first.confirm(context);
      if (question !== undefined) {
        const yes = output.ask ? await output.ask(question, signal) : false;
        // A signal during the question interrupts the run; a no (Ctrl-C typed at the question included) declines.
        if (signal.aborted) throw tagStep(interruption(signal), first.id);
        if (!yes) {
          first.declined?.(context);
          return context;
        }
      }
    }
    await runSegment(steps.slice(start, end), context, services, output, signal, control.leaveOnAbort ?? false);
    start = end;
  }
  return context;
}

async function runSegment<C extends object>(steps: readonly Step<C>[], context: C, services: Services, output: RunnerOutput, signal: AbortSignal, leaveOnAbort: boolean): Promise<void> {
  const prefix = output.label ? `${output.label}: ` : '';
  const list = new Listr<C>(
    steps.map((step) => ({
      title: prefix + step.title,
      enabled: () => step.enabled?.(context) ?? true,
      skip: () => step.skip?.(context) || false,
      task: async (_ctx, task) => {
        const progress = new TaskProgress((line) => (task.output = line), output.mode === 'live');
        try {
          if (signal.aborted) throw interruption(signal);
          const running = step.run(context, { services: declared(services, step.uses), progress, signal });
          await (leaveOnAbort && !step.stopsOnAbort ? untilAborted(running, signal) : running);
          if (signal.aborted) throw interruption(signal);
        } catch (cause) {
          // Whatever a step threw once the run was interrupted (an AbortError, a cut stream) is the interruption.
          throw tagStep(signal.aborted ? interruption(signal) : cause, step.id);
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

/** The services a step declared it uses, and no others. */
function declared<U extends ServiceName>(services: Services, uses: readonly U[]): Pick<Services, U> {
  return Object.fromEntries(uses.map((name) => [name, services[name]])) as Pick<Services, U>;
}

/** The work's own outcome, or nothing as soon as `signal` aborts (the work is then left behind, its failure ignored). */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const leave = () => {
      work.catch(() => undefined);
      resolve();
    };
    signal.addEventListener('abort', leave, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', leave));
  });
}

/** A new error per pipeline (each gets its own step), naming the signal the run was aborted with. */
function interruption(signal: AbortSignal): DonodoError {
  return errors.interrupted(typeof signal.reason === 'string' ? signal.reason : undefined);
}

function tagStep(cause: unknown, step: string): DonodoError {
  const error = cause instanceof DonodoError ? cause : errors.unexpected(cause);
  error.step ??= step;
  return error;
}
