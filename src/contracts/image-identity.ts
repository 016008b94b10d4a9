/** The platform an image is built for, as OCI image configs and indexes give it. */
export interface Platform {
  /** `linux`, `windows`, … */
  os: string;
  /** `amd64`, `arm64`, … (Go's names, as in image configs). */
  architecture: string;
  /** `v7`, `v8`, … where the architecture has variants. */
  variant?: string;
}

/**
 * How the archive donodo stores lays the image out (both are tars `docker load` and `podman load` read):
 * - `docker-save`: the legacy `docker save` layout (`manifest.json`, `<id>.json`, `<layer>/layer.tar`);
 * - `oci-layout`: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) with the
 *   `manifest.json` old loaders read beside it, as Docker 25+ writes `docker save`.
 */
export type ArchiveFormat = 'docker-save' | 'oci-layout';

/**
 * What identifies an archived image independently of any engine. The config digest is the classic
 * Docker image id (what `docker images` shows with the classic store, and what Podman reports); with
 * Docker's containerd image store the engine reports the manifest digest instead, where there is one.
 */
export interface ImageIdentity {
  /** `sha256:…` of the image config blob. */
  config: string;
  /** `sha256:…` of the image manifest, where the image has one (an OCI layout, a registry, a containerd engine). */
  manifest?: string;
  platform?: Platform;
  /** Repository name, without tag (`team/tool`, `localhost:5000/x`), as archived. */
  name?: string;
  /** Tag, as archived. */
  tag?: string;
  /** Layout of the stored archive, where known (records of donodo 0.1 do not say). */
  format?: ArchiveFormat;
  /** `sha256:…` of the image index (a multi-platform image) the manifest was chosen from, or that the archive holds whole. */
  index?: string;
  /** The source reference as the user gave it (`docker://ghcr.io/team/tool:1.0`), for images from a registry. */
  source?: string;
  /** That reference resolved to what was archived: `HOST/NAME@sha256:…` (the index digest when the archive holds the whole index). */
  resolved?: string;
  /** Every platform the archive holds, where it holds more than one (an index archived whole, or several platforms of it). */
  platforms?: Platform[];
}

/** `os/architecture[/variant]`, as `docker --platform` writes it. */
export function platformText(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The inverse of {@link platformText}; undefined for text that is not `os/arch[/variant]`. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !/^[a-z0-9._-]+$/i.test(part))) return undefined;
  const [os, architecture, variant] = parts as [string, string, string?];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** The platform this machine runs images of (Go's architecture names, as image configs use). */
export function machinePlatform(): Platform {
  const architectures: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: architectures[process.arch] ?? process.arch };
}

/** Whether an image of `candidate` serves a request for `wanted` (a variant counts only where both give one). */
export function platformFits(candidate: Platform | undefined, wanted: Platform): boolean {
  return candidate?.os === wanted.os && candidate.architecture === wanted.architecture && (!wanted.variant || !candidate.variant || candidate.variant === wanted.variant);
}
