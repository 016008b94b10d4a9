/**
 * Worker thread of the parallel gzip stream: compresses the blocks it is sent, one at a time, and
 * sends each result back with the block's CRC-32 and its input buffer (for reuse).
 */
import { parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';
import { compressBlock, type BlockSettings } from './deflate-block.ts';
import type { BlockJob, BlockResult } from './protocol.ts';

const settings = workerData as BlockSettings;
const port = parentPort;
if (!port) throw new Error('plugins/gzip/worker.ts must run as a worker thread.');

port.on('message', (job: BlockJob) => {
  const input = new Uint8Array(job.buffer, 0, job.length);
  const { output, stored } = compressBlock(input, job.dictionary, job.last, settings);
  // Send back only the bytes used: zlib's output sits in a buffer sized for the worst case.
  let exact = output;
  if (output.byteOffset !== 0 || output.byteLength !== output.buffer.byteLength) {
    exact = new Uint8Array(output.byteLength);
    exact.set(output);
  }
  const result: BlockResult = {
    seq: job.seq,
    output: exact,
    crc: zlib.crc32(input),
    length: job.length,
    stored,
    last: job.last,
    buffer: job.buffer,
  };
  port.postMessage(result, [exact.buffer as ArrayBuffer, job.buffer]);
});
