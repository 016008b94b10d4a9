import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/run.ts';

// A third-party storage plugin, written as one would be, that keeps the sources it is given.
const PLUGIN = `
export default {
  kind: 'storage',
  name: 'recorder',
  optionsSchema: { type: 'object', properties: { url: { type: 'string' }, path: { type: 'string' } } },
  cliOptions: [{ flags: '--recorder-url <url>', option: 'url', description: 'where to' }],
  create(options, deps) {
    (globalThis.__recorded ??= []).push({ options, sources: deps.optionSources });
    return { kind: 'recorder' };
  },
};
`;
let dir: string;
let file: string;
const recorded = () => (globalThis as unknown as { __recorded: Array<{ options: unknown; sources: unknown }> }).__recorded;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-sources-'));
  file = path.join(dir, 'donodo.config.json');
  await writeFile(path.join(dir, 'recorder.mjs'), PLUGIN);
  await writeFile(
    file,
    JSON.stringify({
      plugins: ['./recorder.mjs'],
      storage: { name: 'recorder', options: { url: 'https://configured.example/api', path: 'a' } },
      repositories: { 'team/*': { storage: { options: { url: 'https://team.example/api', path: 'b' } } } },
    }),
  );
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('where plugin options came from', () => {
  it('tells a plugin which options a configuration file set, which a flag set, and whether the user trusts the file', async () => {
    const session = await Session.open({ cwd: dir, env: {} });
    const flag = { kind: 'storage' as const, plugin: 'recorder', flag: '--recorder-url', option: 'url', value: 'https://flag.example/api' };
    const services = await session.services({ options: [flag] });
    const config = (setting: string, trusted = false) => ({ from: 'config', file, setting, trusted });
    expect(recorded().at(-1)).toEqual({
      options: { url: 'https://flag.example/api', path: 'a' },
      sources: { url: { from: 'flag', flag: '--recorder-url' }, path: config('storage.options') },
    });

    // A repository entry's storage options are the file's too; the flag still wins over them.
    await services.storageWith(session.loaded.config.repositories!['team/*']!.storage!.options!);
    expect(recorded().at(-1)).toEqual({
      options: { url: 'https://flag.example/api', path: 'b' },
      sources: { url: { from: 'flag', flag: '--recorder-url' }, path: config('repositories["team/*"].storage.options') },
    });

    // Options a program passes itself are its own.
    await services.storageWith({ path: 'c' });
    expect(recorded().at(-1)!.sources).toMatchObject({ path: { from: 'caller' } });

    // The user's consent (--trust-config-url, or DONODO_TRUST_CONFIG_URL=1) marks the file's options as trusted.
    await session.services({ trustConfigUrls: true });
    expect(recorded().at(-1)!.sources).toEqual({ url: config('storage.options', true), path: config('storage.options', true) });
    await (await Session.open({ cwd: dir, env: { DONODO_TRUST_CONFIG_URL: '1' } })).services();
    expect(recorded().at(-1)!.sources).toEqual({ url: config('storage.options', true), path: config('storage.options', true) });
  });
});
