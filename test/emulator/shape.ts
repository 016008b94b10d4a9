/**
 * Test helper: compares the key/type structure of two JSON values, ignoring the values themselves.
 * Objects must have the same keys; arrays are compared element by element against the first element of
 * the recorded array (when both have elements); leaves must have the same JSON type.
 */

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export interface ShapeOptions {
  /** Paths (like `$.links.registerconceptdoi`) left out of the comparison. */
  ignore?: string[];
}

/** Differences between the structure of `actual` and that of `recorded`; empty when they match. */
export function shapeDifferences(actual: unknown, recorded: unknown, options: ShapeOptions = {}, path = '$'): string[] {
  if (options.ignore?.includes(path)) return [];
  const a = jsonType(actual);
  const r = jsonType(recorded);
  if (a !== r) return [`${path}: ${a} instead of ${r}`];
  if (a === 'array') {
    const recordedItems = recorded as unknown[];
    if (recordedItems.length === 0) return [];
    return (actual as unknown[]).flatMap((item, i) => shapeDifferences(item, recordedItems[0], options, `${path}[${i}]`));
  }
  if (a === 'object') {
    const act = actual as Record<string, unknown>;
    const rec = recorded as Record<string, unknown>;
    const out: string[] = [];
    for (const key of Object.keys(rec)) {
      const sub = `${path}.${key}`;
      if (options.ignore?.includes(sub)) continue;
      if (!(key in act)) out.push(`${sub}: missing`);
      else out.push(...shapeDifferences(act[key], rec[key], options, sub));
    }
    for (const key of Object.keys(act)) {
      const sub = `${path}.${key}`;
      if (!(key in rec) && !options.ignore?.includes(sub)) out.push(`${sub}: not in the recording`);
    }
    return out;
  }
  return [];
}
