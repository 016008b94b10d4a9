/**
 * The codes a storage plugin throws (as `new DonodoError<StorageErrorCode>(code, …)`) where they
 * apply, so that users and scripts see the same code whatever the backend. Each says when.
 */
export const STORAGE_ERROR_CODES = {
  RECORD_NOT_FOUND: 'a pull reference names no published record',
  TAG_NOT_FOUND: 'the concept has no version with the tag asked for (pull --tag)',
  PUBLISH_NO_FILES: 'publish of a draft that holds no file',
  FILE_TOO_LARGE: "a file over the storage's size limit (before anything is written)",
  FILE_EMPTY: 'an empty file',
} as const;

export type StorageErrorCode = keyof typeof STORAGE_ERROR_CODES;
