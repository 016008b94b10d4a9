import { Listr, ListrLogger, ProcessOutput, type ListrBaseClassOptions } from 'listr2';
import { DonodoError } from '../errors/donodo-error.ts';
import { errors } from '../errors/catalogue.ts';
import type { Services } from '../services.ts';
import type { ServiceName, Step } from './step.ts';
import { LineReport, type StepReport } from './step-report.ts';
import { TaskProgress } from './task-progress.ts';

/** How the runner shows progress and asks questions. */
export interface RunnerOutput {
  /**
   * `live`: a redrawn task list (terminal); `lines`: one line per event (a pipe, a log file);
   * `silent`: nothing. A `report`, when given, receives the events instead (a batch's live list).
   */
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
  /** Receives the steps' events instead of the stream (one image's line of a batch's live list). */
  report?: StepReport;
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
 * Run a pipeline, its steps in order. A step that asks for confirmation splits the run: the list
 * so far finishes, the question is asked on a clean terminal, and the rest continues only on
 * "yes". Errors are tagged with the step they came from. On a terminal the steps are a listr2
 * task list; otherwise each event is a line (see LineReport).
 *
 * A skip reason is shown once: when every step left skips for the reason the first of them gives
 * (a version published already: "unchanged"), the run says it once and ends.
 *
 * When `control.signal` aborts (the user interrupted the run), no further step starts, and the run
 * ends with an INTERRUPTED error once the running step settled (or at once, see
 * RunControl.leaveOnAbort), so that the callers' `finally` blocks (the spool's removal, the undo of a
 * load) run before the process exits.
 */
export async function runPipeline<C extends object>(steps: readonly Step<C>[], context: C, services: Services, output: RunnerOutput, control: RunControl = {}): Promise<C> {
  const signal = control.signal ?? UNINTERRUPTED;
  const shown = new Set<string>();
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
    const segment = { steps: steps.slice(start, end), rest: steps.slice(start), shown };
    if (output.mode === 'live' && !output.report) await runListed(segment, context, services, output, signal, control.leaveOnAbort ?? false);
    else await runReported(segment, context, services, output.report ?? new LineReport(output.mode === 'silent' ? () => undefined : (text) => void output.stream.write(text), output.label), signal, control.leaveOnAbort ?? false);
    start = end;
  }
  return context;
}

interface Segment<C> {
  /** The steps of this segment (up to the next question). */
  steps: readonly Step<C>[];
  /** Those and every later step of the pipeline. */
  rest: readonly Step<C>[];
  /** Skip reasons shown already in this run. */
  shown: Set<string>;
}

/** Why `step` is skipped, and whether the reason was shown already (then the step is not shown). */
function skipOf<C>(step: Step<C>, context: C, shown: Set<string>): { reason: string | false; hidden: boolean } {
  const reason = step.skip?.(context) || false;
  return { reason, hidden: reason !== false && shown.has(reason) };
}

/** Whether every step from `index` on skips for `reason` (or is not in the run). */
function restSkips<C>(steps: readonly Step<C>[], index: number, context: C, reason: string): boolean {
  return steps.slice(index).every((step) => !(step.enabled?.(context) ?? true) || step.skip?.(context) === reason);
}

/** The steps as a listr2 task list, redrawn on the terminal. */
async function runListed<C extends object>(segment: Segment<C>, context: C, services: Services, output: RunnerOutput, signal: AbortSignal, leaveOnAbort: boolean): Promise<void> {
  const prefix = output.label ? `${output.label}: ` : '';
  const list = new Listr<C>(
    segment.steps.map((step) => ({
      title: prefix + step.title,
      // A reason shown already is not shown again: the steps after it are left out of the list.
      enabled: () => (step.enabled?.(context) ?? true) && !skipOf(step, context, segment.shown).hidden,
      skip: () => {
        const { reason } = skipOf(step, context, segment.shown);
        if (reason === false) return false;
        segment.shown.add(reason);
        return reason;
      },
      task: async (_ctx, task) => {
        // Progress goes on the task's own line (listr2 redraws a changed title reliably; an output line below it not always).
        const progress = new TaskProgress((line) => (task.title = `${prefix}${step.title} ${line}`), 'live');
        try {
          await runStep(step, context, services, progress, signal, leaveOnAbort);
        } catch (cause) {
          task.title = prefix + step.title;
          throw cause;
        }
        const summary = progress.summary();
        task.title = `${prefix}${step.title}${summary ? ` (${summary})` : ''}`;
      },
    })),
    {
      ctx: context,
      exitOnError: true,
      renderer: 'default',
      fallbackRenderer: 'simple',
      rendererOptions: {
        logger: new ListrLogger({ processOutput: new ProcessOutput(output.stream, output.stream) }),
        collapseErrors: true,
        // The error is printed once, below the list, with its code and hint.
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

/** The steps reported event by event (plain lines, or one image's line of a live list). */
async function runReported<C extends object>(segment: Segment<C>, context: C, services: Services, report: StepReport, signal: AbortSignal, leaveOnAbort: boolean): Promise<void> {
  const offset = segment.rest.length - segment.steps.length;
  for (const [index, step] of segment.steps.entries()) {
    if (signal.aborted) throw tagStep(interruption(signal), step.id);
    if (!(step.enabled?.(context) ?? true)) continue;
    const { reason, hidden } = skipOf(step, context, segment.shown);
    if (hidden) continue;
    if (reason !== false) {
      segment.shown.add(reason);
      report.skipped(step.title, reason, restSkips(segment.rest, offset + index, context, reason));
      continue;
    }
    report.started(step.title);
    const progress = new TaskProgress((line) => report.progress(step.title, line), report.live ? 'live' : 'lines');
    try {
      await runStep(step, context, services, progress, signal, leaveOnAbort);
    } catch (cause) {
      report.failed(step.title);
      throw cause;
    }
    report.finished(step.title, progress.summary());
  }
}

/** Run one step; whatever it throws is tagged with it (and is the interruption once the run was interrupted). */
async function runStep<C extends object>(step: Step<C>, context: C, services: Services, progress: TaskProgress, signal: AbortSignal, leaveOnAbort: boolean): Promise<void> {
  try {
    if (signal.aborted) throw interruption(signal);
    const running = step.run(context, { services: declared(services, step.uses), progress, signal });
    await (leaveOnAbort && !step.stopsOnAbort ? untilAborted(running, signal) : running);
    if (signal.aborted) throw interruption(signal);
  } catch (cause) {
    // Whatever a step threw once the run was interrupted (an AbortError, a cut stream) is the interruption.
    throw tagStep(signal.aborted ? interruption(signal) : cause, step.id);
  } finally {
    progress.stop();
  }
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
