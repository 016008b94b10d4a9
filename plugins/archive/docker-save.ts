import { archiveErrors } from './archive-errors.ts';
import { parseJson } from './oci-layout.ts';

/** One image of a `docker save` archive's manifest.json. */
export interface SavedImage {
  /** Path of its config in the archive (`<hex>.json`, or `blobs/sha256/<hex>` in Docker 25+ archives). */
  config: string;
  /** `sha256:<hex>`, as the config's path names it. */
  digest: string;
  /** `name:tag` references, as `docker save` recorded them (none for an image saved by id). */
  repoTags: string[];
  /** Paths of its layer tars, bottom first. */
  layers: string[];
  /** The entry as it was, to write it back. */
  raw: Record<string, unknown>;
}

/** The images a manifest.json lists; a clear error when it is no `docker save` manifest. */
export function parseSavedImages(content: Buffer, input: string): SavedImage[] {
  const value = parseJson(content, input, 'manifest.json');
  if (!Array.isArray(value)) throw archiveErrors.corrupt(input, 'its manifest.json is not a list of images');
  if (value.length === 0) throw archiveErrors.notAnImage(input, 'its manifest.json lists no image');
  return value.map((entry: Record<string, unknown>, at) => {
    if (!entry || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || entry.Layers.some((layer) => typeof layer !== 'string')) {
      throw archiveErrors.corrupt(input, `manifest.json entry ${at} has no Config and Layers`);
    }
    const config = entry.Config.replace(/^\.\//, '');
    const hex = /(?:^|\/)([0-9a-f]{64})(?:\.json)?$/.exec(config)?.[1];
    if (!hex) throw archiveErrors.unsupported(input, `its image config ${config} is not named by its sha256 digest`);
    const repoTags = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((tag): tag is string => typeof tag === 'string') : [];
    return { config, digest: `sha256:${hex}`, repoTags, layers: (entry.Layers as string[]).map((layer) => layer.replace(/^\.\//, '')), raw: entry };
  });
}

/** `docker.io/library/x:1` and `x:1` name the same image. */
export function shortName(reference: string): string {
  return reference.replace(/^docker\.io\/(library\/)?/, '');
}

/**
 * The image a `docker-archive:PATH[:NAME:TAG]` location names: the one whose RepoTags hold the
 * suffix, else the only one (the suffix then names it); several images and no suffix (or a suffix
 * none of them carries) is a clear error listing them.
 */
export function chooseSavedImage(images: SavedImage[], reference: string | undefined, input: string, path: string): SavedImage {
  const describe = (image: SavedImage) => (image.repoTags.length ? image.repoTags.join(', ') : `${image.digest.slice(7, 19)} (unnamed)`);
  if (reference !== undefined) {
    const wanted = shortName(reference);
    const found = images.filter((image) => image.repoTags.some((tag) => shortName(tag) === wanted));
    if (found.length === 1) return found[0]!;
    if (images.length === 1) return images[0]!;
    if (found.length === 0) throw archiveErrors.noSuchImage(input, reference, images.flatMap((image) => image.repoTags), `docker-archive:${path}:NAME:TAG`);
    throw archiveErrors.ambiguous(input, `images tagged ${reference}`, found.map(describe), 'save them into archives of their own');
  }
  if (images.length === 1) return images[0]!;
  throw archiveErrors.ambiguous(input, 'images', images.map(describe), `docker-archive:${path}:NAME:TAG`);
}

/** The name and tag the archive gives its image: only when it records exactly one. */
export function savedName(image: SavedImage, reference: string | undefined): { name?: string; tag?: string } {
  const tagged = reference ?? (image.repoTags.length === 1 ? shortName(image.repoTags[0]!) : undefined);
  if (!tagged) return {};
  const at = tagged.lastIndexOf(':');
  if (at <= 0 || tagged.slice(at).includes('/')) return { name: tagged };
  return { name: tagged.slice(0, at), tag: tagged.slice(at + 1) };
}
