import { platformText } from '../contracts/image-identity.ts';
import type { ArchiveFile, ArchivedRecord } from '../contracts/storage-backend.ts';
import { imageFileCandidates } from '../image-file.ts';

/** One version as `donodo versions` shows it. */
export interface VersionView {
  tag?: string;
  recordId: string;
  doi?: string;
  doiUrl?: string;
  /** `publication_date` of the record's metadata. */
  date?: string;
  /** The record's image: its `docker-id` (config digest). */
  imageId?: string;
  /** Bytes of the image archive. */
  size?: number;
  /** `os/arch[/variant]` of the image, where the record says. */
  platforms: string[];
  latest: boolean;
  webUrl?: string;
}

/** The image archive among a record's files (the pull's rule), when there is exactly one. */
export function imageFileOf(record: ArchivedRecord): ArchiveFile | undefined {
  const candidates = imageFileCandidates(record.files);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The platforms a record's image is for (a record holds one image; older records do not say). */
export function platformsOf(record: ArchivedRecord): string[] {
  return record.identity?.platform ? [platformText(record.identity.platform)] : [];
}

export function versionView(record: ArchivedRecord, latest: string | undefined): VersionView {
  const date = record.metadata.publication_date;
  return {
    tag: record.version,
    recordId: record.recordId,
    doi: record.doi,
    doiUrl: record.doiUrl,
    date: typeof date === 'string' ? date : undefined,
    imageId: record.identity?.config,
    size: imageFileOf(record)?.size,
    platforms: platformsOf(record),
    latest: record.recordId === latest,
    webUrl: record.webUrl,
  };
}
