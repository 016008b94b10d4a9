import { ExportLayoutError, layerMediaTypeFor } from '../../archive/oci-layout-writer.ts';
import type { Compressor } from '../../contracts/compressor.ts';
import type { ArchiveFormat } from '../../contracts/image-identity.ts';
import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import { imageOf, type PushContext } from './push-context.ts';
import { skipWhenUnchanged } from './locate-version.ts';
import { writeOciSpool, writeSpool } from './spool-file.ts';

/** What a push stores unless told otherwise (`--archive-format`, `archive.format`): see bench/RESULTS.md, "archive format". */
export const DEFAULT_ARCHIVE_FORMAT: ArchiveFormat = 'oci-layout';

/** The archive a push of this format stores: `image.tar` for an OCI layout, else the compressed export's name. */
export function archiveOf(format: ArchiveFormat, compressor: Compressor): { key: string; format: ArchiveFormat } {
  return { key: format === 'oci-layout' ? 'image.tar' : `image.tar${compressor.extension}`, format };
}

/**
 * The source's export (`docker save`, an archive file) → spool file, in one pass, hashed (md5,
 * sha256) on the way: as `image.tar`, an OCI layout with each layer compressed on its own (the
 * default), or as `image.tar.gz`, the whole export through the compressor (`docker-save`).
 */
export const exportImage: Step<PushContext, 'compressor'> = {
  id: 'export',
  title: 'Export and compress',
  uses: ['compressor'],
  skip: skipWhenUnchanged,
  // The export stops on an interruption and removes its partial spool before the run reports.
  stopsOnAbort: true,
  async run(context, { services, progress, signal }) {
    progress.total(context.image!.size || undefined);
    const { source, location } = await context.resolved!;
    const format = context.options.archiveFormat ?? DEFAULT_ARCHIVE_FORMAT;
    const compressor = services.compressor;
    const layerMediaType = layerMediaTypeFor(compressor.extension);
    if (format === 'oci-layout' && !layerMediaType) throw errors.layerCompressionUnnamed(compressor.extension);
    const exported = await source.export(location);
    const options = {
      tmpDir: context.options.tmpDir,
      signal,
      // The archive's size is known only after the export; the image's uncompressed size bounds it.
      atMost: context.image!.size || undefined,
    };
    if (format === 'oci-layout') {
      const { name, tag } = context.ref!;
      try {
        context.spool = await writeOciSpool(archiveOf(format, compressor).key, exported.stream, { name, tag, compress: () => compressor.compress(), layerMediaType: layerMediaType!, config: context.image!.id }, progress, options);
      } catch (cause) {
        if (!(cause instanceof ExportLayoutError)) throw cause;
        throw errors.exportUnreadable(imageOf(context), cause);
      }
    } else {
      context.spool = await writeSpool(archiveOf(format, compressor).key, exported.stream, compressor.compress(), progress, options);
      context.spool.format = exported.format;
    }
    // The archive is made: in a batch, the next tag of the name may start its own export now.
    context.arrived?.();
  },
};
