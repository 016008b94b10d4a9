import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const module_ = pathToFileURL(path.resolve(import.meta.dirname, '../../src/runtime/streaming-memory.ts')).href;

/** Runs `body` in a fresh Node process that traces its collections, with the module's exports in scope; gives its output. */
function run(body: string): string {
  const script = `
    import { runInNewContext } from 'node:vm';
    const { tuneForStreaming, releaseBuffers, RELEASE_EVERY } = await import(${JSON.stringify(module_)});
    ${body}`;
  return execFileSync(process.execPath, ['--input-type=module', '--trace-gc', '-e', script], { encoding: 'utf8' });
}

/** Collections asked for through gc(): V8 logs their reason as "testing". */
const requestedScavenges = (output: string) => output.match(/Scavenge.*testing/g)?.length ?? 0;

describe('garbage collection tuned for streaming', () => {
  it('leaves gc() to no other code, before or after tuning', () => {
    const output = run(`
      const before = runInNewContext('typeof gc');
      tuneForStreaming();
      tuneForStreaming();
      console.log(JSON.stringify({ before, after: runInNewContext('typeof gc'), global: typeof globalThis.gc }));`);
    expect(JSON.parse(output.split('\n').find((line) => line.startsWith('{'))!)).toEqual({ before: 'undefined', after: 'undefined', global: 'undefined' });
  });

  it('does nothing before it is tuned (library use, tests)', () => {
    expect(requestedScavenges(run('for (let i = 0; i < 8; i++) releaseBuffers(RELEASE_EVERY);'))).toBe(0);
  });

  it('asks for a minor collection every RELEASE_EVERY bytes once tuned', () => {
    expect(requestedScavenges(run('tuneForStreaming(); for (let i = 0; i < 8; i++) releaseBuffers(RELEASE_EVERY / 2);'))).toBe(4);
  });
});
