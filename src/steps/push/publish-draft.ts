import type { Step } from '../../pipeline/step.ts';
import { imageOf, type PushContext } from './push-context.ts';
import { recordInLock, skipWhenUnchanged } from './locate-version.ts';

/** Publish, after asking unless --auto-publish; a declined publish leaves the draft for later. */
export const publishDraft: Step<PushContext> = {
  id: 'publish',
  title: 'Publish',
  skip: skipWhenUnchanged,
  confirm: (context) =>
    context.options.autoPublish
      ? undefined
      : `Publish ${imageOf(context)}? Publishing is permanent. Review the draft at ${context.draft!.record.webUrl ?? 'its storage'}`,
  declined(context) {
    context.outcome = 'unpublished';
  },
  async run(context, { services }) {
    context.record = await services.storage.publish(context.draft!);
    context.outcome = 'published';
    await recordInLock(context, services.storage.location);
  },
};
