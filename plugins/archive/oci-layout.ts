import type { Platform } from '../../src/plugin-api.ts';
import { OCI_ANNOTATIONS, OCI_LAYOUT_FILE, OCI_MEDIA, platformText } from '../../src/plugin-api.ts';
import { archiveErrors } from './archive-errors.ts';

/** An OCI content descriptor (index entries, a manifest's config and layers). */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export const REF_NAME = OCI_ANNOTATIONS.refName;
export const CONTAINERD_NAME = OCI_ANNOTATIONS.containerdName;
export const MEDIA = OCI_MEDIA;
export const LAYOUT_FILE = Buffer.from(OCI_LAYOUT_FILE);

/** Where a blob is in a layout: `blobs/sha256/<hex>`; only sha256 digests (what every tool writes). */
export function blobPath(digest: string, input: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!match) throw archiveErrors.unsupported(input, `it names a blob by the digest "${digest}" (only sha256 digests are read)`);
  return `blobs/sha256/${match[1]}`;
}

/** Parse JSON from an archive, or a clear error naming the file. */
export function parseJson(content: Buffer, input: string, file: string): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    throw archiveErrors.corrupt(input, `its ${file} is not valid JSON`);
  }
}

/** An index's entries (index.json, or a nested image index blob). */
export function parseIndex(content: Buffer, input: string, file: string): Descriptor[] {
  const value = parseJson(content, input, file) as { manifests?: unknown };
  if (!value || typeof value !== 'object' || !Array.isArray(value.manifests)) throw archiveErrors.corrupt(input, `its ${file} lists no manifests`);
  return value.manifests.map((entry, at) => descriptorOf(entry, input, `${file} manifests[${at}]`));
}

/** An image manifest: its config and layers. */
export function parseManifest(content: Buffer, input: string, file: string): { config: Descriptor; layers: Descriptor[] } {
  const value = parseJson(content, input, file) as { config?: unknown; layers?: unknown };
  if (!value || typeof value !== 'object' || !value.config || !Array.isArray(value.layers)) throw archiveErrors.corrupt(input, `its ${file} is not an image manifest (no config or layers)`);
  return { config: descriptorOf(value.config, input, `${file} config`), layers: value.layers.map((layer, at) => descriptorOf(layer, input, `${file} layers[${at}]`)) };
}

/** Whether a descriptor points at an image index (a multi-platform image) rather than a manifest. */
export const isIndex = (descriptor: Descriptor): boolean => descriptor.mediaType === MEDIA.index || descriptor.mediaType === MEDIA.dockerList;

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
  const fits = entries.filter(
    (entry) =>
      entry.platform?.os === platform.os &&
      entry.platform.architecture === platform.architecture &&
      (!platform.variant || !entry.platform.variant || entry.platform.variant === platform.variant),
  );
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

/** The platform this machine runs images of (Go's architecture names, as image configs use). */
export function machinePlatform(): Platform {
  const architectures: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: architectures[process.arch] ?? process.arch };
}

function descriptorOf(value: unknown, input: string, where: string): Descriptor {
  const entry = value as Partial<Descriptor> | null;
  if (!entry || typeof entry !== 'object' || typeof entry.digest !== 'string' || typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw archiveErrors.corrupt(input, `${where} is not a content descriptor (digest and size)`);
  }
  return entry as Descriptor;
}
