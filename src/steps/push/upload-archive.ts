import type { Step } from '../../pipeline/step.ts';
import type { PushContext } from './push-context.ts';
import { skipWhenUnchanged } from './locate-version.ts';
import { holdsSpool } from './spool-file.ts';

function alreadyThere(context: PushContext): boolean {
  const spool = context.spool;
  return Boolean(spool && context.draft?.record.files.some((f) => holdsSpool(f, spool)));
}

/** Upload the spool file into the draft, unless the draft holds the same bytes already. */
export const uploadArchive: Step<PushContext, 'storage'> = {
  id: 'upload',
  title: 'Upload',
  uses: ['storage'],
  skip: (context) => skipWhenUnchanged(context) || (!context.options.forceUpload && alreadyThere(context) ? 'the draft already holds this archive (same md5)' : false),
  async run(context, { services, progress }) {
    context.uploaded = await services.storage.upload(context.draft!.record, context.spool!, progress);
  },
};
