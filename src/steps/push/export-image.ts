import type { Step } from '../../pipeline/step.ts';
import { imageOf, type PushContext } from './push-context.ts';
import { skipWhenUnchanged } from './locate-version.ts';
import { writeSpool } from './spool-file.ts';

/** `docker save` → compressor → spool file, in one pass, hashed (md5, sha256) on the way. */
export const exportImage: Step<PushContext> = {
  id: 'export',
  title: 'Export and compress',
  skip: skipWhenUnchanged,
  async run(context, { services, progress }) {
    progress.total(context.image!.size || undefined);
    const tar = await services.source.export(imageOf(context));
    context.spool = await writeSpool(`image.tar${services.compressor.extension}`, tar, services.compressor.compress(), progress, context.options.tmpDir);
    // The archive is made: in a batch, the next tag of the name may start its own export now.
    context.arrived?.();
  },
};
