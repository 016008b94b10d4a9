import { parsePushRef } from '../../image-ref.ts';
import type { Step } from '../../pipeline/step.ts';
import { imageOf, type PushContext } from './push-context.ts';

/** Parse the reference (a tag is required, `latest` refused) and inspect the local image. */
export const resolveImage: Step<PushContext> = {
  id: 'resolve',
  title: 'Inspect image',
  async run(context, { services }) {
    context.ref = parsePushRef(context.reference);
    context.image = await services.source.inspect(imageOf(context));
  },
};
