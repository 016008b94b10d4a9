import type { DonodoConfig } from '../config/config.ts';
import { Compressor } from '../contracts/compressor.ts';
import { ImageSource } from '../contracts/image-source.ts';
import { MetadataProviders } from '../contracts/metadata-provider.ts';
import type { PluginKind } from '../contracts/plugin.ts';
import { StorageBackend } from '../contracts/storage-backend.ts';

/**
 * The one table of plugin kinds: the configuration setting that chooses a kind's plugin, whether a
 * run uses one plugin of the kind or a list of them (metadata), and the container token its
 * instance is bound to. Adding a kind is a row here and its entry in `PluginKinds` (contracts/plugin.ts).
 */
export const PLUGIN_KINDS = {
  'image-source': { setting: 'source', many: false, token: ImageSource },
  storage: { setting: 'storage', many: false, token: StorageBackend },
  compressor: { setting: 'compressor', many: false, token: Compressor },
  metadata: { setting: 'metadata', many: true, token: MetadataProviders },
} as const satisfies { [K in PluginKind]: { setting: keyof DonodoConfig; many: boolean; token: symbol } };

/** Kinds of which a run uses exactly one plugin. */
export type SingleKind = { [K in PluginKind]: (typeof PLUGIN_KINDS)[K]['many'] extends false ? K : never }[PluginKind];

/** Every kind, in the table's order (the order `--help` lists plugin flags in). */
export const KINDS = Object.keys(PLUGIN_KINDS) as PluginKind[];

/** The kinds of which a run uses one plugin. */
export const SINGLE_KINDS = KINDS.filter((kind): kind is SingleKind => !PLUGIN_KINDS[kind].many);
