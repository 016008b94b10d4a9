import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errors } from '../../errors/catalogue.ts';
import type { Step } from '../../pipeline/step.ts';
import { MeasuringStream } from '../../streams/measure.ts';
import type { PullContext } from './pull-context.ts';
import { rememberTag, undoLoad } from './undo-load.ts';

/**
 * download → md5 → decompress → docker load, streamed with no temporary file. When the bytes do
 * not match the record's checksum, the load is undone (see undo-load.ts).
 */
const BUFFER = 4 * 1024 * 1024;

export const loadImage: Step<PullContext> = {
  id: 'load',
  title: 'Download and load',
  async run(context, { services, progress }) {
    const record = context.record!;
    const file = context.file!;
    const name = record.doi ?? record.recordId;
    const plainTar = file.key.endsWith('.tar');
    if (!plainTar && !services.compressor.handles(file.key)) throw errors.noCompressor(file.key);
    await rememberTag(services, context);
    const download = await services.storage.download(record, file, progress);
    // Megabyte buffers between the stages: the engine reads in bursts, and with the default 64 KiB
    // the download and gunzip stall while it writes.
    const measure = new MeasuringStream({ highWaterMark: BUFFER });
    const tar = new PassThrough({ highWaterMark: BUFFER });
    let streamError: unknown;
    const feeding = pipeline(download, measure, ...(plainTar ? [] : [services.compressor.decompress()]), tar).catch((cause: unknown) => {
      streamError = cause;
      tar.destroy(cause as Error);
    });
    let loaded;
    try {
      loaded = await services.source.load(tar as Readable);
    } catch (cause) {
      await feeding;
      if (streamError) throw translate(streamError, file.key);
      throw cause;
    }
    await feeding;
    if (streamError) {
      await undoLoad(services, context, loaded.references);
      throw translate(streamError, file.key);
    }
    const { md5, size } = measure.result();
    if (md5 !== file.md5 || size !== file.size) {
      await undoLoad(services, context, loaded.references);
      throw errors.checksumMismatch(`Downloaded ${file.key} of ${name} (${size} bytes)`, `${file.md5} (${file.size} bytes)`, md5);
    }
    if (loaded.references.length === 0 && loaded.ids.length === 0) throw errors.loadedNothing(name);
    context.loaded = loaded.references;
    context.imageId = loaded.ids[0];
  },
};

function translate(cause: unknown, key: string) {
  const code = (cause as { code?: string }).code;
  if (code && code.startsWith('Z_')) return errors.decompressFailed(key, cause);
  return cause;
}
