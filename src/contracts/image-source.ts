import type { Readable } from 'node:stream';

/** What donodo knows about a local image after inspecting it. */
export interface ImageDetails {
  /** Content-addressed image id, `sha256:<hex>`; the same after `docker save` and `docker load`. */
  id: string;
  /** Repository name without tag, as the user wrote it (`localhost:5000/team/tool`). */
  name: string;
  /** The tag being archived. */
  tag: string;
  /** Creation time reported by the engine (ISO 8601). */
  created: string;
  /** Image labels (`Config.Labels`), never null. */
  labels: Record<string, string>;
  /** Uncompressed size in bytes as reported by the engine (used for progress only). */
  size: number;
  /** The full `docker inspect` object, for templates. */
  inspect: Record<string, unknown>;
}

/** What a load brought into the engine. */
export interface LoadedImage {
  /** `name:tag` references the archive carried (may be empty for an untagged archive). */
  references: string[];
  /** Image ids loaded (`sha256:<hex>`). */
  ids: string[];
}

/**
 * Where images come from and go back to: the local container engine.
 * The built-in implementation is the `docker` plugin.
 */
export interface ImageSource {
  /** Inspect `name:tag`; throws a DonodoError `IMAGE_NOT_FOUND` when it is not present. */
  inspect(reference: string): Promise<ImageDetails>;
  /** A `docker save` tar stream of the reference. */
  export(reference: string): Promise<Readable>;
  /** Load a `docker save` tar stream (uncompressed) into the engine. */
  load(tar: Readable): Promise<LoadedImage>;
  /** Remove a tag or image; used to take back a load that failed verification. */
  remove(reference: string): Promise<void>;
  /** Point `reference` (name:tag) at an image id; used to give a tag back to the image it named before a failed load. */
  tag(imageId: string, reference: string): Promise<void>;
}

export const ImageSource: unique symbol = Symbol.for('donodo.ImageSource');
