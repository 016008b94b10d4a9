import { hostname } from 'node:os';
import type { ArchivedRecord } from '../contracts/storage-backend.ts';
import type { LockOwner } from '../lock/exclusive-file.ts';
import { shortId } from '../output/format.ts';
import { cleanText } from '../output/terminal-text.ts';
import { schemaFile } from '../package-info.ts';
import { DonodoError } from './donodo-error.ts';

/**
 * Every error the core shows to users, in one place. Each entry fixes a stable code, a one-line
 * message and a hint saying what to do. Plugins throw their own DonodoErrors.
 */
export const errors = {
  referenceMissingTag: (ref: string) =>
    new DonodoError('REFERENCE_NO_TAG', `Image reference "${ref}" has no tag.`, {
      hint: 'Name the version to archive explicitly, e.g. "my/image:1.2". A version needs a tag.',
    }),
  referenceLatest: (ref: string) =>
    new DonodoError('REFERENCE_LATEST', `Image reference "${ref}" uses the tag "latest", which donodo does not archive.`, {
      hint: '"latest" changes meaning over time, so it cannot name a citable version. Tag the image with a version (docker tag IMAGE my/image:1.2) and push that.',
    }),
  referenceDigest: (ref: string) =>
    new DonodoError('REFERENCE_DIGEST', `Image reference "${ref}" names a digest; push needs a tag.`, {
      hint: 'Each archived version is named by its tag. Tag the image (docker tag IMAGE my/image:1.2) and push "my/image:1.2".',
    }),
  referenceInvalid: (ref: string, why: string) =>
    new DonodoError('REFERENCE_INVALID', `Image reference "${ref}" is not valid: ${why}.`, {
      hint: 'Use NAME:TAG, e.g. "my/image:1.2" or "localhost:5000/team/tool:2.0" (lower-case name, tag of letters, digits, "_", "." and "-").',
    }),
  transportIncomplete: (input: string, form: string) =>
    new DonodoError('TRANSPORT_INCOMPLETE', `Image location "${cleanText(input)}" is incomplete: it should read ${form}.`, {
      hint: 'Transports follow skopeo: docker-daemon:NAME:TAG, podman:NAME:TAG, docker-archive:PATH[:NAME:TAG], oci-archive:PATH[:REF], oci:DIR[:REF]; plain NAME:TAG is the Docker engine.',
    }),
  transportUnsupported: (input: string, transport: string, why: string) =>
    new DonodoError('TRANSPORT_UNSUPPORTED', `Image location "${cleanText(input)}" uses ${transport}, but ${why}.`, {
      hint: 'Pull the image into an engine first (docker pull), or save it to a file (skopeo copy … docker-archive:image.tar), and give that.',
    }),
  transportUnknown: (transport: string, known: string[]) =>
    new DonodoError('TRANSPORT_UNKNOWN', `No image plugin serves the transport "${cleanText(transport)}".`, {
      hint: `Transports served here: ${known.join(', ') || 'none'}. A third-party image-source plugin lists its own in "transports".`,
    }),
  transportCannot: (input: string, transport: string, what: string) =>
    new DonodoError('TRANSPORT_UNSUPPORTED', `"${cleanText(input)}": ${transport} locations cannot ${what}.`, {
      hint: 'See "Transports" in the README for what each one can do.',
    }),
  imageUnnamed: (input: string, name: string | undefined) =>
    new DonodoError('IMAGE_UNNAMED', `"${cleanText(input)}" ${name ? `gives the image the name "${cleanText(name)}" but no tag` : 'gives the image no name and tag'}, and a version is archived under NAME:TAG.`, {
      hint: 'Give the name with --name NAME:TAG (e.g. --name team/tool:1.0), or in the reference where the transport takes one (docker-archive:PATH:NAME:TAG, oci:DIR:REF).',
    }),
  platformNotInArchive: (key: string, wanted: string, held: string[]) =>
    new DonodoError('PLATFORM_NOT_FOUND', `The archive ${key} holds no image for ${wanted}; it holds ${held.join(', ') || 'no platform'}.`, {
      hint: 'Name one it holds with --platform OS/ARCH[/VARIANT].',
    }),
  digestNeedsTag: (input: string) =>
    new DonodoError('REFERENCE_DIGEST', `"${cleanText(input)}" names the image by its digest; a version is archived under a tag.`, {
      hint: 'Give the tag with --tag TAG (e.g. --tag 1.0): the record keeps the digest, and names the version by the tag.',
    }),
  nameForOneImage: (count: number) =>
    new DonodoError('USAGE', `--name names one image, but ${count} were given.`, {
      hint: 'Push the images one at a time with their own --name, or name each in its reference (docker-archive:PATH:NAME:TAG).',
    }),
  tagForOneImage: (count: number) =>
    new DonodoError('USAGE', `--tag tags one image, but ${count} were given.`, {
      hint: 'Push the images one at a time, each with its own --tag.',
    }),
  configNotFound: (file: string, cause?: unknown) =>
    new DonodoError('CONFIG_NOT_FOUND', `Configuration file "${file}" could not be read.`, {
      hint: 'Check the path given to --config.',
      cause,
    }),
  configSyntax: (file: string, why: string, cause: unknown) =>
    new DonodoError('CONFIG_SYNTAX', `Configuration file "${file}" is not valid JSON or YAML: ${why}`, {
      hint: `Fix the syntax at the position shown; the README's "Configuration" section shows a valid file.`,
      cause,
    }),
  configInvalid: (file: string, details: string[]) =>
    new DonodoError('CONFIG_INVALID', `Configuration file "${file}" has ${details.length} problem${details.length === 1 ? '' : 's'}.`, {
      hint: `Correct each setting listed. Every setting is described in ${schemaFile('config.schema.json')} (name it in "$schema" and editors complete the file) and in the README's "Configuration" section.`,
      details,
    }),
  templateTooLarge: (source: string, capBytes: number) =>
    new DonodoError('TEMPLATE_TOO_LARGE', `Template "${source}" is larger than ${capBytes / 1e6} MB, donodo's limit for a template; it stopped reading there.`, {
      hint: 'A template is a JSON object of deposition fields, a few kB; check that this names the template you meant (not, say, an image archive).',
    }),
  templateFileUrl: (url: string) =>
    new DonodoError('TEMPLATE_URL_UNSUPPORTED', `Template "${url}": file:// URLs are not supported; give the path.`, {
      hint: 'Name the file itself, e.g. --templates ./zenodo_template.json (paths in the configuration are relative to the configuration file).',
    }),
  templateRedirectInsecure: (url: string, next: string) =>
    new DonodoError('TEMPLATE_URL_INSECURE', `Template URL "${url}" redirects to "${next}", which is not https; donodo does not follow it.`, {
      hint: 'Templates are fetched only over https, so that nobody on the way can change the metadata of a permanent record. Use the final https address, or download the template and name the file.',
    }),
  pluginUnknown: (kind: string, name: string, known: string[]) =>
    new DonodoError('PLUGIN_UNKNOWN', `No ${kind} plugin is named "${name}".`, {
      hint: `Known ${kind} plugins: ${known.join(', ') || 'none'}. A third-party plugin must be listed in the config's "plugins".`,
    }),
  pluginLoad: (module: string, cause: unknown) =>
    new DonodoError('PLUGIN_LOAD', `Plugin module "${module}" could not be loaded: ${messageOf(cause)}`, {
      hint: 'Paths in "plugins" are relative to the configuration file; package names must be installed where the config is.',
      cause,
    }),
  pluginShape: (module: string, problems: string[]) =>
    new DonodoError('PLUGIN_SHAPE', `Plugin module "${module}" does not export a donodo plugin.`, {
      hint: 'Its default export must be an object { kind, name, create(options, deps) } (or a list of them); see "Writing a plugin" in the README.',
      details: problems,
    }),
  pluginDuplicate: (kind: string, name: string) =>
    new DonodoError('PLUGIN_DUPLICATE', `Two ${kind} plugins are named "${name}".`, {
      hint: 'Plugin names must be unique per kind; rename the third-party plugin.',
    }),
  pluginOptions: (kind: string, name: string, details: string[]) =>
    new DonodoError('PLUGIN_OPTIONS', `Options of the ${kind} plugin "${name}" are not valid.`, {
      hint: "Correct the options listed; the plugin's optionsSchema says what it accepts.",
      details,
    }),
  imageBusy: (name: string, location: string, file: string, holder: LockOwner | undefined) =>
    new DonodoError(
      'IMAGE_BUSY',
      holder
        ? `Another donodo (pid ${holder.pid} on ${holder.host}, since ${holder.started}) is pushing ${name} to ${location}; this push changed nothing.`
        : `Another donodo is pushing ${name} to ${location} (its lock ${file} cannot be read); this push changed nothing.`,
      {
        hint: `Two pushes of one image at once could publish a tag twice. Wait for the other one to finish, then run the same command again: what it published is found and skipped. If no donodo is running${holder && holder.host !== hostname() ? ` on ${holder.host}` : ''}, delete ${file}.`,
      },
    ),
  lockFileBusy: (file: string, holder: LockOwner | undefined) =>
    new DonodoError('LOCK_FILE_BUSY', `Could not write the lock file ${file}: another donodo${holder ? ` (pid ${holder.pid} on ${holder.host})` : ''} kept it locked for more than 10 seconds.`, {
      hint: `Run the same command again once the other donodo is done; if none is running, delete ${file}.lock.`,
    }),
  conceptNotFound: (location: string, conceptRecId: string) =>
    new DonodoError('CONCEPT_NOT_FOUND', `${cleanText(location)} holds no concept ${cleanText(conceptRecId)} of yours.`, {
      hint: 'Check --conceptrecid (or "conceptrecid" in the configuration): the concept record id, not a version id, and that the token or folder is the owner\'s. Leave it out to let donodo find the concept by title.',
    }),
  draftVanished: (image: string, draft: { recordId: string; webUrl?: string }) =>
    new DonodoError('DRAFT_VANISHED', `${image} was not pushed: draft ${draft.recordId}${draft.webUrl ? ` (${cleanText(draft.webUrl)})` : ''} was there a moment ago and is gone now (discarded by someone, or by another run).`, {
      hint: 'Nothing was uploaded. Push again: donodo looks afresh at what the storage holds.',
    }),
  draftHoldsOtherTag: (name: string, tag: string, draft: { recordId: string; webUrl?: string; version?: string }) =>
    new DonodoError(
      'DRAFT_HOLDS_OTHER_TAG',
      `${name}:${tag} was not pushed: draft ${draft.recordId}${draft.webUrl ? ` (${draft.webUrl})` : ''} holds ${name}:${draft.version}, uploaded but not published; donodo does not turn it into ${tag}.`,
      {
        hint: `A concept has one unpublished version at a time (on Zenodo too), so ${tag} can follow only once that draft is done: publish it (donodo push ${name}:${draft.version} -y), or discard it on its web page, or take it over for ${tag} with --replace-draft (its ${draft.version} archive is then deleted). Then push ${name}:${tag} again.`,
      },
    ),
  publishedMeanwhile: (image: string, published: ArchivedRecord, leftOver: ArchivedRecord | undefined) => {
    // Another run may have published this very draft: then nothing is left over.
    const draft = leftOver && leftOver.recordId !== published.recordId ? leftOver : undefined;
    return new DonodoError(
      'TAG_PUBLISHED_MEANWHILE',
      `${image} is already published, by another run, as ${published.doi ?? `record ${published.recordId}`} (record ${published.recordId}, concept ${published.conceptRecId})${
        draft ? `; draft ${draft.recordId} (concept ${draft.conceptRecId}) was left unpublished, so that the tag keeps one version` : ''
      }.`,
      {
        hint: `Nothing is missing: cite ${published.doiUrl ?? published.doi ?? `record ${published.recordId}`}.${
          draft ? ` Discard draft ${draft.recordId}${draft.webUrl ? ` on its page ${draft.webUrl}` : ''}, or use it for another tag with --replace-draft.` : ''
        }`,
      },
    );
  },
  pluginCliOption: (flag: string, kind: string, selected: string) =>
    new DonodoError('PLUGIN_CLI_OPTION', `${flag} does not apply: the ${kind} in use is "${selected}".`, {
      hint: `Select the ${kind} plugin that offers ${flag}, or leave the flag out.`,
    }),
  pluginFailed: (plugin: string, step: string, cause: unknown) =>
    new DonodoError('PLUGIN_FAILED', `Plugin "${plugin}" failed during ${step}: ${messageOf(cause)}`, {
      hint: 'This is a fault in the plugin or in what it was given; run with --debug for the stack trace and report it to its author.',
      cause,
    }),
  metadataInvalid: (details: string[]) =>
    new DonodoError('METADATA_INVALID', `The deposition metadata has ${details.length} problem${details.length === 1 ? '' : 's'}; nothing was uploaded.`, {
      hint: 'Fix the templates or labels that produce these fields (see "Metadata" in the README), then push again.',
      details,
    }),
  publishedDifferentImage: (name: string, tag: string, where: string, recordedId: string, localId: string) =>
    new DonodoError('TAG_PUBLISHED_DIFFERENT_IMAGE', `${name}:${tag} is already published (${where}) with a different image (${short(recordedId)}; local ${short(localId)}).`, {
      hint: 'A published version cannot change. Give the new image a new tag and push that tag.',
    }),
  checksumMismatch: (what: string, expected: string, actual: string) =>
    new DonodoError('CHECKSUM_MISMATCH', `${what}: md5 ${actual} does not match the expected ${expected}.`, {
      hint: 'The bytes were damaged in transit or in storage; nothing was published, loaded or kept. Run the command again.',
    }),
  noImageFile: (record: string, keys: string[]) =>
    new DonodoError('NO_IMAGE_FILE', `Record ${cleanText(record)} holds no image archive (files: ${keys.length ? cleanText(keys.join(', ')) : 'none'}).`, {
      hint: 'donodo looks for a file whose name starts with "image.tar", else one containing ".tar". Check that the reference names an image record.',
    }),
  severalImageFiles: (record: string, keys: string[]) =>
    new DonodoError('SEVERAL_IMAGE_FILES', `Record ${cleanText(record)} holds several candidate image archives: ${cleanText(keys.join(', '))}.`, {
      hint: 'donodo needs exactly one file whose name starts with "image.tar" (or contains ".tar"); download the one you want by hand and use docker load.',
    }),
  imageIdMismatch: (record: string, expected: string, loaded: string) =>
    new DonodoError('IMAGE_ID_MISMATCH', `The image loaded from record ${record} has id ${short(loaded)}, but the record says ${short(expected)}; it was removed again and no tag was changed.`, {
      hint: 'The archive does not hold the image its record describes. Contact the record owner; do not rely on this record.',
    }),
  loadedNothing: (record: string) =>
    new DonodoError('LOAD_EMPTY', `Loading the archive of record ${record} brought no image into Docker.`, {
      hint: 'The file is not a docker save archive. Check that the reference names an image record.',
    }),
  archiveDamaged: (key: string, why: string) =>
    new DonodoError('ARCHIVE_CORRUPT', `The archive "${cleanText(key)}" is not a usable image archive: ${cleanText(why)}.`, {
      hint: 'The file is damaged or is not a docker save / OCI archive. Nothing was loaded or tagged.',
    }),
  layerDigestMismatch: (key: string, file: string, expected: string, actual: string) =>
    new DonodoError('LAYER_DIGEST_MISMATCH', `The archive "${cleanText(key)}" holds ${cleanText(file)} with the digest ${cleanText(actual)}, but the image says ${cleanText(expected)}; nothing was loaded and no tag was changed.`, {
      hint: 'Its bytes are not the ones the image was made of: the archive is damaged or was altered. Do not rely on this record; tell its owner (a pull of an intact record passes this check).',
    }),
  archiveNotRecorded: (key: string, expected: string, found: string[]) =>
    new DonodoError('IMAGE_ID_MISMATCH', `The archive "${cleanText(key)}" holds the image ${found.map(short).join(', ')}, but its record says ${short(expected)}; nothing was loaded and no tag was changed.`, {
      hint: 'The archive does not hold the image its record describes. Contact the record owner; do not rely on this record.',
    }),
  engineLoadedOther: (record: string, archived: string[], loaded: string) =>
    new DonodoError('IMAGE_ID_MISMATCH', `The engine reports the image from record ${cleanText(record)} as ${short(loaded)}, but the archive holds ${archived.map(short).join(', ')}; it was removed again and no tag was changed.`, {
      hint: 'The engine did not load the image the archive holds. Check the engine (docker info) and run the pull again.',
    }),
  downloadTooLarge: (key: string, record: string, declared: number) =>
    new DonodoError('DOWNLOAD_TOO_LARGE', `${cleanText(key)} of ${cleanText(record)} is larger than the ${declared} bytes its record declares; the download was stopped.`, {
      hint: 'The storage served other bytes than the record describes. Nothing was loaded or tagged; do not rely on this record, and tell its owner.',
    }),
  unexpectedImages: (record: string, expected: string, loaded: string[]) =>
    new DonodoError('ARCHIVE_EXTRA_IMAGES', `The archive of record ${cleanText(record)} holds ${loaded.length} images, not only the one its record names (${short(expected)}): ${loaded.map(short).join(', ')}; what it loaded was removed again.`, {
      hint: 'An image record holds exactly one image. Do not rely on this record; tell its owner.',
    }),
  recordNameInvalid: (record: string, name: string) =>
    new DonodoError('RECORD_NAME_INVALID', `Record ${cleanText(record)} names its image "${cleanText(name)}", which is not a NAME:TAG reference; nothing was tagged.`, {
      hint: 'The record or its archive is damaged or forged. Do not rely on it; tell its owner.',
    }),
  rollbackIncomplete: (error: DonodoError, problems: string[]) =>
    new DonodoError(error.code, error.message, {
      hint: `${error.hint ? `${error.hint} ` : ''}Not everything could be put back as it was; do what each line says.`,
      details: [...error.details, ...problems],
      cause: error,
    }),
  exportUnreadable: (image: string, cause: unknown) =>
    new DonodoError('EXPORT_UNREADABLE', `The export of ${cleanText(image)} could not be laid out as an OCI image layout: ${messageOf(cause)}.`, {
      hint: 'The source gave a tar that is not a docker save or OCI layout archive of one image. Check the source (docker save, skopeo inspect), or push with --archive-format docker-save to store the export as it is.',
      cause,
    }),
  layerCompressionUnnamed: (extension: string) =>
    new DonodoError('CONFIG_INVALID', `The compressor writes "${cleanText(extension)}" files, a layer compression the OCI image layout has no media type for (it names gzip, .gz, and zstd, .zst).`, {
      hint: 'Push with --archive-format docker-save (or "archive": { "format": "docker-save" } in the configuration), or use the gzip compressor.',
    }),
  decompressFailed: (key: string, cause: unknown) =>
    new DonodoError('ARCHIVE_CORRUPT', `The archive "${cleanText(key)}" could not be decompressed: ${messageOf(cause)}`, {
      hint: 'The file is damaged or not in the format its name says. Nothing was loaded.',
      cause,
    }),
  templateNotFound: (shown: string, cause: unknown) =>
    new DonodoError('TEMPLATE_NOT_FOUND', `Template file "${shown}" could not be read (${(cause as { code?: string }).code ?? cause}).`, {
      hint: 'Paths in the configuration are relative to the configuration file; --templates paths to the working directory.',
      cause,
    }),
  templateUrlInsecure: (url: string) =>
    new DonodoError('TEMPLATE_URL_INSECURE', `Template URL "${url}" is not https.`, {
      hint: 'Templates are fetched only over https, so that nobody on the way can change the metadata of a permanent record. Use an https:// URL or a local file.',
    }),
  templateFetchFailed: (url: string, cause: unknown) =>
    new DonodoError('TEMPLATE_FETCH_FAILED', `Template URL "${url}" could not be fetched: ${messageOf(cause)}`, {
      hint: 'Check the URL and the network, or download the template and name the file instead.',
      cause,
    }),
  templateNotJson: (source: string, cause: unknown) =>
    new DonodoError('TEMPLATE_SYNTAX', `Template "${source}" is not valid JSON: ${messageOf(cause)}`, {
      hint: 'A template is a JSON object of deposition metadata fields, as for the original donodo.',
      cause,
    }),
  templateNotObject: (source: string) =>
    new DonodoError('TEMPLATE_SYNTAX', `Template "${source}" is not a JSON object.`, {
      hint: 'A template is a JSON object of deposition metadata fields, e.g. {"creators": [{"name": "Doe, Jane"}]}.',
    }),
  lockFileNotJson: (path: string, cause: unknown) =>
    new DonodoError('LOCK_FILE_INVALID', `The lock file ${path} is not valid JSON.`, {
      hint: 'Restore it from version control, or delete it: donodo then finds the records on the storage again.',
      cause,
    }),
  lockFileForeign: (path: string) =>
    new DonodoError('LOCK_FILE_INVALID', `The lock file ${path} is not a donodo lock file (lockfileVersion 1).`, {
      hint: 'Name another file with --lock-file, or delete this one.',
    }),
  lockMergeInputMissing: (path: string) =>
    new DonodoError('LOCK_FILE_NOT_FOUND', `The lock file ${path} does not exist; nothing was merged.`, {
      hint: 'Name the lock files the jobs wrote (e.g. the artifacts a matrix job uploaded), each one a path.',
    }),
  lockMergeContradiction: (details: string[]) =>
    new DonodoError('LOCK_MERGE_CONTRADICTION', `The lock files contradict each other in ${details.length} place${details.length === 1 ? '' : 's'}; nothing was merged.`, {
      hint: 'Each entry names what a push archived; two that differ cannot both be true. Look the records up (their web pages), remove the wrong entry from its file, and merge again.',
      details,
    }),
  noImages: () =>
    new DonodoError('NO_IMAGES', 'Name at least one image to push (NAME:TAG), or use --all.', { hint: 'Example: donodo push my/image:1.2' }),
  noImagesConfigured: (file: string | undefined) =>
    new DonodoError('NO_IMAGES_CONFIGURED', `--all needs a list of images, and ${file ? `"${file}"` : 'no configuration file was found that'} has no "images".`, {
      hint: 'Add "images": ["my/image:1.0", {"name": "my/other", "tags": ["1.0", "1.1"]}] to donodo.config.json, or name the images on the command line.',
    }),
  noCompressor: (key: string) =>
    new DonodoError('NO_COMPRESSOR', `No compressor handles the file "${cleanText(key)}".`, {
      hint: 'Configure a compressor plugin that reads this format, or download the file by hand.',
    }),
  blockedByEarlierTag: (reference: string, earlier: string) =>
    new DonodoError('EARLIER_TAG_NOT_PUBLISHED', `${reference} was not pushed, because ${earlier} (an earlier tag of the same name) was not published.`, {
      hint: 'Tags of one name become versions in the order given. Fix the earlier tag and run the same push again; what is done is skipped.',
    }),
  /** The run was stopped by a signal (SIGINT, SIGTERM) or by the caller's AbortSignal. */
  interrupted: (signal?: string) =>
    new DonodoError('INTERRUPTED', `Interrupted${signal ? ` by ${signal}` : ''}.`, {
      hint: 'Run the same command again to resume.',
    }),
  /** A push stopped by a signal: what it leaves behind (the draft, if one was made) and how to go on. */
  pushInterrupted: (signal: string | undefined, step: string | undefined, draft: { recordId: string; webUrl?: string; published: boolean } | undefined) => {
    const by = `Interrupted${signal ? ` by ${signal}` : ''}${step ? ` during step ${step}` : ''}`;
    if (draft?.published) {
      // The publish request was answered after the signal: the version exists.
      return new DonodoError('INTERRUPTED', `${by}, after record ${draft.recordId} was published${draft.webUrl ? ` (${draft.webUrl})` : ''}.`, {
        hint: 'Run the same command again: it finds the published record and records it in the lock file.',
      });
    }
    if (draft) {
      return new DonodoError('INTERRUPTED', `${by}: draft ${draft.recordId} is kept, unpublished${draft.webUrl ? ` (${draft.webUrl})` : ''}; the local archive was removed.`, {
        hint: `Run the same command again to resume: it continues with draft ${draft.recordId} and publishes one version.`,
      });
    }
    // Until the draft step no storage was written to; during it, a draft may exist that a rerun finds again.
    const storage = step === 'draft' ? 'a draft may have been created, which a rerun finds again' : 'nothing was written to the storage';
    return new DonodoError('INTERRUPTED', `${by}: ${storage}; the local archive was removed.`, {
      hint: 'Run the same command again to resume.',
    });
  },
  storageLacks: (location: string, what: string) =>
    new DonodoError('STORAGE_UNSUPPORTED', `The storage at ${cleanText(location)} cannot ${what}: its plugin does not offer it.`, {
      hint: 'The built-in storages (zenodo, dir, invenio) can; ask the plugin\'s author to add the optional method of the StorageBackend contract.',
    }),
  noDoi: (record: string) =>
    new DonodoError('RECORD_NO_DOI', `Record ${cleanText(record)} has no DOI, so it has no DOI badge.`, {
      hint: 'Records of the dir storage have no DOI; push the image to Zenodo for one (donodo push NAME:TAG).',
    }),
  verifyNothing: () =>
    new DonodoError('NO_REFERENCES', 'Name at least one record to verify (a DOI, a record id…), or use --lock.', {
      hint: 'Examples: donodo verify 10.5281/zenodo.123; donodo verify --lock (every published entry of donodo.lock.json).',
    }),
  lockFileMissing: (file: string) =>
    new DonodoError('LOCK_FILE_NOT_FOUND', `There is no lock file at ${file}.`, {
      hint: 'verify --lock checks what a push recorded in donodo.lock.json (beside the configuration, or in the working directory); name another with --lock-file.',
    }),
  lockFileNothingHere: (file: string, location: string, others: string[]) =>
    new DonodoError('LOCK_FILE_NO_ENTRIES', `The lock file ${file} records no published image at ${cleanText(location)}${others.length ? ` (it records images at ${cleanText(others.join(', '))})` : ''}.`, {
      hint: others.length ? 'Choose that storage, e.g. --storage dir --dir PATH, or --zenodo-url URL, --sandbox.' : 'Push an image first (donodo push NAME:TAG -y).',
    }),
  lockEntryDiffers: (image: string, what: string, recorded: string, found: string) =>
    new DonodoError('LOCK_MISMATCH', `${cleanText(image)}: the lock file records the ${what} ${cleanText(recorded)}, but the record holds ${cleanText(found)}.`, {
      hint: 'The record is not the one this project archived. Check the lock file\'s entry and the record before relying on it.',
    }),
  initExists: (file: string) =>
    new DonodoError('CONFIG_EXISTS', `${file} exists already; donodo init does not overwrite it.`, {
      hint: 'Edit that file, or move it away and run donodo init again.',
    }),
  unexpected: (cause: unknown) =>
    new DonodoError('UNEXPECTED', `Unexpected failure: ${messageOf(cause)}`, {
      hint: 'Run again with --debug for the full trace, and report it if it persists.',
      cause,
    }),
};

export function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

const short = shortId;

/**
 * Every code the core's own errors carry (stable: scripts read them from `--json`), as a type:
 * the catalogue's, the file-system refusals (`FS_ENOSPC`, …) and the template problems.
 * `rollbackIncomplete` keeps the code of the error it extends.
 */
export type CoreErrorCode = ReturnType<(typeof errors)[Exclude<keyof typeof errors, 'rollbackIncomplete'>]>['code'] | `FS_${string}` | 'TEMPLATE_INVALID' | 'TEMPLATE_RENDER';
