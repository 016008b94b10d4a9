import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import { recordName, type PullContext } from './pull-context.ts';

/** Why the image id cannot be checked, when it cannot. */
export function imageIdUnchecked(context: PullContext): string | undefined {
  return context.expected?.dockerId ? undefined : 'the record has no docker-id';
}

/** The loaded image's id must be the `docker-id` the record gives; the pull fails (and is undone) otherwise. */
export const verifyImage: Step<PullContext> = {
  id: 'verify',
  title: 'Verify the image id',
  skip: (context) => imageIdUnchecked(context) ?? false,
  async run(context) {
    const expected = context.expected!.dockerId!;
    if (context.imageId !== expected) throw errors.imageIdMismatch(recordName(context.record!), expected, context.imageId ?? 'none');
    context.verified.imageId = true;
  },
};
