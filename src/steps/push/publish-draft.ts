import type { Step } from '../../pipeline/step.ts';
import { imageOf, type PushContext } from './push-context.ts';
import { errors } from '../../errors/catalogue.ts';
import { findPublished } from '../../archiving/locate.ts';
import { recordInLock, skipWhenUnchanged, versionRequest } from './locate-version.ts';

/** Publish, after asking unless --auto-publish; a declined publish leaves the draft for later. */
export const publishDraft: Step<PushContext, 'storage'> = {
  id: 'publish',
  title: 'Publish',
  uses: ['storage'],
  skip: skipWhenUnchanged,
  confirm: (context) =>
    context.options.autoPublish
      ? undefined
      : `Publish ${imageOf(context)}? Publishing is permanent. Review the draft at ${context.draft!.record.webUrl ?? 'its storage'}`,
  declined(context) {
    context.outcome = 'unpublished';
  },
  async run(context, { services }) {
    const storage = services.storage;
    // Right before the permanent step, look again, as directly as the storage allows: a run on
    // another machine (which this machine's lock cannot stop) may have published this tag meanwhile.
    const other = await findPublished(storage, versionRequest(context, storage.location), context.draft!.record);
    if (other) throw errors.publishedMeanwhile(imageOf(context), other, context.draft!.record);
    context.record = await storage.publish(context.draft!.record);
    // A repository that reviews submissions publishes once its curators accept (a rerun then finds it).
    context.outcome = !context.record.published && context.record.inReview ? 'submitted' : 'published';
    await recordInLock(context, services.storage.location);
  },
};
