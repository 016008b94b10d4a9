import type { RunnerOutput } from '../pipeline/runner.ts';

export type Write = (text: string) => void;

/** What a command prints through and is interrupted by. */
export interface CommandIo {
  out: Write;
  err: Write;
  output: RunnerOutput;
  interactive: boolean;
  signal?: AbortSignal;
}
