/**
 * The one error type donodo shows to users. `code` is stable (scripts and tests rely on it),
 * `message` is one line saying what went wrong, `hint` says what to do about it.
 */
export class DonodoError<C extends string = string> extends Error {
  readonly code: C;
  readonly hint?: string;
  /** Further lines (one problem each), e.g. every invalid config field. */
  readonly details: string[];
  /** The plugin and step an error escaped from, added at the boundary. */
  plugin?: string;
  step?: string;

  constructor(code: C, message: string, options: { hint?: string; details?: string[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DonodoError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

export function isDonodoError(value: unknown): value is DonodoError {
  return value instanceof DonodoError;
}
