import type { Compressor } from './compressor.ts';
import type { ImageTransport } from './image-source.ts';
import type { MetadataProvider } from './metadata-provider.ts';
import type { StorageBackend } from './storage-backend.ts';

/** What each kind of plugin creates. */
export interface PluginKinds {
  'image-source': ImageTransport;
  storage: StorageBackend;
  compressor: Compressor;
  metadata: MetadataProvider;
}

export type PluginKind = keyof PluginKinds;

/** A command-line flag a plugin contributes; its value becomes `options[option]`. */
export interface PluginCliOption {
  /** Commander flag syntax, e.g. `--dir <path>` or `--sandbox`. */
  flags: string;
  description: string;
  /** The option it sets. */
  option: string;
}

/** A minimal logger; everything written through it is masked for secrets. */
export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
}

/**
 * Where one option given to a plugin came from. A value chosen by the user on the command line
 * (or by a program calling donodo) is the user's own word; a value from a configuration file may
 * come from a repository the user merely cloned, so a plugin that sends credentials somewhere
 * can ask for more before it honours such a value (the zenodo plugin does, for its `url`).
 */
export type OptionSource =
  | {
      from: 'flag';
      /** The flag, e.g. `--zenodo-url`. */
      flag: string;
    }
  | {
      from: 'config';
      /** The configuration file, when there is one. */
      file?: string;
      /** The setting that holds the option, e.g. `repositories["**"].storage.options`. */
      setting: string;
      /**
       * The user consented to let configuration files choose where credentials go
       * (`--trust-config-url` or `DONODO_TRUST_CONFIG_URL=1`).
       */
      trusted: boolean;
    }
  | {
      /** A program using donodo's API chose it (e.g. storage options of its own per image). */
      from: 'caller';
    };

/** What donodo hands a plugin when it creates it. */
export interface PluginDeps {
  /** donodo's version, e.g. `0.1.0`. */
  version: string;
  /** `donodo/<version> (+<homepage>)`, to send as User-Agent. */
  userAgent: string;
  /** Directory of the configuration file, or the working directory when there is none. */
  baseDir: string;
  /** Environment variables (the process environment unless a caller passed its own). */
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Register a value (a token) that must never appear in any output. */
  addSecret(value: string): void;
  /** Whether the user may be asked questions (a terminal is attached and no `--json`). */
  interactive: boolean;
  /**
   * Where each option given to `create` came from, by option name; options not listed were not
   * set (defaults). donodo always fills it; it is absent only when a program calls `create`
   * itself, and then every option is that program's own.
   */
  optionSources?: Readonly<Record<string, OptionSource>>;
}

/**
 * A donodo plugin: a plain object, default-exported by its module. Third-party plugins have the
 * same shape as the built-in ones and are named in the config's `plugins` list.
 */
export interface DonodoPlugin<K extends PluginKind = PluginKind, O = Record<string, unknown>> {
  kind: K;
  /** Unique name used in the configuration (`storage.name`, `metadata[].name`, …). */
  name: string;
  /** One line shown in `--help` and errors. */
  description?: string;
  /** JSON Schema of `options`; checked with ajv before `create` is called. */
  optionsSchema?: Record<string, unknown>;
  /** Flags the CLI offers while this plugin is selected. */
  cliOptions?: PluginCliOption[];
  /**
   * `image-source` plugins: the transports (skopeo's names: `docker-daemon`, `podman`,
   * `docker-archive`, `oci-archive`, `oci`) whose locations this plugin serves, e.g. `podman:NAME:TAG`.
   */
  transports?: string[];
  create(options: O, deps: PluginDeps): PluginKinds[K] | Promise<PluginKinds[K]>;
}

/** Any plugin, whatever its kind (used where plugins are listed). */
export type AnyPlugin = { [K in PluginKind]: DonodoPlugin<K, any> }[PluginKind];
