import type { ProgressSink } from '../contracts/progress.ts';
import type { Services } from '../services.ts';

/** The name of one of a run's services (the plugin instances container.ts builds). */
export type ServiceName = keyof Services;

/** What a running step may use besides its context. */
export interface StepTools<U extends ServiceName = ServiceName> {
  /** Only the services the step declared in `uses`: the runner hands it nothing else. */
  services: Pick<Services, U>;
  /** Progress of the step's long transfer (bytes and speed on the progress line). */
  progress: ProgressSink;
  /**
   * Aborts when the user interrupts the run (SIGINT, SIGTERM). A step that may take long should
   * stop on it (and undo what it must) and say so with `stopsOnAbort`.
   */
  signal: AbortSignal;
}

/**
 * One named step of a pipeline. Steps are declared as data (see pipelines.ts) and run in order;
 * each reads and extends the pipeline's context.
 */
export interface Step<C, U extends ServiceName = ServiceName> {
  /** Stable identifier, used in errors and `--json` output ("export", "upload", …). */
  id: string;
  /**
   * The services the step works with (its dependencies, declared as data): the runner hands it
   * these and no others, so a step's header says what it touches, and a pipeline can be run with
   * just the services its steps name.
   */
  uses: readonly U[];
  /** Shown on the progress line. */
  title: string;
  /** Whether the step belongs in this run at all; a step that does not is neither run nor shown. */
  enabled?(context: C): boolean;
  /** Return a reason to skip the step, or false to run it. */
  skip?(context: C): string | false;
  /**
   * A question to ask before running (on a terminal). Returning undefined asks nothing.
   * When the answer is no, the step and the rest of the pipeline are skipped.
   */
  confirm?(context: C): string | undefined;
  /** Record the user's answer (e.g. to remember that publishing was declined). */
  declined?(context: C): void;
  /**
   * The step observes `tools.signal` and settles soon after it aborts, having undone its work: the
   * runner always waits for it. Other steps are waited for too, unless the pipeline runs with
   * `leaveOnAbort` (push: a rerun finds all it wrote), which leaves them behind at once.
   */
  stopsOnAbort?: boolean;
  run(context: C, tools: StepTools<U>): Promise<void>;
}
