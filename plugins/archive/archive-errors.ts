import { cleanText, DonodoError, LayoutError } from '../../src/plugin-api.ts';

/**
 * The errors of the archive plugin: each names the archive (as the user wrote it), what is wrong,
 * and what to do. A plugin imports only from the plugin API, so these live here, as the zenodo
 * plugin's do; the codes are stable.
 */
export const archiveErrors = {
  notFound: (input: string, what: string) =>
    new DonodoError('IMAGE_NOT_FOUND', `"${cleanText(input)}": ${what} does not exist.`, {
      hint: 'Check the path (relative paths are from the current folder).',
    }),
  notAnImage: (input: string, why: string, hint?: string) =>
    new DonodoError('ARCHIVE_NOT_IMAGE', `"${cleanText(input)}" is not an image archive: ${cleanText(why)}.`, {
      hint:
        hint ??
        'docker-archive: takes a `docker save` tar (plain or gzip); oci-archive: a tar of an OCI image layout; oci: an OCI image layout folder (oci-layout, index.json, blobs/).',
    }),
  corrupt: (input: string, why: string) =>
    new DonodoError('ARCHIVE_CORRUPT', `"${cleanText(input)}" is damaged: ${cleanText(why)}.`, {
      hint: 'Write the archive again (docker save, skopeo copy) and check that it was copied whole.',
    }),
  blobMissing: (input: string, what: string) =>
    new DonodoError('ARCHIVE_BLOB_MISSING', `"${cleanText(input)}" lacks ${cleanText(what)}.`, {
      hint: 'The layout is incomplete (a blob was deleted, or the copy stopped); write it again with skopeo copy or docker save.',
    }),
  digestMismatch: (input: string, what: string, expected: string, actual: string) =>
    new DonodoError('ARCHIVE_DIGEST_MISMATCH', `"${cleanText(input)}": ${cleanText(what)} has the digest ${actual}, not ${expected} as the archive names it.`, {
      hint: 'The archive is damaged or was altered; nothing was archived. Write it again from the original image.',
    }),
  ambiguous: (input: string, what: string, choices: string[], form: string) =>
    new DonodoError('ARCHIVE_AMBIGUOUS', `"${cleanText(input)}" holds ${choices.length} ${what}; say which one.`, {
      hint: `Name one after the path: ${form}.`,
      details: choices.map((choice) => cleanText(choice)),
    }),
  noSuchImage: (input: string, reference: string, choices: string[], form: string) =>
    new DonodoError('IMAGE_NOT_FOUND', `"${cleanText(input)}" holds no image named "${cleanText(reference)}".`, {
      hint: choices.length ? `It holds: ${choices.map((c) => cleanText(c)).join(', ')}; write one of them (${form}).` : `It names none of its images; leave the reference out and give --name NAME:TAG.`,
    }),
  noPlatform: (input: string, wanted: string, platforms: string[]) =>
    new DonodoError('IMAGE_NOT_FOUND', `"${cleanText(input)}" holds no image for ${wanted}, this machine's platform.`, {
      hint: `Its index lists: ${platforms.join(', ') || 'no platforms'}. Copy the one you want into a layout of its own (skopeo copy --override-arch …), and give that.`,
    }),
  unsupported: (input: string, what: string) =>
    new DonodoError('ARCHIVE_UNSUPPORTED', `"${cleanText(input)}": ${cleanText(what)}, which donodo cannot copy yet.`, {
      hint: 'Write the image in another form (skopeo copy … oci-archive:FILE), and give that.',
    }),
  destinationExists: (input: string, path: string) =>
    new DonodoError('DESTINATION_EXISTS', `"${cleanText(input)}": ${cleanText(path)} exists already; donodo does not overwrite it.`, {
      hint: 'Remove it, or name another file or folder. Nothing was downloaded.',
    }),
  destinationFolderMissing: (input: string, folder: string) =>
    new DonodoError('DESTINATION_FOLDER_MISSING', `"${cleanText(input)}": the folder ${cleanText(folder)} does not exist.`, {
      hint: 'Create it first (mkdir -p), or name a path in an existing folder. Nothing was downloaded.',
    }),
  unnamedDestination: (input: string) =>
    new DonodoError('ARCHIVE_CORRUPT', `"${cleanText(input)}": the archive being written holds no single image.`, {
      hint: 'The pulled archive is not an image record donodo can write; nothing was kept.',
    }),
};

/** Read an archive's metadata with the plugin API's layout parser; what is wrong with it, as the error of this input. */
export function readingLayout<T>(input: string, read: () => T): T {
  try {
    return read();
  } catch (cause) {
    if (!(cause instanceof LayoutError)) throw cause;
    if (cause.kind === 'empty') throw archiveErrors.notAnImage(input, cause.message);
    if (cause.kind === 'unsupported') throw archiveErrors.unsupported(input, cause.message);
    throw archiveErrors.corrupt(input, cause.message);
  }
}
