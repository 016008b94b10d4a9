import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Garbage collection tuned for a process that streams gigabytes through a small heap.
 *
 * Every chunk read from a socket or a file, and every block zlib writes, is a new Buffer whose
 * memory lives outside V8's heap and is freed only when V8 collects the small object that owns it.
 * V8's defaults suit the opposite case (a big heap, little outside it). Measured on a 500 MB push
 * (2 cores), they cost both ways: full collections ran 76–88 times, started by the outside memory,
 * and took ~1.5 s of CPU from the compressor; and between them 60–100 MB of dead chunks were held.
 *
 * {@link tuneForStreaming} (called once by the command-line entry) changes that:
 * - a minor collection every {@link RELEASE_EVERY} streamed bytes ({@link releaseBuffers}, called by
 *   MeasuringStream, which every transfer goes through; a push counts both its input and its
 *   archive, each a stream of new chunks) frees chunks while their owners are young, in well under
 *   a millisecond (every 2 or 4 MiB measured a few MB more at peak, and less steady);
 * - `--optimize-for-size` keeps V8's own heap small (14–20 MB committed instead of 30–60);
 * - `--heap-growing-percent=100` stops the full collections that chunks promoted to the old
 *   generation would otherwise start every megabyte or so (optimize-for-size sets the old-space
 *   limit barely above what is live), which found almost nothing to free and cost CPU;
 * - `--no-concurrent-array-buffer-sweeping` frees the chunks during the collection that found them
 *   dead, rather than in a later background task while new ones pile up.
 * Together, on the same push: about 1 s faster (6.0 s instead of 7.0) and 50–70 MB smaller at peak
 * (~130 MB instead of 190–200). Alternatives measured and left: `--no-incremental-marking` is as
 * fast but holds 200 MB; `--heap-growing-percent=50` is 0.7 s slower; 200 holds 20 MB more.
 *
 * Node has no API to ask for a collection: the `gc` function of V8's `--expose-gc` is taken from a
 * fresh context (as Jest does for `--logHeapUsage`), and the flag is turned off again at once so
 * that no other context sees it. V8 flags set after start-up apply from then on; the ones used here
 * are read when the heap next grows or collects. Where any of this fails, donodo works as before,
 * with more memory.
 */
export const RELEASE_EVERY = 1024 * 1024;

const FLAGS = ['--optimize-for-size', '--heap-growing-percent=100', '--no-concurrent-array-buffer-sweeping'];

type Collect = (options: { type: 'minor'; execution: 'sync' }) => void;

let collect: Collect | undefined;
let streamed = 0;

/** Apply the settings above to this process. Idempotent. */
export function tuneForStreaming(): void {
  if (collect) return;
  try {
    for (const flag of FLAGS) v8.setFlagsFromString(flag);
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') collect = gc as Collect;
  } catch {
    // Not V8, or flags refused: stream with the defaults.
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

/** Count `bytes` of streamed chunks; every {@link RELEASE_EVERY} bytes, collect the dead ones (once tuned). */
export function releaseBuffers(bytes: number): void {
  if (!collect) return;
  streamed += bytes;
  if (streamed < RELEASE_EVERY) return;
  streamed = 0;
  collect({ type: 'minor', execution: 'sync' });
}
