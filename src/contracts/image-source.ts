import type { Readable } from 'node:stream';
import type { ArchiveTarget, ImageTarget } from './image-target.ts';

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

/**
 * Where images come from: inspect and export. The built-in implementation is the `docker` plugin,
 * which is also an {@link ImageTarget}.
 */
export interface ImageSource {
  /** Inspect `name:tag`; throws a DonodoError `IMAGE_NOT_FOUND` when it is not present. */
  inspect(reference: string): Promise<ImageDetails>;
  /** A `docker save` tar stream of the reference. */
  export(reference: string): Promise<Readable>;
}

/** An engine: a source, and the target pulls load into (docker, podman). */
export type ImageEngine = ImageSource & ImageTarget;

/**
 * What an `image-source` plugin creates for the transports it serves: a source (push reads from it),
 * a destination (pull loads into an engine, or writes an archive), or both. The core checks which
 * one a location needs and says so when the plugin lacks it.
 */
export type ImageTransport = Partial<ImageSource> & (Partial<ImageTarget> | Partial<ArchiveTarget>);

export const ImageSource: unique symbol = Symbol.for('donodo.ImageSource');
