import type { ArchiveTarget, ArchiveWriter, ExportedImage, ImageDetails, ImageLocation, ImageSource, Logger } from '../../src/plugin-api.ts';
import { exportArchive } from './archive-export.ts';
import { readArchiveImage, type ArchiveImage } from './archive-image.ts';
import { openArchiveWriter } from './archive-writer.ts';

/**
 * Images in files and folders: `docker-archive:PATH[:NAME:TAG]`, `oci-archive:PATH[:REF]` and
 * `oci:DIR[:REF]`. A source (push reads the image from it) and an archive target (pull writes there).
 */
export class ArchiveImages implements ImageSource, ArchiveTarget {
  readonly #logger?: Logger;
  /** What inspection found, by location, for the export that follows (a tar is then read once more, not twice). */
  readonly #inspected = new Map<string, Promise<ArchiveImage>>();

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  async inspect(location: ImageLocation): Promise<ImageDetails> {
    return (await this.#read(location)).details;
  }

  async export(location: ImageLocation): Promise<ExportedImage> {
    const image = await this.#read(location);
    this.#inspected.delete(keyOf(location));
    return { stream: exportArchive(image, location.input), format: image.plan.format };
  }

  #read(location: ImageLocation): Promise<ArchiveImage> {
    const key = keyOf(location);
    if (!this.#inspected.has(key)) {
      const reading = readArchiveImage(location, this.#logger);
      reading.catch(() => this.#inspected.delete(key));
      this.#inspected.set(key, reading);
    }
    return this.#inspected.get(key)!;
  }

  open(location: ImageLocation, image: { name?: string; id?: string }): Promise<ArchiveWriter> {
    return openArchiveWriter(location.transport, location.path!, location.input, image);
  }
}

const keyOf = (location: ImageLocation) => JSON.stringify([location.transport, location.path, location.reference]);
