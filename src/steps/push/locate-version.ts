import { findPublished, locate } from '../../archiving/locate.ts';
import type { VersionRequest } from '../../archiving/version-request.ts';
import type { ArchivedRecord } from '../../contracts/storage-backend.ts';
import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import { archiveOf, identityOf, imageOf, type PushContext } from './push-context.ts';

/**
 * Find what the storage already holds for this version, without changing anything. A tag that is
 * published with the same image is done already; with another image it is an error. From here to
 * the end of the push this run holds the lock of the image name at this storage, so no other run on
 * this machine can decide the same tag is missing and publish it too.
 */
export const locateVersion: Step<PushContext, 'storage'> = {
  id: 'locate',
  title: 'Find the record',
  uses: ['storage'],
  async run(context, { services }) {
    const storage = services.storage;
    context.lease ??= context.options.locks?.acquire(storage.location, context.ref!.name);
    // Before the export: a storage that cannot take the archive should say so before minutes of work.
    await storage.check?.();
    const entry = context.lock?.get(storage.location, imageOf(context));
    if (entry?.published && entry.imageId === context.image!.id) {
      // The lock file says this very image is published here: nothing to do, and no need to ask.
      context.record = {
        recordId: entry.recordId,
        conceptRecId: entry.conceptRecId,
        doi: entry.doi,
        conceptDoi: entry.conceptDoi,
        doiUrl: entry.doiUrl,
        webUrl: entry.webUrl,
        version: context.ref!.tag,
        title: String(context.metadata!.title),
        published: true,
        metadata: context.metadata!,
        files: entry.file ? [entry.file] : [],
      };
      context.outcome = 'unchanged';
      return;
    }
    const request = versionRequest(context, storage.location);
    const located = await locate(storage, request);
    context.located = located;
    // In a batch, a tag that still waits for the previous one (whose draft this may be) looks only
    // provisionally; it looks again, and is checked, once it is its turn (relocate).
    const provisional = Boolean(context.turn) && !context.waited;
    if (located.kind === 'draft' && !provisional) {
      refuseOtherTag(context, located.record);
      if (located.record.inReview) {
        // Submitted earlier and not accepted yet: nothing to do but wait for the curators.
        context.record = located.record;
        context.outcome = 'submitted';
        return;
      }
      // A draft found through a record id of earlier runs says nothing of what others published since.
      const other = await findPublished(storage, request, located.record);
      if (other) throw errors.publishedMeanwhile(imageOf(context), other, located.record);
    }
    if (located.kind !== 'published') return;
    const recorded = located.record.identity?.config;
    if (recorded && recorded !== context.image!.id) {
      throw errors.publishedDifferentImage(context.ref!.name, context.ref!.tag, located.record.doi ?? `record ${located.record.recordId}`, recorded, context.image!.id);
    }
    context.record = located.record;
    context.outcome = 'unchanged';
    await recordInLock(context, storage.location);
  },
};

/**
 * A draft whose version is another tag holds that tag's archive, uploaded but not published: it is
 * not taken over unless the user asks (--replace-draft). A draft with no version yet (a new version
 * whose metadata was never written) belongs to no tag.
 */
export function refuseOtherTag(context: PushContext, draft: ArchivedRecord): void {
  const held = draft.version;
  if (!held || held === context.ref!.tag || context.options.replaceDraft) return;
  throw errors.draftHoldsOtherTag(context.ref!.name, context.ref!.tag, { recordId: draft.recordId, webUrl: draft.webUrl, version: held });
}

/**
 * The version to find or make. The concept comes from --conceptrecid, else the configuration,
 * else the lock file (what an earlier run made, which search may not show yet), else what the last
 * run on this machine made (kept beside the cross-process lock).
 */
export function versionRequest(context: PushContext, location: string): VersionRequest {
  const { name, tag } = context.ref!;
  const entry = context.lock?.get(location, imageOf(context));
  const recent = context.lease?.recent(tag);
  const drafts = new Set([
    ...(context.lock?.draftsOf(location, name) ?? []).filter(([image]) => image !== imageOf(context)).map(([, e]) => e.recordId),
    ...(context.lease?.recentDrafts(tag) ?? []),
  ]);
  return {
    name,
    tag,
    identity: identityOf(context),
    title: String(context.metadata!.title),
    conceptRecId: context.options.conceptRecId ?? context.settings.conceptRecId,
    knownConceptRecId: context.lock?.conceptOf(location, name) ?? context.lease?.recentConcept(),
    knownRecordId: entry?.recordId ?? recent?.recordId,
    knownDraftIds: drafts.size ? [...drafts] : undefined,
  };
}

/**
 * Write what is known about this version to the lock file (a draft, or the published record), and
 * keep it beside the cross-process lock for the next run on this machine.
 */
export async function recordInLock(context: PushContext, location: string): Promise<void> {
  const record = context.record;
  if (!record) return;
  context.lease?.remember(context.ref!.tag, { recordId: record.recordId, conceptRecId: record.conceptRecId, published: record.published });
  if (!context.lock) return;
  await context.lock.set(location, imageOf(context), {
    recordId: record.recordId,
    conceptRecId: record.conceptRecId,
    doi: record.doi,
    conceptDoi: record.conceptDoi,
    doiUrl: record.doiUrl,
    webUrl: record.webUrl,
    imageId: context.image!.id,
    published: record.published,
    file: archiveOf(context),
  });
}

/** Steps after `locate` skip with this reason when the version is published already, or waits for review. */
export function skipWhenUnchanged(context: PushContext): string | false {
  if (context.outcome === 'submitted') return `submitted for review as record ${context.record!.recordId}, not accepted yet`;
  return context.outcome === 'unchanged' ? `unchanged, already published as ${context.record!.doi ?? `record ${context.record!.recordId}`}` : false;
}
