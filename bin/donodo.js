#!/usr/bin/env node
// Runs the compiled CLI (npm run build); during development `node src/cli.ts` runs the source.
import '../dist/src/cli.js';
