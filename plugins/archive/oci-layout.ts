import type { Descriptor, ImageManifest, Platform } from '../../src/plugin-api.ts';
import { blobPathOf, imageManifest, indexEntries, layoutJson, OCI_ANNOTATIONS, OCI_LAYOUT_FILE, OCI_MEDIA, platformFits, platformText } from '../../src/plugin-api.ts';
import { archiveErrors, readingLayout } from './archive-errors.ts';

export type { Descriptor } from '../../src/plugin-api.ts';

export const REF_NAME = OCI_ANNOTATIONS.refName;
export const CONTAINERD_NAME = OCI_ANNOTATIONS.containerdName;
export const MEDIA = OCI_MEDIA;
export const LAYOUT_FILE = Buffer.from(OCI_LAYOUT_FILE);

/** Where a blob is in a layout: `blobs/sha256/<hex>`; only sha256 digests (what every tool writes). */
export const blobPath = (digest: string, input: string): string => readingLayout(input, () => blobPathOf(digest));

/** Parse JSON from an archive, or a clear error naming the file. */
export const parseJson = (content: Buffer, input: string, file: string): unknown => readingLayout(input, () => layoutJson(content, file));

/** An index's entries (index.json, or a nested image index blob). */
export const parseIndex = (content: Buffer, input: string, file: string): Descriptor[] => readingLayout(input, () => indexEntries(layoutJson(content, file), file));

/** An image manifest: its config and layers. */
export const parseManifest = (content: Buffer, input: string, file: string): ImageManifest => readingLayout(input, () => imageManifest(layoutJson(content, file), file));

/**
 * The index entry a REF names, or the only one. Several entries and no REF, or a REF no entry
 * carries, are clear errors listing what there is.
 */
export function chooseEntry(entries: Descriptor[], ref: string | undefined, input: string, form: string): Descriptor {
  const named = (entry: Descriptor) => entry.annotations?.[REF_NAME];
  const choices = entries.map((entry) => named(entry) ?? `${entry.digest} (no ${REF_NAME})`);
  if (ref !== undefined) {
    const found = entries.filter((entry) => named(entry) === ref);
    if (found.length === 0) throw archiveErrors.noSuchImage(input, ref, entries.map(named).filter((n): n is string => Boolean(n)), form);
    if (new Set(found.map((entry) => entry.digest)).size > 1) throw archiveErrors.ambiguous(input, `images named "${ref}"`, found.map((entry) => entry.digest), 'copy the one you want into a layout of its own');
    return found[0]!;
  }
  if (entries.length === 0) throw archiveErrors.notAnImage(input, 'its index.json lists no image');
  if (new Set(entries.map((entry) => entry.digest)).size > 1) throw archiveErrors.ambiguous(input, 'images', choices, form);
  return entries[0]!;
}

/** The entry of an image index for `platform` (variant ignored when the entry gives none), or a clear error. */
export function choosePlatform(entries: Descriptor[], platform: Platform, input: string): Descriptor {
  const fits = entries.filter((entry) => platformFits(entry.platform, platform));
  if (fits.length === 0) throw archiveErrors.noPlatform(input, platformText(platform), entries.map((entry) => (entry.platform ? platformText(entry.platform) : `${entry.digest} (no platform)`)));
  return fits[0]!;
}

/**
 * The repository name and tag an OCI ref name gives, when it is a full `NAME:TAG` (`team/tool:1.0`);
 * a bare tag (`1.0`, what skopeo and buildah usually write) names no repository. A containerd name
 * annotation (`docker.io/team/tool:1.0`) names both.
 */
export function nameOf(annotations: Record<string, string> | undefined): { name?: string; tag?: string } {
  for (const value of [annotations?.[REF_NAME], annotations?.[CONTAINERD_NAME]]) {
    if (!value) continue;
    const match = /^([a-z0-9][a-z0-9._\-/:]*[a-z0-9])?:([\w][\w.-]{0,127})$/.exec(value);
    if (!match?.[1] || match[1].includes('@')) continue;
    const name = match[1].replace(/^docker\.io\/(library\/)?/, '');
    // A colon left in the name must be a registry port (`host:5000/x`), else this is no NAME:TAG.
    if (name.includes(':') && !/^[^/]+:\d+\//.test(name)) continue;
    return { name, tag: match[2] };
  }
  return {};
}
