import type { Step } from '../../pipeline/step.ts';
import type { PullContext } from './pull-context.ts';

/** Turn the user's reference (DOI, link, id, concept…) into a published record, and what its storage says the image is. */
export const resolveRecord: Step<PullContext, 'storage'> = {
  id: 'resolve',
  title: 'Find the record',
  uses: ['storage'],
  async run(context, { services }) {
    context.record = await services.storage.resolve(context.reference, { tag: context.options.tag });
    context.expected = context.record.identity;
  },
};
