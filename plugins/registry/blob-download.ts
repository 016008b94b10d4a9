import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isDonodoError, isRetryable, resumableDownload, retryDelayMs, type Logger } from '../../src/plugin-api.ts';
import { registryErrors } from './registry-errors.ts';
import type { RegistrySession } from './registry-session.ts';

/** How often a dropped blob download is resumed before it fails. */
const RESUMES = 5;
/** A blob download that moves no byte for this long is dropped and resumed. */
const IDLE_MS = 120_000;

/**
 * A blob as the registry serves it, streamed: resumed with a `Range` request from the byte it
 * stopped at when the connection drops (the plugin API's resumable download), and checked against
 * its size and digest as it passes (a mismatch fails the stream at its end, before the tar entry is complete).
 */
export function downloadBlob(session: RegistrySession, blob: { digest: string; size: number }, what: string, input: string, logger: Logger): Readable {
  return Readable.from(chunks(session, blob, what, input, logger), { objectMode: false, highWaterMark: 1024 * 1024 });
}

async function* chunks(session: RegistrySession, { digest, size }: { digest: string; size: number }, what: string, input: string, logger: Logger): AsyncGenerator<Buffer> {
  const path = `blobs/${digest}`;
  const body = resumableDownload(await session.request('GET', path, what), (offset) => session.request('GET', path, what, { range: `bytes=${offset}-` }), {
    retries: RESUMES,
    idleMs: IDLE_MS,
    size,
    retryable: (cause) => isRetryable('get', cause),
    delayMs: (attempt, cause) => retryDelayMs(cause, attempt),
    note: (message) => logger.warn(`${input}: the download of ${what}: ${message}`),
  });
  const hash = createHash('sha256');
  let got = 0;
  try {
    for await (const part of body as AsyncIterable<Uint8Array>) {
      const chunk = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      if (got + chunk.length > size) throw registryErrors.corrupt(input, what, `it is longer than the ${size} bytes its manifest gives`);
      hash.update(chunk);
      got += chunk.length;
      yield chunk;
    }
  } catch (cause) {
    if (isDonodoError(cause)) throw cause;
    throw registryErrors.interrupted(input, what, cause instanceof Error ? cause.message : String(cause));
  } finally {
    body.destroy();
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) throw registryErrors.digestMismatch(input, what, digest, actual);
}
