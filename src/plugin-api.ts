/**
 * Everything a plugin may import from donodo: the contracts and the error type.
 * Built-in plugins import only from here, exactly as a third-party plugin imports `donodo/plugin-api`.
 */
export * from './contracts/index.ts';
export { DonodoError, isDonodoError } from './errors/donodo-error.ts';
export { STORAGE_ERROR_CODES, type StorageErrorCode } from './errors/storage-codes.ts';
export { asFileSystemError, fileSystemError } from './errors/fs-error.ts';
export { imageFileCandidates, isImageArchiveKey } from './image-file.ts';
export { parseImageRef, type ImageRef } from './image-ref.ts';
export { identityFromNotes, notesWithIdentity } from './donodo-notes.ts';
export { MeasuringStream, type Measured } from './streams/measure.ts';
export { renderTemplate, validateTemplate, ORIGINAL_DEFAULT_TEMPLATE, TEMPLATE_HINT, type TemplateScope } from './templates/index.ts';
export { templateScope } from './metadata/template-scope.ts';
export { cleanText } from './output/terminal-text.ts';
export { validateAgainst } from './schema/validator.ts';
export { rdmLicenseId } from './schema/formats.ts';
export { readCapped, readResponseCapped } from './streams/read-capped.ts';
export { redirectingFetch, type RedirectPolicy } from './http/redirecting-fetch.ts';
export { HttpKit, type HttpKitSettings } from './http/http-kit.ts';
export { hostFailure, isRetryable, retryDelayMs, RETRY_STATUS } from './http/retry-policy.ts';
export { resumableDownload, type OpenAt, type ResumeSettings } from './http/resumable-download.ts';
export { IdleTimeoutError } from './http/idle-timer.ts';
export { UploadRefused } from './http/stream-put.ts';
// Zenodo's endpoint rules (API URL, token, trusted hosts), its HTTP on the kit and its errors: shared by the zenodo and invenio storages.
export { resolveEndpoint, isSafeTransport, isLoopback, PRODUCTION_API, SANDBOX_API, type Endpoint, type EndpointOptions } from './http/zenodo/endpoint.ts';
export { ZenodoHttp, MAX_JSON_ANSWER_BYTES, type HttpSettings } from './http/zenodo/zenodo-http.ts';
export { translateHttpError, fieldMessages, type ZenodoErrorBody } from './http/zenodo/zenodo-errors.ts';
// Also theirs: the HTTP options, one pull-reference parser, size and token checks, tag-not-found, query quoting.
export { httpFor, HTTP_OPTION_PROPERTIES, type HttpOptions } from './http/zenodo/http-options.ts';
export { parseRecordReference, type PullTarget, type ReferenceRules } from './http/zenodo/pull-reference.ts';
export { checkFileSize, missingToken, tagNotFound, quoteQuery, MAX_FILE_SIZE } from './http/zenodo/storage-checks.ts';
export { readTarEntries, type TarEntry } from './archive/tar-entries.ts';
export { TarWriter, type TarEntryOptions } from './archive/tar-writer.ts';
export { TarParser, TarFormatError, type TarHandlers, type TarEntryHeader } from './archive/tar-parser.ts';
export { OCI_ANNOTATIONS, OCI_LAYOUT_FILE, OCI_MEDIA } from './archive/oci-vocabulary.ts';
export {
  blobPathOf,
  digestNamedBy,
  imageManifest,
  indexEntries,
  isIndexDescriptor,
  layoutJson,
  LayoutError,
  ociIndexBytes,
  ociManifestBytes,
  savedImages,
  type Descriptor,
  type ImageManifest,
  type SavedImage,
} from './archive/image-layout.ts';
