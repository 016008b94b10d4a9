/**
 * Deposition-metadata templates, compatible with the original donodo's Python f-string templates
 * but interpreted from a small AST: nothing in a template can ever run code.
 */
import { DonodoError } from '../errors/donodo-error.ts';
import { BoundExceeded, checkLength, MAX_TEMPLATE_DEPTH, WorkBudget, WorkExhausted } from './bounds.ts';
import { METHODS, type Expr } from './expression.ts';
import { ascii, callMethod, format, getItem, getSlice, isDict, ownValue, PythonError, repr, reprString, str } from './python.ts';
import { compileString, type Segment } from './template-string.ts';

/** What a template can read: the image being archived. */
export interface TemplateScope {
  image: {
    /** Repository name without the tag, e.g. "colomoto/colomoto-docker". */
    name: string;
    tag: string;
    labels: Record<string, string>;
    /** The `docker inspect` object of the image. */
    inspect: Record<string, unknown>;
  };
}

export interface TemplateOptions {
  /** Where the template comes from (file name or URL), for messages. */
  source?: string;
}

export const TEMPLATE_HINT =
  'A template field may read image.name, image.tag, image.labels and image.inspect, with [\'key\'], [index] and ' +
  `[start:stop:step], string and integer literals, and the methods ${Object.keys(METHODS).map((m) => `${m}()`).join(', ')}; ` +
  'then optionally !r, !s or !a and a format spec such as :>10 or :, (strings and integers). ' +
  'Nothing else (other names, functions, operators) is allowed. Write {{ and }} for literal braces.';

const RENDER_HINT =
  "The template reads something this image does not have, or uses a value of the wrong type. Use .get('key', 'default') " +
  'for labels or keys that may be missing, or change the template.';

type Node =
  | { kind: 'string'; path: string; text: string; segments: Segment[] }
  | { kind: 'array'; items: Node[] }
  | { kind: 'object'; entries: [string, Node][] }
  | { kind: 'value'; value: unknown };

interface Located {
  path: string;
  text: string;
  offset: number;
  message: string;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${reprString(key)}]`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return isDict(v);
}

function compileNode(template: unknown, path: string, problems: Located[], depth = 0): Node {
  if ((Array.isArray(template) || isPlainObject(template)) && depth >= MAX_TEMPLATE_DEPTH) {
    problems.push({ path, text: '', offset: 0, message: `the template nests objects and arrays more than ${MAX_TEMPLATE_DEPTH} levels deep, the most a template may have` });
    return { kind: 'value', value: undefined };
  }
  if (typeof template === 'string') {
    const { segments, problems: found } = compileString(template);
    for (const p of found) problems.push({ path, text: template, offset: p.offset, message: p.message });
    return { kind: 'string', path, text: template, segments };
  }
  if (Array.isArray(template)) {
    return { kind: 'array', items: template.map((item, i) => compileNode(item, childPath(path, i), problems, depth + 1)) };
  }
  if (isPlainObject(template)) {
    return {
      kind: 'object',
      entries: Object.keys(template).map((k) => [k, compileNode(ownValue(template, k).value, childPath(path, k), problems, depth + 1)]),
    };
  }
  return { kind: 'value', value: template };
}

/** "line 2, column 5" or "column 5" (1-based, in characters of the template string). */
function position(text: string, offset: number): string {
  const before = Array.from(text.slice(0, Math.max(0, offset)));
  let line = 1;
  let column = 1;
  for (const ch of before) {
    if (ch === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return text.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
}

function describe(p: Located, source: string | undefined): string {
  const field = p.path ? `Template field "${p.path}"` : 'Template';
  return `${field}${source ? ` in ${source}` : ''}, ${position(p.text, p.offset)}: ${p.message}`;
}

function problemsError(code: 'TEMPLATE_INVALID' | 'TEMPLATE_RENDER', problems: Located[], source: string | undefined, hint: string): DonodoError {
  const details = problems.map((p) => describe(p, source));
  const message =
    details.length === 1
      ? details[0]!
      : `Template${source ? ` ${source}` : ''} has ${details.length} problems; the first: ${details[0]}`;
  return new DonodoError(code, message, { hint, details });
}

function compile(template: unknown, options: TemplateOptions): Node {
  const problems: Located[] = [];
  const root = compileNode(template, '', problems);
  if (problems.length) throw problemsError('TEMPLATE_INVALID', problems, options.source, TEMPLATE_HINT);
  return root;
}

/**
 * Checks every template string without rendering anything. Throws a DonodoError
 * (code TEMPLATE_INVALID) listing all problems in `details`, one line each.
 */
export function validateTemplate(template: unknown, options: TemplateOptions = {}): void {
  compile(template, options);
}

/**
 * Renders every string value of `template` (recursively through arrays and objects; keys are
 * not templated) as the original donodo's f-string would, for the image in `scope`. Non-string
 * values are returned unchanged. Throws TEMPLATE_INVALID for a template that is not allowed and
 * TEMPLATE_RENDER when a field fails for this image (missing key, index out of range, …); each
 * lists all problems in `details`.
 */
export function renderTemplate(template: unknown, scope: TemplateScope, options: TemplateOptions = {}): unknown {
  const root = compile(template, options);
  const problems: Located[] = [];
  let result: unknown;
  try {
    result = renderNode(root, { scope, budget: new WorkBudget() }, problems);
  } catch (e) {
    // The work bound: what was found so far is reported, nothing more is rendered.
    if (!(e instanceof RenderFailure)) throw e;
  }
  if (problems.length) throw problemsError('TEMPLATE_RENDER', problems, options.source, RENDER_HINT);
  return result;
}

/** What the evaluation of one template reads and spends. */
interface Rendering {
  scope: TemplateScope;
  budget: WorkBudget;
}

function renderNode(node: Node, rendering: Rendering, problems: Located[]): unknown {
  switch (node.kind) {
    case 'value':
      return node.value;
    case 'array':
      return node.items.map((item) => renderNode(item, rendering, problems));
    case 'object':
      return Object.fromEntries(node.entries.map(([k, v]) => [k, renderNode(v, rendering, problems)]));
    case 'string': {
      let out = '';
      for (const segment of node.segments) {
        if (segment.kind === 'text') {
          out += segment.value;
          continue;
        }
        try {
          const value = renderField(segment, node.text, rendering);
          checkAt(segment.offset, () => checkLength(out.length + value.length));
          out += value;
        } catch (e) {
          if (!(e instanceof RenderFailure)) throw e;
          problems.push({ path: node.path, text: node.text, offset: e.offset, message: e.message });
          if (e.fatal) throw e;
        }
      }
      return out;
    }
  }
}

class RenderFailure extends Error {
  readonly offset: number;
  /** Rendering must stop (the work bound ran out). */
  readonly fatal: boolean;
  constructor(offset: number, message: string, fatal = false) {
    super(message);
    this.offset = offset;
    this.fatal = fatal;
  }
}

/** Python's exceptions and crossed bounds as a failure of the field at `offset`; anything else is a bug and propagates. */
function failure(offset: number, e: unknown): unknown {
  if (e instanceof PythonError) return new RenderFailure(offset, `${e.message} (${e.kind})`);
  if (e instanceof BoundExceeded) return new RenderFailure(offset, e.message, e instanceof WorkExhausted);
  return e;
}

function checkAt<T>(offset: number, work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw failure(offset, e);
  }
}

/** Count a made value against the bounds: its length, and the characters read (`input`) and written. */
function spend(rendering: Rendering, made: unknown, input: unknown = undefined): void {
  const size = (v: unknown): number => (typeof v === 'string' || Array.isArray(v) ? v.length : 0);
  if (typeof made === 'string') checkLength(made.length);
  rendering.budget.spend(1 + size(made) + size(input));
}

function renderField(field: Extract<Segment, { kind: 'field' }>, text: string, rendering: Rendering): string {
  const value = evaluate(field.expr, text, rendering);
  return checkAt(field.offset, () => {
    let v: unknown = value;
    if (field.conversion === 'r') v = repr(value);
    else if (field.conversion === 's') v = str(value);
    else if (field.conversion === 'a') v = ascii(value);
    const rendered = field.debugText !== undefined && field.conversion === undefined && field.spec === undefined ? repr(v) : format(v, field.spec);
    spend(rendering, rendered);
    return (field.debugText ?? '') + rendered;
  });
}

function imageAttribute(scope: TemplateScope, name: string): unknown {
  const image: object = scope.image;
  const read = (key: string): unknown => (Object.hasOwn(image, key) ? Object.getOwnPropertyDescriptor(image, key)!.value : undefined);
  if (name === 'spec') return `${str(read('name'))}:${str(read('tag'))}`;
  const value = read(name);
  // The original uses `inspect["Config"]["Labels"] or {}`.
  if (name === 'labels' && (value === null || value === undefined)) return {};
  return value;
}

function evaluate(e: Expr, text: string, rendering: Rendering): unknown {
  const source = (x: Expr): string => text.slice(x.start, x.end).trim();
  const fail = (at: number, err: unknown): never => {
    throw failure(at, err);
  };
  const scope = rendering.scope;
  switch (e.type) {
    case 'literal':
      return e.value;
    case 'image':
      // The parser only lets `image` through with an attribute; this is never reached.
      throw new RenderFailure(e.start, '"image" itself cannot be written into a template');
    case 'attribute':
      return imageAttribute(scope, e.name);
    case 'index': {
      const object = evaluate(e.object, text, rendering);
      const key = evaluate(e.index, text, rendering);
      try {
        rendering.budget.spend(1);
        return getItem(object, key, () => source(e.object));
      } catch (err) {
        return fail(e.open, err);
      }
    }
    case 'slice': {
      const object = evaluate(e.object, text, rendering);
      const lower = e.lower && evaluate(e.lower, text, rendering);
      const upper = e.upper && evaluate(e.upper, text, rendering);
      const step = e.step && evaluate(e.step, text, rendering);
      try {
        const slice = getSlice(object, lower, upper, step);
        spend(rendering, slice);
        return slice;
      } catch (err) {
        return fail(e.open, err);
      }
    }
    case 'call': {
      const object = evaluate(e.object, text, rendering);
      const args = e.args.map((a) => evaluate(a, text, rendering));
      const keywords: Record<string, unknown> = Object.create(null);
      for (const k of e.keywords) keywords[k.name] = evaluate(k.value, text, rendering);
      try {
        const result = callMethod(object, e.method, args, keywords);
        spend(rendering, result, object);
        return result;
      } catch (err) {
        return fail(e.nameStart, err);
      }
    }
  }
}
