import type { Compressor } from './contracts/compressor.ts';
import type { ImageTransport } from './contracts/image-source.ts';
import type { ImageLocation } from './transports/image-location.ts';
import type { MetadataProvider } from './contracts/metadata-provider.ts';
import type { StorageBackend } from './contracts/storage-backend.ts';

/**
 * The plugin instances a pipeline works with, built by the composition root (container.ts). Each
 * step names the ones it uses (`Step.uses`) and is handed only those.
 */
export interface Services {
  /**
   * The plugin instance that serves an image location's transport (`podman:…`, `docker-archive:…`;
   * a location without a transport: the configured image source).
   */
  imagesAt(location: ImageLocation): Promise<ImageTransport>;
  storage: StorageBackend;
  compressor: Compressor;
  /** Metadata providers, in the order they apply. */
  metadata: MetadataProvider[];
  /** The same storage with some options changed (a `repositories` entry's storage options). */
  storageWith(options: Record<string, unknown>): Promise<StorageBackend>;
  /** Directory relative paths of the configuration are resolved against. */
  baseDir: string;
}
