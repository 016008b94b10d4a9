import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { buildTestImage, removeImages } from '../support/images.ts';
import { onTerminal } from '../support/terminal.ts';

const NAME = `donodo-test/screens-${process.pid}`;
const batch = [`${NAME}/tool:1.0`, `${NAME}/tool:1.1`, `${NAME}/other:2.0`];
let zenodo: Emulator;

beforeAll(async () => {
  zenodo = await startEmulator();
  await buildTestImage(`${NAME}/big:1.0`, { extraBytes: 16_000_000 });
  for (const image of batch) await buildTestImage(image, { extraBytes: 3_000_000 });
});

afterAll(async () => {
  await removeImages(`${NAME}/big:1.0`, ...batch);
  await zenodo.close();
});

const push = (...args: string[]) => onTerminal(['push', ...args, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl, '--no-lock'], { env: { ZENODO_TOKEN: zenodo.token, NO_COLOR: '1' } });

describe('the screens of a terminal', () => {
  it('shows a transfer as a bar with bytes, speed and time left, and ends with each step and what it moved', async () => {
    // 4 MB/s: the upload lasts a few seconds after what the socket's buffers take at once, long
    // enough for the time left to show (it shows after a second).
    zenodo.faults.slowLink(4_000_000);
    try {
      const run = await push(`${NAME}/big:1.0`, '-y');
      expect(run.code, run.screen).toBe(0);
      // While the upload goes on: the bar, the share, the bytes, the speed, the time left.
      expect(run.raw).toMatch(/\[█+░+\] \d+% · [\d.]+ MB \/ [\d.]+ MB · [\d.]+ [kM]B\/s · \d+ s left/);
      const screen = run.screen.split('\n');
      expect(screen).toContain('✔ Inspect image');
      expect(screen.find((line) => line.startsWith('✔ Upload ('))).toMatch(/^✔ Upload \([\d.]+ MB in [\d.]+ s, [\d.]+ [kM]B\/s\)$/);
      expect(screen).toContain('✔ Publish');
      expect(run.screen).toMatch(new RegExp(`${NAME}/big:1\\.0 published: DOI 10\\.5281/zenodo\\.\\d+`));
      expect(run.screen).not.toContain('█'); // the bar goes with its step
    } finally {
      zenodo.faults.slowLink(null);
    }
  });

  it('shows a batch as one line per image, its step and progress while it runs, what became of it at the end', async () => {
    // 2 MB/s: the socket's buffers take an image's few MB at once, then the server reads them slowly;
    // the row must still show the upload's bar (drawn once the redraw interval allows, not only when more bytes come).
    zenodo.faults.slowLink(2_000_000);
    let run;
    try {
      run = await push(...batch, '-y');
    } finally {
      zenodo.faults.slowLink(null);
    }
    expect(run.code, run.screen).toBe(0);
    for (const image of batch) expect(run.raw).toContain(`${image}: `);
    expect(run.raw).toMatch(new RegExp(`${NAME}/(tool|other):[\\d.]+: Upload \\[█*░*\\] \\d+%`));
    const list = run.screen.split('\n').filter((line) => /^[✔✖] /.test(line));
    expect(list).toEqual(batch.map((image) => expect.stringMatching(new RegExp(`^✔ ${image.replace(/\./g, '\\.')}: published 10\\.5281/zenodo\\.\\d+$`))));
    // No step list per image stays on the screen.
    expect(run.screen).not.toMatch(/Inspect image|Render metadata/);
    expect(run.screen).toMatch(/IMAGE +STATUS +RECORD +DOI/);
  });

  it('says "unchanged" once per image when a batch has nothing to do', async () => {
    const run = await push(...batch, '-y');
    expect(run.code, run.screen).toBe(0);
    for (const image of batch) {
      expect(run.screen.match(new RegExp(`^✔ ${image.replace(/\./g, '\\.')}: unchanged, already published as 10\\.5281/zenodo\\.\\d+$`, 'gm'))).toHaveLength(1);
    }
    expect(run.screen).not.toMatch(/SKIPPED|skipped/);
  });

  it('prints an error once, with its hint once, below the step that failed', async () => {
    const run = await push(`${NAME}/missing:1.0`, '-y');
    expect(run.code).toBe(1);
    expect(run.screen).toContain('✖ Inspect image');
    expect(run.screen.match(/does not exist in the local Docker engine/g)).toHaveLength(1);
    expect(run.screen.match(/Build or pull it first/g)).toHaveLength(1);
  });
});
