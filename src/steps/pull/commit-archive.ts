import type { Step } from '../../pipeline/step.ts';
import type { PullContext } from './pull-context.ts';

/** An archive destination, verified: renamed from its temporary name into place. */
export const commitArchive: Step<PullContext, never> = {
  id: 'write',
  title: 'Write the archive',
  uses: [],
  enabled: (context) => Boolean(context.writer),
  async run(context) {
    context.written = await context.writer!.commit();
  },
};
