import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SEARCH_PLACES } from '../config/load-config.ts';
import { errors } from '../errors/catalogue.ts';
import { asFileSystemError } from '../errors/fs-error.ts';
import { parseImageRef } from '../image-ref.ts';
import { packageRoot, readSchema } from '../package-info.ts';
import { validateAgainst } from '../schema/validator.ts';
import type { CommandIo } from './command-io.ts';
import type { Invocation } from './program.ts';
import { printJson } from './report.ts';

/**
 * `donodo init`: a starting donodo.config.json for the project in the working directory. JSON has
 * no comments, so the file explains itself in a `"$comment"` list (which the schema allows and
 * donodo ignores): the file stays plain JSON that every tool reads, found where donodo looks first.
 * An existing configuration is never overwritten.
 */
export async function initCommand(invocation: Invocation, io: Pick<CommandIo, 'out'>): Promise<number> {
  const cwd = process.cwd();
  const file = path.resolve(cwd, invocation.global.config ?? 'donodo.config.json');
  const shown = path.relative(cwd, file) || file;
  if (!invocation.global.config) await refuseExisting(cwd);
  const images = imagesOf((invocation.options.image as string[] | undefined) ?? []);
  const storage = storageOf(invocation);
  const schema = path.join(packageRoot, 'schemas', 'config.schema.json');
  const relative = path.relative(path.dirname(file), schema);
  const config = {
    // Inside the project (donodo installed in node_modules) a relative path; else where it is installed.
    $schema: relative.startsWith('..') || path.isAbsolute(relative) ? pathToFileURL(schema).href : `./${relative.split(path.sep).join('/')}`,
    $comment: [
      'donodo configuration for this project. Every setting is optional; command-line flags override it. Each one is described in the schema named by "$schema" (editors complete and explain the file from it) and in the README, section Configuration.',
      '"images": what `donodo push --all` archives: "NAME:TAG", or { "name", "tags" } for several tags of one name (they become versions of one concept, in this order).',
      storage.name === 'dir'
        ? '"storage": "dir", a local archive folder (options.path, relative to this file).'
        : '"storage": "zenodo", the token in ZENODO_TOKEN. "sandbox": true tries everything on sandbox.zenodo.org first (token in ZENODO_SANDBOX_TOKEN); take it out to publish on zenodo.org. "dir" is a local archive folder (options.path).',
      '"defaults.templates": deposition metadata for every image, e.g. { "creators": [{ "name": "Family, Given", "orcid": "0000-…" }] } (without one, the creator is the image name\'s first part); "repositories" sets it per image name.',
      '"autoPublish": publish without asking, as -y (publishing on Zenodo is permanent).',
    ],
    storage,
    defaults: { templates: [] },
    images,
    autoPublish: false,
  };
  const problems = validateAgainst(readSchema('config.schema.json'), config);
  if (problems.length) throw errors.configInvalid(shown, problems);
  try {
    // 'wx': never over a file, even one made since the check above.
    await writeFile(file, JSON.stringify(config, null, 2) + '\n', { flag: 'wx' });
  } catch (cause) {
    if ((cause as { code?: string }).code === 'EEXIST') throw errors.initExists(shown);
    throw asFileSystemError(cause, file, 'write the configuration');
  }
  if (invocation.global.json) printJson(io.out, { file, images, storage });
  else io.out(`Wrote ${shown}${images.length ? ` (${images.length} image${images.length === 1 ? '' : 's'})` : ''}; check it, then run: donodo push --all --dry-run\n`);
  return 0;
}

/** A configuration donodo would find here already (package.json only when it has a "donodo" key). */
async function refuseExisting(cwd: string): Promise<void> {
  for (const place of SEARCH_PLACES) {
    let text: string;
    try {
      text = await readFile(path.join(cwd, place), 'utf8');
    } catch {
      continue;
    }
    if (place === 'package.json' && !hasDonodoKey(text)) continue;
    throw errors.initExists(place === 'package.json' ? 'package.json (its "donodo" key)' : place);
  }
}

function hasDonodoKey(text: string): boolean {
  try {
    return Object.hasOwn(JSON.parse(text) ?? {}, 'donodo');
  } catch {
    return false;
  }
}

/** `--image` values, checked as push checks them; several tags of one name become one `{ name, tags }` entry. */
function imagesOf(references: string[]): Array<string | { name: string; tags: string[] }> {
  const tags = new Map<string, string[]>();
  for (const reference of references) {
    const ref = parseImageRef(reference);
    if (ref.digest) throw errors.referenceDigest(reference);
    if (!ref.tag) throw errors.referenceMissingTag(reference);
    if (ref.tag === 'latest') throw errors.referenceLatest(reference);
    tags.set(ref.name, [...new Set([...(tags.get(ref.name) ?? []), ref.tag])]);
  }
  return [...tags].map(([name, list]) => (list.length === 1 ? `${name}:${list[0]}` : { name, tags: list }));
}

/** The storage the flags chose (`--storage`, `--dir`, `--sandbox`, `--zenodo-url`), with its options. */
function storageOf(invocation: Invocation): { name: string; options: Record<string, unknown> } {
  const flags = (invocation.overrides.options ?? []).filter((flag) => flag.kind === 'storage');
  const name = invocation.global.storage ?? flags[0]?.plugin ?? 'zenodo';
  const options = Object.fromEntries(flags.filter((flag) => flag.plugin === name).map((flag) => [flag.option, flag.value]));
  if (name === 'zenodo' && !('sandbox' in options) && !('url' in options)) options.sandbox = true;
  return { name, options };
}
