import { parseDonodoNotes } from '../../donodo-notes.ts';
import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import type { PullContext } from './pull-context.ts';
import { undoLoad } from './undo-load.ts';

/** Compare the loaded image's id with the `docker-id` the record's notes give; undo the load on mismatch. */
export const verifyImage: Step<PullContext> = {
  id: 'verify',
  title: 'Verify the image id',
  async run(context, { services }) {
    const record = context.record!;
    const expected = parseDonodoNotes(record.metadata.notes).dockerId;
    const first = context.loaded?.[0];
    if (first) context.imageId = (await services.source.inspect(first)).id;
    if (!expected || !context.imageId) return;
    if (context.imageId !== expected) {
      await undoLoad(services, context, context.loaded ?? []);
      throw errors.imageIdMismatch(record.doi ?? record.recordId, expected, context.imageId);
    }
  },
};
