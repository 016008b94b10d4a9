import type { ArchiveFormat } from '../contracts/image-identity.ts';

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
  /** How pushed images are stored: `oci-layout` (`image.tar`, the default) or `docker-save` (`image.tar.gz`). */
  archive?: { format?: ArchiveFormat };
  /** Registries: hosts spoken to over plain http (`--insecure-registry` adds to them). */
  registry?: { insecure?: string[] };
  metadata?: Array<string | PluginChoice>;
  autoPublish?: boolean;
  defaults?: { templates?: TemplatesSetting };
  repositories?: Record<string, RepositorySetting>;
  images?: Array<string | { name: string; tags: string[] }>;
  lockFile?: string;
  concurrency?: number;
}

/** One template source: a file path, an https URL, or an inline template object. */
export type TemplateSource = string | Record<string, unknown>;
export type TemplatesSetting = TemplateSource | TemplateSource[];

/** Settings of the images a `repositories` key matches. */
export interface RepositorySetting {
  templates?: TemplatesSetting;
  conceptrecid?: string;
  storage?: { options?: Record<string, unknown> };
}

/** A loaded configuration and where it came from. */
export interface LoadedConfig {
  config: DonodoConfig;
  /** The file it was read from, if any. */
  file?: string;
  /** Directory that relative paths in the configuration are resolved against. */
  baseDir: string;
}
