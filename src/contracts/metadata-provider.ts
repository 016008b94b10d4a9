import type { ArchiveFormat } from './image-identity.ts';
import type { NamedImage } from './image-source.ts';

/** Zenodo deposition metadata in the legacy deposit API's shape (`metadata` of a deposition). */
export type DepositionMetadata = Record<string, unknown>;

/** A deposition metadata template (strings may hold `{expressions}`), with where it came from. */
export interface TemplateInput {
  /** File, URL or configuration setting the template came from, for messages. */
  source: string;
  template: Record<string, unknown>;
}

/** What a metadata provider may read while it contributes. */
export interface MetadataContext {
  /** The image being archived, with the name and tag it is archived under. */
  image: NamedImage;
  /** Directory of the configuration file (or the working directory), for resolving relative paths. */
  baseDir: string;
  /**
   * Templates that apply to this image, lowest precedence first: the config's `defaults`, the
   * matching `repositories` entry, then `--templates`. Already checked; the `templates` plugin renders them.
   */
  templates: TemplateInput[];
  /** The `repositories` key of the configuration that matched the image, if any. */
  repository?: string;
  /** The archive file the record will hold: its key (`image.tar`) and layout. */
  archive: { key: string; format: ArchiveFormat };
}

/**
 * One stage of metadata rendering. Providers run in the configured order; each receives the
 * metadata built so far and returns the next version of it (add, override or remove fields).
 * The result of the last one is validated against `schemas/deposition-metadata.schema.json`.
 */
export interface MetadataProvider {
  provide(metadata: DepositionMetadata, context: MetadataContext): DepositionMetadata | Promise<DepositionMetadata>;
}

/** Token for the ordered list of metadata providers. */
export const MetadataProviders: unique symbol = Symbol.for('donodo.MetadataProviders');
