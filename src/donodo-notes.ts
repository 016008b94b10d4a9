/**
 * What donodo records about the image in `metadata.notes`, in the original's format (written by the
 * default template: `{ "docker-id" : "sha256:…", "docker-image-name" : "name:tag" }`).
 */
export interface DonodoNotes {
  dockerId?: string;
  imageName?: string;
}

/** Read the notes of a record (HTML tags that Zenodo may add around it are ignored); unknown content gives {}. */
export function parseDonodoNotes(notes: unknown): DonodoNotes {
  if (typeof notes !== 'string') return {};
  const text = notes.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return {};
  try {
    const value = JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>;
    return {
      dockerId: typeof value['docker-id'] === 'string' ? value['docker-id'] : undefined,
      imageName: typeof value['docker-image-name'] === 'string' ? value['docker-image-name'] : undefined,
    };
  } catch {
    return {};
  }
}
