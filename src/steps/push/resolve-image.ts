import type { Platform } from '../../contracts/image-identity.ts';
import type { ImageDetails, ImageSource } from '../../contracts/image-source.ts';
import type { ImageLocation } from '../../contracts/image-location.ts';
import { errors } from '../../errors/catalogue.ts';
import { parsePushRef, type ImageRef } from '../../image-ref.ts';
import type { Step } from '../../pipeline/step.ts';
import type { Services } from '../../services.ts';
import { sourceOf } from '../../transports/capabilities.ts';
import { isEngine, parseImageLocation } from '../../transports/image-location.ts';
import type { PushContext } from './push-context.ts';

/** An image to push: where it is, the source that reads it, what it is, and the name it is archived under. */
export interface ResolvedImage {
  location: ImageLocation;
  source: ImageSource;
  details: ImageDetails;
  ref: ImageRef & { tag: string };
}

/**
 * The name and tag a reference is archived under when they can be told without reading the image:
 * `--name`, an engine's NAME:TAG, a `docker-archive:PATH:NAME:TAG` suffix. Undefined when only the
 * archive itself can say (then {@link resolvePushImage} reads it).
 */
export function statedRef(reference: string, name?: string): (ImageRef & { tag: string }) | undefined {
  if (name) return parsePushRef(name);
  const location = parseImageLocation(reference);
  if (location.reference && (isEngine(location.transport) || location.transport === 'docker-archive')) return parsePushRef(location.reference);
  return undefined;
}

/**
 * Find the image a push reference names and inspect it. A name and tag that the reference states are
 * checked before the source is asked (a missing tag, `latest`); otherwise they are the source's, and
 * a source that carries none needs `--name`.
 */
export async function resolvePushImage(services: Pick<Services, 'imagesAt'>, reference: string, name?: string, choice: ImageChoice = {}): Promise<ResolvedImage> {
  const location: ImageLocation = {
    ...parseImageLocation(reference),
    ...(choice.platforms?.length ? { platforms: choice.platforms } : {}),
    ...(choice.allPlatforms ? { allPlatforms: true as const } : {}),
  };
  const stated = statedRef(reference, name);
  const source = sourceOf(await services.imagesAt(location), location);
  const details = await source.inspect(location);
  if (stated) return { location, source, details, ref: choice.tag ? parsePushRef(`${stated.name}:${choice.tag}`) : stated };
  if (details.name && choice.tag) return { location, source, details, ref: parsePushRef(`${details.name}:${choice.tag}`) };
  if (details.name && !details.tag && location.transport === 'docker') throw errors.digestNeedsTag(reference);
  if (!details.name || !details.tag) throw errors.imageUnnamed(reference, details.name);
  return { location, source, details, ref: parsePushRef(`${details.name}:${details.tag}`) };
}

/** Which image of a source, beyond its location: the tag (`--tag`), the platforms of a multi-platform image. */
export interface ImageChoice {
  tag?: string;
  platforms?: Platform[];
  allPlatforms?: boolean;
}

/** Find and inspect the image (a tag is required, `latest` refused); an earlier look in the batch is reused. */
export const resolveImage: Step<PushContext, 'imagesAt'> = {
  id: 'resolve',
  title: 'Inspect image',
  uses: ['imagesAt'],
  async run(context, { services }) {
    const resolved = await (context.resolved ?? resolvePushImage(services, context.reference, context.options.name, context.options));
    context.resolved = Promise.resolve(resolved);
    context.ref = resolved.ref;
    context.image = resolved.details;
  },
};
