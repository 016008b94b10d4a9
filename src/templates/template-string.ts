/**
 * Splits one template string into literal text and `{…}` fields, the way Python reads the body of
 * `f"""…"""` (which is how the original donodo evaluates a template):
 *
 * - `{{` and `}}` are literal braces; any other `{` opens a field, a lone `}` is an error;
 * - a field is `{expression[=][!conversion][:format_spec]}`; the expression ends at the first
 *   `}`, `!`, `:` or `=` outside brackets and string literals;
 * - the literal text gets Python's string-literal escapes (`\n`, `\t`, `\\`, `\'`, `\xhh`, `\u…`,
 *   octal, backslash-newline), unknown escapes stay as written, and a carriage return (alone or
 *   before a newline) becomes a newline, exactly as Python's source reader does.
 */
import { decodeEscape, parseExpression, TemplateProblem, type Expr } from './expression.ts';
import { parseFormatSpec, type FormatSpec } from './python.ts';

export interface TextSegment {
  kind: 'text';
  value: string;
}

export interface FieldSegment {
  kind: 'field';
  expr: Expr;
  conversion?: 's' | 'r' | 'a';
  spec?: FormatSpec;
  /** For `{expr=}`: the text written before the value (expression, `=`, and the spaces around it). */
  debugText?: string;
  /** Offset of the `{` in the template string. */
  offset: number;
}

export type Segment = TextSegment | FieldSegment;

export interface CompiledString {
  segments: Segment[];
  problems: TemplateProblem[];
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Finds where a field's expression ends (Python 3.11's rules); returns the index of the terminator. */
function scanExpression(s: string, start: number): number {
  const stack: { close: string; at: number }[] = [];
  let i = start;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === "'" || ch === '"') {
      // Skip a string literal; the tokenizer reports badly closed ones precisely.
      let j = i + 1;
      while (j < s.length && s[j] !== ch && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length || s[j] !== ch) throw new TemplateProblem(i, 'this string literal is never closed');
      i = j + 1;
      continue;
    }
    if (Object.hasOwn(OPEN, ch)) {
      stack.push({ close: OPEN[ch]!, at: i });
      i++;
      continue;
    }
    if (ch === ')' || ch === ']' || ch === '}') {
      const top = stack.pop();
      if (!top) {
        if (ch === '}') return i;
        throw new TemplateProblem(i, `"${ch}" closes nothing`);
      }
      if (top.close !== ch) throw new TemplateProblem(i, `"${ch}" does not match the "${s[top.at]}" at column ${top.at + 1}`);
      i++;
      continue;
    }
    if (stack.length === 0) {
      if (ch === '!' && s[i + 1] !== '=') return i;
      if (ch === ':') return i;
      if (ch === '=') {
        if (s[i + 1] === '=') {
          i += 2;
          continue;
        }
        const prev = s[i - 1];
        if (i > start && (prev === '=' || prev === '!' || prev === '<' || prev === '>')) {
          i++;
          continue;
        }
        return i;
      }
    }
    i++;
  }
  const open = stack[0];
  throw new TemplateProblem(open ? open.at : start - 1, open ? `"${s[open.at]}" is never closed` : `"{" is never closed; write "{{" for a literal brace`);
}

/**
 * Parses the field starting at s[open] === '{'. Returns the segment and the index after its '}'.
 * Throws a TemplateProblem; `resumeAt` on it says where scanning can go on (if it can).
 */
function parseField(s: string, open: number): { segment: FieldSegment; next: number } {
  const start = open + 1;
  let end = scanExpression(s, start);
  const exprEnd = end;
  if (s.slice(start, exprEnd).trim() === '') throw new FieldProblem(open, 'this field is empty; write "{{" and "}}" for literal braces', fieldEnd(s, end));
  let debugText: string | undefined;
  if (s[end] === '=') {
    end++;
    while (end < s.length && /\s/.test(s[end]!)) end++;
    debugText = s.slice(start, end);
  }
  let conversion: 's' | 'r' | 'a' | undefined;
  if (s[end] === '!') {
    const c = s[end + 1];
    if (c !== 's' && c !== 'r' && c !== 'a') {
      throw new FieldProblem(end, 'a conversion must be !s, !r or !a', fieldEnd(s, end));
    }
    conversion = c;
    end += 2;
    if (s[end] !== ':' && s[end] !== '}') throw new FieldProblem(end, `expected ":" or "}" after !${c}`, fieldEnd(s, end));
  }
  let spec: FormatSpec | undefined;
  if (s[end] === ':') {
    const specStart = end + 1;
    let j = specStart;
    while (j < s.length && s[j] !== '}') {
      if (s[j] === '{') throw new FieldProblem(j, 'nested fields inside a format spec are not supported', fieldEnd(s, j));
      j++;
    }
    if (j >= s.length) throw new TemplateProblem(open, '"{" is never closed; write "{{" for a literal brace');
    try {
      spec = parseFormatSpec(s.slice(specStart, j));
    } catch (e) {
      throw new FieldProblem(specStart, (e as Error).message, j + 1);
    }
    end = j;
  }
  if (s[end] !== '}') {
    throw new TemplateProblem(end, end >= s.length ? '"{" is never closed; write "{{" for a literal brace' : `expected "}" here`);
  }
  let expr: Expr;
  try {
    expr = parseExpression(s, start, exprEnd);
  } catch (e) {
    if (e instanceof TemplateProblem) throw new FieldProblem(e.offset, e.message, end + 1);
    throw e;
  }
  return { segment: { kind: 'field', expr, conversion, spec, debugText, offset: open }, next: end + 1 };
}

/** A problem inside one field, after which scanning can resume at `resumeAt`. */
class FieldProblem extends TemplateProblem {
  readonly resumeAt: number | undefined;
  constructor(offset: number, message: string, resumeAt: number | undefined) {
    super(offset, message);
    this.resumeAt = resumeAt;
  }
}

/** Best guess at the end of a broken field, so that later fields can still be checked. */
function fieldEnd(s: string, from: number): number | undefined {
  const close = s.indexOf('}', from);
  return close < 0 ? undefined : close + 1;
}

/** Parses a whole template string, collecting every problem it can find. */
export function compileString(s: string): CompiledString {
  const segments: Segment[] = [];
  const problems: TemplateProblem[] = [];
  let text = '';
  let i = 0;
  const flush = (): void => {
    if (text) segments.push({ kind: 'text', value: text });
    text = '';
  };
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '\\') {
      try {
        const { text: decoded, next } = decodeEscape(s, i);
        text += decoded;
        i = next;
      } catch (e) {
        if (!(e instanceof TemplateProblem)) throw e;
        problems.push(e);
        i += 2;
      }
      continue;
    }
    if (ch === '\r') {
      text += '\n';
      i += s[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    if (ch === '}') {
      if (s[i + 1] === '}') {
        text += '}';
        i += 2;
        continue;
      }
      problems.push(new TemplateProblem(i, 'a single "}" is not allowed; write "}}" for a literal brace'));
      i++;
      continue;
    }
    if (ch === '{') {
      if (s[i + 1] === '{') {
        text += '{';
        i += 2;
        continue;
      }
      try {
        const { segment, next } = parseField(s, i);
        flush();
        segments.push(segment);
        i = next;
      } catch (e) {
        if (!(e instanceof TemplateProblem)) throw e;
        problems.push(e);
        const resume = e instanceof FieldProblem ? e.resumeAt : undefined;
        if (resume === undefined) break;
        i = resume;
      }
      continue;
    }
    text += ch;
    i++;
  }
  flush();
  return { segments, problems };
}
