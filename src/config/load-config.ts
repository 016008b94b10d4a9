import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { errors } from '../errors/catalogue.ts';
import { fileSystemError } from '../errors/fs-error.ts';
import { readSchema } from '../package-info.ts';
import { validateAgainst } from '../schema/validator.ts';
import type { DonodoConfig, LoadedConfig } from './config.ts';

const schema = readSchema('config.schema.json');

export const SEARCH_PLACES = [
  'package.json',
  'donodo.config.json',
  '.donodorc',
  '.donodorc.json',
  '.donodorc.yaml',
  '.donodorc.yml',
  '.config/donodorc',
  '.config/donodorc.json',
];

/**
 * Find and validate the configuration: `file` when given, otherwise the first of SEARCH_PLACES
 * from `cwd` upwards. No file at all is a valid, empty configuration.
 */
export async function loadConfig(options: { file?: string; cwd: string }): Promise<LoadedConfig> {
  const { loaded, problems } = await readConfig(options);
  if (problems.length) throw errors.configInvalid(shownPath(loaded, options.cwd), problems);
  return loaded;
}

/** The file as the user knows it: relative to the working directory when it is below it. */
export function shownPath(loaded: LoadedConfig, cwd: string): string {
  const file = loaded.file ?? 'configuration';
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/**
 * Like loadConfig, but the schema's problems are handed back rather than thrown, so that the
 * caller reports them together with those it finds next (the plugins' options).
 */
export async function readConfig(options: { file?: string; cwd: string }): Promise<{ loaded: LoadedConfig; problems: string[] }> {
  const explorer = cosmiconfig('donodo', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'global',
    stopDir: path.parse(options.cwd).root,
    cache: false,
  });
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    if (options.file) {
      const file = path.resolve(options.cwd, options.file);
      await readFile(file).catch((cause: unknown) => {
        // A missing file is a wrong --config; a refusal (permissions) says which and what to do.
        const code = (cause as { code?: unknown })?.code;
        throw (code !== 'ENOENT' && fileSystemError(cause, file, 'read the configuration')) || errors.configNotFound(options.file!, cause);
      });
      result = await explorer.load(file);
    } else {
      result = await explorer.search(options.cwd);
    }
  } catch (cause) {
    if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string' && (cause.code === 'CONFIG_NOT_FOUND' || cause.code.startsWith('FS_'))) throw cause;
    // A file found on the way up that cannot be read is not a syntax error: name it and the refusal.
    const refused = fileSystemError(cause, String((cause as { path?: unknown })?.path ?? options.file ?? options.cwd), 'read the configuration');
    throw refused ?? syntaxError(cause, options);
  }
  if (!result) return { loaded: { config: {}, baseDir: options.cwd }, problems: [] };
  const config = (result.isEmpty ? {} : result.config) as DonodoConfig;
  return { loaded: { config, file: result.filepath, baseDir: path.dirname(result.filepath) }, problems: validateAgainst(schema, config) };
}

/** A file that does not parse, named by its path (cosmiconfig puts it at the head of its message: "JSON Error in PATH:\n…"). */
function syntaxError(cause: unknown, options: { file?: string; cwd: string }) {
  const message = cause instanceof Error ? cause.message : String(cause);
  const found = /^(?:JSON|YAML) Error in (.+?):\n([\s\S]*)$/.exec(message);
  const file = found?.[1] ?? (options.file ? path.resolve(options.cwd, options.file) : undefined) ?? 'configuration';
  return errors.configSyntax(shownPath({ config: {}, file, baseDir: options.cwd }, options.cwd), (found?.[2] ?? message).replace(/\s*\n\s*/g, ' '), cause);
}
