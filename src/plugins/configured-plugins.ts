import type { LoadedConfig, PluginChoice } from '../config/config.ts';
import type { PluginKind } from '../contracts/plugin.ts';
import { didYouMean } from '../output/did-you-mean.ts';
import type { PluginHost } from './plugin-host.ts';
import { PLUGIN_KINDS, SINGLE_KINDS } from './plugin-kinds.ts';

/**
 * Every problem of the plugins a configuration file names, as lines of the file's own problems:
 * unknown plugin names (with the closest known one), and options their plugin's schema refuses,
 * each with its path in the file (`storage.options.pat: unknown setting; did you mean "path"?`).
 * An option the schema requires may come from a flag, so a missing one is left to the run.
 */
export function configuredPluginProblems(loaded: LoadedConfig, host: PluginHost): string[] {
  const { config } = loaded;
  const problems: string[] = [];
  const check = (kind: PluginKind, choice: PluginChoice, at: string, extra: Array<[string, Record<string, unknown>]> = []) => {
    const known = host.list(kind).map((p) => p.name);
    if (!known.includes(choice.name)) {
      problems.push(`${at}.name: no ${kind} plugin is named ${JSON.stringify(choice.name)} (known: ${known.join(', ') || 'none'})${didYouMean(choice.name, known)}`);
      return;
    }
    const plugin = host.get(kind, choice.name);
    for (const [where, options] of [[`${at}.options`, choice.options ?? {}] as [string, Record<string, unknown>], ...extra]) {
      problems.push(...host.optionProblems(plugin, options, where).filter((line) => !line.endsWith('is required but missing')));
    }
  };
  for (const kind of SINGLE_KINDS) {
    const setting = PLUGIN_KINDS[kind].setting;
    const choice = config[setting] as PluginChoice | undefined;
    if (!choice?.name) continue;
    // A repository's storage options go over the configured ones: each such mix must be valid too.
    const extra: Array<[string, Record<string, unknown>]> =
      kind === 'storage'
        ? Object.entries(config.repositories ?? {}).flatMap(([key, repository]) =>
            repository.storage?.options ? [[`repositories[${JSON.stringify(key)}].storage.options`, repository.storage.options] as [string, Record<string, unknown>]] : [],
          )
        : [];
    check(kind, choice, setting, extra);
  }
  (config.metadata ?? []).forEach((entry, index) => check('metadata', typeof entry === 'string' ? { name: entry } : entry, `metadata[${index}]`));
  return problems;
}
