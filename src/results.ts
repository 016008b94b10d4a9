import { platformText } from './contracts/image-identity.ts';
import type { ArchiveFile } from './contracts/storage-backend.ts';
import type { TagChange } from './steps/pull/engine-transaction.ts';
import type { PullContext } from './steps/pull/pull-context.ts';
import { imageIdUnchecked } from './steps/pull/verify-image.ts';
import { archiveOf, imageOf, type PushContext } from './steps/push/push-context.ts';

/** What `push` reports per image (`--json` prints this object). */
export interface PushResult {
  image: string;
  /**
   * published, unchanged (already published with this image), unpublished (draft kept), submitted
   * (submitted for review: published once the community's curators accept it), planned (--dry-run), failed.
   */
  status: 'published' | 'unchanged' | 'unpublished' | 'submitted' | 'planned' | 'failed';
  /** Where the image came from, as given, when that is not its NAME:TAG (`docker-archive:x.tar`). */
  source?: string;
  imageId?: string;
  /** `os/arch[/variant]` of the image. */
  platform?: string;
  /** Every platform the archive holds, where it holds several (a multi-platform image from a registry). */
  platforms?: string[];
  /** The index or manifest digest the image was taken from, `HOST/NAME@sha256:…` (a registry source). */
  resolved?: string;
  recordId?: string;
  conceptRecId?: string;
  doi?: string;
  doiUrl?: string;
  conceptDoi?: string;
  version?: string;
  published: boolean;
  /** Where to look at the record or draft. */
  webUrl?: string;
  file?: ArchiveFile & { sha256?: string };
  /** With --dry-run: what push would do, and the metadata exactly as it would be sent. */
  /** `replace-draft`: take over the concept's draft that holds another tag (--replace-draft). */
  plan?: 'create' | 'resume' | 'replace-draft' | 'new-version' | 'unchanged';
  metadata?: Record<string, unknown>;
  error?: { code: string; message: string; hint?: string; details?: string[]; step?: string; plugin?: string };
}

/** What `pull` reports (`--json` prints this object). */
export interface PullResult {
  reference: string;
  status: 'loaded' | 'failed';
  /** The first tag set (the record's name), when one was. */
  image?: string;
  /** Every tag set. */
  images?: string[];
  /** The image loaded; always there when the status is `loaded`. */
  imageId?: string;
  recordId?: string;
  doi?: string;
  version?: string;
  file?: ArchiveFile;
  /** Each check: true (passed), or "skipped: why". A check that failed is the error. */
  verified: PullContext['verified'];
  /** The tags set, with the image each named before (`previous`; none: the tag is new). */
  tags?: TagChange[];
  /** Where an archive destination was written. */
  written?: string;
  /** Names the archive gives that were not set (the record does not name them; --archive-tags sets them). */
  ignoredTags?: string[];
  error?: PushResult['error'];
}

/** What `verify` reports per record (`--json` prints this object). */
export interface VerifyResult {
  reference: string;
  /** verified: every check passed (or was skipped, said in `verified`); failed: the error says which did not. */
  status: 'verified' | 'failed';
  /** The image lock file entry the reference came from (verify --lock). */
  image?: string;
  recordId?: string;
  doi?: string;
  version?: string;
  /** The image the archive's own bytes identify (its config digest). */
  imageId?: string;
  file?: ArchiveFile;
  verified: PullContext['verified'];
  error?: PushResult['error'];
}

export function verifyResult(context: PullContext): VerifyResult {
  const { reference, recordId, doi, version, imageId, file, verified } = pullResult(context);
  return { reference, status: 'verified', recordId, doi, version, imageId, file, verified };
}

export function pushResult(context: PushContext): PushResult {
  const record = context.record;
  return {
    image: imageOf(context),
    status: context.outcome ?? 'failed',
    ...(imageOf(context) !== context.reference ? { source: context.reference } : {}),
    imageId: context.image?.id,
    ...(context.image ? { platform: platformText(context.image.platform) } : {}),
    ...(context.image?.platforms ? { platforms: context.image.platforms.map(platformText) } : {}),
    ...(context.image?.resolved ? { resolved: context.image.resolved } : {}),
    recordId: record?.recordId,
    conceptRecId: record?.conceptRecId,
    doi: record?.doi,
    doiUrl: record?.doiUrl,
    conceptDoi: record?.conceptDoi,
    version: record?.version ?? context.ref?.tag,
    published: record?.published ?? false,
    webUrl: record?.webUrl,
    file: archiveOf(context),
  };
}

export function pullResult(context: PullContext): PullResult {
  const unchecked = context.record ? imageIdUnchecked(context) : undefined;
  return {
    reference: context.reference,
    status: 'loaded',
    image: context.tags?.[0]?.reference,
    images: context.tags?.map((tag) => tag.reference),
    imageId: context.imageId,
    recordId: context.record?.recordId,
    doi: context.record?.doi,
    version: context.record?.version,
    file: context.file,
    verified: { ...context.verified, ...(unchecked ? { imageId: `skipped: ${unchecked}` as const } : {}) },
    tags: context.tags,
    ...(context.written ? { written: context.written } : {}),
    ignoredTags: context.ignoredNames?.length ? context.ignoredNames : undefined,
  };
}

export function planResult(context: PushContext): PushResult {
  const located = context.located;
  const otherTag = located?.kind === 'draft' && located.record.version && located.record.version !== context.ref!.tag;
  const plan = context.outcome === 'unchanged' ? 'unchanged' : located?.kind === 'draft' ? (otherTag ? 'replace-draft' : 'resume') : located?.kind === 'new-version' ? 'new-version' : 'create';
  const base = located?.kind === 'new-version' ? located.concept : context.record ?? (located?.kind === 'draft' ? located.record : undefined);
  return {
    image: imageOf(context),
    status: 'planned',
    plan,
    imageId: context.image?.id,
    recordId: plan === 'new-version' || plan === 'create' ? undefined : base?.recordId,
    conceptRecId: base?.conceptRecId,
    conceptDoi: base?.conceptDoi,
    doi: plan === 'unchanged' ? base?.doi : undefined,
    version: context.ref!.tag,
    published: plan === 'unchanged',
    metadata: context.metadata,
  };
}
