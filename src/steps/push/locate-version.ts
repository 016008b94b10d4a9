import type { VersionRequest } from '../../contracts/storage-backend.ts';
import { parseDonodoNotes } from '../../donodo-notes.ts';
import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import { archiveOf, imageOf, type PushContext } from './push-context.ts';

/**
 * Find what the storage already holds for this version, without changing anything. A tag that is
 * published with the same image is done already; with another image it is an error.
 */
export const locateVersion: Step<PushContext> = {
  id: 'locate',
  title: 'Find the record',
  async run(context, { services }) {
    const entry = context.lock?.get(services.storage.location, imageOf(context));
    if (entry?.published && entry.imageId === context.image!.id) {
      // The lock file says this very image is published here: nothing to do, and no need to ask.
      context.record = {
        recordId: entry.recordId,
        conceptRecId: entry.conceptRecId,
        doi: entry.doi,
        conceptDoi: entry.conceptDoi,
        doiUrl: entry.doiUrl,
        version: context.ref!.tag,
        title: String(context.metadata!.title),
        published: true,
        metadata: context.metadata!,
        files: entry.file ? [entry.file] : [],
      };
      context.outcome = 'unchanged';
      return;
    }
    const located = await services.storage.locate(versionRequest(context, services.storage.location));
    context.located = located;
    if (located.kind !== 'published') return;
    const recorded = parseDonodoNotes(located.record.metadata.notes).dockerId;
    if (recorded && recorded !== context.image!.id) {
      throw errors.publishedDifferentImage(context.ref!.name, context.ref!.tag, located.record.doi ?? `record ${located.record.recordId}`, recorded, context.image!.id);
    }
    context.record = located.record;
    context.outcome = 'unchanged';
    await recordInLock(context, services.storage.location);
  },
};

/**
 * The version to find or make. The concept comes from --conceptrecid, else the configuration,
 * else the lock file (what an earlier run made, which search may not show yet).
 */
export function versionRequest(context: PushContext, location: string): VersionRequest {
  const entry = context.lock?.get(location, imageOf(context));
  return {
    name: context.ref!.name,
    tag: context.ref!.tag,
    imageId: context.image!.id,
    title: String(context.metadata!.title),
    conceptRecId: context.options.conceptRecId ?? context.settings.conceptRecId,
    knownConceptRecId: context.lock?.conceptOf(location, context.ref!.name),
    knownRecordId: entry?.recordId,
  };
}

/** Write what is known about this version to the lock file (a draft, or the published record). */
export async function recordInLock(context: PushContext, location: string): Promise<void> {
  const record = context.record;
  if (!context.lock || !record) return;
  await context.lock.set(location, imageOf(context), {
    recordId: record.recordId,
    conceptRecId: record.conceptRecId,
    doi: record.doi,
    conceptDoi: record.conceptDoi,
    doiUrl: record.doiUrl,
    imageId: context.image!.id,
    published: record.published,
    file: archiveOf(context),
  });
}

/** Steps after `locate` skip with this reason when the version is published already. */
export function skipWhenUnchanged(context: PushContext): string | false {
  return context.outcome === 'unchanged' ? `already published as ${context.record!.doi ?? `record ${context.record!.recordId}`}` : false;
}
