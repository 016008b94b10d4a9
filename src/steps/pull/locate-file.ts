import { errors } from '../../errors/catalogue.ts';
import { imageFileCandidates } from '../../image-file.ts';
import type { Step } from '../../pipeline/step.ts';
import type { PullContext } from './pull-context.ts';

/** Pick the image archive among the record's files (the original donodo's rule: exactly one). */
export const locateFile: Step<PullContext, never> = {
  id: 'locate',
  title: 'Find the image archive',
  uses: [],
  async run(context) {
    const record = context.record!;
    const name = record.doi ?? record.recordId;
    const candidates = imageFileCandidates(record.files);
    if (candidates.length === 0) throw errors.noImageFile(name, record.files.map((f) => f.key));
    if (candidates.length > 1) throw errors.severalImageFiles(name, candidates.map((f) => f.key));
    context.file = candidates[0];
  },
};
