#!/usr/bin/env node
// Runs the compiled CLI (npm run build); during development `node src/cli.ts` runs the source.
import os from 'node:os';

// gzip compresses blocks on libuv's thread pool (two per core), which also serves file I/O: give
// it room before anything uses it. A value set by the user wins.
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(1024, Math.max(4, 2 * os.availableParallelism() + 2)));
await import('../dist/src/cli.js');
