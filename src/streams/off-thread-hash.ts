/**
 * md5 / sha256 computed on a worker thread, so that the thread that moves the bytes (a pull feeding
 * `docker load`, a push writing its spool) does not also hash them. One worker per process, started
 * on first use and not keeping the process alive while idle.
 *
 * {@link OffThreadHash.update} copies the bytes into a 1 MiB batch (one memcpy; the caller keeps its
 * chunk) and hands full batches to the worker, which sends the buffers back for reuse. Callers bound
 * the bytes in flight with {@link hashBacklog} / {@link hashDrained} (the streams wait above
 * {@link HASH_BACKLOG_LIMIT}). Where no worker can start, hashing falls back to this thread.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export type HashAlgorithm = 'md5' | 'sha256';

/** Bytes handed to the worker per message. */
const BATCH = 1024 * 1024;
/** Bytes in flight above which the streams hashing off-thread wait before taking more. */
export const HASH_BACKLOG_LIMIT = 16 * 1024 * 1024;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const open = new Map();
let readBuffer;
parentPort.on('message', (message) => {
  if (message.op === 'file') {
    let hashes = open.get(message.id);
    if (!hashes) open.set(message.id, (hashes = message.algorithms.map((a) => createHash(a))));
    readBuffer ??= Buffer.allocUnsafe(4 << 20);
    let error;
    const fd = fs.openSync(message.path, 'r');
    try {
      for (let at = message.start; at < message.end; ) {
        const n = fs.readSync(fd, readBuffer, 0, Math.min(readBuffer.length, message.end - at), at);
        if (n === 0) { error = 'the file is shorter than what was written'; break; }
        const part = readBuffer.subarray(0, n);
        for (const hash of hashes) hash.update(part);
        at += n;
      }
    } catch (cause) {
      error = String(cause && cause.message || cause);
    } finally {
      fs.closeSync(fd);
    }
    if (error) open.set(message.id, { error });
    parentPort.postMessage({ op: 'done', length: 0 });
  } else if (message.op === 'update') {
    let hashes = open.get(message.id);
    if (!hashes) open.set(message.id, (hashes = message.algorithms.map((a) => createHash(a))));
    const data = new Uint8Array(message.buffer, 0, message.length);
    for (const hash of hashes) hash.update(data);
    parentPort.postMessage({ op: 'done', buffer: message.buffer, length: message.length }, [message.buffer]);
  } else if (message.op === 'digest') {
    const hashes = open.get(message.id) ?? message.algorithms.map((a) => createHash(a));
    open.delete(message.id);
    if (hashes.error) parentPort.postMessage({ op: 'digest', id: message.id, error: hashes.error });
    else parentPort.postMessage({ op: 'digest', id: message.id, hex: hashes.map((hash) => hash.digest('hex')) });
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
  /** File ranges handed over and not hashed yet. */
  #files = 0;
  #nextId = 1;
  #referenced = false;
  readonly #spare: ArrayBuffer[] = [];
  readonly #digests = new Map<number, Pending>();
  #waiters: Array<{ limit: number; resolve: () => void }> = [];
  #failed?: Error;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.on('message', (message: { op: string; buffer?: ArrayBuffer; length?: number; id?: number; hex?: string[]; error?: string }) => {
      if (message.op === 'done') {
        this.#inFlight -= message.length!;
        if (message.buffer && this.#spare.length < 8) this.#spare.push(message.buffer);
        this.#files -= message.buffer ? 0 : 1;
        this.#reference();
        this.#wake();
      } else if (message.op === 'digest') {
        const pending = this.#digests.get(message.id!);
        this.#digests.delete(message.id!);
        this.#reference();
        if (message.error) pending?.reject(new Error(message.error));
        else pending?.resolve(message.hex!);
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

  /** Hash bytes `start` to `end` of the file at `path`, read by the worker itself. */
  file(id: number, algorithms: HashAlgorithm[], path: string, start: number, end: number): void {
    if (this.#failed) return;
    this.#files++;
    this.#reference();
    this.#worker.postMessage({ op: 'file', id, algorithms, path, start, end });
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
    const busy = this.#inFlight > 0 || this.#files > 0 || this.#digests.size > 0;
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
    this.#files = 0;
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

/** Digests of a stream of bytes, computed on the hashing thread; `digest()` gives them in the order asked. */
export class OffThreadHash {
  readonly #algorithms: HashAlgorithm[];
  readonly #thread: HashThread | null;
  readonly #id: number;
  readonly #local?: Hash[];
  #batch: Uint8Array | null = null;
  #fill = 0;
  #done = false;

  constructor(algorithms: HashAlgorithm[]) {
    this.#algorithms = algorithms;
    this.#thread = hashThread();
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

/**
 * Digests of a file being written, computed on the hashing thread from the file itself: {@link hashed}
 * hands over the bytes up to an offset, once they are final, without reading or copying them here.
 */
export class OffThreadFileHash {
  readonly #algorithms: HashAlgorithm[];
  readonly #path: string;
  readonly #thread: HashThread | null;
  readonly #id: number;
  readonly #local?: Hash[];
  #until = 0;

  constructor(path: string, algorithms: HashAlgorithm[]) {
    this.#algorithms = algorithms;
    this.#path = path;
    this.#thread = hashThread();
    this.#id = this.#thread?.open() ?? 0;
    if (!this.#thread) this.#local = algorithms.map((a) => createHash(a));
  }

  /** Bytes up to `offset` are final: hash them (after those handed over before). */
  hashed(offset: number): void {
    if (offset <= this.#until) return;
    const start = this.#until;
    this.#until = offset;
    if (this.#thread) return this.#thread.file(this.#id, this.#algorithms, this.#path, start, offset);
    const fd = openSync(this.#path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(Math.min(4 << 20, offset - start));
      for (let at = start; at < offset; ) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, offset - at), at);
        if (n === 0) throw new Error('the file is shorter than what was written');
        for (const hash of this.#local!) hash.update(buffer.subarray(0, n));
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The hex digests, one per algorithm, of everything handed over. */
  digest(): Promise<string[]> {
    if (this.#local) return Promise.resolve(this.#local.map((hash) => hash.digest('hex')));
    return this.#thread!.digest(this.#id, this.#algorithms);
  }
}
