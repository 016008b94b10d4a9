import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isDonodoError, type Logger } from '../../src/plugin-api.ts';
import { registryErrors } from './registry-errors.ts';
import type { RegistrySession } from './registry-session.ts';

/** How often a dropped blob download is resumed before it fails. */
const RESUMES = 5;

/**
 * A blob as the registry serves it, streamed: checked against its size and digest as it passes (a
 * mismatch fails the stream at its end, before the tar entry is complete), and resumed with a
 * `Range` request from the byte it stopped at when the connection drops.
 */
export function downloadBlob(session: RegistrySession, blob: { digest: string; size: number }, what: string, input: string, logger: Logger): Readable {
  return Readable.from(chunks(session, blob, what, input, logger), { objectMode: false, highWaterMark: 1024 * 1024 });
}

async function* chunks(session: RegistrySession, { digest, size }: { digest: string; size: number }, what: string, input: string, logger: Logger): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let got = 0;
  let resumes = 0;
  for (;;) {
    const response = await session.request('GET', `blobs/${digest}`, what, got > 0 ? { range: `bytes=${got}-` } : {});
    // A registry (or its storage) that ignores Range sends the whole blob again: skip what we have.
    let skip = got > 0 && response.status !== 206 ? got : 0;
    try {
      for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
        let chunk = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          chunk = chunk.subarray(dropped);
          skip -= dropped;
          if (chunk.length === 0) continue;
        }
        if (got + chunk.length > size) throw registryErrors.corrupt(input, what, `it is longer than the ${size} bytes its manifest gives`);
        hash.update(chunk);
        got += chunk.length;
        yield chunk;
      }
      if (got < size) throw new Error(`the connection closed after ${got} of ${size} bytes`);
      break;
    } catch (cause) {
      if (isDonodoError(cause)) throw cause;
      const why = cause instanceof Error ? cause.message : String(cause);
      if (++resumes > RESUMES) throw registryErrors.interrupted(input, what, why);
      logger.warn(`${input}: the download of ${what} stopped at byte ${got} of ${size} (${why}); resuming.`);
    }
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) throw registryErrors.digestMismatch(input, what, digest, actual);
}
