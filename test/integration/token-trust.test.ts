import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { buildTestImage, docker, removeImages } from '../support/images.ts';

// The emulator stands for "a host other than zenodo.org": for the consent rule any host that is
// not zenodo.org or its sandbox counts, loopback included (only the http rule spares loopback).
const NAME = `donodo-test/trust-${process.pid}`;
const IMAGES = ['1.0', '1.1', '1.2', '1.3'].map((tag) => `${NAME}:${tag}`);
let zenodo: Emulator;
let project: string;
let configFile: string;

beforeAll(async () => {
  zenodo = await startEmulator();
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-trust-'));
  configFile = path.join(project, 'donodo.config.json');
  // One build, four tags: fewer builds racing other test files for the engine.
  await buildTestImage(IMAGES[0]!);
  for (const image of IMAGES.slice(1)) await docker('tag', IMAGES[0]!, image);
});

afterAll(async () => {
  await removeImages(...IMAGES);
  await zenodo.close();
  await rm(project, { recursive: true, force: true });
});

beforeEach(() => {
  zenodo.requests.length = 0;
});

const writeConfig = (config: Record<string, unknown>) => writeFile(configFile, JSON.stringify(config));
// The variables of the rule are unset unless a test sets them (the CLI inherits the environment).
const donodo = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args[0] === 'push' ? [...args, '--no-lock'] : args, { cwd: project, env: { ZENODO_TOKEN: zenodo.token, DONODO_ZENODO_URL: undefined, DONODO_TRUST_CONFIG_URL: undefined, ...env } });
const withToken = () => zenodo.requests.filter((r) => r.headers.authorization === `Bearer ${zenodo.token}`);

describe('the token goes only where the user sent it', () => {
  it('refuses a configuration file\'s URL to another host before any request, naming the file, the URL and both ways to consent', async () => {
    for (const config of [
      { repositories: { '**': { storage: { options: { url: zenodo.apiUrl } } } } },
      { storage: { name: 'zenodo', options: { url: zenodo.apiUrl } } },
    ]) {
      await writeConfig(config);
      const run = await donodo(['push', IMAGES[0]!, '-y']);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`Configuration file "${configFile}" sets the Zenodo API URL "${zenodo.apiUrl}"`);
      expect(run.stderr).toContain('neither zenodo.org nor sandbox.zenodo.org');
      expect(run.stderr).toContain('--trust-config-url or DONODO_TRUST_CONFIG_URL=1');
      expect(run.stderr).toContain('--zenodo-url or DONODO_ZENODO_URL');
      expect(run.stderr).not.toContain(zenodo.token);
      expect(zenodo.requests).toEqual([]); // no request at all, so none with the token
    }
  });

  it('honours that URL with the user\'s consent: --trust-config-url or DONODO_TRUST_CONFIG_URL=1', async () => {
    await writeConfig({ repositories: { '**': { storage: { options: { url: zenodo.apiUrl } } } } });
    const byFlag = await donodo(['push', IMAGES[0]!, '-y', '--json', '--trust-config-url']);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(byFlag.json[0]).toMatchObject({ image: IMAGES[0], status: 'published' });
    const byEnv = await donodo(['push', IMAGES[1]!, '-y', '--json'], { DONODO_TRUST_CONFIG_URL: '1' });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(byEnv.json[0]).toMatchObject({ image: IMAGES[1], status: 'published' });
    expect(withToken().length).toBeGreaterThan(0);
  });

  it('takes --zenodo-url and DONODO_ZENODO_URL without consent, over any URL of the configuration', async () => {
    // The configuration names a host that does not exist: a run that used it would fail.
    await writeConfig({ storage: { name: 'zenodo', options: { url: 'https://zenodo.invalid/api' } }, repositories: { '**': { storage: { options: { url: 'https://other.invalid/api' } } } } });
    const byFlag = await donodo(['push', IMAGES[2]!, '-y', '--json', '--zenodo-url', zenodo.apiUrl]);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(byFlag.json[0]).toMatchObject({ image: IMAGES[2], status: 'published' });
    const byEnv = await donodo(['push', IMAGES[3]!, '-y', '--json'], { DONODO_ZENODO_URL: zenodo.apiUrl });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(byEnv.json[0]).toMatchObject({ image: IMAGES[3], status: 'published' });
  });

  it('refuses plain http to a host that is not this machine, whoever asked for it, without trying to connect', async () => {
    await writeConfig({ repositories: { '**': { storage: { options: { url: 'http://zenodo.invalid/api' } } } } });
    const runs = [
      await donodo(['push', IMAGES[0]!, '-y', '--zenodo-url', 'http://zenodo.invalid/api']),
      await donodo(['pull', '1', '--zenodo-url', 'http://zenodo.invalid/api']),
      await donodo(['push', IMAGES[0]!, '-y'], { DONODO_ZENODO_URL: 'http://zenodo.invalid/api' }),
      await donodo(['push', IMAGES[0]!, '-y', '--trust-config-url']),
    ];
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('Zenodo API URL "http://zenodo.invalid/api"');
      expect(run.stderr).toContain('uses plain http to another machine');
      expect(run.stderr).toContain('Plain http is allowed only to this machine (127.0.0.1, ::1, localhost)');
      // Refused by name, not after a failed look-up of the host.
      expect(run.stderr).not.toMatch(/ENOTFOUND|Could not reach/);
    }
    expect(runs[0]!.stderr).toContain('(from --zenodo-url)');
    expect(runs[2]!.stderr).toContain('(from DONODO_ZENODO_URL)');
    expect(runs[3]!.stderr).toContain(`(from configuration file "${configFile}" (repositories["**"].storage.options.url))`);
  });
});
