import { describe, expect, it } from 'vitest';
import { runPipeline, type RunnerOutput } from '../../src/pipeline/runner.ts';
import type { Step } from '../../src/pipeline/step.ts';
import type { Services } from '../../src/services.ts';
import { pullPipeline, pushPipeline } from '../../src/pipelines.ts';

const output: RunnerOutput = { mode: 'silent', stream: process.stderr };

describe('steps declare the services they use', () => {
  it('hands a step the services it names and no others', async () => {
    const services = { storage: { name: 'the storage' }, compressor: { name: 'the compressor' }, baseDir: '/base' } as unknown as Services;
    const seen: Record<string, unknown>[] = [];
    const step: Step<object, 'storage' | 'baseDir'> = {
      id: 'look',
      title: 'look',
      uses: ['storage', 'baseDir'],
      run: async (_context, tools) => void seen.push({ ...tools.services }),
    };
    await runPipeline([step], {}, services, output);
    expect(seen).toEqual([{ storage: { name: 'the storage' }, baseDir: '/base' }]);
  });

  it('every step of the push and pull pipelines names what it uses', () => {
    for (const step of [...pushPipeline, ...pullPipeline]) expect(Array.isArray(step.uses), step.id).toBe(true);
    const pull = new Set(pullPipeline.flatMap((step) => step.uses));
    // A pull never renders metadata nor touches another storage variant.
    expect([...pull].sort()).toEqual(['compressor', 'imagesAt', 'storage']);
  });
});
