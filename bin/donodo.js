#!/usr/bin/env node
// Runs the compiled CLI (npm run build); during development `node src/cli.ts` runs the source.
// This file must parse and run on any Node.js, so that an old one is told what is needed.
import { readFileSync } from 'node:fs';
import os from 'node:os';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const needed = /(\d+)\.(\d+)/.exec(manifest.engines.node).slice(1).map(Number);
const running = process.versions.node.split('.').map(Number);
if (running[0] < needed[0] || (running[0] === needed[0] && running[1] < needed[1])) {
  process.stderr.write(`donodo: needs Node.js ${needed.join('.')} or newer (package.json "engines"), but this is Node.js ${process.versions.node} (${process.execPath}).\n  Install a newer Node.js (https://nodejs.org, or nvm install 22), or run donodo with it.\n`);
  process.exit(1);
}

// gzip compresses blocks on libuv's thread pool (two per core), which also serves file I/O: give
// it room before anything uses it. A value set by the user wins.
// (Plain syntax only in this file: no ??=, no top-level await.)
if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(4, 2 * os.availableParallelism() + 2)));
import('../dist/src/cli.js');
