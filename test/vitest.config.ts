import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    // Integration tests drive the real Docker engine and move real archives.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: files run in parallel, but not more of them than the machine has.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
