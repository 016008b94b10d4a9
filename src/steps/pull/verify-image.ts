import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import { identifiers } from '../../archive/guarded-archive.ts';
import { recordName, type PullContext } from './pull-context.ts';

/** Why the image id cannot be checked, when it cannot. */
export function imageIdUnchecked(context: PullContext): string | undefined {
  return context.expected?.config ? undefined : 'the record has no docker-id';
}

/** The loaded image's id must be the `docker-id` the record gives; the pull fails (and is undone) otherwise. */
export const verifyImage: Step<PullContext, never> = {
  id: 'verify',
  title: 'Verify the image id',
  uses: [],
  skip: (context) => imageIdUnchecked(context) ?? false,
  async run(context) {
    const expected = context.expected!.config;
    // Where the archive identifies its image, the load already proved both: the archive holds the
    // record's image (checked before its end reached the engine), and the engine loaded that image.
    const known = identifiers(context.identity);
    const matches = known.length > 0 ? known.includes(expected) && known.includes(context.imageId!) : context.imageId === expected;
    if (!matches) throw errors.imageIdMismatch(recordName(context.record!), expected, context.imageId ?? 'none');
    context.verified.imageId = true;
  },
};
