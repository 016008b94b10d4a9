/**
 * Deposition-metadata templates.
 *
 * The original donodo evaluates every string of its templates as a Python f-string with `eval`,
 * so a template (even one fetched from a URL) can run any code. Here the same templates are read
 * by a tokenizer and a recursive-descent parser into a small AST, which is interpreted over the
 * image's data: there is nothing a template can call but a handful of string/dict methods.
 *
 * What a template string may contain (the grammar is in expression.ts):
 * - literal text; `{{` and `}}` for braces; Python string escapes (`\n`, `\t`, `\\`, `\xhh`, …)
 *   and CR/CRLF → LF, as in the original, where the template is Python source;
 * - fields `{expression}`, optionally `{expression=}` (Python's self-documenting form),
 *   `!s`/`!r`/`!a` conversions and a format spec after `:`;
 * - expressions: `image.name`, `image.tag`, `image.labels`, `image.inspect` (and `image.spec`,
 *   "name:tag"); `[key]` with '…' or "…" strings, `[index]` (negative too), slices
 *   `[start:stop:step]`; string, decimal integer, None, True and False literals; parentheses;
 *   and the methods split, rsplit (sep, maxsplit also as keywords), lower, upper, strip, lstrip,
 *   rstrip (optional chars), replace (old, new[, count]), startswith, endswith (one prefix/suffix),
 *   join (on a string; joins a list, a string or a dict's keys) and get (key[, default]) on dicts;
 *   calls chain (`image.name.split('/')[0]`).
 * Values are written as Python's str() writes them (repr for the items of lists and dicts).
 *
 * Format specs: fill, alignment, width and precision for strings; fill, alignment, sign, `#`,
 * `0`, width, `,`/`_` grouping and the types d, b, o, x, X for integers (booleans count as
 * integers, as in Python). Refused: format specs on floats, the types c, n, e, f, g and %, and
 * fields nested inside a spec.
 *
 * Everything else is refused before rendering (TEMPLATE_INVALID): other names, functions,
 * dunder names, attributes on dicts (Python has none either), operators, comprehensions,
 * lambdas, `\N{…}` escapes. A field that fails for a given image (missing key, index out of
 * range, wrong type) fails rendering (TEMPLATE_RENDER) with Python's exception name.
 *
 * Evaluation is bounded (bounds.ts): strings a template makes (1 million characters), nesting and
 * chaining of an expression (100 levels), nesting of the template (64), and the work of one
 * template (20 million steps); crossing one is a TEMPLATE_INVALID or TEMPLATE_RENDER error naming
 * the field, the column and the bound.
 *
 * Known differences from the original, all outside real-world templates: a JSON float with an
 * integral value (1.0) is written "1"; a dict whose keys look like array indexes ("1", "2") is
 * written with those keys first (JavaScript key order); escapes are allowed in string literals
 * inside fields (Python 3.12 rules); a template ending in `"` or a lone `\`, which the original
 * cannot evaluate, renders as written.
 */
export { renderTemplate, validateTemplate, TEMPLATE_HINT, type TemplateScope, type TemplateOptions } from './render.ts';
export { ORIGINAL_DEFAULT_TEMPLATE, type OriginalDefaultTemplate } from './original-default-template.ts';
