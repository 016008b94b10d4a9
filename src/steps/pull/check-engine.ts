import type { Step } from '../../pipeline/step.ts';
import { EngineTransaction } from './engine-transaction.ts';
import type { PullContext } from './pull-context.ts';

/** Before a byte is downloaded: the engine must answer, and what it holds now is noted (to put it back on failure). */
export const checkEngine: Step<PullContext> = {
  id: 'engine',
  title: 'Check the image engine',
  async run(context, { services }) {
    context.transaction = await EngineTransaction.begin(services.target);
  },
};
