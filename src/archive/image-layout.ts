/**
 * The metadata files of image archives, read once for everyone: an OCI layout's `index.json`, its
 * manifests and descriptors, and `docker save`'s `manifest.json`. The pull's stream guard, the
 * push's layout writer and the archive plugin read them through these functions, each turning a
 * {@link LayoutError} into its own error (the guard: a damaged download; the plugin: a bad input file).
 */
import type { Platform } from '../contracts/image-identity.ts';
import { OCI_MEDIA } from './oci-vocabulary.ts';

/** What is wrong with an archive's metadata, in words that follow "the archive …: " ("its index.json lists no manifests"). */
export class LayoutError extends Error {
  /** `corrupt`: not what the format says; `empty`: no image in it; `unsupported`: valid, but not read by donodo. */
  readonly kind: 'corrupt' | 'empty' | 'unsupported';

  constructor(kind: LayoutError['kind'], message: string) {
    super(message);
    this.name = 'LayoutError';
    this.kind = kind;
  }
}

/** An OCI content descriptor (index entries, a manifest's config and layers). */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

/** An image manifest (OCI or Docker's schema 2): its config and layers, bottom first. */
export interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** One image of a `docker save` archive's manifest.json. */
export interface SavedImage {
  /** Path of its config in the archive (`<hex>.json`, or `blobs/sha256/<hex>` in Docker 25+ archives). */
  config: string;
  /** `sha256:<hex>`, as the config's path names it (every `docker save` names it so; other writers may not). */
  digest?: string;
  /** `name:tag` references, as `docker save` recorded them (none for an image saved by id). */
  repoTags: string[];
  /** Paths of its layer tars, bottom first. */
  layers: string[];
  /** The entry as it was, to write it back. */
  raw: Record<string, unknown>;
}

/** A metadata file's JSON. */
export function layoutJson(content: Buffer, file: string): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    throw new LayoutError('corrupt', `its ${file} is not valid JSON`);
  }
}

/** An index's entries (index.json, or a nested image index blob). */
export function indexEntries(value: unknown, file: string): Descriptor[] {
  const manifests = (value as { manifests?: unknown } | null)?.manifests;
  if (!value || typeof value !== 'object' || !Array.isArray(manifests)) throw new LayoutError('corrupt', `its ${file} lists no manifests`);
  return manifests.map((entry, at) => descriptorOf(entry, `${file} manifests[${at}]`));
}

/** An image manifest's config and layers. */
export function imageManifest(value: unknown, file: string): ImageManifest {
  const manifest = value as { mediaType?: unknown; config?: unknown; layers?: unknown } | null;
  if (!manifest || typeof manifest !== 'object' || !manifest.config || !Array.isArray(manifest.layers)) {
    throw new LayoutError('corrupt', `its ${file} is not an image manifest (no config or layers)`);
  }
  return {
    ...(typeof manifest.mediaType === 'string' ? { mediaType: manifest.mediaType } : {}),
    config: descriptorOf(manifest.config, `${file} config`),
    layers: manifest.layers.map((layer, at) => descriptorOf(layer, `${file} layers[${at}]`)),
  };
}

/** The images a `docker save` manifest.json lists. */
export function savedImages(value: unknown): SavedImage[] {
  if (!Array.isArray(value)) throw new LayoutError('corrupt', 'its manifest.json is not a list of images');
  if (value.length === 0) throw new LayoutError('empty', 'its manifest.json lists no image');
  return value.map((entry: Record<string, unknown>, at) => {
    if (!entry || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || entry.Layers.some((layer) => typeof layer !== 'string')) {
      throw new LayoutError('corrupt', `manifest.json entry ${at} has no Config and Layers`);
    }
    const config = entry.Config.replace(/^\.\//, '');
    const digest = digestNamedBy(config);
    const repoTags = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((tag): tag is string => typeof tag === 'string') : [];
    return { config, ...(digest ? { digest } : {}), repoTags, layers: (entry.Layers as string[]).map((layer) => layer.replace(/^\.\//, '')), raw: entry };
  });
}

/** Whether a descriptor points at an image index (a multi-platform image) rather than a manifest. */
export const isIndexDescriptor = (descriptor: { mediaType?: string }): boolean => descriptor.mediaType === OCI_MEDIA.index || descriptor.mediaType === OCI_MEDIA.dockerList;

/** Where a blob is in a layout: `blobs/sha256/<hex>`; only sha256 digests (what every tool writes). */
export function blobPathOf(digest: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!match) throw new LayoutError('unsupported', `it names a blob by the digest "${digest}" (only sha256 digests are read)`);
  return `blobs/sha256/${match[1]}`;
}

/** The digest a file's path names it by (`<hex>.json`, `<hex>`, `blobs/sha256/<hex>`), if any. */
export function digestNamedBy(path: string): string | undefined {
  const hex = /(?:^|\/)([0-9a-f]{64})(?:\.json)?$/.exec(path)?.[1];
  return hex ? `sha256:${hex}` : undefined;
}

/** An OCI image manifest's bytes, for a config and layers (as donodo writes them, so their digest is stable). */
export function ociManifestBytes(config: { digest: string; size: number }, layers: readonly Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MEDIA.manifest,
      config: { mediaType: OCI_MEDIA.config, digest: config.digest, size: config.size },
      layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    }),
  );
}

/** An OCI `index.json`'s bytes, listing these manifests (their unset fields left out). */
export function ociIndexBytes(manifests: readonly Descriptor[]): Buffer {
  const entries = manifests.map((descriptor) => Object.fromEntries(Object.entries(descriptor).filter(([, value]) => value !== undefined)));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MEDIA.index, manifests: entries }));
}

function descriptorOf(value: unknown, where: string): Descriptor {
  const entry = value as Partial<Descriptor> | null;
  if (!entry || typeof entry !== 'object' || typeof entry.digest !== 'string' || typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw new LayoutError('corrupt', `${where} is not a content descriptor (digest and size)`);
  }
  return entry as Descriptor;
}
