import { Writable } from 'node:stream';
import type { ArchiveWriter } from '../../contracts/image-target.ts';
import type { Step } from '../../pipeline/step.ts';
import { loadImage } from '../pull/load-image.ts';
import type { PullContext } from '../pull/pull-context.ts';

/**
 * The pull's own download and checks (md5 and size against the record, every layer's digest, the
 * archive's config digest against the record's `docker-id`: see GuardedArchive), with the verified
 * stream going nowhere: no engine, no file. What the archive's bytes say the image is becomes the
 * image id, as for a pull into an archive file.
 */
export const checkArchive: Step<PullContext, 'storage' | 'compressor'> = {
  ...loadImage,
  id: 'check',
  title: 'Download and check',
  async run(context, tools) {
    context.writer ??= discardingWriter();
    await loadImage.run(context, tools);
  },
};

/** A destination that keeps nothing: verify reads the archive only to check it. */
function discardingWriter(): ArchiveWriter {
  return {
    stream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    commit: async () => '',
    discard: async () => undefined,
  };
}
