import type { Step } from '../../pipeline/step.ts';
import type { PushContext } from './push-context.ts';
import { recordInLock, refuseOtherTag, skipWhenUnchanged, versionRequest } from './locate-version.ts';
import { holdsSpool } from './spool-file.ts';

/** Create, resume or version the draft, and write the full metadata into it. */
export const openDraft: Step<PushContext, 'storage'> = {
  id: 'draft',
  title: 'Prepare the draft',
  uses: ['storage'],
  skip: skipWhenUnchanged,
  async run(context, { services }) {
    const spool = context.spool!;
    // A resumed draft may already hold this very archive: keep it rather than upload it again.
    const existing = context.located!.kind === 'draft' ? context.located!.record.files.find((f) => holdsSpool(f, spool)) : undefined;
    const keep = context.options.forceUpload ? undefined : existing;
    const location = services.storage.location;
    context.draft = await services.storage.openDraft(versionRequest(context, location), context.located!, context.metadata!, {
      keep,
      size: spool.size,
      // What was located may be out of date (search lags; Zenodo hands back the concept's pending
      // draft for a new version): the draft actually opened is checked again before it changes.
      adopt: (record) => refuseOtherTag(context, record),
      // Remember a new draft at once: if this run dies, the next one resumes it rather than make another.
      created: async (record) => {
        context.record = record;
        await recordInLock(context, location);
      },
    });
    context.record = context.draft.record;
    await recordInLock(context, location);
  },
};
