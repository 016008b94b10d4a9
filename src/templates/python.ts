/**
 * The few Python semantics templates rely on, over JSON-like JavaScript values:
 * str()/repr()/ascii(), format specs, indexing, slicing and the safe string/dict methods.
 *
 * Value mapping: string → str, integer number → int, other number → float, boolean → bool,
 * null/undefined → None, array → list, plain object → dict. Object lookups only ever read own
 * properties, so nothing on a prototype can be reached.
 */

import { checkLength } from './bounds.ts';

/** A Python exception raised while rendering; `kind` is the Python exception class name. */
export class PythonError extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.name = 'PythonError';
    this.kind = kind;
  }
}

export type PyDict = { readonly [key: string]: unknown };

export function typeName(v: unknown): string {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v === null || v === undefined) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (isDict(v)) return 'dict';
  return 'object';
}

export function isDict(v: unknown): v is PyDict {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** An integer for indexing purposes (Python's bool is an int). */
function asIndex(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return undefined;
}

export function ownValue(d: PyDict, key: string): { found: boolean; value?: unknown } {
  if (!Object.hasOwn(d, key)) return { found: false };
  return { found: true, value: Object.getOwnPropertyDescriptor(d, key)!.value };
}

/* ---------------------------------------------------------------- str() and repr() */

const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

export function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + hex(code, 2);
    else if (code < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (code <= 0xff) out += '\\x' + hex(code, 2);
    else if (code <= 0xffff) out += '\\u' + hex(code, 4);
    else out += '\\U' + hex(code, 8);
  }
  return out + quote;
}

function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  // toExponential() gives the shortest digits that round-trip, like Python's repr.
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(expText);
  let body: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      body = `${intPart}.${frac || '0'}`;
    } else {
      body = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    const frac = digits.slice(1);
    body = `${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return (negative ? '-' : '') + body;
}

function strNumber(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  return reprFloat(n);
}

export function repr(v: unknown): string {
  if (typeof v === 'string') return reprString(v);
  return strOrRepr(v);
}

/** Python's str(v). */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  return strOrRepr(v);
}

function strOrRepr(v: unknown): string {
  if (typeof v === 'number') return strNumber(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  if (isDict(v)) return `{${Object.keys(v).map((k) => `${reprString(k)}: ${repr(ownValue(v, k).value)}`).join(', ')}}`;
  throw new PythonError('TypeError', `a value of an unsupported kind (${Object.prototype.toString.call(v)}) cannot be written`);
}

/** Python's ascii(v): repr with every non-ASCII character escaped. */
export function ascii(v: unknown): string {
  let out = '';
  for (const ch of repr(v)) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out += ch;
    else if (code <= 0xff) out += '\\x' + hex(code, 2);
    else if (code <= 0xffff) out += '\\u' + hex(code, 4);
    else out += '\\U' + hex(code, 8);
  }
  return out;
}

/* ---------------------------------------------------------------- format specs */

export interface FormatSpec {
  text: string;
  fill?: string;
  align?: '<' | '>' | '=' | '^';
  sign?: '+' | '-' | ' ';
  alternate: boolean;
  zero: boolean;
  width?: number;
  grouping?: ',' | '_';
  precision?: number;
  type?: 's' | 'd' | 'b' | 'o' | 'x' | 'X';
}

/** Parses a format spec (the part after ':'); throws a message string when it is not supported. */
export function parseFormatSpec(text: string): FormatSpec {
  const cps = Array.from(text);
  const spec: FormatSpec = { text, alternate: false, zero: false };
  let i = 0;
  const isAlign = (c: string | undefined): c is '<' | '>' | '=' | '^' => c === '<' || c === '>' || c === '=' || c === '^';
  if (isAlign(cps[1])) {
    spec.fill = cps[0];
    spec.align = cps[1];
    i = 2;
  } else if (isAlign(cps[0])) {
    spec.align = cps[0];
    i = 1;
  }
  if (cps[i] === '+' || cps[i] === '-' || cps[i] === ' ') spec.sign = cps[i++] as '+' | '-' | ' ';
  if (cps[i] === 'z') throw new Error('"z" (negative zero coercion) in a format spec only applies to floats, which are not supported');
  if (cps[i] === '#') {
    spec.alternate = true;
    i++;
  }
  if (spec.fill === undefined && cps[i] === '0') {
    spec.zero = true;
    i++;
  }
  let w = '';
  while (cps[i] !== undefined && cps[i]! >= '0' && cps[i]! <= '9') w += cps[i++];
  if (w) spec.width = Number(w);
  if (cps[i] === ',' || cps[i] === '_') spec.grouping = cps[i++] as ',' | '_';
  if (cps[i] === ',' || cps[i] === '_') throw new Error('a format spec can have only one grouping option ("," or "_")');
  if (cps[i] === '.') {
    i++;
    let p = '';
    while (cps[i] !== undefined && cps[i]! >= '0' && cps[i]! <= '9') p += cps[i++];
    if (!p) throw new Error('the format spec is missing the precision after "."');
    spec.precision = Number(p);
  }
  if (i < cps.length) {
    const t = cps[i]!;
    if (i === cps.length - 1 && (t === 's' || t === 'd' || t === 'b' || t === 'o' || t === 'x' || t === 'X')) {
      spec.type = t;
    } else if (i === cps.length - 1 && 'ceEfFgGn%'.includes(t)) {
      throw new Error(`the format type "${t}" is not supported (only s, d, b, o, x and X are)`);
    } else {
      throw new Error(`"${text}" is not a valid format spec`);
    }
  }
  if (spec.width !== undefined && spec.width > 10000) throw new Error('the width in a format spec is limited to 10000');
  return spec;
}

function pad(body: string, spec: FormatSpec, defaultAlign: '<' | '>', signAndPrefix = ''): string {
  const width = spec.width ?? 0;
  const length = Array.from(signAndPrefix + body).length;
  const fill = spec.fill ?? (spec.zero ? '0' : ' ');
  const align = spec.align ?? (spec.zero && defaultAlign === '>' ? '=' : defaultAlign);
  const missing = Math.max(0, width - length);
  if (align === '<') return signAndPrefix + body + fill.repeat(missing);
  if (align === '>') return fill.repeat(missing) + signAndPrefix + body;
  if (align === '=') return signAndPrefix + fill.repeat(missing) + body;
  const left = Math.floor(missing / 2);
  return fill.repeat(left) + signAndPrefix + body + fill.repeat(missing - left);
}

/** CPython's thousands grouping, including zero padding up to minWidth. */
function group(digits: string, size: number, sep: string, minWidth: number): string {
  const parts: string[] = [];
  let remaining = digits.length;
  let pos = digits.length;
  let min = minWidth;
  for (;;) {
    const len = Math.min(size, Math.max(remaining, min, 1));
    const zeros = Math.max(0, len - remaining);
    const chars = Math.max(0, Math.min(remaining, len));
    parts.unshift('0'.repeat(zeros) + digits.slice(pos - chars, pos));
    pos -= chars;
    remaining -= chars;
    min -= len;
    if (remaining <= 0 && min <= 0) break;
    min -= sep.length;
  }
  return parts.join(sep);
}

function formatInt(n: number, spec: FormatSpec): string {
  if (spec.precision !== undefined) throw new PythonError('ValueError', 'Precision not allowed in integer format specifier');
  const type = spec.type ?? 'd';
  if (type === 's') throw new PythonError('ValueError', "Unknown format code 's' for object of type 'int'");
  if (spec.grouping === ',' && type !== 'd') throw new PythonError('ValueError', `Cannot specify ',' with '${type}'.`);
  const big = BigInt(n);
  const negative = big < 0n;
  const abs = negative ? -big : big;
  const radix = { d: 10, b: 2, o: 8, x: 16, X: 16 }[type];
  let digits = abs.toString(radix);
  if (type === 'X') digits = digits.toUpperCase();
  const prefix = spec.alternate ? { d: '', b: '0b', o: '0o', x: '0x', X: '0X' }[type] : '';
  const sign = negative ? '-' : spec.sign === '+' ? '+' : spec.sign === ' ' ? ' ' : '';
  const align = spec.align ?? (spec.zero ? '=' : '>');
  const fill = spec.fill ?? (spec.zero ? '0' : ' ');
  if (spec.grouping) {
    const zeroPadding = fill === '0' && align === '=';
    const minWidth = zeroPadding ? Math.max(0, (spec.width ?? 0) - sign.length - prefix.length) : 0;
    digits = group(digits, type === 'd' ? 3 : 4, spec.grouping, minWidth);
  }
  return pad(digits, { ...spec, fill, align }, '>', sign + prefix);
}

function formatStr(s: string, spec: FormatSpec): string {
  if (spec.type !== undefined && spec.type !== 's') throw new PythonError('ValueError', `Unknown format code '${spec.type}' for object of type 'str'`);
  if (spec.sign) throw new PythonError('ValueError', 'Sign not allowed in string format specifier');
  if (spec.alternate) throw new PythonError('ValueError', 'Alternate form (#) not allowed in string format specifier');
  if (spec.align === '=') throw new PythonError('ValueError', "'=' alignment not allowed in string format specifier");
  if (spec.grouping) throw new PythonError('ValueError', `Cannot specify '${spec.grouping}' with 's'.`);
  const body = spec.precision === undefined ? s : Array.from(s).slice(0, spec.precision).join('');
  return pad(body, spec, '<');
}

/** Python's format(value, spec). */
export function format(v: unknown, spec: FormatSpec | undefined): string {
  if (!spec || spec.text === '') return str(v);
  if (typeof v === 'string') return formatStr(v, spec);
  if (typeof v === 'boolean') return formatInt(v ? 1 : 0, spec);
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return formatInt(v, spec);
    throw new PythonError('ValueError', 'format specs for floating-point values are not supported');
  }
  throw new PythonError('TypeError', `unsupported format string passed to ${typeName(v)}.__format__`);
}

/* ---------------------------------------------------------------- indexing and slicing */

function sequence(v: unknown): string[] | readonly unknown[] | undefined {
  if (typeof v === 'string') return Array.from(v);
  if (Array.isArray(v)) return v;
  return undefined;
}

export function getItem(object: unknown, key: unknown, describe: () => string): unknown {
  if (isDict(object)) {
    if (Array.isArray(key) || isDict(key)) throw new PythonError('TypeError', `unhashable type: '${typeName(key)}'`);
    if (typeof key === 'string') {
      const { found, value } = ownValue(object, key);
      if (found) return value;
    }
    throw new PythonError('KeyError', `${describe()} has no key ${repr(key)}`);
  }
  const seq = sequence(object);
  if (!seq) throw new PythonError('TypeError', `'${typeName(object)}' object is not subscriptable`);
  const index = asIndex(key);
  if (index === undefined) {
    throw new PythonError(
      'TypeError',
      typeof object === 'string' ? `string indices must be integers, not '${typeName(key)}'` : `list indices must be integers or slices, not ${typeName(key)}`,
    );
  }
  const i = index < 0 ? index + seq.length : index;
  if (i < 0 || i >= seq.length) {
    throw new PythonError('IndexError', `${typeof object === 'string' ? 'string' : 'list'} index ${index} is out of range (${describe()} has ${seq.length} ${typeof object === 'string' ? 'characters' : 'items'})`);
  }
  return seq[i];
}

export function getSlice(object: unknown, lower: unknown, upper: unknown, step: unknown): unknown {
  if (isDict(object)) throw new PythonError('TypeError', "unhashable type: 'slice'");
  const seq = sequence(object);
  if (!seq) throw new PythonError('TypeError', `'${typeName(object)}' object is not subscriptable`);
  const bound = (v: unknown): number | undefined => {
    if (v === null || v === undefined) return undefined;
    const i = asIndex(v);
    if (i === undefined) throw new PythonError('TypeError', 'slice indices must be integers or None or have an __index__ method');
    return i;
  };
  const st = bound(step) ?? 1;
  if (st === 0) throw new PythonError('ValueError', 'slice step cannot be zero');
  const length = seq.length;
  const adjust = (v: number | undefined, atStart: boolean): number => {
    if (v === undefined) return st > 0 ? (atStart ? 0 : length) : atStart ? length - 1 : -1;
    if (v < 0) {
      v += length;
      if (v < 0) return st < 0 ? -1 : 0;
      return v;
    }
    if (v >= length) return st < 0 ? length - 1 : length;
    return v;
  };
  const start = adjust(bound(lower), true);
  const stop = adjust(bound(upper), false);
  const picked: unknown[] = [];
  for (let i = start; st > 0 ? i < stop : i > stop; i += st) picked.push(seq[i]);
  return typeof object === 'string' ? picked.join('') : picked;
}

/* ---------------------------------------------------------------- methods */

/** The characters Python's str.isspace() accepts (what split() and strip() use by default). */
const PY_SPACE = new Set(
  [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000].map(
    (c) => String.fromCodePoint(c),
  ),
);

function needStr(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new PythonError('TypeError', `${what} must be str, not ${typeName(v)}`);
  return v;
}

function needInt(v: unknown, what: string): number {
  const i = asIndex(v);
  if (i === undefined) throw new PythonError('TypeError', `${what} must be an integer, not '${typeName(v)}'`);
  return i;
}

function splitWhitespace(s: string, maxsplit: number, fromRight: boolean): string[] {
  const cps = Array.from(s);
  if (fromRight) cps.reverse();
  const parts: string[] = [];
  let i = 0;
  const n = cps.length;
  for (;;) {
    while (i < n && PY_SPACE.has(cps[i]!)) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && parts.length === maxsplit) {
      parts.push(cps.slice(i).join(''));
      break;
    }
    const start = i;
    while (i < n && !PY_SPACE.has(cps[i]!)) i++;
    parts.push(cps.slice(start, i).join(''));
  }
  if (fromRight) return parts.map((p) => Array.from(p).reverse().join('')).reverse();
  return parts;
}

function split(s: string, sep: unknown, maxsplitValue: unknown, fromRight: boolean): string[] {
  const maxsplit = maxsplitValue === undefined ? -1 : needInt(maxsplitValue, 'maxsplit');
  if (sep === undefined || sep === null) return splitWhitespace(s, maxsplit, fromRight);
  const separator = needStr(sep, 'the separator');
  if (separator === '') throw new PythonError('ValueError', 'empty separator');
  const parts: string[] = [];
  if (!fromRight) {
    let pos = 0;
    while (maxsplit < 0 || parts.length < maxsplit) {
      const at = s.indexOf(separator, pos);
      if (at < 0) break;
      parts.push(s.slice(pos, at));
      pos = at + separator.length;
    }
    parts.push(s.slice(pos));
    return parts;
  }
  let end = s.length;
  while (maxsplit < 0 || parts.length < maxsplit) {
    if (end - separator.length < 0) break;
    const at = s.lastIndexOf(separator, end - separator.length);
    if (at < 0) break;
    parts.push(s.slice(at + separator.length, end));
    end = at;
  }
  parts.push(s.slice(0, end));
  return parts.reverse();
}

function strip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? PY_SPACE : new Set(Array.from(needStr(chars, 'strip arg')));
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  if (left) while (a < b && set.has(cps[a]!)) a++;
  if (right) while (b > a && set.has(cps[b - 1]!)) b--;
  return cps.slice(a, b).join('');
}

function replace(s: string, oldValue: unknown, newValue: unknown, countValue: unknown): string {
  const old = needStr(oldValue, 'replace() argument 1');
  const replacement = needStr(newValue, 'replace() argument 2');
  let count = countValue === undefined ? -1 : needInt(countValue, 'replace() argument 3');
  if (count < 0) count = Infinity;
  if (old === '') {
    const cps = Array.from(s);
    // The replacement goes between every two characters: refuse what would be too long before building it.
    checkLength(s.length + Math.min(count, cps.length + 1) * replacement.length);
    let out = '';
    let done = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (done < count) {
        out += replacement;
        done++;
      }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  let out = '';
  let pos = 0;
  let done = 0;
  while (done < count) {
    const at = s.indexOf(old, pos);
    if (at < 0) break;
    out += s.slice(pos, at) + replacement;
    pos = at + old.length;
    done++;
    checkLength(out.length + s.length - pos);
  }
  return out + s.slice(pos);
}

function join(sep: string, iterable: unknown): string {
  let items: readonly unknown[];
  if (typeof iterable === 'string') items = Array.from(iterable);
  else if (Array.isArray(iterable)) items = iterable;
  else if (isDict(iterable)) items = Object.keys(iterable);
  else throw new PythonError('TypeError', 'can only join an iterable');
  let length = Math.max(0, items.length - 1) * sep.length;
  items.forEach((item, i) => {
    if (typeof item !== 'string') throw new PythonError('TypeError', `sequence item ${i}: expected str instance, ${typeName(item)} found`);
    length += item.length;
  });
  checkLength(length);
  return items.join(sep);
}

/** Calls one of the safe methods; arguments are already checked for count and keyword names. */
export function callMethod(object: unknown, method: string, args: unknown[], keywords: Record<string, unknown>): unknown {
  if (method === 'get') {
    if (!isDict(object)) throw new PythonError('AttributeError', `'${typeName(object)}' object has no attribute 'get'`);
    const key = args[0];
    if (Array.isArray(key) || isDict(key)) throw new PythonError('TypeError', `unhashable type: '${typeName(key)}'`);
    if (typeof key === 'string') {
      const { found, value } = ownValue(object, key);
      if (found) return value;
    }
    return args.length > 1 ? args[1] : null;
  }
  if (typeof object !== 'string') throw new PythonError('AttributeError', `'${typeName(object)}' object has no attribute '${method}'`);
  const s = object;
  switch (method) {
    case 'split':
    case 'rsplit': {
      const sep = args.length > 0 ? args[0] : Object.hasOwn(keywords, 'sep') ? keywords.sep : undefined;
      const maxsplit = args.length > 1 ? args[1] : Object.hasOwn(keywords, 'maxsplit') ? keywords.maxsplit : undefined;
      return split(s, sep, maxsplit, method === 'rsplit');
    }
    case 'lower':
      return s.toLowerCase();
    case 'upper':
      return s.toUpperCase();
    case 'strip':
      return strip(s, args[0], true, true);
    case 'lstrip':
      return strip(s, args[0], true, false);
    case 'rstrip':
      return strip(s, args[0], false, true);
    case 'replace':
      return replace(s, args[0], args[1], args[2]);
    case 'startswith':
      return s.startsWith(needStr(args[0], 'startswith first arg'));
    case 'endswith':
      return s.endsWith(needStr(args[0], 'endswith first arg'));
    case 'join':
      return join(s, args[0]);
  }
  throw new PythonError('AttributeError', `'str' object has no attribute '${method}'`);
}
