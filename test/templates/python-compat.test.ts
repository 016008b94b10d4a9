/**
 * Differential tests: the same templates, for the same image data, rendered by our interpreter
 * and by Python evaluating them as f-strings the way the original donodo does
 * (fixtures/original-eval.py, test-only). Outputs must be identical; where Python raises, we must
 * refuse with a DonodoError.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGINAL_DEFAULT_TEMPLATE, renderTemplate } from '../../src/templates/index.ts';
import { isDonodoError } from '../../src/errors/donodo-error.ts';
import { LABELLED, UNLABELLED, scopeOf, type ImageFixture } from './fixtures/images.ts';

const SCRIPT = fileURLToPath(new URL('./fixtures/original-eval.py', import.meta.url));
const IMAGES: ImageFixture[] = [LABELLED, UNLABELLED];

const { description: _ours, ...ORIGINAL_EXPRESSIONS } = ORIGINAL_DEFAULT_TEMPLATE;

/** Shaped like colomoto/colomoto-docker's zenodo_template.json (HTML with escaped quotes, &nbsp;, …). */
const COLOMOTO_LIKE = {
  publication_date: '{image.tag}',
  creators: [{ name: 'CoLoMoTo (Consortium for Logical Models and Tools)' }],
  communities: [{ identifier: 'colomoto' }],
  description:
    '<p>Docker image <strong>colomoto/colomoto-docker:{image.tag}</strong> (see <a href="https://github.com/colomoto/colomoto-docker/releases/tag/{image.tag}" target="_blank" rel="noopener">release notes</a>).&nbsp;</p> ' +
    '<p>Run it with <code>colomoto-docker --doi [DOI]</code>, or load it:</p> <pre><code>docker load -i image.tar.gz</code></pre>',
};

/** Template strings rendered for every image; Python's result (value or exception) is the oracle. */
const EXPRESSIONS: string[] = [
  // the defaults' building blocks
  '{image.name}',
  '{image.tag}',
  "{image.name.split('/')[0]}",
  "{image.labels.get('org.label-schema.build-date', image.inspect['Created'])[:10]}",
  "{image.inspect['Id']}",
  '{image.spec}',
  // attribute and item access
  '{image.labels}',
  '{image.inspect["Config"]["Cmd"]}',
  "{image.inspect['Config']}",
  "{image.inspect['RepoTags'][0]} {image.inspect['RepoTags'][-1]}",
  "{image.inspect['RootFS']['Layers'][-1][7:19]}",
  "{image.inspect['GraphDriver']}",
  "{image.inspect['Metadata']['LastTagTime']}",
  "{image.inspect['Size']} {image.inspect['Ratio']} {image.inspect['Tiny']}",
  "{image.inspect['RepoDigests']}",
  '{image.labels["org.opencontainers.image.title"]}',
  "{image.labels['emoji'][1]} {image.labels['emoji'][::-1]} {image.labels['emoji']!r} {image.labels['emoji']!a}",
  "{image.labels['maintainer'][1:4]}",
  "{image.inspect['Floats']}",
  "{image.labels.get('spaces', ' x ').split()}|{image.labels.get('spaces', ' x ').strip()!r}|{image.labels.get('spaces', ' x ').rsplit(None, 2)}",
  "{image.labels.get('control', 'x')!r}|{image.labels.get('control', 'x')!a}|{image.labels!a}",
  // slices
  "{image.inspect['Created'][:10]}",
  "{image.inspect['Created'][2:]}",
  "{image.inspect['Created'][::-1]}",
  "{image.inspect['Created'][1:10:3]}",
  "{image.inspect['Created'][-5:-1]}",
  "{image.inspect['Created'][100:]}|{image.inspect['Created'][-100:3]}",
  "{image.inspect['Created'][5:2:-1]}|{image.inspect['Created'][::-2]}|{image.inspect['Created'][-1:-4:-1]}",
  "{image.inspect['Config']['Env'][1:]}",
  "{image.inspect['RepoTags'][::-1]}",
  "{image.name[:None]}|{image.name[True:]}",
  // split / rsplit
  "{image.name.split('/')}",
  "{image.name.split('/', 1)} {image.name.split('-', maxsplit=1)} {image.name.split(sep='o')}",
  "{image.name.rsplit('/', 1)[0]}|{image.name.rsplit('o', 2)}|{image.name.rsplit(sep='-')}",
  "{image.inspect['Created'].split('T')[0]}",
  "{image.labels.get('description', '  a  b ').split()}",
  "{image.labels.get('description', '  a  b ').split(None, 1)}",
  "{image.labels.get('description', '  a  b ').rsplit(maxsplit=1)}",
  "{image.labels.get('description', '  a  b ').split(maxsplit=0)}",
  "{'aaa'.rsplit('aa', 1)} {'aaa'.split('aa')} {''.split()} {''.split('x')} {'   '.split(None, 0)}",
  // get
  "{image.labels.get('maintainer', 'unknown')}",
  "{image.labels.get('nope', 'unknown')}",
  "{image.labels.get('nope')}",
  "{image.inspect.get('Config').get('User', 'root')}",
  "{image.inspect.get('Missing', image.inspect['Os'])}",
  // other methods
  '{image.name.upper()} {image.tag.lower()}',
  "{image.labels.get('maintainer', 'Ünïcode').lower()} {image.labels.get('maintainer', 'straße').upper()}",
  "{image.labels.get('description', ' x ').strip()}|{image.labels.get('description', ' x ').lstrip()}|{image.labels.get('description', ' x ').rstrip()}",
  "{image.name.strip('aco')}|{image.name.lstrip('c')}|{image.name.rstrip('rek')}|{image.name.strip('')}",
  "{image.name.replace('/', ' / ')}|{image.name.replace('o', '0', 2)}|{image.tag.replace('', '|')}|{image.tag.replace('', '|', 3)}",
  "{image.name.startswith('colomoto')} {image.tag.endswith('01')}",
  "{'-'.join(image.name.split('/'))}|{', '.join(image.inspect['RepoTags'])}|{'.'.join(image.tag)}|{', '.join(image.labels)}",
  // conversions and format specs
  `{image.name!r} {image.tag!s} {image.labels.get('maintainer', 'x')!a} {image.labels.get('quote', "it's")!r}`,
  '{image.name:>40}|{image.name:*^41}|{image.tag:.4}|{image.tag:<12}|{image.tag:012}|{image.name!r:>40}',
  "{image.inspect['Size']:,}|{image.inspect['Size']:>18,}|{image.inspect['Size']:015_}|{image.inspect['Size']:#x}|{image.inspect['Size']:+d}|{image.inspect['Size']:_b}|{image.inspect['Size']: }",
  '{-1234:010,}|{1234:08,}|{255:#010X}|{-5:=+6}|{7:^5}|{-255:#o}|{0:010_x}',
  "{image.inspect['Config']['Tty']} {image.inspect['Config']['Entrypoint']} {image.inspect['Config']['Tty']:>6}",
  // self-documenting fields
  '{image.name=}|{image.tag = }|{image.tag=!s}|{image.tag=:>12}',
  // literals, escapes, braces, whitespace
  '{{literal}} and {{{image.tag}}} and }}{{',
  '{-1} {0} {None} {True} {False} {1_000} {"a" \'b\'} {(image.name)} { image.tag } {image . tag}',
  String.raw`tab:\tnewline:\nbackslash:\\ quote:\' dq:\" unknown:\d hex:\x41 uni:\u00e9 oct:\101 \U0001F600`,
  'line one\nline two\r\nline three\rend',
  'continued \\\nline',
  'triple """ quotes',
  'back\\{image.tag}',
  "{image.labels.get('x', 'a}b{c')}",
  // failures (Python raises)
  "{image.inspect['Nope']}",
  "{image.inspect['RepoTags'][5]}",
  "{image.labels['maintainer'][99]}",
  "{image.inspect['Size'][0]}",
  "{image.name['x']}",
  "{image.inspect['RepoTags']['x']}",
  "{image.inspect['Config']['Entrypoint'][0]}",
  "{image.name.split('')}",
  '{image.name[::0]}',
  '{image.tag:d}',
  "{image.inspect['Config']['Entrypoint']:>5}",
  "{image.inspect['Size']:.2}",
  '{image.labels.split()}',
  "{image.name.get('x')}",
  "{'-'.join(image.inspect['Config']['Entrypoint'])}",
];

/** Templates Python cannot run either (syntax, unknown names and attributes, lone braces). */
const BAD_SYNTAX: string[] = ['{image.labels.foo}', '{image.name + }', '{}', 'a}b', '{image.name', '{x}', '{image.name:{image.tag}x}'];

/** Templates the original happily runs (it evaluates code), and which we refuse. */
const CODE: string[] = ["{image.name.__class__}", "{__import__('os').getcwd()}", '{image.name + image.tag}', "{len(image.name)}", "{[t for t in image.name]}", "{(lambda: 1)()}", "{image.labels.keys()}", "{'{0.__class__}'.format(image.name)}"];

const TEMPLATES: unknown[] = [ORIGINAL_EXPRESSIONS, COLOMOTO_LIKE, ...EXPRESSIONS, ...BAD_SYNTAX, ...CODE];

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type Outcome = { ok: unknown } | { error: string };

function ours(template: unknown, image: ImageFixture): Outcome {
  try {
    return { ok: renderTemplate(template, scopeOf(image), { source: 'differential' }) };
  } catch (e) {
    if (!isDonodoError(e)) throw e;
    return { error: e.code };
  }
}

describe.skipIf(!hasPython())('compatibility with the original f-string evaluation (python3)', () => {
  let python: Outcome[][];

  beforeAll(() => {
    const input = JSON.stringify({ images: IMAGES, templates: TEMPLATES });
    python = JSON.parse(execFileSync('python3', ['-W', 'ignore', SCRIPT], { input, encoding: 'utf8' }));
  });

  IMAGES.forEach((image, i) => {
    it(`renders the original default expressions for ${image.name}:${image.tag} exactly as the original does`, () => {
      expect(ours(ORIGINAL_EXPRESSIONS, image)).toEqual(python[i]![0]);
      expect(python[i]![0]).toHaveProperty('ok');
    });

    it(`renders a colomoto-like template for ${image.name}:${image.tag} exactly as the original does`, () => {
      expect(ours(COLOMOTO_LIKE, image)).toEqual(python[i]![1]);
      expect(python[i]![1]).toHaveProperty('ok');
    });

    it(`gives the same value as Python for each expression, or fails where Python fails, for ${image.name}:${image.tag}`, () => {
      const mismatches: string[] = [];
      EXPRESSIONS.forEach((template, j) => {
        const expected = python[i]![j + 2]!;
        const actual = ours(template, image);
        const same = 'ok' in expected ? 'ok' in actual && actual.ok === expected.ok : 'error' in actual;
        if (!same) mismatches.push(`${JSON.stringify(template)}: python ${JSON.stringify(expected)}, ours ${JSON.stringify(actual)}`);
      });
      expect(mismatches).toEqual([]);
    });

    it(`refuses at validation what Python cannot even run, for ${image.name}:${image.tag}`, () => {
      BAD_SYNTAX.forEach((template, j) => {
        expect(python[i]![2 + EXPRESSIONS.length + j], template).toHaveProperty('error');
        expect(ours(template, image), template).toEqual({ error: 'TEMPLATE_INVALID' });
      });
    });

    it(`refuses the code the original would run, for ${image.name}:${image.tag}`, () => {
      CODE.forEach((template, j) => {
        expect(python[i]![2 + EXPRESSIONS.length + BAD_SYNTAX.length + j], template).toHaveProperty('ok');
        expect(ours(template, image), template).toEqual({ error: 'TEMPLATE_INVALID' });
      });
    });
  });

  it('covers both successes and failures in the expression table', () => {
    const outcomes = python[0]!.slice(2, 2 + EXPRESSIONS.length);
    expect(outcomes.filter((o) => 'ok' in o).length).toBeGreaterThan(40);
    expect(outcomes.filter((o) => 'error' in o).length).toBeGreaterThan(10);
  });
});
