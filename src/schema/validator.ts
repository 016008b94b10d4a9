import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { didYouMean } from '../output/did-you-mean.ts';
import { isOrcid, isZenodoLicense } from './formats.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under Node's ESM loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: false, verbose: true });
addFormats(ajv);
ajv.addFormat('zenodo-license', { type: 'string', validate: isZenodoLicense });
ajv.addFormat('orcid', { type: 'string', validate: isOrcid });
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Validate `value` against a JSON Schema, compiling each schema object once.
 * Returns one readable line per problem ("path: what is wrong (allowed: …)"), empty when valid; a key
 * the schema does not know is called `words.unknown` ("unknown setting"), with the closest known key.
 */
export function validateAgainst(schema: Record<string, unknown>, value: unknown, root = '', words: { unknown?: string } = {}): string[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return formatErrors(validate.errors ?? [], value, root, words.unknown ?? 'unknown setting');
}

function formatErrors(list: ErrorObject[], value: unknown, root: string, unknown: string): string[] {
  // anyOf/oneOf produce one error per branch plus a summary; keep the most specific lines only.
  // Within an anyOf, the branch of the wrong type says nothing useful when another branch says what is wrong.
  const lines = new Set<string>();
  const seenPaths = new Set(list.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf').map((e) => e.instancePath));
  const specific = new Set(list.filter((e) => !['anyOf', 'oneOf', 'type'].includes(e.keyword)).map((e) => e.instancePath));
  const branched = new Set(list.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const error of list) {
    // "must match \"then\" schema" comes with the error inside `then`, which says what is wrong.
    if (error.keyword === 'if') continue;
    if ((error.keyword === 'anyOf' || error.keyword === 'oneOf') && seenPaths.has(error.instancePath)) continue;
    if (error.keyword === 'type' && branched.has(error.instancePath) && specific.has(error.instancePath)) continue;
    lines.add(describe(error, value, root, unknown));
  }
  return [...lines];
}

function describe(error: ErrorObject, value: unknown, root: string, unknown: string): string {
  const path = pathOf(root, error.instancePath, error.keyword === 'additionalProperties' ? String(error.params.additionalProperty) : undefined);
  const actual = valueAt(value, error.instancePath);
  const shown = actual === undefined ? '' : ` (got ${preview(actual)})`;
  switch (error.keyword) {
    case 'additionalProperties': {
      // The closest key the schema knows there (verbose mode hands over the schema of the object).
      const known = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
      return `${path}: ${unknown}${didYouMean(String(error.params.additionalProperty), known)}`;
    }
    case 'required':
      return `${pathOf(root, error.instancePath, String(error.params.missingProperty))}: is required but missing`;
    case 'enum':
      return `${path}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${shown}`;
    case 'const':
      return `${path}: must be ${JSON.stringify(error.params.allowedValue)}${shown}`;
    case 'type':
      return `${path}: must be ${error.params.type}${shown}`;
    case 'format':
      return `${path}: ${FORMATS[String(error.params.format)] ?? `must match format "${error.params.format}"`}${shown}`;
    default:
      return `${path}: ${error.message ?? 'is not valid'}${shown}`;
  }
}

const FORMATS: Record<string, string> = {
  date: 'must be a date YYYY-MM-DD',
  uri: 'must be a URL',
  'zenodo-license': "must be a license id Zenodo knows (an SPDX id such as mit or cc-by-4.0, or a legacy alias such as cc-by)",
  orcid: 'must be an ORCID iD with a valid check digit, e.g. 0000-0002-1825-0097',
};

function pathOf(root: string, pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = root;
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  return out || '(top level)';
}

function valueAt(value: unknown, pointer: string): unknown {
  let current = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
