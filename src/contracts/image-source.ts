import type { Readable } from 'node:stream';
import type { ArchiveFormat, Platform } from './image-identity.ts';
import type { ImageLocation } from './image-location.ts';
import type { ArchiveTarget, ImageTarget } from './image-target.ts';

/**
 * What a source knows about an image, the same for every source: an engine reports it from its
 * own inspect, an archive or layout from the image config it holds.
 */
export interface ImageDetails {
  /** The config digest, `sha256:<hex>`: the classic Docker image id, the same after `docker save` and `docker load`. */
  id: string;
  /** The manifest digest, where the source has one (an OCI layout, Docker's containerd store). */
  manifest?: string;
  /**
   * Repository name without tag (`localhost:5000/team/tool`), as the user wrote it or as the source
   * names the image; absent when the source carries no name (then the push needs `--name`).
   */
  name?: string;
  /** The tag, likewise. */
  tag?: string;
  /** Creation time from the image config (ISO 8601), when it gives one. */
  created?: string;
  /** Image labels (`config.Labels`), never null. */
  labels: Record<string, string>;
  /** Size in bytes of what the export will stream, as far as known beforehand (for progress; 0 when unknown). */
  size: number;
  /** The platform of the image config. */
  platform: Platform;
  /** The engine's own raw inspect object (`docker inspect`), only where there is an engine. */
  inspect?: Record<string, unknown>;
  /** A registry's image: the index digest when the reference named a multi-platform image. */
  index?: string;
  /** A registry's image: the reference resolved to a digest, `HOST/NAME@sha256:…` (the index's when the export holds the whole index). */
  resolved?: string;
  /** The platforms the export holds, where it holds more than one (then `id`, `platform`, `manifest` are the first's). */
  platforms?: Platform[];
}

/** The fields of an image config (the JSON blob its digest, the image id, names) that donodo reads. */
export interface ImageConfig {
  created?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  config?: { Labels?: Record<string, string> | null };
  rootfs?: { diff_ids?: string[] };
}

/** An image with the name and tag it is archived under (what metadata providers and templates see). */
export type NamedImage = ImageDetails & { name: string; tag: string };

/** An export: a tar `docker load` reads, and how it lays the image out. */
export interface ExportedImage {
  stream: Readable;
  format: ArchiveFormat;
}

/**
 * Where images come from: inspect and export. Built-ins: `docker` and `podman` (engines, which are
 * also {@link ImageTarget}s) and `archive` (`docker-archive:`, `oci-archive:`, `oci:`).
 */
export interface ImageSource {
  /** Inspect the image at `location`; throws a DonodoError `IMAGE_NOT_FOUND` when it is not there. */
  inspect(location: ImageLocation): Promise<ImageDetails>;
  /** The image as an uncompressed tar that `docker load` reads (a `docker save` stream, or an OCI layout with `manifest.json`). */
  export(location: ImageLocation): Promise<ExportedImage>;
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
