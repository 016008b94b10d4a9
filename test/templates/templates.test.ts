import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ORIGINAL_DEFAULT_TEMPLATE, renderTemplate, validateTemplate, type TemplateScope } from '../../src/templates/index.ts';
import { DonodoError } from '../../src/errors/donodo-error.ts';
import { failure } from './fixtures/failure.ts';
import { LABELLED, UNLABELLED, scopeOf } from './fixtures/images.ts';

const scope = scopeOf(LABELLED);
const render = (template: unknown, s: TemplateScope = scope): unknown => renderTemplate(template, s, { source: 'templates.json' });

describe('template grammar', () => {
  it.each([
    ['{image.name}', 'colomoto/colomoto-docker'],
    ['{image.tag}', '2024-04-01'],
    ['{image.spec}', 'colomoto/colomoto-docker:2024-04-01'],
    ["{image.inspect['Created']}", '2024-04-02T10:11:12.123456789Z'],
    ['{image.labels["org.opencontainers.image.title"]}', 'CoLoMoTo Notebook'],
    ["{image.inspect['RepoTags'][0]}", 'colomoto/colomoto-docker:2024-04-01'],
    ["{image.inspect['RepoTags'][-1]}", 'colomoto/colomoto-docker:next'],
    ["{image.inspect['Created'][:10]}", '2024-04-02'],
    ['{image.tag[2:]}', '24-04-01'],
    ['{image.tag[5:7]}', '04'],
    ['{image.tag[::-1]}', '10-40-4202'],
    ['{image.tag[-2:]}', '01'],
    ["{image.name.split('/')[0]}", 'colomoto'],
    ["{image.name.split('/')[-1].upper()}", 'COLOMOTO-DOCKER'],
    ["{image.name.split('o', maxsplit=2)}", "['c', 'l', 'moto/colomoto-docker']"],
    ["{image.name.rsplit('-', 1)[0]}", 'colomoto/colomoto'],
    ["{image.labels['description'].split()}", "['Logical', 'models', 'of', 'biological', 'networks']"],
    ["{image.labels.get('nope', 'fallback')}", 'fallback'],
    ["{image.labels.get('nope')}", 'None'],
    ["{image.labels.get('org.label-schema.build-date', image.inspect['Created'])[:10]}", '2024-04-03'],
    ["{image.labels['description'].strip()}", 'Logical   models\tof biological\nnetworks'],
    ["{image.tag.replace('-', '.')}", '2024.04.01'],
    ["{image.tag.startswith('2024')} {image.tag.endswith('x')}", 'True False'],
    ["{'/'.join(image.name.split('/')[::-1])}", 'colomoto-docker/colomoto'],
    ["{ image.tag }{(image.tag)}{'a' \"b\"}", '2024-04-012024-04-01ab'],
    ['{-1} {0} {None} {True} {False}', '-1 0 None True False'],
  ])('renders %s as %j', (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('reads the whole docker inspect object, nested lists and objects included', () => {
    expect(render("{image.inspect['RootFS']['Layers'][1][7:15]}")).toBe('1bb7a0f0');
    expect(render("{image.inspect['Config']['ExposedPorts']}")).toBe("{'8888/tcp': {}}");
  });

  it('indexes and slices strings by character, as Python does, not by UTF-16 unit', () => {
    expect(render("{image.labels['emoji'][1]}|{image.labels['emoji'][::-1]}|{image.labels['emoji'][-1:]}")).toBe('😀|b😀a|b');
  });

  it('treats a missing Config.Labels like the original, as an empty dict', () => {
    expect(render('{image.labels}', scopeOf(UNLABELLED))).toBe('{}');
    const scopeWithNull = { image: { ...scopeOf(UNLABELLED).image, labels: null as unknown as Record<string, string> } };
    expect(render("{image.labels.get('x', 'none')}", scopeWithNull)).toBe('none');
  });

  it('renders a string ending in a quote or a lone backslash, which the original cannot evaluate', () => {
    expect(render('say "{image.tag}"')).toBe('say "2024-04-01"');
    expect(render('end\\')).toBe('end\\');
  });

  it('accepts escapes inside string literals (allowed since Python 3.12)', () => {
    expect(render("{image.labels.get('it\\'s', 'a\\tb')}")).toBe('a\tb');
  });
});

describe('Python formatting of values', () => {
  const formatting: TemplateScope = {
    image: {
      name: 'n',
      tag: 't',
      labels: {},
      inspect: { list: ['a', "it's", 'say "hi"', 'both \' and "'], dict: { k: 'v', n: 1, f: 0.5, t: true, z: null, e: [] }, big: 1234567, neg: -42, float: 1e-7, fl: 2.5 },
    },
  };
  it.each([
    ["{image.inspect['list']}", `['a', "it's", 'say "hi"', 'both \\' and "']`],
    ["{image.inspect['dict']}", "{'k': 'v', 'n': 1, 'f': 0.5, 't': True, 'z': None, 'e': []}"],
    ["{image.inspect['big']} {image.inspect['neg']} {image.inspect['float']} {image.inspect['fl']}", '1234567 -42 1e-07 2.5'],
    ["{image.inspect['list'][0]!r} {image.inspect['list'][0]!s} {image.inspect['dict']['z']!r}", "'a' a None"],
    ["{'é'!a} {'é'!r}", "'\\xe9' 'é'"],
    ["{image.inspect['big']:,} {image.inspect['big']:_} {image.inspect['big']:>10} {image.inspect['big']:010,}", '1,234,567 1_234_567    1234567 01,234,567'],
    ["{image.inspect['neg']:+} {image.inspect['big']:+} {255:#x} {255:#b} {255:o} {255:X}", '-42 +1234567 0xff 0b11111111 377 FF'],
    ["{image.name:>4}|{image.name:<4}|{image.name:^5}|{image.name:*^5}|{'abcdef':.3}|{'x':05}", '   n|n   |  n  |**n**|abc|x0000'],
    ['{image.tag=} {image.tag = }', "image.tag='t' image.tag = 't'"],
  ])('renders %s as %s', (template, expected) => {
    expect(render(template, formatting)).toBe(expected);
  });

  it('refuses format specs that do not fit the value, like Python does', () => {
    const e = failure(() => render('{image.tag:d}', formatting));
    expect(e.code).toBe('TEMPLATE_RENDER');
    expect(e.message).toContain("Unknown format code 'd' for object of type 'str'");
  });

  it('refuses format specs on floating-point values, which it does not implement', () => {
    const e = failure(() => render("{image.inspect['fl']:>8}", formatting));
    expect(e.code).toBe('TEMPLATE_RENDER');
    expect(e.message).toMatch(/floating-point/);
  });

  it('refuses float presentation types and nested fields in a format spec before rendering', () => {
    expect(failure(() => validateTemplate('{image.tag:f}')).message).toMatch(/format type "f" is not supported/);
    expect(failure(() => validateTemplate('{image.tag:{image.tag}}')).message).toMatch(/nested fields/);
  });
});

describe('escaping and literal text', () => {
  it('turns {{ and }} into literal braces', () => {
    expect(render('{{ "id": "{image.tag}" }}')).toBe('{ "id": "2024-04-01" }');
    expect(render('{{{image.tag}}}')).toBe('{2024-04-01}');
  });

  it('decodes Python string escapes in literal text, as the original f-string does', () => {
    expect(render(String.raw`a\tb\nc\\d\'e\"f\x41\u00e9\101\d`)).toBe('a\tb\nc\\d\'e"fAéA\\d');
    expect(render('joined \\\nline')).toBe('joined line');
  });

  it('turns carriage returns into newlines, as Python reading the template as source does', () => {
    expect(render('a\r\nb\rc')).toBe('a\nb\nc');
  });

  it('keeps a backslash before a field, and keeps triple quotes', () => {
    expect(render('\\{image.tag}')).toBe('\\2024-04-01');
    expect(render('say """{image.tag}"""')).toBe('say """2024-04-01"""');
  });

  it('does not end a field at a brace inside a string literal', () => {
    expect(render("{image.labels.get('a}b', '{x}')}")).toBe('{x}');
  });

  it('refuses an unmatched brace, named escapes and truncated escapes', () => {
    expect(failure(() => validateTemplate('a } b')).message).toMatch(/column 3: a single "}" is not allowed/);
    expect(failure(() => validateTemplate('a { b')).message).toMatch(/column 3: "\{" is never closed/);
    expect(failure(() => validateTemplate('{image.tag')).message).toMatch(/never closed/);
    expect(failure(() => validateTemplate('\\N{BULLET}')).message).toMatch(/named escapes/);
    expect(failure(() => validateTemplate('\\x4')).message).toMatch(/exactly 2 hexadecimal digits/);
  });
});

describe('refusals', () => {
  it.each([
    ['{os}', 2, /the name "os" is not available; the only name is "image"/],
    ["{__import__('os')}", 2, /double underscores/],
    ['{len(image.name)}', 2, /no functions can be called/],
    ['{image.__class__}', 8, /double underscores/],
    ['{image.name.__class__}', 13, /double underscores/],
    ["{image.name.__getattribute__('x')}", 13, /double underscores/],
    ['{image.constructor}', 8, /image has no attribute "constructor"/],
    ['{image.labels.constructor}', 15, /cannot be read: Python dictionaries have no attributes/],
    ['{image.labels.__proto__}', 15, /double underscores/],
    ['{image.name.toString()}', 13, /the method "toString" is not allowed/],
    ["{'{0.__class__}'.format(image.name)}", 18, /the method "format" is not allowed/],
    ['{image.labels.foo}', 15, /write \['foo'\] or \.get\('foo'\)/],
    ['{image.labels.keys()}', 15, /the method "keys" is not allowed/],
    ['{image.name.split}', 13, /must be called/],
    ['{image}', 2, /"image" itself cannot be written/],
    ["{image['name']}", 7, /image cannot be indexed/],
    ['{image.save()}', 8, /image has no attribute "save"/],
    ["{image.name + 'x'}", 13, /operator "\+" is not allowed/],
    ['{image.tag * 2}', 12, /operator "\*" is not allowed/],
    ["{image.tag == '1'}", 12, /operator "==" is not allowed/],
    ['{image.tag or 1}', 12, /keyword "or" is not allowed/],
    ['{not image.tag}', 2, /keyword "not" is not allowed/],
    ["{image.tag if image.tag else 'x'}", 12, /keyword "if" is not allowed/],
    ['{[c for c in image.tag]}', 2, /list displays and comprehensions/],
    ['{(lambda: 1)()}', 3, /keyword "lambda" is not allowed/],
    ['{(image.tag := 1)}', 13, /operator ":=" is not allowed/],
    ['{image.name.split()(1)}', 20, /only the methods of a value can be called/],
    ['{1.5}', 2, /only integer literals/],
    ['{0x1f}', 2, /plain decimal integer/],
    ["{f'{image}'}", 2, /string prefixes/],
    ['{}', 1, /this field is empty/],
    ['{image.tag!x}', 11, /a conversion must be !s, !r or !a/],
    ["{image.name.split('/', 1, 2)}", 18, /split\(\) takes at most 2 arguments \(3 given\)/],
    ['{image.name.split(limit=1)}', 19, /split\(\) takes no keyword argument "limit" \(it accepts sep, maxsplit\)/],
    ['{image.name.replace()}', 20, /replace\(\) needs at least 2 arguments/],
    ['{image.tag # comment}', 12, /comment/],
    ['{image.tag[1,2]}', 13, /tuple indexes/],
    ['{image.tag[]}', 12, /an index is missing/],
    ['{image.tag 😀}', 12, /the character "😀" is not allowed here/],
    ['{image.tag)}', 11, /"\)" closes nothing/],
    ["{image.tag['x}", 12, /string literal is never closed/],
  ])('refuses %s at column %i', (template, column, reason) => {
    const e = failure(() => renderTemplate({ description: template }, scope, { source: 'https://example.org/t.json' }));
    expect(e.code).toBe('TEMPLATE_INVALID');
    expect(e.message).toContain(`Template field "description" in https://example.org/t.json, column ${column}: `);
    expect(e.message).toMatch(reason);
    expect(e.hint).toContain('image.name, image.tag, image.labels and image.inspect');
    expect(e.hint).toContain('split()');
    expect(e.hint).toContain('{{ and }}');
  });

  it('names nested field paths and odd keys in the message', () => {
    expect(failure(() => validateTemplate({ creators: [{ name: 'x' }, { name: '{x}' }] })).message).toContain('Template field "creators[1].name", column 2');
    expect(failure(() => validateTemplate({ 'odd key': ['{x}'] })).message).toContain(`Template field "['odd key'][0]", column 2`);
  });

  it('gives line and column in a multi-line string', () => {
    const e = failure(() => validateTemplate({ description: '<p>\n  {image.name}\n  {image.nom}</p>' }, { source: 't.json' }));
    expect(e.message).toBe('Template field "description" in t.json, line 3, column 10: image has no attribute "nom"; use image.name, image.tag, image.labels, image.inspect');
  });

  it('leaves the source out of the message when none is given', () => {
    expect(failure(() => validateTemplate({ title: '{x}' })).message).toMatch(/^Template field "title", column 2: /);
  });
});

describe('validateTemplate', () => {
  it('accepts the original default template and the values that are not strings', () => {
    expect(() => validateTemplate(ORIGINAL_DEFAULT_TEMPLATE)).not.toThrow();
    expect(() => validateTemplate({ n: 1, b: true, z: null, l: [1, { x: 2 }] })).not.toThrow();
  });

  it('reports every problem of every field at once, one line each', () => {
    const template = {
      title: '{x} and {image.nope}',
      creators: [{ name: "{image.name.split('/')[0]}" }, { name: '{len(image.name)}' }],
      notes: 'a } b',
      version: '{image.tag}',
    };
    const e = failure(() => validateTemplate(template, { source: 'mine.json' }));
    expect(e.code).toBe('TEMPLATE_INVALID');
    expect(e.details).toEqual([
      'Template field "title" in mine.json, column 2: the name "x" is not available; the only name is "image"',
      'Template field "title" in mine.json, column 16: image has no attribute "nope"; use image.name, image.tag, image.labels, image.inspect',
      'Template field "creators[1].name" in mine.json, column 2: "len(…)" is not allowed: no functions can be called, only the methods of a value',
      'Template field "notes" in mine.json, column 3: a single "}" is not allowed; write "}}" for a literal brace',
    ]);
    expect(e.message).toBe(`Template mine.json has 4 problems; the first: ${e.details[0]}`);
  });

  it('checks without reading any image data', () => {
    expect(() => validateTemplate({ d: "{image.inspect['Anything'][3:].split()}" })).not.toThrow();
  });
});

describe('failures while rendering', () => {
  it('names the missing key and what it was looked up in', () => {
    const e = failure(() => render({ publication_date: "{image.inspect['Built'][:10]}" }, scopeOf(UNLABELLED)));
    expect(e.code).toBe('TEMPLATE_RENDER');
    expect(e.message).toBe('Template field "publication_date" in templates.json, column 15: image.inspect has no key \'Built\' (KeyError)');
    expect(e.hint).toContain(".get('key', 'default')");
  });

  it('reports an index out of range, with the length', () => {
    expect(failure(() => render("{image.inspect['RepoTags'][7]}")).message).toMatch(/list index 7 is out of range \(image.inspect\['RepoTags'\] has 2 items\) \(IndexError\)/);
    expect(failure(() => render('{image.tag[-11]}')).message).toMatch(/string index -11 is out of range/);
  });

  it('reports type errors the way Python names them', () => {
    expect(failure(() => render("{image.inspect['Size'][0]}")).message).toMatch(/'int' object is not subscriptable \(TypeError\)/);
    expect(failure(() => render("{image.name['x']}")).message).toMatch(/string indices must be integers/);
    expect(failure(() => render('{image.labels.split()}')).message).toMatch(/'dict' object has no attribute 'split' \(AttributeError\)/);
    expect(failure(() => render("{image.name.split('')}")).message).toMatch(/empty separator \(ValueError\)/);
    expect(failure(() => render('{image.name[::0]}')).message).toMatch(/slice step cannot be zero/);
  });

  it('reports every failing field at once', () => {
    const e = failure(() => render({ a: "{image.inspect['X']}", b: ["{image.labels['Y']}"] }));
    expect(e.details).toHaveLength(2);
    expect(e.details[1]).toContain('Template field "b[0]"');
    expect(e.details[1]).toContain("image.labels has no key 'Y'");
  });
});

describe('safety', () => {
  it('never reaches inherited properties through item access or get()', () => {
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(failure(() => render(`{image.labels['${key}']}`)).code).toBe('TEMPLATE_RENDER');
      expect(render(`{image.inspect.get('${key}', 'absent')}`)).toBe('absent');
    }
    expect(failure(() => render("{image.name['length']}")).code).toBe('TEMPLATE_RENDER');
    expect(failure(() => render("{image.inspect['RepoTags']['length']}")).code).toBe('TEMPLATE_RENDER');
  });

  it('does read labels that are really named like prototype properties', () => {
    const labels = JSON.parse('{"constructor": "c", "__proto__": "p", "toString": "t"}') as Record<string, string>;
    const s: TemplateScope = { image: { ...scope.image, labels } };
    expect(render("{image.labels['constructor']}{image.labels['__proto__']}{image.labels.get('toString')}", s)).toBe('cpt');
  });

  it('refuses to write values that are not JSON data', () => {
    const s: TemplateScope = { image: { ...scope.image, inspect: { fn: () => 'ran', when: new Date(0) } } };
    expect(failure(() => render("{image.inspect['fn']}", s)).code).toBe('TEMPLATE_RENDER');
    expect(failure(() => render("{image.inspect['when']}", s)).code).toBe('TEMPLATE_RENDER');
    expect(failure(() => render("{image.inspect['when']['getTime']}", s)).message).toMatch(/not subscriptable/);
  });

  it('answers any jumble of template pieces with a string or a DonodoError, never a crash', () => {
    const pieces = ['{', '}', '{{', '}}', 'image', '.name', '.tag', "['Id']", '[0]', '[:3]', '!r', ':>5', '=', "'", '"', '\\', '\\n', 'x', ' ', '(', ')', '[', ']', ':', '!', '#', '\n', "split('/')", '.inspect', '-', '1', ',', 'é', '__', '😀'];
    let seed = 5;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 3000; i++) {
      let template = '';
      for (let j = 1 + Math.floor(random() * 8); j > 0; j--) template += pieces[Math.floor(random() * pieces.length)];
      try {
        expect(typeof render(template)).toBe('string');
      } catch (e) {
        expect(e, template).toBeInstanceOf(DonodoError);
      }
    }
  });

  it('contains no eval, Function constructor or vm in the template engine', () => {
    const dir = fileURLToPath(new URL('../../src/templates/', import.meta.url));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(dir + file, 'utf8');
      expect(text, file).not.toMatch(/\beval\s*\(|\bFunction\s*\(|node:vm|from 'vm'|require\(/);
    }
  });
});

describe('rendering whole templates', () => {
  it('renders strings inside arrays and objects, passes other values through and leaves keys alone', () => {
    const template = { '{image.tag}': '{image.tag}', list: ['{image.tag}', 3, [true, null, { deep: 'v{image.tag}' }]], n: 1.5, off: false, none: null };
    const before = structuredClone(template);
    expect(render(template)).toEqual({ '{image.tag}': '2024-04-01', list: ['2024-04-01', 3, [true, null, { deep: 'v2024-04-01' }]], n: 1.5, off: false, none: null });
    expect(template).toEqual(before);
  });

  it('keeps a "__proto__" key as an ordinary key of the result', () => {
    const template = JSON.parse('{"__proto__": {"polluted": "{image.tag}"}}') as Record<string, unknown>;
    const result = render(template) as Record<string, unknown>;
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('renders a bare string template and returns non-string templates unchanged', () => {
    expect(render('v{image.tag}')).toBe('v2024-04-01');
    expect(render(42)).toBe(42);
  });
});

describe('the original default template', () => {
  it('keeps the original expressions, character for character', () => {
    const { description, ...rest } = ORIGINAL_DEFAULT_TEMPLATE;
    expect(rest).toEqual({
      upload_type: 'other',
      access_right: 'open',
      license: 'cc-by',
      creators: [{ name: "{image.name.split('/')[0]}" }],
      title: 'Docker image {image.name}',
      version: '{image.tag}',
      publication_date: "{image.labels.get('org.label-schema.build-date', image.inspect['Created'])[:10]}",
      keywords: ['docker image'],
      notes: '{{ "docker-id" : "{image.inspect[\'Id\']}", "docker-image-name" : "{image.name}:{image.tag}" }}',
    });
    expect(description).toContain('{image.name}:{image.tag}');
  });

  it('renders for a labelled image to the values the original gives', () => {
    expect(render(ORIGINAL_DEFAULT_TEMPLATE)).toMatchObject({
      upload_type: 'other',
      access_right: 'open',
      license: 'cc-by',
      creators: [{ name: 'colomoto' }],
      title: 'Docker image colomoto/colomoto-docker',
      version: '2024-04-01',
      publication_date: '2024-04-03',
      keywords: ['docker image'],
      notes: '{ "docker-id" : "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741", "docker-image-name" : "colomoto/colomoto-docker:2024-04-01" }',
    });
  });

  it('takes the publication date from Created when there is no build-date label', () => {
    expect(render(ORIGINAL_DEFAULT_TEMPLATE, scopeOf(UNLABELLED))).toMatchObject({ creators: [{ name: 'alpine' }], publication_date: '2024-01-27' });
  });

  it('describes a gzip-compressed docker save export and how to restore it', () => {
    const { description } = render(ORIGINAL_DEFAULT_TEMPLATE) as { description: string };
    expect(description).toContain('<strong>colomoto/colomoto-docker:2024-04-01</strong>');
    expect(description).toContain('<code>docker save</code>');
    expect(description).toContain('gzip');
    expect(description).toContain('docker load -i image.tar.gz');
    expect(description).toContain('donodo pull &lt;DOI&gt;');
  });

  it('cannot be modified by a caller', () => {
    expect(Object.isFrozen(ORIGINAL_DEFAULT_TEMPLATE)).toBe(true);
    expect(Object.isFrozen(ORIGINAL_DEFAULT_TEMPLATE.creators[0])).toBe(true);
  });
});
