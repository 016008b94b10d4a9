import { describe, expect, it } from 'vitest';
import { renderTemplate, validateTemplate } from '../../src/templates/index.ts';
import { failure } from './fixtures/failure.ts';
import { LABELLED, scopeOf } from './fixtures/images.ts';

/** The labelled fixture, with one label as long as the longest string a template may make. */
const scope = scopeOf({ ...LABELLED, inspect: { ...LABELLED.inspect, Config: { ...LABELLED.inspect.Config, Labels: { ...LABELLED.inspect.Config.Labels, big: 'x'.repeat(1_000_000) } } } });
const render = (template: unknown): unknown => renderTemplate(template, scope, { source: 'bounds.json' });

describe('template evaluation is bounded', () => {
  it('refuses five chained replace(\'\', …) before building the string, naming the field, the column and the bound', () => {
    const chain = "{image.name" + ".replace('', '0123456789')".repeat(5) + '}';
    const e = failure(() => render({ title: chain }));
    expect(e.code).toBe('TEMPLATE_RENDER');
    // Each replace puts ten characters between every two: 24 → 274 → 3,024 → 33,274 → 366,024 → 4,026,274, which the fifth would make.
    expect(e.message).toBe(
      `Template field "title" in bounds.json, column ${chain.lastIndexOf('replace') + 1}: this makes a string of 4,026,274 characters, more than the 1,000,000 a template may make`,
    );
  });

  it('refuses a join that would multiply a long string', () => {
    const e = failure(() => render({ description: "{image.labels['big'].join(image.labels['big'])}" }));
    expect(e.message).toMatch(/^Template field "description" in bounds\.json, column 22: this makes a string of 1,000,000,000,000 characters, more than the 1,000,000/);
    // Reading the long label, and making strings of it up to the bound, is allowed.
    expect(render("{image.labels['big'][:5]}-{image.labels['big'].replace('x', 'y')[-2:]}")).toBe('xxxxx-yy');
    expect((render("{image.labels['big'].upper()}") as string).length).toBe(1_000_000);
  });

  it('refuses a field whose text would outgrow the bound, even when each value fits', () => {
    const e = failure(() => render({ notes: "{image.labels['big']}{image.labels['big']}" }));
    expect(e.message).toMatch(/^Template field "notes" in bounds\.json, column 22: this makes a string of 2,000,000 characters/);
  });

  it('refuses 50,000 nested parentheses before rendering, with the column where the bound is crossed', () => {
    const e = failure(() => validateTemplate({ title: '{' + '('.repeat(50_000) + 'image.name' + ')'.repeat(50_000) + '}' }, { source: 'bounds.json' }));
    expect(e.code).toBe('TEMPLATE_INVALID');
    expect(e.message).toBe(
      'Template field "title" in bounds.json, column 102: this expression nests or chains more than 100 levels (parentheses, brackets, calls, lookups), the most a template field may have',
    );
    expect(render('{' + '('.repeat(99) + 'image.tag' + ')'.repeat(99) + '}')).toBe('2024-04-01');
  });

  it('refuses 50,000 chained calls, which would overflow the evaluator', () => {
    const e = failure(() => validateTemplate({ title: '{image.name' + '.lower()'.repeat(50_000) + '}' }));
    expect(e.message).toMatch(/^Template field "title", column 797: this expression nests or chains more than 100 levels/);
    // image, .tag and 98 calls: 100 levels.
    expect(render('{image.tag' + '.lower()'.repeat(98) + '}')).toBe('2024-04-01');
  });

  it('refuses a template nested deeper than 64 objects and arrays', () => {
    const deep = JSON.parse('['.repeat(10_000) + '"{image.name}"' + ']'.repeat(10_000));
    const e = failure(() => validateTemplate(deep));
    expect(e.message).toMatch(/^Template field "(\[0\]){64}", column 1: the template nests objects and arrays more than 64 levels deep/);
  });

  it('stops at the work bound and reports the field where it ran out', () => {
    // Each field reads the million-character label and writes its upper-case copy: two million steps each.
    const template = { description: Array.from({ length: 20 }, () => "{image.labels['big'].upper()[:3]}") };
    const e = failure(() => render(template));
    expect(e.code).toBe('TEMPLATE_RENDER');
    expect(e.details).toEqual([
      'Template field "description[9]" in bounds.json, column 22: rendering this template takes more than 20,000,000 steps (characters read and written), the most one template may take',
    ]);
  });
});
