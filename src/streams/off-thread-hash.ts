/**
 * md5 / sha256 computed on a worker thread, so that the thread that moves the bytes (a pull feeding
 * `docker load`) does not also hash them. One worker per process, started on first use and not keeping
 * the process alive while idle.
 *
 * A worker costs ~19 MB of memory (its isolate) and gains nothing where no core is free for it: on 2
 * cores the pull's inflate and Docker's own hashing and unpacking fill both (measured on the 500 MB
 * bench image: the same CPU time, and the pull of an image.tar.gz then peaked at 150–164 MB instead of
 * ~140, over the 150 MB bound). So the thread is used from {@link MIN_CORES} cores on; below, the
 * hashes are computed inline, as before. A push always hashes inline: its CPU goes to deflate on
 * every core, and the worker took its peak from 137 to 148 MB.
 *
 * {@link OffThreadHash.update} copies the bytes into a 1 MiB batch (one memcpy; the caller keeps its
 * chunk) and hands full batches to the worker, which sends the buffers back for reuse. Callers bound
 * the bytes in flight with {@link hashBacklog} / {@link hashDrained} (the streams wait above
 * {@link HASH_BACKLOG_LIMIT}). Where no worker can start, hashing falls back to this thread.
 */
import { createHash, type Hash } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export type HashAlgorithm = 'md5' | 'sha256';

/** Bytes handed to the worker per message. */
const BATCH = 1024 * 1024;
/** Bytes in flight above which the streams hashing off-thread wait before taking more. */
export const HASH_BACKLOG_LIMIT = 4 * 1024 * 1024;
/** Cores from which hashing moves to its own thread. */
export const MIN_CORES = 3;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const open = new Map();
parentPort.on('message', (message) => {
  if (message.op === 'update') {
    let hashes = open.get(message.id);
    if (!hashes) open.set(message.id, (hashes = message.algorithms.map((a) => createHash(a))));
    const data = new Uint8Array(message.buffer, 0, message.length);
    for (const hash of hashes) hash.update(data);
    parentPort.postMessage({ op: 'done', buffer: message.buffer, length: message.length }, [message.buffer]);
  } else if (message.op === 'digest') {
    const hashes = open.get(message.id) ?? message.algorithms.map((a) => createHash(a));
    open.delete(message.id);
    parentPort.postMessage({ op: 'digest', id: message.id, hex: hashes.map((hash) => hash.digest('hex')) });
  }
});
`;

interface Pending {
  resolve: (hex: string[]) => void;
  reject: (error: Error) => void;
}

/** The process's hashing worker. */
class HashThread {
  readonly #worker: Worker;
  #inFlight = 0;
  #nextId = 1;
  #referenced = false;
  readonly #spare: ArrayBuffer[] = [];
  readonly #digests = new Map<number, Pending>();
  #waiters: Array<{ limit: number; resolve: () => void }> = [];
  #failed?: Error;

  constructor() {
    // A small isolate: it holds a few messages and hash objects, never data (its buffers are outside the heap).
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, stackSizeMb: 1 } });
    this.#worker.on('message', (message: { op: string; buffer?: ArrayBuffer; length?: number; id?: number; hex?: string[] }) => {
      if (message.op === 'done') {
        this.#inFlight -= message.length!;
        if (this.#spare.length < 4) this.#spare.push(message.buffer!);
        this.#reference();
        this.#wake();
      } else if (message.op === 'digest') {
        const pending = this.#digests.get(message.id!);
        this.#digests.delete(message.id!);
        this.#reference();
        pending?.resolve(message.hex!);
      }
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the hashing thread exited (${code})`)));
    // After the listeners: adding a 'message' listener references the worker again.
    this.#worker.unref();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  open(): number {
    return this.#nextId++;
  }

  buffer(): ArrayBuffer {
    return this.#spare.pop() ?? new ArrayBuffer(BATCH);
  }

  update(id: number, algorithms: HashAlgorithm[], buffer: ArrayBuffer, length: number): void {
    if (this.#failed) return;
    this.#inFlight += length;
    this.#reference();
    this.#worker.postMessage({ op: 'update', id, algorithms, buffer, length }, [buffer]);
  }

  digest(id: number, algorithms: HashAlgorithm[]): Promise<string[]> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#digests.set(id, { resolve, reject });
      this.#reference();
      this.#worker.postMessage({ op: 'digest', id, algorithms });
    });
  }

  /** Resolves once at most `limit` bytes are in flight. */
  drained(limit: number): Promise<void> {
    if (this.#inFlight <= limit || this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ limit, resolve }));
  }

  /** The worker keeps the process alive only while it has work: an abandoned stream does not hold it. */
  #reference(): void {
    const busy = this.#inFlight > 0 || this.#digests.size > 0;
    if (busy === this.#referenced) return;
    this.#referenced = busy;
    if (busy) this.#worker.ref();
    else this.#worker.unref();
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => this.#inFlight <= w.limit);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => this.#inFlight > w.limit);
    for (const waiter of ready) waiter.resolve();
  }

  #fail(error: Error): void {
    this.#failed ??= error;
    for (const pending of this.#digests.values()) pending.reject(this.#failed);
    this.#digests.clear();
    this.#inFlight = 0;
    this.#reference();
    this.#wake();
  }
}

let thread: HashThread | null | undefined;

function hashThread(): HashThread | null {
  if (thread === undefined) {
    try {
      thread = new HashThread();
    } catch {
      thread = null; // no worker threads here: hash on this thread
    }
  }
  return thread;
}

/** Bytes handed to the hashing thread and not hashed yet. */
export function hashBacklog(): number {
  return thread?.inFlight ?? 0;
}

/** Resolves once at most `limit` bytes wait for the hashing thread. */
export function hashDrained(limit = HASH_BACKLOG_LIMIT): Promise<void> {
  return thread ? thread.drained(limit) : Promise.resolve();
}

/** Digests of a stream of bytes, computed on the hashing thread (or inline, see above); `digest()` gives them in the order asked. */
export class OffThreadHash {
  readonly #algorithms: HashAlgorithm[];
  readonly #thread: HashThread | null;
  readonly #id: number;
  readonly #local?: Hash[];
  #batch: Uint8Array | null = null;
  #fill = 0;
  #done = false;

  /** `thread`: use the hashing thread (default: when this machine has {@link MIN_CORES} cores or more). */
  constructor(algorithms: HashAlgorithm[], options: { thread?: boolean } = {}) {
    this.#algorithms = algorithms;
    this.#thread = (options.thread ?? os.availableParallelism() >= MIN_CORES) ? hashThread() : null;
    this.#id = this.#thread?.open() ?? 0;
    if (!this.#thread) this.#local = algorithms.map((a) => createHash(a));
  }

  update(chunk: Uint8Array): void {
    if (this.#local) {
      for (const hash of this.#local) hash.update(chunk);
      return;
    }
    for (let at = 0; at < chunk.length; ) {
      this.#batch ??= new Uint8Array(this.#thread!.buffer());
      const n = Math.min(BATCH - this.#fill, chunk.length - at);
      this.#batch.set(chunk.subarray(at, at + n), this.#fill);
      this.#fill += n;
      at += n;
      if (this.#fill === BATCH) this.#send();
    }
  }

  /** The hex digests, one per algorithm, in the order given. Call once. */
  digest(): Promise<string[]> {
    if (this.#done) throw new Error('digest() was already called');
    this.#done = true;
    if (this.#local) return Promise.resolve(this.#local.map((hash) => hash.digest('hex')));
    if (this.#fill > 0) this.#send();
    return this.#thread!.digest(this.#id, this.#algorithms);
  }

  #send(): void {
    this.#thread!.update(this.#id, this.#algorithms, this.#batch!.buffer as ArrayBuffer, this.#fill);
    this.#batch = null;
    this.#fill = 0;
  }
}
