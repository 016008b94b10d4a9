import type { ArchiveTarget, ArchiveWriter, ExportedImage, ImageDetails, ImageLocation, ImageSource, Logger } from '../../src/plugin-api.ts';
import { exportArchive } from './archive-export.ts';
import { readArchiveImage } from './archive-image.ts';
import { openArchiveWriter } from './archive-writer.ts';

/**
 * Images in files and folders: `docker-archive:PATH[:NAME:TAG]`, `oci-archive:PATH[:REF]` and
 * `oci:DIR[:REF]`. A source (push reads the image from it) and an archive target (pull writes there).
 */
export class ArchiveImages implements ImageSource, ArchiveTarget {
  readonly #logger?: Logger;
  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  async inspect(location: ImageLocation): Promise<ImageDetails> {
    return (await readArchiveImage(location, this.#logger)).details;
  }

  async export(location: ImageLocation): Promise<ExportedImage> {
    const image = await readArchiveImage(location, this.#logger);
    return { stream: exportArchive(image, location.input), format: image.plan.format };
  }

  open(location: ImageLocation, image: { name?: string; id?: string }): Promise<ArchiveWriter> {
    return openArchiveWriter(location.transport, location.path!, location.input, image);
  }
}
