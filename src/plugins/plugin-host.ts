import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyPlugin, DonodoPlugin, PluginDeps, PluginKind, PluginKinds } from '../contracts/plugin.ts';
import { DonodoError } from '../errors/donodo-error.ts';
import { errors } from '../errors/catalogue.ts';
import { validateAgainst } from '../schema/validator.ts';
import { KINDS } from './plugin-kinds.ts';


/**
 * Knows every plugin by kind and name: the built-ins it is given, and third-party modules named
 * in the configuration. Creates plugin instances after checking their options.
 */
export class PluginHost {
  readonly #plugins = new Map<string, AnyPlugin>();
  readonly #order: AnyPlugin[] = [];

  constructor(builtins: readonly AnyPlugin[]) {
    for (const plugin of builtins) this.register(plugin, 'built-in');
  }

  register(plugin: AnyPlugin, origin: string): void {
    const problems = shapeProblems(plugin);
    if (problems.length) throw errors.pluginShape(origin, problems);
    const key = `${plugin.kind}/${plugin.name}`;
    if (this.#plugins.has(key)) throw errors.pluginDuplicate(plugin.kind, plugin.name);
    this.#plugins.set(key, plugin);
    this.#order.push(plugin);
  }

  /** Import third-party plugin modules (paths relative to `baseDir`, or package names). */
  async loadModules(specifiers: readonly string[], baseDir: string): Promise<void> {
    for (const specifier of specifiers) {
      const isPath = specifier.startsWith('.') || path.isAbsolute(specifier);
      let exported: unknown;
      try {
        const target = isPath
          ? pathToFileURL(path.resolve(baseDir, specifier)).href
          : import.meta.resolve(specifier, pathToFileURL(path.join(baseDir, 'noop.js')).href);
        const module = (await import(target)) as { default?: unknown };
        exported = module.default;
      } catch (cause) {
        throw errors.pluginLoad(specifier, cause);
      }
      const list = Array.isArray(exported) ? exported : [exported];
      if (list.length === 0 || exported === undefined) throw errors.pluginShape(specifier, ['the module has no default export']);
      for (const plugin of list) this.register(plugin as AnyPlugin, specifier);
    }
  }

  /** All plugins of a kind, in registration order (built-ins first, in the order of their list). */
  list<K extends PluginKind>(kind: K): DonodoPlugin<K, any>[] {
    return this.#order.filter((p) => p.kind === kind) as DonodoPlugin<K, any>[];
  }

  get<K extends PluginKind>(kind: K, name: string): DonodoPlugin<K, any> {
    const plugin = this.#plugins.get(`${kind}/${name}`);
    if (!plugin) throw errors.pluginUnknown(kind, name, this.list(kind).map((p) => p.name));
    return plugin as DonodoPlugin<K, any>;
  }

  /** The image-source plugin that serves a transport (`podman`, `docker-archive`, …). */
  forTransport(transport: string): DonodoPlugin<'image-source', any> {
    const plugin = this.list('image-source').find((p) => p.transports?.includes(transport));
    if (!plugin) throw errors.transportUnknown(transport, this.list('image-source').flatMap((p) => p.transports ?? []));
    return plugin;
  }

  /** Check the options against the plugin's schema (all problems at once). */
  checkOptions(plugin: AnyPlugin, options: Record<string, unknown>): void {
    const problems = this.optionProblems(plugin, options, 'options');
    if (problems.length) throw errors.pluginOptions(plugin.kind, plugin.name, problems);
  }

  /** What the plugin's schema refuses in `options`, one line each, with paths below `root`. */
  optionProblems(plugin: { optionsSchema?: Record<string, unknown> }, options: Record<string, unknown>, root: string): string[] {
    return plugin.optionsSchema ? validateAgainst(plugin.optionsSchema, options, root) : [];
  }

  /** Create an instance whose failures name the plugin. */
  async create<K extends PluginKind>(kind: K, name: string, options: Record<string, unknown>, deps: PluginDeps): Promise<PluginKinds[K]> {
    const plugin = this.get(kind, name);
    this.checkOptions(plugin as AnyPlugin, options);
    let instance: PluginKinds[K];
    try {
      instance = await plugin.create(options, deps);
    } catch (cause) {
      throw tag(cause, name, 'create');
    }
    if (instance === null || typeof instance !== 'object') {
      throw errors.pluginShape(name, [`create() returned ${instance === null ? 'null' : typeof instance} instead of an object`]);
    }
    return tagErrors(instance, name);
  }
}

function shapeProblems(plugin: unknown): string[] {
  if (plugin === null || typeof plugin !== 'object') return [`expected an object, got ${plugin === null ? 'null' : typeof plugin}`];
  const p = plugin as Record<string, unknown>;
  const problems: string[] = [];
  if (!KINDS.includes(p.kind as PluginKind)) problems.push(`kind must be one of ${KINDS.join(', ')} (got ${JSON.stringify(p.kind)})`);
  if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(p.name)) problems.push(`name must be a word of letters, digits, ".", "_" or "-" (got ${JSON.stringify(p.name)})`);
  if (typeof p.create !== 'function') problems.push('create must be a function (options, deps) => instance');
  if (p.optionsSchema !== undefined && (p.optionsSchema === null || typeof p.optionsSchema !== 'object')) problems.push('optionsSchema must be a JSON Schema object');
  if (p.cliOptions !== undefined && !Array.isArray(p.cliOptions)) problems.push('cliOptions must be a list');
  if (p.transports !== undefined && !(Array.isArray(p.transports) && p.transports.every((t) => typeof t === 'string'))) problems.push('transports must be a list of transport names');
  return problems;
}

/** Tag what a plugin throws with its name; anything that is not a DonodoError is a plugin fault. */
function tag(cause: unknown, plugin: string, operation: string): DonodoError {
  if (cause instanceof DonodoError) {
    cause.plugin ??= plugin;
    return cause;
  }
  const error = errors.pluginFailed(plugin, operation, cause);
  error.plugin = plugin;
  return error;
}

/** Wrap each method so that both thrown errors and rejected promises are tagged. */
function tagErrors<T extends object>(instance: T, plugin: string): T {
  return new Proxy(instance, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return function (this: unknown, ...args: unknown[]) {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise ? result.catch((cause: unknown) => Promise.reject(tag(cause, plugin, String(property)))) : result;
        } catch (cause) {
          throw tag(cause, plugin, String(property));
        }
      };
    },
  });
}
