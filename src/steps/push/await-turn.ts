import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import type { PushContext } from './push-context.ts';
import { locateVersion, skipWhenUnchanged } from './locate-version.ts';

/**
 * In a batch, the next tag of a name is exported while the previous one uploads, then waits here
 * for it: versions of one concept are made one after the other, in the order given.
 */
export const awaitTurn: Step<PushContext, never> = {
  id: 'queue',
  title: 'Wait for the previous tag',
  uses: [],
  enabled: (context) => Boolean(context.turn),
  skip: skipWhenUnchanged,
  async run(context) {
    const previous = await context.turn;
    if (previous) throw errors.blockedByEarlierTag(context.reference, previous);
    context.waited = true;
  },
};

/** After waiting, look again: the previous tag has changed what the concept holds. */
export const relocateVersion: Step<PushContext, 'storage'> = {
  ...locateVersion,
  id: 'relocate',
  title: 'Find the record again',
  enabled: (context) => Boolean(context.turn),
  skip: (context) => skipWhenUnchanged(context) || (context.waited ? false : 'nothing changed since'),
};
