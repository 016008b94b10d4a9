import { describe, expect, it } from 'vitest';
import { verifyPipeline } from '../../src/pipelines.ts';

describe('verify', () => {
  it('works with the storage and the compressor only: no engine, no destination', () => {
    expect([...new Set(verifyPipeline.flatMap((step) => step.uses))].sort()).toEqual(['compressor', 'storage']);
  });
});
