import { describe, expect, it } from 'vitest';
import { DonodoError } from '../../src/errors/donodo-error.ts';
import { runPipeline, type RunnerOutput } from '../../src/pipeline/runner.ts';
import type { Step } from '../../src/pipeline/step.ts';
import type { Services } from '../../src/services.ts';

const output: RunnerOutput = { mode: 'silent', stream: process.stderr };
const services = {} as Services;

/** A step that runs until `finish()` is called; `started` resolves once it runs, with the signal it was given. */
function heldStep(id: string, events: string[], options: { stopsOnAbort?: boolean } = {}) {
  let finish!: () => void;
  let started!: (signal: AbortSignal) => void;
  const running = new Promise<AbortSignal>((resolve) => (started = resolve));
  const step: Step<object> = {
    id,
    title: id,
    uses: [],
    stopsOnAbort: options.stopsOnAbort,
    run: (_context, { signal }) =>
      new Promise<void>((resolve) => {
        finish = () => {
          events.push(`${id} finished`);
          resolve();
        };
        started(signal);
      }),
  };
  return { step, running, finish: () => finish() };
}

const recorder = (id: string, events: string[]): Step<object> => ({ id, title: id, uses: [], run: async () => void events.push(`${id} ran`) });

async function interruptedError(run: Promise<unknown>, events: string[]): Promise<DonodoError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  events.push('run ended');
  expect(error).toBeInstanceOf(DonodoError);
  return error as DonodoError;
}

describe('an interrupted pipeline', () => {
  it('waits for the running step by default, then ends with INTERRUPTED naming the signal and the step; no later step runs', async () => {
    const events: string[] = [];
    const held = heldStep('load', events);
    const controller = new AbortController();
    const run = runPipeline([held.step, recorder('verify', events)], {}, services, output, { signal: controller.signal });
    const signal = await held.running;
    controller.abort('SIGINT');
    expect(signal.aborted).toBe(true);
    held.finish();
    const error = await interruptedError(run, events);
    expect(events).toEqual(['load finished', 'run ended']);
    expect({ code: error.code, message: error.message, step: error.step }).toEqual({ code: 'INTERRUPTED', message: 'Interrupted by SIGINT.', step: 'load' });
  });

  it('with leaveOnAbort, ends at once and leaves the running step behind', async () => {
    const events: string[] = [];
    const held = heldStep('upload', events);
    const controller = new AbortController();
    const run = runPipeline([held.step, recorder('publish', events)], {}, services, output, { signal: controller.signal, leaveOnAbort: true });
    await held.running;
    controller.abort('SIGTERM');
    const error = await interruptedError(run, events);
    held.finish();
    expect(events).toEqual(['run ended', 'upload finished']);
    expect({ message: error.message, step: error.step }).toEqual({ message: 'Interrupted by SIGTERM.', step: 'upload' });
  });

  it('with leaveOnAbort, still waits for a step that stops on the signal (its undo must finish first)', async () => {
    const events: string[] = [];
    const held = heldStep('export', events, { stopsOnAbort: true });
    const controller = new AbortController();
    const run = runPipeline([held.step], {}, services, output, { signal: controller.signal, leaveOnAbort: true });
    await held.running;
    controller.abort('SIGINT');
    held.finish();
    await interruptedError(run, events);
    expect(events).toEqual(['export finished', 'run ended']);
  });

  it('does not start at all when interrupted before, and treats the publish question as interrupted, not declined', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    controller.abort('SIGINT');
    const before = await interruptedError(runPipeline([recorder('resolve', events)], {}, services, output, { signal: controller.signal }), events);
    expect(before.step).toBe('resolve');

    const asking = new AbortController();
    const question: Step<object> = { id: 'publish', title: 'publish', uses: [], confirm: () => 'Publish?', declined: () => void events.push('declined'), run: async () => void events.push('published') };
    const ask: RunnerOutput['ask'] = (_q, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(false)));
    const run = runPipeline([question], {}, services, { ...output, ask }, { signal: asking.signal });
    asking.abort('SIGTERM');
    const error = await interruptedError(run, events);
    expect({ message: error.message, step: error.step }).toEqual({ message: 'Interrupted by SIGTERM.', step: 'publish' });
    expect(events).not.toContain('declined');
    expect(events).not.toContain('published');
  });
});
