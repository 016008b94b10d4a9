import { readFile, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { versionsOf } from '../support/emulator-state.ts';
import { buildTestImage, removeImages } from '../support/images.ts';
import { startRegistryProxy, type RegistryProxy } from '../support/registry-proxy.ts';
import { startRegistry, type Grants, type TestRegistry } from '../support/registry.ts';

// Bad input from a registry, through the CLI into the Zenodo emulator: each a clear error, and nothing published or left in a draft.
const NAME = `donodo-test/reg-fault-${process.pid}`;
let work: string;
let zenodo: Emulator;
let id: string;
const started: Array<{ stop?: () => Promise<void>; close?: () => Promise<void> }> = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-reg-fault-'));
  // A layer large enough that a cut connection falls inside it.
  id = await buildTestImage(`${NAME}:1.0`, { extraBytes: 3 * 1024 * 1024 });
  zenodo = await startEmulator();
});

afterAll(async () => {
  for (const s of started) await (s.stop ?? s.close)!();
  await zenodo?.close();
  await removeImages(`${NAME}:1.0`);
  await rm(work, { recursive: true, force: true });
});

async function registry(auth: 'none' | 'basic' | 'token' = 'none', options: { grants?: Grants; users?: Record<string, string> } = {}): Promise<TestRegistry> {
  const reg = await startRegistry(auth, options);
  started.push(reg);
  await reg.pushImage(`${NAME}:1.0`, 'team/tool:1.0');
  return reg;
}

async function proxy(reg: TestRegistry, faults: Parameters<typeof startRegistryProxy>[1]): Promise<RegistryProxy> {
  const front = await startRegistryProxy(reg.host, faults);
  started.push(front);
  return front;
}

/** A push into the emulator with the credentials in a Docker config of its own. */
async function push(host: string, reference: string, credentials?: { user: string; password: string }, ...args: string[]) {
  const home = await mkdtemp(path.join(work, 'home-'));
  if (credentials) {
    await writeFile(path.join(home, 'auth.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64') } } }));
  }
  const env = { HOME: home, DOCKER_CONFIG: undefined, XDG_RUNTIME_DIR: undefined, REGISTRY_AUTH_FILE: credentials ? path.join(home, 'auth.json') : undefined, ZENODO_TOKEN: zenodo.token };
  const result = await runCli(['push', `docker://${host}/${reference}`, ...args, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl, '-y', '--json', '--no-lock'], { env });
  const name = `${host}/${reference.replace(/[:@].*$/, '')}`;
  const tag = /:([\w][\w.-]*)$/.exec(reference)?.[1] ?? '';
  return { ...result, held: versionsOf(zenodo, `Docker image ${name}`, tag) };
}

const nothingHeld = { published: 0, drafts: 0, files: [] };

describe('a registry that refuses, lacks, or damages the image', () => {
  it('401: a token user without pull access on the repository', async () => {
    const reg = await registry('token', { users: { outsider: 'outsider-secret-1' }, grants: { tester: { '*': ['*'] }, outsider: { 'team/other': ['pull'] } } });
    const result = await push(reg.host, 'team/tool:1.0', { user: 'outsider', password: 'outsider-secret-1' });
    expect(result.code).toBe(1);
    expect(result.json[0].error).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', message: expect.stringContaining('with the credentials found for it') });
    expect(result.stdout + result.stderr).not.toContain('outsider-secret-1');
    expect(result.held).toEqual(nothingHeld);
  });

  it('403 and 404: denied, and a tag or repository that is not there', async () => {
    const reg = await registry();
    const front = await proxy(reg, { status: { match: /\/team\/tool\/manifests\//, status: 403 } });
    const denied = await push(front.host, 'team/tool:1.0');
    expect(denied.code).toBe(1);
    expect(denied.json[0].error).toMatchObject({ code: 'REGISTRY_DENIED', message: expect.stringContaining('(403)') });
    expect(denied.held).toEqual(nothingHeld);

    for (const reference of ['team/tool:9.9', 'team/absent:1.0']) {
      const missing = await push(reg.host, reference);
      expect(missing.code).toBe(1);
      expect(missing.json[0].error).toMatchObject({ code: 'IMAGE_NOT_FOUND', message: expect.stringContaining('(404)'), hint: expect.stringContaining('skopeo list-tags') });
      expect(missing.held).toEqual(nothingHeld);
    }
  });

  it('a layer blob whose bytes do not match its digest (damaged in the registry\'s storage)', async () => {
    const reg = await registry();
    const manifest = JSON.parse((await reg.rawManifest('team/tool:1.0')).toString());
    const layer = manifest.layers.reduce((a: { size: number }, b: { size: number }) => (a.size > b.size ? a : b));
    const file = reg.blobFile(layer.digest);
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(file, bytes);
    const result = await push(reg.host, 'team/tool:1.0');
    expect(result.code).toBe(1);
    expect(result.json[0].error).toMatchObject({ code: 'REGISTRY_DIGEST_MISMATCH', message: expect.stringContaining(`layer ${layer.digest}`) });
    expect(result.held).toEqual(nothingHeld);
  });

  it('a manifest of a media type donodo does not read', async () => {
    const reg = await registry();
    const body = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'team/tool', tag: '1.0', architecture: 'amd64', fsLayers: [], history: [] }));
    const front = await proxy(reg, { manifest: { match: /manifests\/1\.0$/, body, contentType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' } });
    const result = await push(front.host, 'team/tool:1.0');
    expect(result.code).toBe(1);
    expect(result.json[0].error).toMatchObject({ code: 'MANIFEST_UNSUPPORTED', message: expect.stringContaining('application/vnd.docker.distribution.manifest.v1+prettyjws') });
    expect(result.held).toEqual(nothingHeld);
  });

  it('an unknown platform of an image that is not an index is no error: the image has one', async () => {
    const reg = await registry();
    const result = await push(reg.host, 'team/tool:1.0', undefined, '--platform', 'linux/s390x');
    expect(result.code, result.stderr).toBe(0);
  });
});

describe('a registry whose connection drops, or that sends blobs elsewhere', () => {
  it('a connection cut in the middle of a layer: resumed with Range from where it stopped, and the archive is whole', async () => {
    const reg = await registry();
    const manifest = JSON.parse((await reg.rawManifest('team/tool:1.0')).toString());
    const layer = manifest.layers.reduce((a: { size: number }, b: { size: number }) => (a.size > b.size ? a : b));
    const front = await proxy(reg, { cutBlob: { match: new RegExp(layer.digest), after: 1024 * 1024 } });
    const result = await push(front.host, 'team/tool:1.0');
    expect(result.code, result.stderr).toBe(0);
    expect(front.cuts).toBe(1);
    expect(front.ranges).toEqual([expect.stringMatching(/^bytes=\d+-$/)]);
    expect(Number(/bytes=(\d+)-/.exec(front.ranges[0]!)![1])).toBeGreaterThan(0);
    expect(result.stderr).toContain('resuming');
    expect(result.json[0]).toMatchObject({ status: 'published', imageId: id });
    expect(result.held).toMatchObject({ published: 1, drafts: 0 });
  });

  it('blobs redirected to another origin (object storage): followed, and the credentials stay with the registry', async () => {
    const reg = await registry('basic');
    const own = `Basic ${Buffer.from(`${reg.user}:${reg.password}`).toString('base64')}`;
    const front = await proxy(reg, { redirectBlobs: { authorization: own } });
    const result = await push(front.host, 'team/tool:1.0', { user: reg.user!, password: reg.password! });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json[0]).toMatchObject({ status: 'published', imageId: id });
    // The config and every layer came from the other origin, and donodo sent it no credentials.
    expect(front.redirected.length).toBeGreaterThanOrEqual(2);
    expect(front.redirected.filter((request) => request.authorization)).toEqual([]);
  });
});
