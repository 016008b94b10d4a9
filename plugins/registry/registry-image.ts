import { machinePlatform, OCI_MEDIA, platformFits, platformText } from '../../src/plugin-api.ts';
import type { ImageConfig, ImageDetails, ImageLocation, Logger, Platform } from '../../src/plugin-api.ts';
import { registryErrors } from './registry-errors.ts';
import { fetchManifest, isIndex, sha256Of, type Descriptor, type ImageIndex, type ImageManifest, type Served } from './registry-manifests.ts';
import type { RegistryReference } from './registry-reference.ts';
import type { RegistrySession } from './registry-session.ts';

/** One image of the export: its manifest as served, its config (fetched and checked), its platform. */
export interface PlannedImage {
  manifest: ImageManifest;
  config: Buffer;
  platform: Platform;
}

/** What inspection found: the image's details, and what the export streams. */
export interface RegistryImage {
  details: ImageDetails;
  /** What the export's index.json points at: the one manifest, or the index (as served, or of the platforms chosen). */
  top: Served;
  /** The index served, when the reference named one. */
  index?: ImageIndex;
  images: PlannedImage[];
}


/**
 * Resolve a registry reference to what is archived: a manifest, or for an index the manifest of
 * the platform asked for (`--platform`, default this machine's, as `docker pull` does), of several,
 * or the whole index (`--all-platforms`). Configs are fetched (small) and checked; layers are not
 * touched until the export.
 */
export async function resolveRegistryImage(session: RegistrySession, ref: RegistryReference, location: ImageLocation, logger: Logger): Promise<RegistryImage> {
  const served = await fetchManifest(session, ref.digest ?? ref.tag!, ref.input);
  if (!isIndex(served)) {
    const image = await planImage(session, served, ref.input);
    return { details: detailsOf(ref, [image], served, undefined), top: served, images: [image] };
  }
  const entries = served.manifests.filter((entry) => entry.platform && entry.platform.os !== 'unknown' && !INDEXED.has(entry.mediaType ?? ''));
  const held = entries.map((entry) => platformText(entry.platform!));
  let chosen: Descriptor[];
  if (location.allPlatforms) {
    // The whole index, attestation manifests too, so that the archive keeps its digest.
    chosen = served.manifests.filter((entry) => !INDEXED.has(entry.mediaType ?? ''));
  } else {
    const wanted = location.platforms?.length ? location.platforms : [machinePlatform()];
    const missing = wanted.filter((platform) => !entries.some((entry) => platformFits(entry.platform, platform)));
    if (missing.length) throw registryErrors.noPlatform(ref.input, missing.map(platformText), held);
    chosen = [...new Set(wanted.map((platform) => entries.find((entry) => platformFits(entry.platform, platform))!))];
    if (!location.platforms?.length && entries.length > 1) logger.warn(`${ref.input}: its index lists ${held.join(', ')}; taking ${platformText(chosen[0]!.platform!)}, this machine's (--platform, --all-platforms choose others).`);
  }
  if (chosen.length === 0) throw registryErrors.noPlatform(ref.input, ['any platform'], held);
  const images: PlannedImage[] = [];
  for (const entry of chosen) {
    const manifest = await fetchManifest(session, entry.digest, ref.input, entry.digest);
    if (isIndex(manifest)) throw registryErrors.mediaType(ref.input, `${manifest.mediaType} nested in an index`);
    images.push(await planImage(session, manifest, ref.input));
  }
  // One platform: the archive holds its manifest; several: the index as served when it is all of
  // them (its digest kept), else an index of those chosen.
  let top: Served = images[0]!.manifest;
  if (images.length > 1) top = chosen.length === served.manifests.length ? served : subsetIndex(served, chosen);
  return { details: detailsOf(ref, images, top, served), top, index: served, images };
}

/** Entries of an index that are themselves indexes (nested): not images of a platform. */
const INDEXED = new Set<string>([OCI_MEDIA.index, OCI_MEDIA.dockerList]);

function subsetIndex(index: ImageIndex, chosen: Descriptor[]): Served {
  const value = JSON.parse(index.bytes.toString('utf8')) as Record<string, unknown>;
  const bytes = Buffer.from(JSON.stringify({ ...value, manifests: chosen }));
  return { digest: sha256Of(bytes), mediaType: index.mediaType, bytes };
}

async function planImage(session: RegistrySession, manifest: ImageManifest, input: string): Promise<PlannedImage> {
  for (const layer of manifest.layers) {
    if (layer.mediaType?.includes('zstd')) throw registryErrors.mediaType(input, `${layer.mediaType} (layer ${layer.digest}, which docker load cannot read)`);
  }
  const { digest, size } = manifest.config;
  if (size > 16 * 1024 * 1024) throw registryErrors.corrupt(input, `image config ${digest}`, `its manifest gives it ${size} bytes`);
  const response = await session.request('GET', `blobs/${digest}`, `image config ${digest}`);
  const config = Buffer.from(await response.arrayBuffer());
  const actual = sha256Of(config);
  if (actual !== digest) throw registryErrors.digestMismatch(input, `the image config ${digest}`, digest, actual);
  let value: ImageConfig;
  try {
    value = JSON.parse(config.toString('utf8')) as ImageConfig;
  } catch {
    throw registryErrors.corrupt(input, `image config ${digest}`, 'it is not JSON');
  }
  if (!value || typeof value !== 'object' || !value.rootfs) throw registryErrors.corrupt(input, `image config ${digest}`, 'it is not an image config (no rootfs)');
  const platform = { os: value.os ?? 'linux', architecture: value.architecture ?? 'amd64', ...(value.variant ? { variant: value.variant } : {}) };
  return { manifest, config, platform };
}

function detailsOf(ref: RegistryReference, images: PlannedImage[], top: Served, index: ImageIndex | undefined): ImageDetails {
  const [first] = images as [PlannedImage];
  const config = JSON.parse(first.config.toString('utf8')) as ImageConfig;
  let size = top.bytes.length;
  for (const image of images) {
    size += image.config.length + (image.manifest === top ? 0 : image.manifest.bytes.length);
    for (const layer of image.manifest.layers) size += layer.size;
  }
  return {
    id: first.manifest.config.digest,
    manifest: first.manifest.digest,
    name: ref.name,
    ...(ref.tag ? { tag: ref.tag } : {}),
    ...(config.created ? { created: config.created } : {}),
    labels: { ...(config.config?.Labels ?? {}) },
    size,
    platform: first.platform,
    ...(index ? { index: index.digest } : {}),
    resolved: `${ref.host === 'docker.io' ? 'docker.io' : ref.host}/${ref.repository}@${top.digest}`,
    ...(images.length > 1 ? { platforms: images.map((image) => image.platform).filter((platform) => platform.os !== 'unknown') } : {}),
  };
}
