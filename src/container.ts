import { Container } from 'inversify';
import type { LoadedConfig, PluginChoice } from './config/config.ts';
import { Compressor } from './contracts/compressor.ts';
import { ImageSource, type ImageEngine } from './contracts/image-source.ts';
import { MetadataProviders, type MetadataProvider } from './contracts/metadata-provider.ts';
import type { PluginDeps, PluginKind } from './contracts/plugin.ts';
import { StorageBackend } from './contracts/storage-backend.ts';
import { errors } from './errors/catalogue.ts';
import { builtinPlugins } from './plugins/builtin-plugins.ts';
import { PluginHost } from './plugins/plugin-host.ts';
import type { Services } from './services.ts';

/** Choices made on the command line, which win over the configuration file. */
export interface Overrides {
  /** Plugin name per kind (`--storage zenodo`). */
  names?: Partial<Record<PluginKind, string>>;
  /** Plugin options given as flags, by plugin kind/name (`--dir` → dir's `path`). */
  options?: Array<{ kind: PluginKind; plugin: string; flag: string; option: string; value: unknown }>;
}

const Config = Symbol.for('donodo.Config');
const Deps = Symbol.for('donodo.PluginDeps');
const Host = Symbol.for('donodo.PluginHost');
const Choices = Symbol.for('donodo.Choices');

type ChoiceMap = Record<Exclude<PluginKind, 'metadata'>, PluginChoice> & { metadata: PluginChoice[] };

/** Load the plugins the configuration names: built-ins plus its third-party modules. */
export async function createPluginHost(loaded: LoadedConfig): Promise<PluginHost> {
  const host = new PluginHost(builtinPlugins);
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
  container.bind(Choices).toConstantValue(chooseAll(loaded, host, overrides));

  const single = <K extends Exclude<PluginKind, 'metadata'>>(kind: K) =>
    (h: PluginHost, c: ChoiceMap, d: PluginDeps) => h.create(kind, c[kind].name, c[kind].options ?? {}, d);
  container.bind(ImageSource).toResolvedValue(single('image-source'), [Host, Choices, Deps]).inSingletonScope();
  container.bind(StorageBackend).toResolvedValue(single('storage'), [Host, Choices, Deps]).inSingletonScope();
  container.bind(Compressor).toResolvedValue(single('compressor'), [Host, Choices, Deps]).inSingletonScope();
  container
    .bind(MetadataProviders)
    .toResolvedValue(
      (h: PluginHost, c: ChoiceMap, d: PluginDeps) => Promise.all(c.metadata.map((m) => h.create('metadata', m.name, m.options ?? {}, d))),
      [Host, Choices, Deps],
    )
    .inSingletonScope();

  const choices = container.get<ChoiceMap>(Choices);
  const variants = new Map<string, Promise<StorageBackend>>();
  const storageWith = (options: Record<string, unknown>) => {
    const merged = { ...choices.storage.options, ...options };
    const key = JSON.stringify(merged);
    if (!variants.has(key)) variants.set(key, host.create('storage', choices.storage.name, merged, deps));
    return variants.get(key)!;
  };

  return {
    source: engine,
    target: engine,
    storage: await container.getAsync(StorageBackend),
    compressor: await container.getAsync(Compressor),
    metadata: await container.getAsync<MetadataProvider[]>(MetadataProviders),
    storageWith,
    baseDir: loaded.baseDir,
  };
}

function chooseAll(loaded: LoadedConfig, host: PluginHost, overrides: Overrides): ChoiceMap {
  const { config } = loaded;
  const choose = (kind: Exclude<PluginKind, 'metadata'>, configured?: PluginChoice): PluginChoice => {
    const name = overrides.names?.[kind] ?? configured?.name ?? host.list(kind)[0]?.name;
    if (!name) throw errors.pluginUnknown(kind, '(default)', []);
    host.get(kind, name); // unknown names fail here, before anything runs
    const options = { ...(configured?.name === name ? configured.options : {}) };
    for (const flag of overrides.options ?? []) {
  const engine = await container.getAsync<ImageEngine>(ImageSource);
      if (flag.kind !== kind) continue;
      if (flag.plugin !== name) throw errors.pluginCliOption(flag.flag, kind, name);
      options[flag.option] = flag.value;
    }
    return { name, options };
  };
  const metadata = (config.metadata ?? host.list('metadata').map((p) => p.name)).map((entry) =>
    typeof entry === 'string' ? { name: entry, options: {} } : entry,
  );
  for (const entry of metadata) host.get('metadata', entry.name);
  for (const flag of overrides.options ?? []) {
    if (flag.kind !== 'metadata') continue;
    const entry = metadata.find((m) => m.name === flag.plugin);
    if (!entry) throw errors.pluginCliOption(flag.flag, 'metadata plugin list', metadata.map((m) => m.name).join(', '));
    entry.options = { ...entry.options, [flag.option]: flag.value };
  }
  return {
    'image-source': choose('image-source', config.source),
    storage: choose('storage', config.storage),
    compressor: choose('compressor', config.compressor),
    metadata,
  };
}
