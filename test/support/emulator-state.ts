import type { Emulator } from '../emulator/index.ts';

/** What the emulator holds for one tag of one image title: published versions and open drafts, with their files. */
export function versionsOf(zenodo: Emulator, title: string, tag: string): { published: number; drafts: number; files: Array<{ key: string; md5: string; actualMd5: string }> } {
  let published = 0;
  let drafts = 0;
  const files: Array<{ key: string; md5: string; actualMd5: string }> = [];
  for (const deposition of zenodo.store.versions.values()) {
    const current = deposition.draft ?? deposition.record;
    if (!current || current.metadata.title !== title || current.metadata.version !== tag) continue;
    if (deposition.record) published += 1;
    if (deposition.draft) drafts += 1;
    for (const file of (deposition.record ?? deposition.draft)!.files) files.push({ key: file.key, md5: file.checksum, actualMd5: file.actualMd5 });
  }
  return { published, drafts, files };
}

/** Open (unpublished) drafts of an image title, whatever their version: Zenodo allows one per concept. */
export function openDrafts(zenodo: Emulator, title: string): number {
  let drafts = 0;
  for (const deposition of zenodo.store.versions.values()) {
    if (deposition.draft && deposition.draft.metadata.title === title) drafts += 1;
  }
  return drafts;
}
