import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import type { PushContext } from './push-context.ts';
import { skipWhenUnchanged } from './locate-version.ts';
import { holdsSpool } from './spool-file.ts';

/** Compare what the storage says it holds with what was written locally; publish nothing else. */
export const confirmUpload: Step<PushContext, never> = {
  id: 'confirm',
  title: 'Verify the stored archive',
  uses: [],
  skip: skipWhenUnchanged,
  async run(context) {
    const spool = context.spool!;
    const stored = context.uploaded ?? context.draft!.record.files.find((f) => f.key === spool.key);
    if (!holdsSpool(stored, spool)) {
      throw errors.checksumMismatch(`Stored ${spool.key} (${stored?.size ?? 0} bytes)`, `${spool.md5} (${spool.size} bytes)`, stored?.md5 ?? 'nothing');
    }
  },
};
