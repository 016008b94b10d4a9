import type { Platform } from './image-identity.ts';

/** skopeo's transport names (containers-transports(5)) that donodo reads and writes. */
export type Transport = 'docker-daemon' | 'podman' | 'docker-archive' | 'oci-archive' | 'oci' | 'docker';

/**
 * Where an image is, in skopeo's words: a transport, then what that transport needs.
 * `NAME:TAG` alone means the configured image source (the Docker engine unless configured).
 */
export interface ImageLocation {
  transport: Transport;
  /** The archive file or layout folder (archive transports). */
  path?: string;
  /**
   * `NAME:TAG` for engines and for a `docker-archive:` suffix; `HOST/NAME:TAG` or
   * `HOST/NAME@sha256:…` for a registry (`docker://`); for `oci:`/`oci-archive:`, the
   * `org.opencontainers.image.ref.name` the image is annotated with. Absent when not given.
   */
  reference?: string;
  /**
   * The platforms of a multi-platform image to take (`--platform`, repeatable); absent: this
   * machine's. A source that holds one platform only ignores it.
   */
  platforms?: Platform[];
  /** Take every platform of a multi-platform image (`--all-platforms`). */
  allPlatforms?: true;
  /** What the user wrote. */
  input: string;
  /** No transport was written: the configured image source (the Docker engine unless configured). */
  defaulted?: true;
}
