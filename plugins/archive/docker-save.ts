import { layoutJson, savedImages, type SavedImage } from '../../src/plugin-api.ts';
import { archiveErrors, readingLayout } from './archive-errors.ts';


/** The images a manifest.json lists; a clear error when it is no `docker save` manifest. */
export function parseSavedImages(content: Buffer, input: string): NamedSavedImage[] {
  const images = readingLayout(input, () => savedImages(layoutJson(content, 'manifest.json')));
  for (const image of images) if (!image.digest) throw archiveErrors.unsupported(input, `its image config ${image.config} is not named by its sha256 digest`);
  return images as NamedSavedImage[];
}

/** A saved image whose config is named by its digest (what the plugin copies and checks by). */
export type NamedSavedImage = SavedImage & { digest: string };

/** `docker.io/library/x:1` and `x:1` name the same image. */
export function shortName(reference: string): string {
  return reference.replace(/^docker\.io\/(library\/)?/, '');
}

/**
 * The image a `docker-archive:PATH[:NAME:TAG]` location names: the one whose RepoTags hold the
 * suffix, else the only one (the suffix then names it); several images and no suffix (or a suffix
 * none of them carries) is a clear error listing them.
 */
export function chooseSavedImage(images: NamedSavedImage[], reference: string | undefined, input: string, path: string): NamedSavedImage {
  const describe = (image: NamedSavedImage) => (image.repoTags.length ? image.repoTags.join(', ') : `${image.digest.slice(7, 19)} (unnamed)`);
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
export function savedName(image: NamedSavedImage, reference: string | undefined): { name?: string; tag?: string } {
  const tagged = reference ?? (image.repoTags.length === 1 ? shortName(image.repoTags[0]!) : undefined);
  if (!tagged) return {};
  const at = tagged.lastIndexOf(':');
  if (at <= 0 || tagged.slice(at).includes('/')) return { name: tagged };
  return { name: tagged.slice(0, at), tag: tagged.slice(at + 1) };
}
