/**
 * What one template may cost. Templates come from files and URLs of other people (a repository's
 * config, a community's template), so rendering one must not be able to take the machine's memory
 * or stack: five chained `.replace('', …)` would build a 2 GB string, and 50,000 nested
 * parentheses would overflow the parser's stack.
 *
 * The bounds are far above anything a real template does: the original donodo's default template
 * and the templates of real projects (colomoto's, the test fixtures) nest at most 6 levels, make
 * strings of a few kilobytes (Zenodo's own descriptions are rarely 100 kB), and take a few
 * thousand steps. Each bound is reported with the field and column where it was crossed.
 */

/** Characters in any string a template makes (a method's result, a rendered field or string): 1 million. */
export const MAX_STRING_LENGTH = 1_000_000;

/** Levels of parentheses, brackets, calls and chained lookups in one expression. */
export const MAX_EXPRESSION_DEPTH = 100;

/** Levels of objects and arrays in a template. */
export const MAX_TEMPLATE_DEPTH = 64;

/**
 * Work to render one template, counted in characters read and written (plus one per evaluated
 * expression node): 20 million, some tens of milliseconds, 20 times the longest string allowed.
 */
export const MAX_WORK = 20_000_000;

/** A bound of this file was crossed; the message names it. */
export class BoundExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoundExceeded';
  }
}

/** The work budget ran out: rendering stops at once (each further field would only spend more). */
export class WorkExhausted extends BoundExceeded {}

const count = (n: number): string => n.toLocaleString('en-US');

/** Refuse a string of `length` characters before it is built. */
export function checkLength(length: number): void {
  if (length > MAX_STRING_LENGTH) {
    throw new BoundExceeded(`this makes a string of ${count(length)} characters, more than the ${count(MAX_STRING_LENGTH)} a template may make`);
  }
}

export function depthExceeded(): BoundExceeded {
  return new BoundExceeded(`this expression nests or chains more than ${MAX_EXPRESSION_DEPTH} levels (parentheses, brackets, calls, lookups), the most a template field may have`);
}

/** The work of one template's rendering. */
export class WorkBudget {
  #spent = 0;

  spend(units: number): void {
    this.#spent += units;
    if (this.#spent > MAX_WORK) {
      throw new WorkExhausted(`rendering this template takes more than ${count(MAX_WORK)} steps (characters read and written), the most one template may take`);
    }
  }
}
