import path from 'node:path';
import { Container } from 'inversify';
import type { LoadedConfig, PluginChoice } from './config/config.ts';
import { Compressor } from './contracts/compressor.ts';
import { ImageSource, type ImageTransport } from './contracts/image-source.ts';
import { MetadataProviders, type MetadataProvider } from './contracts/metadata-provider.ts';
import type { OptionSource, PluginDeps, PluginKind } from './contracts/plugin.ts';
import { StorageBackend } from './contracts/storage-backend.ts';
import { errors } from './errors/catalogue.ts';
import { LockFile } from './lock/lock-file.ts';
import { VersionLocks } from './lock/version-lock.ts';
import { TemplateLoader } from './metadata/template-loader.ts';
import { builtinPlugins } from './plugins/builtin-plugins.ts';
import { PLUGIN_KINDS, SINGLE_KINDS, type SingleKind } from './plugins/plugin-kinds.ts';
import { PluginHost } from './plugins/plugin-host.ts';
import type { Services } from './services.ts';
import type { ImageLocation } from './transports/image-location.ts';

/** Choices made on the command line, which win over the configuration file. */
export interface Overrides {
  /** Plugin name per kind (`--storage zenodo`). */
  names?: Partial<Record<PluginKind, string>>;
  /** Plugin options given as flags, by plugin kind/name (`--dir` → dir's `path`). */
  options?: Array<{ kind: PluginKind; plugin: string; flag: string; option: string; value: unknown }>;
  /**
   * The user lets configuration files choose where credentials go (`--trust-config-url`; also
   * `DONODO_TRUST_CONFIG_URL=1` in the environment). Plugins see it in `deps.optionSources`.
   */
  trustConfigUrls?: boolean;
  /** Registry hosts spoken to over plain http (`--insecure-registry`, repeatable), besides the configuration's. */
  insecureRegistries?: string[];
}

const Config = Symbol.for('donodo.Config');
const Deps = Symbol.for('donodo.PluginDeps');
const Host = Symbol.for('donodo.PluginHost');
const Choices = Symbol.for('donodo.Choices');

/** A plugin choice with where each of its options came from (handed to the plugin as `deps.optionSources`). */
type Choice = { name: string; options: Record<string, unknown>; sources: Record<string, OptionSource> };
type ChoiceMap = Record<SingleKind, Choice> & { metadata: Choice[] };

/** What a push run uses besides the plugins: the template loader, the lock file, the cross-process locks. */
export interface PushParts {
  loader: TemplateLoader;
  /** Absent when no lock file is used (`--no-lock`, dry runs). */
  lock?: LockFile;
  /** Absent for dry runs, which write nothing and so lock nothing. */
  locks?: VersionLocks;
}

/**
 * The push's own objects, built here like the plugins: the lock file is `lockFile` (a flag, relative
 * to the working directory), else the configuration's `lockFile`, else `donodo.lock.json` beside the
 * configuration; the locks are the user's whose environment `env` is.
 */
export async function createPushParts(loaded: LoadedConfig, env: Record<string, string | undefined>, options: { lockFile?: string; useLock: boolean; dryRun: boolean }): Promise<PushParts> {
  const lockPath = lockFilePath(loaded, options.lockFile);
  return {
    loader: new TemplateLoader(),
    lock: options.useLock && !options.dryRun ? await LockFile.open(lockPath) : undefined,
    locks: options.dryRun ? undefined : VersionLocks.forUser(env),
  };
}

/** The project's lock file: `flag` (relative to the working directory), else the configuration's `lockFile`, else `donodo.lock.json` beside the configuration. */
export function lockFilePath(loaded: LoadedConfig, flag?: string): string {
  return flag ? path.resolve(flag) : path.resolve(loaded.baseDir, loaded.config.lockFile ?? 'donodo.lock.json');
}

/** The built-in plugins only: what `--help` and `--version` describe, with no configuration read and no module loaded. */
export function builtinPluginHost(): PluginHost {
  return new PluginHost(builtinPlugins);
}

/** Load the plugins the configuration names: built-ins plus its third-party modules. */
export async function createPluginHost(loaded: LoadedConfig): Promise<PluginHost> {
  const host = builtinPluginHost();
  await host.loadModules(loaded.config.plugins ?? [], loaded.baseDir);
  return host;
}

/**
 * The composition root: the only place that builds the object graph. Plugin choices come from
 * flags, else the configuration, else the first built-in of each kind; each instance is created
 * by its plugin from checked options.
 */
export async function createServices(loaded: LoadedConfig, host: PluginHost, deps: PluginDeps, overrides: Overrides = {}): Promise<Services> {
  const container = new Container();
  container.bind(Config).toConstantValue(loaded);
  container.bind(Deps).toConstantValue(deps);
  container.bind(Host).toConstantValue(host);
  const trusted = overrides.trustConfigUrls === true || /^(1|true)$/i.test(deps.env.DONODO_TRUST_CONFIG_URL ?? '');
  container.bind(Choices).toConstantValue(chooseAll(loaded, host, overrides, trusted));

  for (const kind of SINGLE_KINDS) {
    container
      .bind(PLUGIN_KINDS[kind].token)
      .toResolvedValue((h: PluginHost, c: ChoiceMap, d: PluginDeps) => h.create(kind, c[kind].name, c[kind].options, { ...d, optionSources: c[kind].sources }), [Host, Choices, Deps])
      .inSingletonScope();
  }
  container
    .bind(PLUGIN_KINDS.metadata.token)
    .toResolvedValue(
      (h: PluginHost, c: ChoiceMap, d: PluginDeps) => Promise.all(c.metadata.map((m) => h.create('metadata', m.name, m.options, { ...d, optionSources: m.sources }))),
      [Host, Choices, Deps],
    )
    .inSingletonScope();

  const choices = container.get<ChoiceMap>(Choices);
  const variants = new Map<string, Promise<StorageBackend>>();
  // A repository entry's storage options go over the configured ones; flags still win over both.
  // Each option keeps its source, so that the plugin judges a repository's URL as one from the file.
  const storageWith = (options: Record<string, unknown>) => {
    const setting = repositorySetting(loaded, options);
    const source: OptionSource = setting ? { from: 'config', file: loaded.file, setting, trusted } : { from: 'caller' };
    const merged = { ...choices.storage.options, ...options };
    const sources = { ...choices.storage.sources, ...Object.fromEntries(Object.keys(options).map((name) => [name, source])) };
    for (const [name, given] of Object.entries(choices.storage.sources)) {
      if (given.from !== 'flag') continue;
      merged[name] = choices.storage.options[name];
      sources[name] = given;
    }
    const key = JSON.stringify([merged, sources]);
    if (!variants.has(key)) variants.set(key, host.create('storage', choices.storage.name, merged, { ...deps, optionSources: sources }));
    return variants.get(key)!;
  };

  // Image transports: a location without one is the configured source plugin's (default: docker);
  // `podman:…`, `docker-archive:…` and the like go to the plugin that serves that transport, made
  // once, with the configuration's options when the configuration chose that very plugin.
  const configured = choices['image-source'].name;
  const transports = new Map<string, Promise<ImageTransport>>();
  const imagesAt = (location: ImageLocation): Promise<ImageTransport> => {
    const name = location.defaulted ? configured : host.forTransport(location.transport).name;
    if (name === configured) return container.getAsync<ImageTransport>(ImageSource);
    if (!transports.has(name)) {
      const { options, sources } = transportOptions(loaded, overrides, name, trusted);
      transports.set(name, host.create('image-source', name, options, { ...deps, optionSources: sources }));
    }
    return transports.get(name)!;
  };

  return {
    imagesAt,
    storage: await container.getAsync(StorageBackend),
    compressor: await container.getAsync(Compressor),
    metadata: await container.getAsync<MetadataProvider[]>(MetadataProviders),
    storageWith,
    baseDir: loaded.baseDir,
  };
}

/**
 * Options of a transport plugin that is not the configured source: the registry plugin's
 * `insecure` hosts, from the configuration's `registry.insecure` and `--insecure-registry`.
 */
function transportOptions(loaded: LoadedConfig, overrides: Overrides, name: string, trusted: boolean): { options: Record<string, unknown>; sources: Record<string, OptionSource> } {
  if (name !== 'registry') return { options: {}, sources: {} };
  const fromConfig = loaded.config.registry?.insecure ?? [];
  const fromFlag = overrides.insecureRegistries ?? [];
  if (!fromConfig.length && !fromFlag.length) return { options: {}, sources: {} };
  const source: OptionSource = fromFlag.length ? { from: 'flag', flag: '--insecure-registry' } : { from: 'config', file: loaded.file, setting: 'registry.insecure', trusted };
  return { options: { insecure: [...new Set([...fromConfig, ...fromFlag])] }, sources: { insecure: source } };
}

function chooseAll(loaded: LoadedConfig, host: PluginHost, overrides: Overrides, trusted: boolean): ChoiceMap {
  const { config } = loaded;
  const fromConfig = (setting: string, options: Record<string, unknown> = {}): Choice['sources'] =>
    Object.fromEntries(Object.keys(options).map((name) => [name, { from: 'config', file: loaded.file, setting, trusted } satisfies OptionSource]));
  const choose = (kind: SingleKind): Choice => {
    const setting = PLUGIN_KINDS[kind].setting;
    const configured = config[setting] as PluginChoice | undefined;
    const name = overrides.names?.[kind] ?? configured?.name ?? host.list(kind)[0]?.name;
    if (!name) throw errors.pluginUnknown(kind, '(default)', []);
    host.get(kind, name); // unknown names fail here, before anything runs
    const options = { ...(configured?.name === name ? configured.options : {}) };
    const sources = fromConfig(`${setting}.options`, options);
    for (const flag of overrides.options ?? []) {
      if (flag.kind !== kind) continue;
      if (flag.plugin !== name) throw errors.pluginCliOption(flag.flag, kind, name);
      options[flag.option] = flag.value;
      sources[flag.option] = { from: 'flag', flag: flag.flag };
    }
    return { name, options, sources };
  };
  const metadata: Choice[] = (config.metadata ?? host.list('metadata').map((p) => p.name)).map((entry, index) =>
    typeof entry === 'string'
      ? { name: entry, options: {}, sources: {} }
      : { name: entry.name, options: { ...entry.options }, sources: fromConfig(`metadata[${index}].options`, entry.options) },
  );
  for (const entry of metadata) host.get('metadata', entry.name);
  for (const flag of overrides.options ?? []) {
    if (flag.kind !== 'metadata') continue;
    const entry = metadata.find((m) => m.name === flag.plugin);
    if (!entry) throw errors.pluginCliOption(flag.flag, 'metadata plugin list', metadata.map((m) => m.name).join(', '));
    entry.options = { ...entry.options, [flag.option]: flag.value };
    entry.sources = { ...entry.sources, [flag.option]: { from: 'flag', flag: flag.flag } };
  }
  return { ...(Object.fromEntries(SINGLE_KINDS.map((kind) => [kind, choose(kind)])) as Record<SingleKind, Choice>), metadata };
}

/**
 * The `repositories` setting that holds these storage options, if they are a configuration
 * file's (the same object, or an equal one); undefined when a program chose them itself.
 */
function repositorySetting(loaded: LoadedConfig, options: Record<string, unknown>): string | undefined {
  const entries = Object.entries(loaded.config.repositories ?? {});
  const match =
    entries.find(([, repository]) => repository.storage?.options === options) ??
    entries.find(([, repository]) => repository.storage?.options && JSON.stringify(repository.storage.options) === JSON.stringify(options));
  return match ? `repositories[${JSON.stringify(match[0])}].storage.options` : undefined;
}
