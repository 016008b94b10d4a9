/**
 * Tokenizer and recursive-descent parser for the expressions inside `{…}` template fields.
 *
 * The language is the tiny, side-effect-free subset of Python that donodo templates use:
 *
 *   expr      := postfix
 *   postfix   := primary ( '.' NAME | '[' subscript ']' | '(' args ')' )*
 *   primary   := 'image' | STRING+ | INT | '-' INT | 'None' | 'True' | 'False' | '(' expr ')'
 *   subscript := expr | [expr] ':' [expr] [':' [expr]]
 *   args      := [ arg (',' arg)* [','] ]      arg := expr | NAME '=' expr
 *
 * On top of the grammar, the parser checks statically what may be named: `image` is the only
 * name, it only has the attributes name, tag, labels, inspect (and spec), and every other
 * `.attribute` must be one of the safe methods, called directly. Nothing here ever evaluates.
 */

import { depthExceeded, MAX_EXPRESSION_DEPTH } from './bounds.ts';

/** A problem found in a template string, at `offset` (0-based, in the template string). */
export class TemplateProblem extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.name = 'TemplateProblem';
    this.offset = offset;
  }
}

/** Positions are 0-based offsets in the template string; `end` is exclusive. */
interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { type: 'image' })
  | (Span & { type: 'literal'; value: string | number | boolean | null })
  | (Span & { type: 'attribute'; object: Expr; name: ImageAttribute })
  | (Span & { type: 'index'; object: Expr; index: Expr; open: number })
  | (Span & { type: 'slice'; object: Expr; lower?: Expr; upper?: Expr; step?: Expr; open: number })
  | (Span & { type: 'call'; object: Expr; method: MethodName; args: Expr[]; keywords: { name: string; value: Expr; start: number }[]; nameStart: number });

export const IMAGE_ATTRIBUTES = ['name', 'tag', 'labels', 'inspect', 'spec'] as const;
export type ImageAttribute = (typeof IMAGE_ATTRIBUTES)[number];

/** The methods a template may call, with the arguments Python (3.11) accepts for them. */
export const METHODS = {
  split: { min: 0, max: 2, keywords: ['sep', 'maxsplit'], on: 'str' },
  rsplit: { min: 0, max: 2, keywords: ['sep', 'maxsplit'], on: 'str' },
  lower: { min: 0, max: 0, keywords: [], on: 'str' },
  upper: { min: 0, max: 0, keywords: [], on: 'str' },
  strip: { min: 0, max: 1, keywords: [], on: 'str' },
  lstrip: { min: 0, max: 1, keywords: [], on: 'str' },
  rstrip: { min: 0, max: 1, keywords: [], on: 'str' },
  replace: { min: 2, max: 3, keywords: [], on: 'str' },
  startswith: { min: 1, max: 1, keywords: [], on: 'str' },
  endswith: { min: 1, max: 1, keywords: [], on: 'str' },
  join: { min: 1, max: 1, keywords: [], on: 'str' },
  get: { min: 1, max: 2, keywords: [], on: 'dict' },
} as const satisfies Record<string, { min: number; max: number; keywords: readonly string[]; on: 'str' | 'dict' }>;
export type MethodName = keyof typeof METHODS;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

function isImageAttribute(name: string): name is ImageAttribute {
  return (IMAGE_ATTRIBUTES as readonly string[]).includes(name);
}

const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass',
  'raise', 'return', 'try', 'while', 'with', 'yield',
]);

type TokenType = 'name' | 'int' | 'string' | 'punct' | 'operator' | 'end';
interface Token {
  type: TokenType;
  /** Source text (for 'string', the decoded value). */
  text: string;
  start: number;
  end: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);
const PUNCT = new Set(['.', '[', ']', '(', ')', ',', ':', '=']);
const NAME_START = /[\p{L}\p{Nl}_]/u;
const NAME_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u;
/** Longest first, so that `**` is reported as one operator. */
const OPERATORS = ['**=', '//=', '>>=', '<<=', '...', '**', '//', '==', '!=', '<=', '>=', '<<', '>>', '->', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '~', '@', '!', ';', '{', '}', '?', '$', '`', '\\'];

/** Decodes the Python string-literal escape at s[i] (a backslash); unknown escapes keep the backslash. */
export function decodeEscape(s: string, i: number): { text: string; next: number } {
  // s[i] === '\\'
  const c = s[i + 1];
  if (c === undefined) return { text: '\\', next: i + 1 };
  const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };
  if (Object.hasOwn(simple, c)) return { text: simple[c]!, next: i + 2 };
  if (c === '\r') return { text: '', next: s[i + 2] === '\n' ? i + 3 : i + 2 };
  if (c >= '0' && c <= '7') {
    let j = i + 1;
    while (j < i + 4 && s[j] !== undefined && s[j]! >= '0' && s[j]! <= '7') j++;
    return { text: String.fromCodePoint(parseInt(s.slice(i + 1, j), 8)), next: j };
  }
  const hexLength = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexLength) {
    const hex = s.slice(i + 2, i + 2 + hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) {
      throw new TemplateProblem(i, `the escape \\${c} needs exactly ${hexLength} hexadecimal digits`);
    }
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) throw new TemplateProblem(i, `the escape \\${c}${hex} is beyond the last Unicode character`);
    return { text: String.fromCodePoint(code), next: i + 2 + hexLength };
  }
  if (c === 'N') {
    throw new TemplateProblem(i, 'named escapes \\N{…} are not supported; write the character itself');
  }
  // Python keeps an unknown escape as it is (backslash included).
  return { text: '\\', next: i + 1 };
}

export function tokenize(s: string, from: number, to: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < to) {
    const ch = s[i]!;
    if (WHITESPACE.has(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '#') throw new TemplateProblem(i, "'#' (a comment) is not allowed in a template field");
    if (ch === "'" || ch === '"') {
      if (s.startsWith(ch.repeat(3), i)) throw new TemplateProblem(i, 'triple-quoted strings are not supported in a template field');
      let value = '';
      i++;
      for (;;) {
        if (i >= to || s[i] === '\n' || s[i] === '\r') throw new TemplateProblem(start, 'this string literal is never closed');
        const c = s[i]!;
        if (c === ch) {
          i++;
          break;
        }
        if (c === '\\') {
          const { text, next } = decodeEscape(s, i);
          value += text;
          i = next;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ type: 'string', text: value, start, end: i });
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      while (i < to && (/[0-9A-Za-z_]/.test(s[i]!) || (s[i] === '.' && /[0-9]/.test(s[i + 1] ?? '')))) i++;
      const text = s.slice(start, i);
      if (!/^(0|[1-9](_?[0-9])*)$/.test(text) && !/^0(_?0)*$/.test(text)) {
        const what = /^[0-9_]*[.eE]/.test(text) ? 'only integer literals are supported, not floating-point numbers' : `"${text}" is not a supported number (write a plain decimal integer)`;
        throw new TemplateProblem(start, what);
      }
      const value = Number(text.replaceAll('_', ''));
      if (!Number.isSafeInteger(value)) throw new TemplateProblem(start, `the integer ${text} is too large`);
      tokens.push({ type: 'int', text, start, end: i });
      continue;
    }
    const codePoint = String.fromCodePoint(s.codePointAt(i)!);
    if (NAME_START.test(codePoint)) {
      while (i < to && NAME_PART.test(String.fromCodePoint(s.codePointAt(i)!))) i += s.codePointAt(i)! > 0xffff ? 2 : 1;
      const text = s.slice(start, i);
      if (s[i] === "'" || s[i] === '"') {
        throw new TemplateProblem(start, `string prefixes such as ${text}'…' are not supported; write a plain '…' string`);
      }
      tokens.push({ type: 'name', text, start, end: i });
      continue;
    }
    if (PUNCT.has(ch) && !OPERATORS.some((op) => op.length > 1 && s.startsWith(op, i) && i + op.length <= to)) {
      tokens.push({ type: 'punct', text: ch, start, end: i + 1 });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => s.startsWith(o, i) && i + o.length <= to) ?? codePoint;
    tokens.push({ type: 'operator', text: op, start, end: i + op.length });
    i += op.length;
  }
  tokens.push({ type: 'end', text: '', start: to, end: to });
  return tokens;
}

const ALLOWED_SUMMARY = 'image.name, image.tag, image.labels, image.inspect';

function describeToken(t: Token): string {
  if (t.type === 'end') return 'the end of the field';
  if (t.type === 'string') return 'a string';
  return `"${t.text}"`;
}

/** Parses the expression s[from:to] (a template field's expression) into an AST. */
export function parseExpression(s: string, from: number, to: number): Expr {
  const tokens = tokenize(s, from, to);
  let pos = 0;
  // Nesting (recursion of the parser) and the depth of the tree (recursion of the evaluator) are bounded.
  let nesting = 0;
  const depths = new WeakMap<Expr, number>();
  const depthOf = (e: Expr | undefined): number => (e ? (depths.get(e) ?? 1) : 0);
  function made<E extends Expr>(e: E, at: number, ...children: (Expr | undefined)[]): E {
    const depth = 1 + Math.max(0, ...children.map(depthOf));
    if (depth > MAX_EXPRESSION_DEPTH) throw new TemplateProblem(at, depthExceeded().message);
    depths.set(e, depth);
    return e;
  }
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const isPunct = (t: Token, p: string): boolean => t.type === 'punct' && t.text === p;
  const expect = (p: string, context: string): Token => {
    const t = next();
    if (!isPunct(t, p)) throw unexpected(t, `expected "${p}" ${context}`);
    return t;
  };

  function unexpected(t: Token, expected?: string): TemplateProblem {
    if (t.type === 'operator') {
      if (t.text === '-') return new TemplateProblem(t.start, 'the operator "-" is only allowed directly before an integer (as in [-1])');
      if (!OPERATORS.includes(t.text)) return new TemplateProblem(t.start, `the character "${t.text}" is not allowed here`);
      return new TemplateProblem(t.start, `the operator "${t.text}" is not allowed; template fields cannot compute`);
    }
    if (t.type === 'name' && KEYWORDS.has(t.text)) {
      return new TemplateProblem(t.start, `the keyword "${t.text}" is not allowed; template fields cannot contain statements, conditions, comprehensions or lambdas`);
    }
    if (isPunct(t, '=')) return new TemplateProblem(t.start, 'assignments and keyword arguments outside a method call are not allowed');
    return new TemplateProblem(t.start, `unexpected ${describeToken(t)}${expected ? `, ${expected}` : ''}`);
  }

  function checkName(t: Token): void {
    if (t.text.startsWith('__')) {
      throw new TemplateProblem(t.start, `"${t.text}": names with double underscores are never accessible`);
    }
  }

  function primary(): Expr {
    const t = next();
    if (t.type === 'name') {
      checkName(t);
      if (t.text === 'image') return { type: 'image', start: t.start, end: t.end };
      if (t.text === 'None') return { type: 'literal', value: null, start: t.start, end: t.end };
      if (t.text === 'True') return { type: 'literal', value: true, start: t.start, end: t.end };
      if (t.text === 'False') return { type: 'literal', value: false, start: t.start, end: t.end };
      if (KEYWORDS.has(t.text)) throw unexpected(t);
      if (isPunct(peek(), '(')) throw new TemplateProblem(t.start, `"${t.text}(…)" is not allowed: no functions can be called, only the methods of a value`);
      throw new TemplateProblem(t.start, `the name "${t.text}" is not available; the only name is "image"`);
    }
    if (t.type === 'string') {
      let value = t.text;
      let end = t.end;
      while (peek().type === 'string') {
        const more = next();
        value += more.text;
        end = more.end;
      }
      return { type: 'literal', value, start: t.start, end };
    }
    if (t.type === 'int') return { type: 'literal', value: Number(t.text.replaceAll('_', '')), start: t.start, end: t.end };
    if (t.type === 'operator' && t.text === '-' && peek().type === 'int') {
      const n = next();
      return { type: 'literal', value: -Number(n.text.replaceAll('_', '')), start: t.start, end: n.end };
    }
    if (isPunct(t, '(')) {
      if (isPunct(peek(), ')')) throw new TemplateProblem(t.start, 'tuples are not supported');
      const inner = expression();
      const close = next();
      if (isPunct(close, ',')) throw new TemplateProblem(close.start, 'tuples are not supported');
      if (!isPunct(close, ')')) throw unexpected(close, 'expected ")"');
      // Parentheses add no node: the same depth as what they hold.
      const wrapped = { ...inner, start: t.start, end: close.end };
      depths.set(wrapped, depthOf(inner));
      return wrapped;
    }
    if (isPunct(t, '[')) throw new TemplateProblem(t.start, 'list displays and comprehensions are not allowed');
    if (t.type === 'end') throw new TemplateProblem(t.start, 'an expression is missing here');
    throw unexpected(t, 'expected a value');
  }

  function postfix(): Expr {
    let e = primary();
    for (;;) {
      const t = peek();
      if (isPunct(t, '.')) {
        next();
        const nameTok = next();
        if (nameTok.type !== 'name') throw unexpected(nameTok, 'expected an attribute name after "."');
        checkName(nameTok);
        const name = nameTok.text;
        if (e.type === 'image') {
          if (!isImageAttribute(name)) {
            throw new TemplateProblem(nameTok.start, `image has no attribute "${name}"; use ${ALLOWED_SUMMARY}`);
          }
          e = made({ type: 'attribute', object: e, name, start: e.start, end: nameTok.end }, nameTok.start, e);
          continue;
        }
        if (!isMethodName(name)) {
          if (isPunct(peek(), '(')) {
            throw new TemplateProblem(nameTok.start, `the method "${name}" is not allowed; the allowed methods are ${Object.keys(METHODS).join(', ')}`);
          }
          throw new TemplateProblem(
            nameTok.start,
            `".${name}" cannot be read: Python dictionaries have no attributes (write ['${name}'] or .get('${name}')), and strings and lists only have the allowed methods`,
          );
        }
        if (!isPunct(peek(), '(')) throw new TemplateProblem(nameTok.start, `the method "${name}" must be called, as in .${name}(…)`);
        const open = next();
        const args: Expr[] = [];
        const keywords: { name: string; value: Expr; start: number }[] = [];
        while (!isPunct(peek(), ')')) {
          const a = peek();
          if (a.type === 'name' && isPunct(tokens[pos + 1]!, '=')) {
            next();
            next();
            const spec = METHODS[name];
            if (!(spec.keywords as readonly string[]).includes(a.text)) {
              throw new TemplateProblem(a.start, `${name}() takes no keyword argument "${a.text}"${spec.keywords.length ? ` (it accepts ${spec.keywords.join(', ')})` : ''}`);
            }
            if (keywords.some((k) => k.name === a.text)) throw new TemplateProblem(a.start, `the keyword argument "${a.text}" is repeated`);
            keywords.push({ name: a.text, value: expression(), start: a.start });
          } else {
            if (keywords.length) throw new TemplateProblem(a.start, 'a positional argument cannot follow a keyword argument');
            args.push(expression());
          }
          if (isPunct(peek(), ',')) {
            next();
            continue;
          }
          if (!isPunct(peek(), ')')) throw unexpected(peek(), `expected "," or ")" in the arguments of ${name}()`);
        }
        const close = next();
        checkArity(name, args, keywords, open.start);
        e = made({ type: 'call', object: e, method: name, args, keywords, nameStart: nameTok.start, start: e.start, end: close.end }, nameTok.start, e, ...args, ...keywords.map((k) => k.value));
        continue;
      }
      if (isPunct(t, '[')) {
        next();
        if (e.type === 'image') throw new TemplateProblem(t.start, `image cannot be indexed; use ${ALLOWED_SUMMARY}`);
        e = subscript(e, t.start);
        continue;
      }
      if (isPunct(t, '(')) {
        throw new TemplateProblem(t.start, 'only the methods of a value can be called, as in image.name.split(\'/\')');
      }
      break;
    }
    if (e.type === 'image') {
      throw new TemplateProblem(e.start, `"image" itself cannot be written into a template; use ${ALLOWED_SUMMARY}`);
    }
    return e;
  }

  function subscript(object: Expr, open: number): Expr {
    const parts: (Expr | undefined)[] = [];
    let colons = 0;
    let current: Expr | undefined;
    for (;;) {
      const t = peek();
      if (isPunct(t, ']')) {
        const close = next();
        parts.push(current);
        if (colons === 0) {
          if (!current) throw new TemplateProblem(close.start, 'an index is missing between "[" and "]"');
          return made({ type: 'index', object, index: current, open, start: object.start, end: close.end }, open, object, current);
        }
        return made({ type: 'slice', object, lower: parts[0], upper: parts[1], step: parts[2], open, start: object.start, end: close.end }, open, object, ...parts);
      }
      if (isPunct(t, ':')) {
        next();
        if (colons === 2) throw new TemplateProblem(t.start, 'a slice has at most two ":"');
        parts.push(current);
        current = undefined;
        colons++;
        continue;
      }
      if (isPunct(t, ',')) throw new TemplateProblem(t.start, 'tuple indexes are not supported');
      if (current) throw unexpected(t, 'expected "]"');
      current = expression();
    }
  }

  function expression(): Expr {
    if (++nesting > MAX_EXPRESSION_DEPTH) throw new TemplateProblem(peek().start, depthExceeded().message);
    try {
      return postfix();
    } finally {
      nesting--;
    }
  }

  const result = expression();
  const rest = peek();
  if (rest.type !== 'end') throw unexpected(rest, 'expected the end of the field');
  return result;
}

function checkArity(name: MethodName, args: Expr[], keywords: { name: string; start: number }[], at: number): void {
  const spec = METHODS[name];
  const given = args.length + keywords.length;
  if (args.length > spec.max) {
    throw new TemplateProblem(at, `${name}() takes ${spec.max === 0 ? 'no arguments' : `at most ${spec.max} argument${spec.max === 1 ? '' : 's'}`} (${args.length} given)`);
  }
  // A keyword naming a parameter already given positionally.
  keywords.forEach((k) => {
    const index = (spec.keywords as readonly string[]).indexOf(k.name);
    if (index >= 0 && index < args.length) throw new TemplateProblem(k.start, `${name}() got the argument "${k.name}" twice`);
  });
  if (given < spec.min) {
    throw new TemplateProblem(at, `${name}() needs ${spec.min === spec.max ? 'exactly' : 'at least'} ${spec.min} argument${spec.min === 1 ? '' : 's'} (${given} given)`);
  }
}
