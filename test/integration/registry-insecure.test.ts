import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';
import { startRegistry, type TestRegistry } from '../support/registry.ts';

// A registry that is not on loopback and speaks plain http: https unless it is named insecure.
const NAME = `donodo-test/reg-insecure-${process.pid}`;
const address = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
let work: string;
let reg: TestRegistry;
let id: string;

beforeAll(async () => {
  if (!address) return;
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-reg-insecure-'));
  id = await buildTestImage(`${NAME}:1.0`);
  reg = await startRegistry('none', { address });
  await reg.pushImage(`${NAME}:1.0`, 'team/tool:1.0');
});

afterAll(async () => {
  await reg?.stop();
  await removeImages(`${NAME}:1.0`);
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!address)('a plain-http registry off loopback', () => {
  const env = () => ({ HOME: work, DOCKER_CONFIG: undefined, REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: undefined });
  const store = async () => ['--storage', 'dir', '--dir', await mkdtemp(path.join(work, 'records-')), '-y', '--json', '--no-lock'];

  it('is spoken to over https by default, which fails with what to do; --insecure-registry or registry.insecure make it http', async () => {
    const source = `docker://${reg.host}/team/tool:1.0`;
    const refused = await runCli(['push', source, ...(await store())], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.json[0].error).toMatchObject({ code: 'REGISTRY_UNREACHABLE', message: expect.stringContaining(`https://${reg.host}`), hint: expect.stringContaining('--insecure-registry') });

    const flagged = await runCli(['push', source, '--insecure-registry', reg.host, ...(await store())], { env: env() });
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(flagged.json[0]).toMatchObject({ status: 'published', imageId: id });

    const config = path.join(work, 'donodo.config.json');
    await writeFile(config, JSON.stringify({ registry: { insecure: [address] } }));
    const configured = await runCli(['push', source, '--config', config, ...(await store())], { env: env() });
    expect(configured.code, configured.stderr).toBe(0);
  });
});
