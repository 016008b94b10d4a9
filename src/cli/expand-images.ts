import type { DonodoConfig } from '../config/config.ts';
import { DonodoError } from '../errors/donodo-error.ts';

/** The references `push --all` works on: the configuration's `images`, each name's tags in order. */
export function configuredImages(config: DonodoConfig, file: string | undefined): string[] {
  const images = config.images ?? [];
  if (images.length === 0) {
    throw new DonodoError('NO_IMAGES_CONFIGURED', `--all needs a list of images, and ${file ? `"${file}"` : 'no configuration file was found that'} has no "images".`, {
      hint: 'Add "images": ["my/image:1.0", {"name": "my/other", "tags": ["1.0", "1.1"]}] to donodo.config.json, or name the images on the command line.',
    });
  }
  return images.flatMap((entry) => (typeof entry === 'string' ? [entry] : entry.tags.map((tag) => `${entry.name}:${tag}`)));
}
