import type { Step } from '../../pipeline/step.ts';
import type { PushContext } from './push-context.ts';
import { skipWhenUnchanged } from './locate-version.ts';
import { writeSpool } from './spool-file.ts';

/** the source's export (`docker save`, an archive file) → compressor → spool file, in one pass, hashed (md5, sha256) on the way. */
export const exportImage: Step<PushContext> = {
  id: 'export',
  title: 'Export and compress',
  skip: skipWhenUnchanged,
  // The export stops on an interruption and removes its partial spool before the run reports.
  stopsOnAbort: true,
  async run(context, { services, progress, signal }) {
    progress.total(context.image!.size || undefined);
    const { source, location } = await context.resolved!;
    const exported = await source.export(location);
    context.spool = await writeSpool(`image.tar${services.compressor.extension}`, exported.stream, services.compressor.compress(), progress, {
      tmpDir: context.options.tmpDir,
      signal,
      // The archive's size is known only after the export; the image's uncompressed size bounds it.
      atMost: context.image!.size || undefined,
    });
    context.spool.format = exported.format;
    // The archive is made: in a batch, the next tag of the name may start its own export now.
    context.arrived?.();
  },
};
