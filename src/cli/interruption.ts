import { constants } from 'node:os';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * SIGINT and SIGTERM for the command line. The first one aborts `signal` (the reason is the
 * signal's name): the running steps stop, spools are removed and the report says what is kept.
 * A second one exits at once (what the spool registry can remove synchronously is removed on exit).
 */
export class Interruption {
  readonly #controller = new AbortController();
  #received: StopSignal | undefined;

  constructor(notify: (text: string) => void) {
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      process.on(name, () => {
        if (this.#received) process.exit(exitCodeOf(name));
        this.#received = name;
        notify(`donodo: ${name} received; stopping and cleaning up (press Ctrl-C again to quit at once).\n`);
        this.#controller.abort(name);
      });
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** 130 after SIGINT, 143 after SIGTERM (128 + the signal's number, as shells report it); undefined when none came. */
  get exitCode(): number | undefined {
    return this.#received && exitCodeOf(this.#received);
  }
}

function exitCodeOf(name: StopSignal): number {
  return 128 + constants.signals[name];
}
