import type { VersionRequest } from '../../contracts/storage-backend.ts';
import { parseDonodoNotes } from '../../donodo-notes.ts';
import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import type { PushContext } from './push-context.ts';

/**
 * Find what the storage already holds for this version, without changing anything. A tag that is
 * published with the same image is done already; with another image it is an error.
 */
export const locateVersion: Step<PushContext> = {
  id: 'locate',
  title: 'Find the record',
  async run(context, { services }) {
    const located = await services.storage.locate(versionRequest(context));
    context.located = located;
    if (located.kind !== 'published') return;
    const recorded = parseDonodoNotes(located.record.metadata.notes).dockerId;
    if (recorded && recorded !== context.image!.id) {
      throw errors.publishedDifferentImage(context.ref!.name, context.ref!.tag, located.record.doi ?? `record ${located.record.recordId}`, recorded, context.image!.id);
    }
    context.record = located.record;
    context.outcome = 'unchanged';
  },
};

export function versionRequest(context: PushContext): VersionRequest {
  return {
    name: context.ref!.name,
    tag: context.ref!.tag,
    imageId: context.image!.id,
    title: String(context.metadata!.title),
    conceptRecId: context.options.conceptRecId,
  };
}

/** Steps after `locate` skip with this reason when the version is published already. */
export function skipWhenUnchanged(context: PushContext): string | false {
  return context.outcome === 'unchanged' ? `already published as ${context.record!.doi ?? `record ${context.record!.recordId}`}` : false;
}
