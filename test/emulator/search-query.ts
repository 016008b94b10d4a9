/**
 * The `q` parameter of `GET /api/deposit/depositions` and `GET /api/records` (contract 1.4, 3.2).
 *
 * A small Lucene query-string parser with the classic operators (`AND`, `OR`, `NOT`, `+`, `-`,
 * parentheses, `field:value`, `field:"phrase"`, `*` wildcards) and Zenodo's legacy field map
 * (`ZENODO_LEGACY_SEARCH_MAP`: `conceptrecid`→`parent.id`, `recid`→`id`, `doi`→`pids.doi.identifier`,
 * `conceptdoi`→`parent.pids.doi.identifier`, `title`→`metadata.title`, `version`→`versions.index`…);
 * unmapped names are raw index fields, so `metadata.version:"1.2"` and `metadata.title:"…"` work.
 *
 * Semantics follow OpenSearch's `query_string`: juxtaposed clauses are OR-ed (no `default_operator` is
 * configured, contract 1.4), text fields match analysed words or phrases, keyword fields match exactly,
 * an unknown field matches nothing. A query Lucene cannot parse is not an error: invenio-records-resources
 * falls back to a `multi_match` of its words (`QueryParser.parse`).
 */
import { indexedSnapshot } from './store.ts';
import type { IndexedDoc } from './store.ts';

export type Occur = 'must' | 'should' | 'mustNot';

export type QueryNode =
  | { type: 'all' }
  | { type: 'term'; field: string | null; value: string; phrase: boolean }
  | { type: 'bool'; clauses: Array<{ occur: Occur; node: QueryNode }> };

class ParseError extends Error {}

type Token =
  | { kind: 'word'; text: string; modifier: '' | '+' | '-' }
  | { kind: 'phrase'; text: string; modifier: '' | '+' | '-' }
  | { kind: 'field'; name: string; modifier: '' | '+' | '-' }
  | { kind: 'op'; op: 'AND' | 'OR' | 'NOT' }
  | { kind: 'open'; modifier: '' | '+' | '-' }
  | { kind: 'close' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    let modifier: '' | '+' | '-' = '';
    if ((ch === '+' || ch === '-' || ch === '!') && i + 1 < text.length && !/\s/.test(text[i + 1]!)) {
      modifier = ch === '+' ? '+' : '-';
      i++;
    }
    const c = text[i]!;
    if (c === '(') {
      tokens.push({ kind: 'open', modifier });
      i++;
    } else if (c === ')') {
      tokens.push({ kind: 'close' });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
        j++;
      }
      if (j >= text.length) throw new ParseError('unterminated phrase');
      tokens.push({ kind: 'phrase', text: value, modifier });
      i = j + 1;
    } else {
      let j = i;
      let value = '';
      while (j < text.length && !/[\s()"]/.test(text[j]!)) {
        if (text[j] === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        value += text[j];
        j++;
      }
      i = j;
      const field = /^([A-Za-z_][\w.\-]*):(.*)$/s.exec(value);
      if (modifier === '' && (value === 'AND' || value === '&&')) tokens.push({ kind: 'op', op: 'AND' });
      else if (modifier === '' && (value === 'OR' || value === '||')) tokens.push({ kind: 'op', op: 'OR' });
      else if (modifier === '' && value === 'NOT') tokens.push({ kind: 'op', op: 'NOT' });
      else if (field) {
        tokens.push({ kind: 'field', name: field[1]!, modifier });
        if (field[2] !== '') tokens.push({ kind: 'word', text: field[2]!, modifier: '' });
      } else tokens.push({ kind: 'word', text: value, modifier });
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): QueryNode {
    const node = this.clauses(null, false);
    if (this.pos < this.tokens.length) throw new ParseError('unexpected token');
    return node;
  }

  /** Lucene's classic clause list: AND makes both neighbours required, NOT/- prohibits, + requires. */
  private clauses(field: string | null, inGroup: boolean): QueryNode {
    const clauses: Array<{ occur: Occur; node: QueryNode }> = [];
    let conjunction: 'AND' | 'OR' | '' = '';
    let negate = false;
    for (;;) {
      const token = this.tokens[this.pos];
      if (!token) break;
      if (token.kind === 'close') {
        if (!inGroup) throw new ParseError('unbalanced )');
        break;
      }
      if (token.kind === 'op') {
        this.pos++;
        if (token.op === 'NOT') negate = true;
        else {
          if (clauses.length === 0) throw new ParseError('operator without left operand');
          conjunction = token.op;
        }
        continue;
      }
      const modifier = 'modifier' in token ? token.modifier : '';
      const node = this.atom(field);
      let occur: Occur = 'should';
      if (negate || modifier === '-') occur = 'mustNot';
      else if (modifier === '+' || conjunction === 'AND') occur = 'must';
      if (conjunction === 'AND') {
        const previous = clauses[clauses.length - 1];
        if (previous && previous.occur === 'should') previous.occur = 'must';
      }
      clauses.push({ occur, node });
      conjunction = '';
      negate = false;
    }
    if (conjunction !== '' || negate) throw new ParseError('dangling operator');
    if (clauses.length === 1 && clauses[0]!.occur !== 'mustNot') return clauses[0]!.node;
    return { type: 'bool', clauses };
  }

  private atom(field: string | null): QueryNode {
    const token = this.tokens[this.pos++];
    if (!token) throw new ParseError('unexpected end');
    switch (token.kind) {
      case 'open': {
        const node = this.clauses(field, true);
        if (this.tokens[this.pos]?.kind !== 'close') throw new ParseError('unbalanced (');
        this.pos++;
        return node;
      }
      case 'field': {
        if (field !== null) throw new ParseError('nested field');
        const next = this.tokens[this.pos];
        if (!next || (next.kind !== 'word' && next.kind !== 'phrase' && next.kind !== 'open')) throw new ParseError('field without value');
        return this.atom(token.name);
      }
      case 'word':
        if (field === null && token.text === '*') return { type: 'all' };
        return { type: 'term', field, value: token.text, phrase: false };
      case 'phrase':
        return { type: 'term', field, value: token.text, phrase: true };
      default:
        throw new ParseError('unexpected token');
    }
  }
}

/** Parses `q`; a query Lucene would reject becomes a multi_match of its words (OR). */
export function parseQuery(q: string): QueryNode {
  const text = q.trim();
  if (text === '') return { type: 'all' };
  try {
    return new Parser(tokenize(text)).parse();
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const words = text.split(/\s+/).filter(Boolean);
    return { type: 'bool', clauses: words.map((value) => ({ occur: 'should' as Occur, node: { type: 'term', field: null, value, phrase: false } })) };
  }
}

// ------------------------------------------------------------------ fields of a document

type FieldValues =
  | { kind: 'text'; values: string[] }
  | { kind: 'keyword'; values: string[]; caseInsensitive?: boolean }
  | { kind: 'number'; values: number[] }
  | { kind: 'bool'; values: boolean[] };


function creatorNames(metadata: Record<string, unknown>): string[] {
  const creators = Array.isArray(metadata.creators) ? (metadata.creators as Array<Record<string, unknown>>) : [];
  return creators.map((c) => String(c.name ?? ''));
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Values of a (legacy-mapped or raw) field in a document; null for a field the index does not have. */
export function fieldValues(doc: IndexedDoc, field: string): FieldValues | null {
  const snap = indexedSnapshot(doc);
  const m = snap.metadata;
  switch (field) {
    case 'conceptrecid':
    case 'parent.id':
      return { kind: 'keyword', values: [doc.concept.pid] };
    case 'recid':
    case 'id':
      return { kind: 'keyword', values: [doc.dep.pid] };
    case 'doi':
    case 'pids.doi.identifier':
      return { kind: 'keyword', values: snap.doi ? [snap.doi] : [], caseInsensitive: true };
    case 'conceptdoi':
    case 'parent.pids.doi.identifier':
      return { kind: 'keyword', values: doc.concept.doi ? [doc.concept.doi] : [], caseInsensitive: true };
    case 'title':
    case 'metadata.title':
      return { kind: 'text', values: strings(m.title) };
    case 'description':
    case 'metadata.description':
      return { kind: 'text', values: strings(m.description) };
    case 'keywords':
    case 'metadata.subjects.subject':
      return { kind: 'text', values: strings(m.keywords) };
    case 'creators.name':
    case 'metadata.creators.person_or_org.name':
      return { kind: 'text', values: creatorNames(m) };
    case 'creators.orcid':
      return {
        kind: 'keyword',
        values: (Array.isArray(m.creators) ? (m.creators as Array<Record<string, unknown>>) : []).flatMap((c) => strings(c.orcid)),
      };
    case 'publication_date':
    case 'metadata.publication_date':
      return { kind: 'keyword', values: strings(m.publication_date) };
    case 'version':
    case 'versions.index':
      return { kind: 'number', values: [doc.dep.index] };
    case 'metadata.version':
      return { kind: 'keyword', values: strings(m.version) };
    case 'is_published':
      return { kind: 'bool', values: [doc.dep.record !== null] };
    case 'versions.is_latest':
      return { kind: 'bool', values: [doc.isLatest] };
    case 'versions.is_latest_draft':
      return { kind: 'bool', values: [doc.isLatestDraft] };
    case 'access_right':
    case 'access.status':
      return { kind: 'keyword', values: strings(m.access_right) };
    case 'type':
    case 'resource_type.type':
    case 'metadata.resource_type.props.type':
      return { kind: 'keyword', values: strings(m.upload_type) };
    case 'resource_type.subtype':
    case 'metadata.resource_type.props.subtype':
      return { kind: 'keyword', values: strings(m[`${String(m.upload_type)}_type`]) };
    case 'owners':
    case 'parent.access.owned_by.user':
      return { kind: 'keyword', values: [String(doc.dep.ownerId)] };
    case 'communities':
      return {
        kind: 'keyword',
        values: (Array.isArray(m.communities) ? (m.communities as Array<Record<string, unknown>>) : []).flatMap((c) => strings(c.identifier)),
      };
    case 'created':
      return { kind: 'keyword', values: [doc.dep.created] };
    default:
      return null;
  }
}

/** Fields searched by a term without a field name. */
const DEFAULT_FIELDS = ['title', 'description', 'keywords', 'creators.name'];

export function analyse(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function wildcardRegex(pattern: string, flags: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, flags);
}

function containsSequence(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function termMatches(values: FieldValues, value: string, phrase: boolean): boolean {
  switch (values.kind) {
    case 'text': {
      if (!phrase && /[*?]/.test(value)) {
        if (value === '*') return values.values.length > 0;
        const re = wildcardRegex(value.toLowerCase(), 'u');
        return values.values.some((v) => analyse(v).some((t) => re.test(t)));
      }
      const wanted = analyse(value);
      return values.values.some((v) => {
        const tokens = analyse(v);
        // A phrase needs its words in sequence; an unquoted word that analyses into several tokens
        // needs all of them.
        return phrase ? containsSequence(tokens, wanted) : wanted.length > 0 && wanted.every((w) => tokens.includes(w));
      });
    }
    case 'keyword': {
      const flags = values.caseInsensitive ? 'i' : '';
      if (!phrase && /[*?]/.test(value)) {
        if (value === '*') return values.values.length > 0;
        const re = wildcardRegex(value, flags);
        return values.values.some((v) => re.test(v));
      }
      return values.values.some((v) => (values.caseInsensitive ? v.toLowerCase() === value.toLowerCase() : v === value));
    }
    case 'number':
      return value === '*' ? values.values.length > 0 : values.values.some((v) => String(v) === value.trim());
    case 'bool':
      return values.values.some((v) => String(v) === value.trim().toLowerCase());
  }
}

export interface MatchResult {
  match: boolean;
  score: number;
}

/** Evaluates a query on a document; `score` counts the matching clauses (a crude "bestmatch"). */
export function evaluate(node: QueryNode, doc: IndexedDoc): MatchResult {
  switch (node.type) {
    case 'all':
      return { match: true, score: 1 };
    case 'term': {
      const fields = node.field === null ? DEFAULT_FIELDS : [node.field];
      for (const field of fields) {
        const values = fieldValues(doc, field);
        if (values && termMatches(values, node.value, node.phrase)) return { match: true, score: 1 };
      }
      return { match: false, score: 0 };
    }
    case 'bool': {
      let score = 0;
      let shouldMatched = false;
      let hasMust = false;
      let hasShould = false;
      for (const { occur, node: child } of node.clauses) {
        const result = evaluate(child, doc);
        if (occur === 'must') {
          hasMust = true;
          if (!result.match) return { match: false, score: 0 };
          score += result.score;
        } else if (occur === 'mustNot') {
          if (result.match) return { match: false, score: 0 };
        } else {
          hasShould = true;
          if (result.match) {
            shouldMatched = true;
            score += result.score;
          }
        }
      }
      // With required clauses the optional ones only add score; a purely negative query matches every
      // document not excluded (OpenSearch adds a match_all to it).
      const match = hasMust ? true : hasShould ? shouldMatched : true;
      return { match, score };
    }
  }
}
