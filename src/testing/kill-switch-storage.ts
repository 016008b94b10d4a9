import { pathToFileURL } from 'node:url';
import type { DonodoPlugin, PluginDeps } from '../contracts/plugin.ts';
import type { StorageBackend } from '../contracts/storage-backend.ts';

/** The variable that arms the switch: `OPERATION` or `OPERATION#N` (the N-th call, default the first). */
export const KILL_VARIABLE = 'DONODO_CONFORMANCE_KILL';

export interface KillSwitchOptions {
  /** The storage plugin under test: a module path (absolute) or package name whose default export is the plugin. */
  module: string;
  /** Its options, as they would be in `storage.options`. */
  options?: Record<string, unknown>;
}

/**
 * A storage plugin that wraps the one under test and, when `DONODO_CONFORMANCE_KILL` names one of
 * its operations, kills its own process with SIGKILL the moment that operation has completed: the
 * storage has changed and donodo has had no chance to note it, the worst moment for a resume.
 */
const plugin: DonodoPlugin<'storage', KillSwitchOptions> = {
  kind: 'storage',
  name: 'conformance',
  description: 'The storage plugin under test, with a kill switch (donodo/plugin-api/testing)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['module'],
    properties: { module: { type: 'string', minLength: 1 }, options: { type: 'object' } },
  },
  async create(options, deps) {
    const target = options.module.startsWith('/') ? pathToFileURL(options.module).href : options.module;
    const inner = ((await import(target)) as { default: DonodoPlugin<'storage'> }).default;
    // The inner options come from where the wrapper's `options` came from (a configuration file).
    const from = deps.optionSources?.options;
    const optionSources = from ? Object.fromEntries(Object.keys(options.options ?? {}).map((key) => [key, from])) : undefined;
    const storage = await inner.create(options.options ?? {}, { ...deps, optionSources } satisfies PluginDeps);
    const armed = parse(deps.env[KILL_VARIABLE]);
    if (!armed) return storage;
    let calls = 0;
    return new Proxy(storage, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== armed.operation || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
          if (++calls === armed.call) {
            process.kill(process.pid, 'SIGKILL');
            await new Promise(() => undefined);
          }
          return result;
        };
      },
    }) as StorageBackend;
  },
};

function parse(value: string | undefined): { operation: string; call: number } | undefined {
  if (!value) return undefined;
  const [operation, call] = value.split('#');
  return { operation: operation!, call: call ? Number(call) : 1 };
}

export default plugin;
