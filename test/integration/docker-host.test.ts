import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

/** The docker plugin reaches the engine DOCKER_HOST names, as docker-modem (and the docker CLI) read it. */
const NAME = `donodo-test/host-${process.pid}`;
const SOCKET = '/var/run/docker.sock';
let dir: string;
let id: string;

const push = (env: Record<string, string | undefined>, cwd?: string) =>
  runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', path.join(dir, 'archive'), '-y', '--json'], { env, ...(cwd ? { cwd } : {}) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-host-'));
  id = await buildTestImage(`${NAME}:1.0`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`);
  await rm(dir, { recursive: true, force: true });
});

describe('DOCKER_HOST', () => {
  it('reaches the engine at a unix:// address', async () => {
    const pushed = await push({ DOCKER_HOST: `unix://${SOCKET}` });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ status: 'published', imageId: id });
  });

  it('names a tcp:// address where no engine answers', async () => {
    const pushed = await push({ DOCKER_HOST: 'tcp://127.0.0.1:1' });
    expect(pushed.code).toBe(1);
    expect(pushed.json[0].error).toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    expect(pushed.json[0].error.message).toBe('No Docker engine answers at tcp://127.0.0.1:1 (ECONNREFUSED; from DOCKER_HOST).');
  });

  it('takes the docker CLI\'s default port for a tcp:// address without one (2375, 2376 with TLS)', async () => {
    const pushed = await push({ DOCKER_HOST: 'tcp://127.0.0.1' });
    expect(pushed.code).toBe(1);
    expect(pushed.json[0].error.message).toBe('No Docker engine answers at tcp://127.0.0.1:2375 (ECONNREFUSED; from DOCKER_HOST).');
  });

  it('takes ssh:// addresses (ssh2, through docker-modem), naming one that does not answer', async () => {
    const pushed = await push({ DOCKER_HOST: 'ssh://someone@127.0.0.1:1' });
    expect(pushed.code).toBe(1);
    expect(pushed.json[0].error.message).toBe('No Docker engine answers at ssh://someone@127.0.0.1:1 (ECONNREFUSED; from DOCKER_HOST).');
  });

  it('says which setting is wrong: an address that is none, TLS files that are missing', async () => {
    const bad = await push({ DOCKER_HOST: 'tcp://[::1' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/DOCKER_HOST "tcp:\/\/\[::1" is not an engine address[\s\S]*DOCKER_HOST_INVALID/);
    const certs = await push({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(dir, 'no-certs') });
    expect(certs.code).toBe(1);
    expect(certs.stderr).toMatch(/DOCKER_CERT_PATH ".*no-certs" cannot be read: ENOENT[\s\S]*ca\.pem, cert\.pem and key\.pem/);
  });

  it('gives way to a configured socketPath', async () => {
    const project = await mkdtemp(path.join(dir, 'project-'));
    await writeFile(path.join(project, 'donodo.config.json'), JSON.stringify({ source: { name: 'docker', options: { socketPath: SOCKET } } }));
    const pushed = await push({ DOCKER_HOST: 'tcp://127.0.0.1:1' }, project);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ imageId: id });
  });
});
