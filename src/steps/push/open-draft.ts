import type { Step } from '../../pipeline/step.ts';
import type { PushContext } from './push-context.ts';
import { recordInLock, skipWhenUnchanged, versionRequest } from './locate-version.ts';

/** Create, resume or version the draft, and write the full metadata into it. */
export const openDraft: Step<PushContext> = {
  id: 'draft',
  title: 'Prepare the draft',
  skip: skipWhenUnchanged,
  async run(context, { services }) {
    const spool = context.spool!;
    // A resumed draft may already hold this very archive: keep it rather than upload it again.
    const existing = context.located!.kind === 'draft' ? context.located!.record.files.find((f) => f.key === spool.key) : undefined;
    const keep = existing && existing.md5 === spool.md5 && !context.options.forceUpload ? existing : undefined;
    const location = services.storage.location;
    context.draft = await services.storage.openDraft(versionRequest(context, location), context.located!, context.metadata!, {
      keep,
      size: spool.size,
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
