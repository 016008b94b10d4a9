import type { ProgressSink } from '../contracts/progress.ts';
import type { Services } from '../services.ts';

/** What a running step may use besides its context. */
export interface StepTools {
  services: Services;
  /** Progress of the step's long transfer (bytes and speed on the progress line). */
  progress: ProgressSink;
  /**
   * Aborts when the user interrupts the run (SIGINT, SIGTERM). A step that stops on it, and undoes
   * what it must, says so with `stopsOnAbort`; the runner then waits for it to finish.
   */
  signal: AbortSignal;
}

/**
 * One named step of a pipeline. Steps are declared as data (see pipelines.ts) and run in order;
 * each reads and extends the pipeline's context.
 */
export interface Step<C> {
  /** Stable identifier, used in errors and `--json` output ("export", "upload", …). */
  id: string;
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
   * runner waits for it. Other steps are left behind when the run is interrupted (their work is
   * resumable: a rerun finds it again), so that an interruption never waits on a slow server.
   */
  stopsOnAbort?: boolean;
  run(context: C, tools: StepTools): Promise<void>;
}
