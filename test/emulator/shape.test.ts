import { describe, expect, it } from 'vitest';
import { shapeDifferences } from './shape.ts';

describe('the structure comparison used against recordings', () => {
  it('accepts the same keys and types with different values', () => {
    expect(shapeDifferences({ a: 1, b: ['x'], c: { d: null } }, { a: 2, b: ['y', 'z'], c: { d: null } })).toEqual([]);
  });

  it('reports missing keys, extra keys and type changes with their paths', () => {
    expect(shapeDifferences({ a: '1', extra: true, c: {} }, { a: 1, c: { d: 1 } })).toEqual([
      '$.a: string instead of integer',
      '$.c.d: missing',
      '$.extra: not in the recording',
    ]);
  });

  it('compares every element of an array with the recorded first element', () => {
    expect(shapeDifferences([{ k: 1 }, { k: 'x' }], [{ k: 0 }])).toEqual(['$[1].k: string instead of integer']);
  });

  it('leaves out ignored paths', () => {
    expect(shapeDifferences({ a: 1 }, { a: 1, links: { x: '' } }, { ignore: ['$.links'] })).toEqual([]);
  });
});
