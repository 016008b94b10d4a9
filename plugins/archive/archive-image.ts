import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ArchiveFormat, ImageConfig, ImageDetails, ImageLocation, Logger } from '../../src/plugin-api.ts';
import { isIndexDescriptor, machinePlatform, ociIndexBytes, platformText } from '../../src/plugin-api.ts';
import { archiveErrors } from './archive-errors.ts';
import { chooseSavedImage, parseSavedImages, savedName, type NamedSavedImage } from './docker-save.ts';
import { folderFiles, isFile, tarFiles, type LayoutFiles } from './layout-files.ts';
import { blobPath, chooseEntry, choosePlatform, LAYOUT_FILE, MEDIA, nameOf, parseIndex, parseJson, parseManifest, type Descriptor } from './oci-layout.ts';

/**
 * How to export the image an archive or layout holds, as a tar `docker load` reads: which of its
 * files to copy (each checked against the sha256 it is named by, where it is), and which to write
 * anew (an index.json or manifest.json that lists only this image).
 */
export interface ExportPlan {
  format: ArchiveFormat;
  /** Path in the source → the sha256 (hex) its bytes must have, or undefined for files not named by a digest. */
  copy: Map<string, string | undefined>;
  /** Folders to write before the files in them (legacy layer folders). */
  folders: Set<string>;
  /** Files written with this content (in place of the source's own, or added). */
  write: Map<string, Buffer>;
}

/** What inspection found: the image's details, and how to export it. */
export interface ArchiveImage {
  details: ImageDetails;
  plan: ExportPlan;
  /** Where the image is read from. */
  source: { tar: string } | { folder: string };
}


/** Inspect the image at a `docker-archive:`, `oci-archive:` or `oci:` location. */
export async function readArchiveImage(location: ImageLocation, logger?: Logger): Promise<ArchiveImage> {
  const where = path.resolve(location.path!);
  if (location.transport === 'oci') return { ...(await readOci(await folderFiles(where, location.input), location, logger)), source: { folder: where } };
  const files = await tarFiles(where, location.input);
  if (location.transport === 'oci-archive') return { ...(await readOci(files, location, logger)), source: { tar: where } };
  return { ...(await readDockerSave(files, location, logger)), source: { tar: where } };
}

/** A `docker save` tar: legacy, or Docker 25+'s OCI layout with manifest.json. */
async function readDockerSave(files: LayoutFiles, location: ImageLocation, logger?: Logger): Promise<Omit<ArchiveImage, 'source'>> {
  const { input } = files;
  const manifest = await files.read('manifest.json');
  if (!manifest) {
    const oci = await files.read('index.json');
    throw archiveErrors.notAnImage(input, 'it holds no manifest.json', oci ? `It is an OCI layout without the manifest.json docker save writes: give it as oci-archive:${location.path}.` : undefined);
  }
  const images = parseSavedImages(manifest, input);
  const image = chooseSavedImage(images, location.reference, input, location.path!);
  const config = await readConfig(files, image.config, image.digest);
  const ociLayout = files.entries.has('index.json') && image.config.startsWith('blobs/');
  const plan: ExportPlan = { format: ociLayout ? 'oci-layout' : 'docker-save', copy: new Map(), folders: new Set(), write: new Map() };
  plan.write.set('manifest.json', Buffer.from(JSON.stringify([image.raw])));
  plan.copy.set(image.config, image.digest.slice(7));
  const diffIds = config.rootfs?.diff_ids ?? [];
  for (const [at, layer] of image.layers.entries()) {
    const entry = files.entries.get(layer);
    if (!entry) throw archiveErrors.blobMissing(input, `the layer ${layer} its manifest.json lists`);
    if (!isFile(entry.type)) throw archiveErrors.unsupported(input, `its layer ${layer} is a link to another layer (an image with a repeated layer)`);
    const named = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(layer)?.[1];
    plan.copy.set(layer, named ?? diffIds[at]?.replace(/^sha256:/, ''));
    if (named) continue;
    // The legacy layout: each layer in a folder of its own, with its v1 json and VERSION.
    const folder = path.posix.dirname(layer);
    if (folder !== '.') plan.folders.add(folder);
    for (const sibling of ['json', 'VERSION']) if (files.entries.has(`${folder}/${sibling}`)) plan.copy.set(`${folder}/${sibling}`, undefined);
  }
  let manifestDigest: string | undefined;
  if (ociLayout) {
    manifestDigest = await addSavedIndex(files, image, plan, logger);
    if (files.entries.has('oci-layout')) plan.copy.set('oci-layout', undefined);
  } else if (images.length === 1 && files.entries.has('repositories')) {
    plan.copy.set('repositories', undefined);
  }
  return { details: await detailsOf(files, plan, config, image.digest, manifestDigest, savedName(image, location.reference)), plan };
}

/** Docker 25+: the index.json entry of the chosen image (found by its config), written as the only one. */
async function addSavedIndex(files: LayoutFiles, image: NamedSavedImage, plan: ExportPlan, logger?: Logger): Promise<string | undefined> {
  const { input } = files;
  const entries = parseIndex((await files.read('index.json'))!, input, 'index.json');
  for (const entry of entries) {
    const found = await findManifest(files, entry, logger, image.digest).catch(() => undefined);
    if (!found) continue;
    plan.copy.set(blobPath(found.descriptor.digest, input), found.descriptor.digest.slice(7));
    plan.write.set('index.json', indexOf({ ...found.descriptor, ...(entry.annotations ? { annotations: entry.annotations } : {}) }));
    return found.descriptor.digest;
  }
  // An index.json that lists no manifest of this image: old loaders read manifest.json alone.
  plan.write.set('index.json', indexOf());
  return undefined;
}

/** An OCI layout (folder or tar): the entry REF names (or the only one), through a nested index to this machine's platform. */
async function readOci(files: LayoutFiles, location: ImageLocation, logger?: Logger): Promise<Omit<ArchiveImage, 'source'>> {
  const { input } = files;
  const form = `${location.transport}:${location.path}:REF`;
  const index = await files.read('index.json');
  if (!index || (await files.size('oci-layout')) === undefined) {
    const saved = await files.read('manifest.json');
    throw archiveErrors.notAnImage(input, `it holds no ${index ? 'oci-layout file' : 'index.json'}`, saved && location.transport === 'oci-archive' ? `It is a docker save archive: give it as docker-archive:${location.path}.` : undefined);
  }
  const entry = chooseEntry(parseIndex(index, input, 'index.json'), location.reference, input, form);
  const { descriptor, manifest } = await findManifest(files, entry, logger);
  const config = await readConfig(files, blobPath(manifest.config.digest, input), manifest.config.digest);
  const plan: ExportPlan = { format: 'oci-layout', copy: new Map(), folders: new Set(), write: new Map() };
  plan.write.set('oci-layout', LAYOUT_FILE);
  plan.write.set('index.json', indexOf(descriptor));
  const layers = manifest.layers.map((layer) => blobPath(layer.digest, input));
  for (const blob of [blobPath(descriptor.digest, input), blobPath(manifest.config.digest, input), ...layers]) {
    const size = await files.size(blob);
    if (size === undefined) throw archiveErrors.blobMissing(input, `the blob ${blob}`);
    plan.copy.set(blob, blob.slice('blobs/sha256/'.length));
  }
  for (const layer of manifest.layers) {
    if (layer.mediaType?.includes('zstd')) throw archiveErrors.unsupported(input, `its layer ${layer.digest} is zstd-compressed, which docker load cannot read`);
  }
  // The manifest.json old loaders (Docker before 25) read, as Docker 25+ writes it beside the layout.
  plan.write.set('manifest.json', Buffer.from(JSON.stringify([{ Config: blobPath(manifest.config.digest, input), RepoTags: [], Layers: layers }])));
  return { details: await detailsOf(files, plan, config, manifest.config.digest, descriptor.digest, nameOf(entry.annotations)), plan };
}

/** The manifest an index entry leads to, through nested indexes (this machine's platform), its blob checked. */
async function findManifest(files: LayoutFiles, entry: Descriptor, logger?: Logger, config?: string, depth = 0): Promise<{ descriptor: Descriptor; manifest: ReturnType<typeof parseManifest> }> {
  const { input } = files;
  if (depth > 4) throw archiveErrors.unsupported(input, 'its image indexes nest more than 4 deep');
  const blob = await readBlob(files, entry.digest, 'the manifest');
  if (isIndexDescriptor(entry) || (parseJson(blob, input, blobPath(entry.digest, input)) as { manifests?: unknown }).manifests) {
    const children = parseIndex(blob, input, blobPath(entry.digest, input));
    const platform = machinePlatform();
    const child = choosePlatform(children, platform, input);
    if (children.length > 1 && !config) logger?.warn(`${input}: its image index lists ${children.length} platforms; taking ${platformText(platform)} (${child.digest}), this machine's.`);
    return findManifest(files, child, logger, config, depth + 1);
  }
  const manifest = parseManifest(blob, input, blobPath(entry.digest, input));
  if (config && manifest.config.digest !== config) throw archiveErrors.corrupt(input, 'its index.json lists another image than its manifest.json');
  return { descriptor: { ...entry, annotations: undefined }, manifest };
}

/** A small blob, checked against its digest. */
async function readBlob(files: LayoutFiles, digest: string, what: string): Promise<Buffer> {
  const name = blobPath(digest, files.input);
  const content = await files.read(name);
  if (!content) throw archiveErrors.blobMissing(files.input, `${what} blob ${name}`);
  const actual = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  if (actual !== digest) throw archiveErrors.digestMismatch(files.input, `${what} ${name}`, digest, actual);
  return content;
}

/** The image config at `name`, checked against the digest it is known by (the image id). */
async function readConfig(files: LayoutFiles, name: string, digest: string): Promise<ImageConfig> {
  const content = await files.read(name);
  if (!content) throw archiveErrors.blobMissing(files.input, `the image config ${name}`);
  const actual = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  if (actual !== digest) throw archiveErrors.digestMismatch(files.input, `the image config ${name}`, digest, actual);
  const config = parseJson(content, files.input, name) as ImageConfig;
  if (!config || typeof config !== 'object' || !config.rootfs) throw archiveErrors.corrupt(files.input, `${name} is not an image config (no rootfs)`);
  return config;
}

async function detailsOf(files: LayoutFiles, plan: ExportPlan, config: ImageConfig, id: string, manifest: string | undefined, named: { name?: string; tag?: string }): Promise<ImageDetails> {
  let size = 0;
  for (const name of plan.copy.keys()) size += (await files.size(name)) ?? 0;
  for (const content of plan.write.values()) size += content.length;
  return {
    id,
    ...(manifest ? { manifest } : {}),
    ...(named.name ? { name: named.name } : {}),
    ...(named.tag ? { tag: named.tag } : {}),
    ...(config.created ? { created: config.created } : {}),
    labels: { ...(config.config?.Labels ?? {}) },
    size,
    platform: { os: config.os ?? 'linux', architecture: config.architecture ?? 'amd64', ...(config.variant ? { variant: config.variant } : {}) },
  };
}

/** An index.json listing one manifest (or none). */
export const indexOf = (descriptor?: Descriptor): Buffer => ociIndexBytes(descriptor ? [descriptor] : []);
