import type { Readable } from 'node:stream';
import type { ImageLocation } from './image-location.ts';

/** An image an engine holds, and the tags that point at it. */
export interface EngineImage {
  /** `sha256:<hex>`. */
  id: string;
  /** `name:tag` references (never `<none>:<none>`). */
  tags: string[];
}

/** What a load brought into the engine. */
export interface LoadedImage {
  /** `name:tag` references the load set (empty when the archive names nothing, as pulls give it). */
  references: string[];
  /** Image ids the engine reports it loaded (`sha256:<hex>`). */
  ids: string[];
}

/**
 * Where pulled images go: an engine that loads archives and whose tags the pull sets itself. A pull
 * is a transaction on it: it lists what is there before, loads an archive that names nothing, and
 * then sets the tags the record names; on any failure it puts every tag back and removes only the
 * images that were not there before. Nothing here may force: an image in use stays.
 */
export interface ImageTarget {
  /** The command-line tool users run on this engine (`docker`, `podman`), named in what to do when a pull cannot undo a change; default `docker`. */
  readonly command?: string;
  /** Check that the engine answers; throws a DonodoError that says how to reach it when it does not. */
  ping(): Promise<void>;
  /** Every image the engine holds (untagged and intermediate ones too), with its tags. */
  images(): Promise<EngineImage[]>;
  /** Load an uncompressed image archive (`docker save` / OCI layout tar). A stream error is a load error. */
  load(tar: Readable): Promise<LoadedImage>;
  /** Point `reference` (name:tag) at `imageId`, moving it from where it pointed. */
  tag(imageId: string, reference: string): Promise<void>;
  /**
   * Remove a tag, or an image by id; an image goes only with its last tag. Never forced: an image a
   * container uses, or that other tags still name, stays and this throws. A reference that does not
   * exist is not an error.
   */
  remove(reference: string): Promise<void>;
}

export const ImageTarget: unique symbol = Symbol.for('donodo.ImageTarget');

/** A destination file or folder being written by a pull: nothing is in place until {@link commit}. */
export interface ArchiveWriter {
  /** Where the pull writes the verified docker-archive tar stream (names taken out). */
  stream: NodeJS.WritableStream;
  /** Once the bytes were verified: move the result into place; returns where it is. */
  commit(): Promise<string>;
  /** The pull failed or was interrupted: remove what was written. */
  discard(): Promise<void>;
}

/**
 * Where pulls can write an image instead of loading it: an archive file or an image layout folder
 * (`docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR`). Writes go to a temporary name beside the
 * destination and are renamed into place only once the pull verified them.
 */
export interface ArchiveTarget {
  /**
   * Check `location.path` (it must not exist; its folder must) and open a writer; the location's
   * transport says what to write (one plugin may serve several). `image`: what the archive is to
   * name (`name`, NAME:TAG) and hold (`id`, the config digest, checked by the pull already);
   * `source`: the reference the record says the image was archived from (`docker://…`), if any.
   */
  open(location: ImageLocation, image: { name?: string; id?: string; source?: string }): Promise<ArchiveWriter>;
}

export const ArchiveTarget: unique symbol = Symbol.for('donodo.ArchiveTarget');
