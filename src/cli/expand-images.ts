import type { DonodoConfig } from '../config/config.ts';
import { errors } from '../errors/catalogue.ts';

/** The references `push --all` works on: the configuration's `images`, each name's tags in order. */
export function configuredImages(config: DonodoConfig, file: string | undefined): string[] {
  const images = config.images ?? [];
  if (images.length === 0) {
    throw errors.noImagesConfigured(file);
  }
  return images.flatMap((entry) => (typeof entry === 'string' ? [entry] : entry.tags.map((tag) => `${entry.name}:${tag}`)));
}
