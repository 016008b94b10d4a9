import { errors } from '../errors/catalogue.ts';
import type { LockData, LockEntry } from './lock-file.ts';

/** One lock file to merge: where it was read (named in contradictions) and what it holds. */
export interface LockSource {
  name: string;
  data: LockData;
}

/** What a merge made: the merged data and, per storage location, the images it added or changed. */
export interface LockMerge {
  data: LockData;
  added: string[];
  updated: string[];
}

interface Claim {
  source: string;
  image: string;
  entry: LockEntry;
}

/**
 * Merge lock files (the shards of one batch, each pushing its own images), the first being the file
 * merged into. Entries of one image at one location must name the same record and image (and DOI,
 * where both have one); of those the published one wins (a draft a later job published), then the
 * latest. A record holds one tag, so two images naming one record contradict each other unless
 * all but the latest are drafts (one taken over with --replace-draft). Any contradiction refuses
 * the whole merge, naming the entries and the files.
 */
export function mergeLocks(sources: LockSource[]): LockMerge {
  const problems: string[] = [];
  const data: LockData = { lockfileVersion: 1, storages: {} };
  const added: string[] = [];
  const updated: string[] = [];
  const locations = [...new Set(sources.flatMap((s) => Object.keys(s.data.storages)))].sort();
  for (const location of locations) {
    const byImage = new Map<string, Claim[]>();
    for (const source of sources) {
      for (const [image, entry] of Object.entries(source.data.storages[location] ?? {})) {
        byImage.set(image, [...(byImage.get(image) ?? []), { source: source.name, image, entry }]);
      }
    }
    const chosen: Claim[] = [];
    for (const [image, claims] of byImage) {
      const disagreeing = claims.find((c) => !sameVersion(c.entry, claims[0]!.entry));
      if (disagreeing) {
        problems.push(`${location}: ${image} is ${describe(claims[0]!)} but ${describe(disagreeing)}`);
        continue;
      }
      chosen.push(claims.reduce((best, c) => (rank(c.entry) > rank(best.entry) ? c : best)));
    }
    const byRecord = new Map<string, Claim[]>();
    for (const claim of chosen) byRecord.set(claim.entry.recordId, [...(byRecord.get(claim.entry.recordId) ?? []), claim]);
    const kept: Claim[] = [];
    for (const claims of byRecord.values()) {
      const latest = claims.reduce((best, c) => (c.entry.updated > best.entry.updated ? c : best));
      const published = claims.filter((c) => c !== latest && c.entry.published);
      for (const other of published) problems.push(`${location}: record ${latest.entry.recordId} holds one tag, but is ${other.image} (published) in ${other.source} and ${latest.image} in ${latest.source}`);
      kept.push(latest);
    }
    const into = sources[0]?.data.storages[location] ?? {};
    for (const claim of kept) {
      const before = into[claim.image];
      if (!before) added.push(claim.image);
      else if (JSON.stringify(before) !== JSON.stringify(claim.entry)) updated.push(claim.image);
    }
    if (kept.length) data.storages[location] = Object.fromEntries(kept.map((c) => [c.image, c.entry] as const).sort(([a], [b]) => a.localeCompare(b)));
  }
  if (problems.length) throw errors.lockMergeContradiction(problems);
  return { data, added, updated };
}

/** Whether two entries can be the same version at different moments (a draft, then published). */
function sameVersion(a: LockEntry, b: LockEntry): boolean {
  return a.recordId === b.recordId && a.conceptRecId === b.conceptRecId && a.imageId === b.imageId && (!a.doi || !b.doi || a.doi === b.doi);
}

/** Published entries first, then the most recent. */
function rank(entry: LockEntry): string {
  return `${entry.published ? 1 : 0}${entry.updated}`;
}

function describe(claim: Claim): string {
  const { entry } = claim;
  return `record ${entry.recordId}${entry.doi ? ` (DOI ${entry.doi})` : ''} of image ${entry.imageId} in ${claim.source}`;
}
