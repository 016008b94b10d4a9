/** A plugin chosen by name, with its options. */
export interface PluginChoice {
  name: string;
  options?: Record<string, unknown>;
}

/** The validated configuration file (see schemas/config.schema.json for the meaning of each field). */
export interface DonodoConfig {
  plugins?: string[];
  source?: PluginChoice;
  storage?: PluginChoice;
  compressor?: PluginChoice;
  metadata?: Array<string | PluginChoice>;
  autoPublish?: boolean;
}

/** A loaded configuration and where it came from. */
export interface LoadedConfig {
  config: DonodoConfig;
  /** The file it was read from, if any. */
  file?: string;
  /** Directory that relative paths in the configuration are resolved against. */
  baseDir: string;
}
