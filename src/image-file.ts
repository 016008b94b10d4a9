/**
 * The rule, shared with the original donodo, that picks a record's image archive among its files:
 * the files whose key starts with `image.tar`; if there are none, the files whose key contains `.tar`.
 */
export function imageFileCandidates<F extends { key: string }>(files: readonly F[]): F[] {
  const primary = files.filter((f) => f.key.startsWith('image.tar'));
  return primary.length ? primary : files.filter((f) => f.key.includes('.tar'));
}

/** Whether a key names an image archive that a new version must not inherit. */
export function isImageArchiveKey(key: string): boolean {
  return key.startsWith('image.tar');
}
