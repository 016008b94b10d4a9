import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GuardedArchive, identifiers } from '../../archive/guarded-archive.ts';
import type { LoadedImage } from '../../contracts/image-target.ts';
import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import { MeasuringStream, type Measured } from '../../streams/measure.ts';
import { recordName, type PullContext } from './pull-context.ts';

/**
 * Megabyte buffers between the stages: the engine reads in bursts, and with 64 KiB the download and gunzip
 * stall while it writes. 1 MiB rather than 4: 15 MB less at peak (room for the hashing thread), and no slower (measured, 500 MB).
 */
const BUFFER = 1024 * 1024;

/**
 * download → md5 → decompress → guard → engine, streamed with no temporary file. The download stops
 * at the size the record declares; the archive loads without names (the pull tags it later), and
 * its end reaches the engine only once md5 and size matched the record and its own config digest
 * is the record's image id, so a damaged or forged archive never loads at all. The engine must then
 * report the image the archive identifies.
 */
export const loadImage: Step<PullContext, 'storage' | 'compressor'> = {
  id: 'load',
  title: 'Download and load',
  uses: ['storage', 'compressor'],
  stopsOnAbort: true,
  async run(context, { services, progress, signal }) {
    const record = context.record!;
    const file = context.file!;
    const name = recordName(record);
    const plainTar = file.key.endsWith('.tar');
    if (!plainTar && !services.compressor.handles(file.key)) throw errors.noCompressor(file.key);
    const download = await services.storage.download(record, file, progress);
    // md5 on the hashing thread: this one feeds the engine (and parses, and hands out the inflating).
    const measure = new MeasuringStream({
      highWaterMark: BUFFER,
      offThread: true,
      limit: { bytes: file.size, error: () => errors.downloadTooLarge(file.key, name, file.size) },
    });
    const archive = new GuardedArchive(file.key, { highWaterMark: BUFFER, expected: context.expected?.config, platform: context.options.platform });
    let measured: Measured | undefined;
    measure.once('finish', () => {
      measure.settled().then(
        (result) => {
          measured = result;
          if (result.md5 === file.md5 && result.size === file.size) archive.release();
          else archive.fail(errors.checksumMismatch(`Downloaded ${file.key} of ${name} (${result.size} bytes)`, `${file.md5} (${file.size} bytes)`, result.md5));
        },
        (cause: Error) => archive.fail(cause),
      );
    });
    let streamError: unknown;
    const feeding = pipeline(download, measure, ...(plainTar ? [] : [services.compressor.decompress()]), archive, { signal }).catch((cause: unknown) => {
      streamError ??= cause;
      archive.destroy(cause as Error);
    });
    let loaded: LoadedImage;
    try {
      loaded = await deliver(context, archive);
    } catch (cause) {
      await feeding;
      context.transaction?.named(identifiers(archive.identity));
      throw translate(streamError ?? cause, file.key);
    }
    await feeding;
    context.transaction?.loaded(loaded.ids, loaded.references);
    if (streamError) throw translate(streamError, file.key);
    if (!measured || measured.md5 !== file.md5) throw errors.checksumMismatch(`Downloaded ${file.key} of ${name}`, file.md5, measured?.md5 ?? 'none');
    context.verified.md5 = true;
    context.archiveNames = [...archive.names];
    const ids = [...new Set(loaded.ids)];
    if (ids.length === 0) throw errors.loadedNothing(name);
    if (ids.length > 1) throw errors.unexpectedImages(name, context.expected?.config ?? ids[0]!, ids);
    context.imageId = ids[0];
    context.identity = archive.identity;
    const known = identifiers(archive.identity);
    if (known.length === 0) context.verified.archive = 'skipped: the archive names no image config';
    else if (known.includes(context.imageId!)) context.verified.archive = true;
    else throw errors.engineLoadedOther(name, known, context.imageId!);
    // Checked as they streamed past (a mismatch failed the load before its end reached the engine).
    context.verified.layers = archive.identity?.layers ? true : 'skipped: the archive names no layer digests';
  },
};

/**
 * Into the engine (what it reports it loaded), or into the archive being written (the image is then
 * the one the archive's own config names; the pull checks it like a load).
 */
async function deliver(context: PullContext, archive: GuardedArchive): Promise<LoadedImage> {
  if (context.transaction) return context.transaction.target.load(archive);
  await pipeline(archive, context.writer!.stream);
  return { ids: archive.chosen ? [archive.chosen.config] : (archive.identity?.configs ?? []), references: [] };
}

function translate(cause: unknown, key: string) {
  const code = (cause as { code?: string }).code;
  if (code && code.startsWith('Z_')) return errors.decompressFailed(key, cause);
  return cause;
}
