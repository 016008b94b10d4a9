import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { versionsOf } from '../support/emulator-state.ts';
import { buildTestImage, removeImages } from '../support/images.ts';
import { onTerminal as startOnTerminal } from '../support/terminal.ts';

const NAME = `donodo-test/prompt-${process.pid}`;
let zenodo: Emulator;

beforeAll(async () => {
  zenodo = await startEmulator();
  await buildTestImage(`${NAME}:1.0`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`);
  await zenodo.close();
});

function onTerminal(args: string[], answer: string): Promise<{ code: number; screen: string }> {
  return startOnTerminal(args, { answer, env: { ZENODO_TOKEN: zenodo.token } }).then(({ code, screen }) => ({ code, screen }));
}

describe('the publish question on a terminal', () => {
  const args = () => ['push', `${NAME}:1.0`, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl, '--no-lock'];

  it('shows the draft\'s web page, takes Enter as no, keeps the draft and exits 2', async () => {
    const run = await onTerminal(args(), '\n');
    expect(run.screen).toMatch(new RegExp(`Publish ${NAME}:1.0\\? Publishing is permanent\\. Review the draft at ${zenodo.baseUrl}/deposit/\\d+`));
    expect(run.code).toBe(2);
    expect(run.screen).toContain('NOT published');
    expect(versionsOf(zenodo, `Docker image ${NAME}`, '1.0')).toMatchObject({ published: 0, drafts: 1 });
  });

  it('takes Ctrl-C at the question as no: the same message, the draft kept, exit 2', async () => {
    const run = await onTerminal(args(), '\x03');
    expect(run.code).toBe(2);
    expect(run.screen).toContain(`${NAME}:1.0 uploaded but NOT published; the draft is kept at ${zenodo.baseUrl}/deposit/`);
    expect(run.screen).not.toContain('Unexpected failure');
    expect(versionsOf(zenodo, `Docker image ${NAME}`, '1.0')).toMatchObject({ published: 0, drafts: 1 });
  });

  it('publishes the same draft when the answer is y', async () => {
    const run = await onTerminal(args(), 'y\n');
    expect(run.code).toBe(0);
    expect(run.screen).toMatch(/published: DOI 10\.5281\/zenodo\.\d+/);
    expect(versionsOf(zenodo, `Docker image ${NAME}`, '1.0')).toMatchObject({ published: 1, drafts: 0 });
  });
});
