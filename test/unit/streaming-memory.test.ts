import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const module_ = pathToFileURL(path.join(root, 'src/runtime/streaming-memory.ts')).href;

function run(body: string): Record<string, unknown> {
  const script = `
    import { runInNewContext } from 'node:vm';
    const { tuneForStreaming, releaseBuffers, RELEASE_EVERY } = await import(${JSON.stringify(module_)});
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '--trace-gc', '-e', script], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('{')).pop()!) as Record<string, unknown>;
}

describe('garbage collection tuned for streaming', () => {
  it('collects young chunks as bytes stream, without leaving gc() to other code', () => {
    const result = run(`
      const before = runInNewContext('typeof gc');
      tuneForStreaming();
      tuneForStreaming();
      const after = runInNewContext('typeof gc');
      for (let i = 0; i < 8; i++) releaseBuffers(RELEASE_EVERY);
      console.log(JSON.stringify({ before, after, global: typeof globalThis.gc }));`);
    expect(result).toEqual({ before: 'undefined', after: 'undefined', global: 'undefined' });
  });

  it('does nothing before it is tuned (library use, tests)', () => {
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '--trace-gc', '-e', `const { releaseBuffers, RELEASE_EVERY } = await import(${JSON.stringify(module_)}); for (let i = 0; i < 8; i++) releaseBuffers(RELEASE_EVERY); console.log('done');`],
      { encoding: 'utf8' },
    );
    expect(output).not.toMatch(/Scavenge.*testing/);
  });

  it('asks for a minor collection every RELEASE_EVERY bytes once tuned', () => {
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '--trace-gc', '-e', `const { tuneForStreaming, releaseBuffers, RELEASE_EVERY } = await import(${JSON.stringify(module_)}); tuneForStreaming(); for (let i = 0; i < 8; i++) releaseBuffers(RELEASE_EVERY / 2); console.log('done');`],
      { encoding: 'utf8' },
    );
    // V8 logs a collection asked for by gc() as "testing".
    expect(output.match(/Scavenge.*testing/g)).toHaveLength(4);
  });
});
