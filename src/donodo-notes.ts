import { parsePlatform, platformText, type ArchiveFormat, type ImageIdentity } from './contracts/image-identity.ts';

/**
 * donodo's record of the image in Zenodo's `metadata.notes`, in the original donodo's format
 * (`{ "docker-id" : "sha256:…", "docker-image-name" : "name:tag" }`), which this version extends
 * with more keys after those two: `docker-manifest-digest`, `docker-platform`, `docker-archive-format`,
 * and for images from a registry `docker-index-digest`, `docker-source`, `docker-source-resolved`,
 * `docker-platforms` (comma-separated, where the archive holds several).
 * Storages that keep no other place for it use these to persist {@link ImageIdentity}.
 */
const KEYS = {
  config: 'docker-id',
  name: 'docker-image-name',
  manifest: 'docker-manifest-digest',
  platform: 'docker-platform',
  format: 'docker-archive-format',
  index: 'docker-index-digest',
  source: 'docker-source',
  resolved: 'docker-source-resolved',
  platforms: 'docker-platforms',
} as const;
const FORMATS: readonly ArchiveFormat[] = ['docker-save', 'oci-layout'];
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The image identity the notes give (HTML that Zenodo may add around them ignored); undefined when they hold none. */
export function identityFromNotes(notes: unknown): ImageIdentity | undefined {
  const found = findNotesObject(notes);
  const value = found?.value;
  if (!value || typeof value[KEYS.config] !== 'string') return undefined;
  const text = (key: string) => (typeof value[key] === 'string' ? (value[key] as string) : undefined);
  const identity: ImageIdentity = { config: text(KEYS.config)! };
  const named = text(KEYS.name);
  const at = named ? named.lastIndexOf(':') : -1;
  if (named && at > named.lastIndexOf('/')) Object.assign(identity, { name: named.slice(0, at), tag: named.slice(at + 1) });
  else if (named) identity.name = named;
  const manifest = text(KEYS.manifest);
  if (manifest && DIGEST.test(manifest)) identity.manifest = manifest;
  const platform = text(KEYS.platform) && parsePlatform(text(KEYS.platform)!);
  if (platform) identity.platform = platform;
  const format = text(KEYS.format) as ArchiveFormat | undefined;
  if (format && FORMATS.includes(format)) identity.format = format;
  const index = text(KEYS.index);
  if (index && DIGEST.test(index)) identity.index = index;
  for (const key of ['source', 'resolved'] as const) if (text(KEYS[key])) identity[key] = text(KEYS[key]);
  const platforms = text(KEYS.platforms)?.split(',').map((part) => parsePlatform(part.trim()));
  if (platforms?.length && platforms.every(Boolean)) identity.platforms = platforms as NonNullable<ImageIdentity['platforms']>;
  return identity;
}

/**
 * Notes that record `identity`: the object donodo wrote (by the default template, or by an earlier
 * run) is replaced with one for this identity, its original two keys first; text of the user's own
 * around it stays. Notes without such an object get it appended.
 */
export function notesWithIdentity(notes: unknown, identity: ImageIdentity): string {
  const entries: Array<[string, string | undefined]> = [
    [KEYS.config, identity.config],
    [KEYS.name, identity.name ? (identity.tag ? `${identity.name}:${identity.tag}` : identity.name) : undefined],
    [KEYS.manifest, identity.manifest],
    [KEYS.platform, identity.platform ? platformText(identity.platform) : undefined],
    [KEYS.format, identity.format],
    [KEYS.index, identity.index],
    [KEYS.source, identity.source],
    [KEYS.resolved, identity.resolved],
    [KEYS.platforms, identity.platforms?.map(platformText).join(',')],
  ];
  // Spaced as the original donodo's template writes it.
  const object = `{ ${entries.filter(([, value]) => value !== undefined).map(([key, value]) => `${JSON.stringify(key)} : ${JSON.stringify(value)}`).join(', ')} }`;
  const text = typeof notes === 'string' ? notes : '';
  const found = findNotesObject(text);
  if (found) return text.slice(0, found.start) + object + text.slice(found.end);
  return text.trim() ? `${text}\n${object}` : object;
}

/**
 * The JSON object in the notes that has a `docker-id`, with where it is in the text. Zenodo may have
 * escaped the quotes as HTML (`&quot;`); such notes are read, and rewritten as a whole.
 */
function findNotesObject(notes: unknown): { value: Record<string, unknown>; start: number; end: number } | undefined {
  if (typeof notes !== 'string') return undefined;
  const raw = findObject(notes);
  if (raw) return raw;
  const text = notes.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const unescaped = findObject(text);
  return unescaped ? { value: unescaped.value, start: 0, end: notes.length } : undefined;
}

/** donodo writes `docker-id` first; only objects that start so are tried, each up to its nearest closing brace that parses. */
function findObject(text: string): { value: Record<string, unknown>; start: number; end: number } | undefined {
  for (const match of text.matchAll(/\{\s*"docker-id"/g)) {
    const start = match.index;
    for (let end = text.indexOf('}', start); end > 0; end = text.indexOf('}', end + 1)) {
      try {
        const value = JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>;
        return { value, start, end: end + 1 };
      } catch {
        // not yet the end of the object
      }
    }
  }
  return undefined;
}
