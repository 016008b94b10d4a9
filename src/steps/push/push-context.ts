import type { ArchiveFormat, ImageIdentity, Platform } from '../../contracts/image-identity.ts';
import type { ImageDetails } from '../../contracts/image-source.ts';
import type { DepositionMetadata } from '../../contracts/metadata-provider.ts';
import type { Draft, Located } from '../../archiving/version-request.ts';
import type { ArchiveFile, ArchivedRecord } from '../../contracts/storage-backend.ts';
import { isImageArchiveKey } from '../../image-file.ts';
import type { ImageSettings } from '../../config/image-settings.ts';
import type { ImageRef } from '../../image-ref.ts';
import type { LockFile } from '../../lock/lock-file.ts';
import type { VersionLease, VersionLocks } from '../../lock/version-lock.ts';
import type { ResolvedImage } from './resolve-image.ts';
import type { SpoolFile } from './spool-file.ts';

/** What a push knows, step by step. */
export interface PushContext {
  /** The reference as the user wrote it. */
  reference: string;
  /** Options of this push. */
  options: PushOptions;
  /** What the configuration says about this image (templates, concept, storage options). */
  settings: ImageSettings;
  /** Where archived versions are recorded, when a lock file is used. */
  lock?: LockFile;
  /** The image found and inspected (by the batch, when it had to read the image to learn its name). */
  resolved?: Promise<ResolvedImage>;
  ref?: ImageRef & { tag: string };
  image?: ImageDetails;
  metadata?: DepositionMetadata;
  located?: Located;
  spool?: SpoolFile;
  draft?: Draft;
  uploaded?: ArchiveFile;
  /** The published record, or the draft's record when it was left unpublished. */
  record?: ArchivedRecord;
  /** How the push ended. */
  outcome?: 'published' | 'unchanged' | 'unpublished' | 'submitted';
  /**
   * In a batch, resolves when the previous tag of the same name is done: with nothing when it was
   * published (or already was), with its reference when it was not, which stops this tag.
   */
  turn?: Promise<string | undefined>;
  /** Called once this push's archive is made, so that the next tag of the batch may start. */
  arrived?: () => void;
  /** Whether this push waited for a previous tag (so what it located may be out of date). */
  waited?: boolean;
  /** The lock of this image name at this storage, held from locate to the end of the push. */
  lease?: VersionLease;
}

export interface PushOptions {
  /** NAME:TAG to archive the image under (`--name`), instead of the name the source gives. */
  name?: string;
  /** Publish without asking. */
  autoPublish: boolean;
  /** Upload even when the draft already holds the same archive. */
  forceUpload?: boolean;
  /** Concept record to add the version to (--conceptrecid); wins over the configuration and the lock file. */
  conceptRecId?: string;
  /** How the stored archive lays the image out (`--archive-format`; default `oci-layout`, as `image.tar`). */
  archiveFormat?: ArchiveFormat;
  /** Directory for the temporary archive (default: the OS temporary directory). */
  tmpDir?: string;
  /** Take over a draft that holds another tag of the name (--replace-draft); refused otherwise. */
  replaceDraft?: boolean;
  /** The cross-process locks of this machine; without them (dry runs) nothing is locked. */
  locks?: VersionLocks;
  /** The tag to archive under (`--tag`), over the source's: what a digest reference needs. */
  tag?: string;
  /** Platforms of a multi-platform image to archive (`--platform`); default: this machine's. */
  platforms?: Platform[];
  /** Archive every platform of a multi-platform image (`--all-platforms`). */
  allPlatforms?: boolean;
}

/** `name:tag` of the image being pushed (the reference as given, until it is parsed). */
export function imageOf(context: PushContext): string {
  return context.ref ? `${context.ref.name}:${context.ref.tag}` : context.reference;
}

/** What this push archives, as the storage is to record it. */
export function identityOf(context: PushContext): ImageIdentity {
  const image = context.image!;
  // The manifest of the archive written (an OCI layout donodo laid out), else the source's own.
  const manifest = context.spool?.manifest ?? image.manifest;
  return {
    config: image.id,
    ...(manifest ? { manifest } : {}),
    platform: image.platform,
    name: context.ref!.name,
    tag: context.ref!.tag,
    ...(context.spool?.format ? { format: context.spool.format } : {}),
    ...(image.index ? { index: image.index } : {}),
    ...(image.resolved ? { source: context.reference, resolved: image.resolved } : {}),
    ...(image.platforms ? { platforms: image.platforms } : {}),
  };
}

/** The image archive of this push: the one made locally, else the one the record holds. */
export function archiveOf(context: PushContext): (ArchiveFile & { sha256?: string }) | undefined {
  const spool = context.spool;
  if (spool) return { key: spool.key, size: spool.size, md5: spool.md5, sha256: spool.sha256 };
  return context.record?.files.find((f) => isImageArchiveKey(f.key));
}
