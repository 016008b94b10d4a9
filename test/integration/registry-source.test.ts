import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';
import { startPodman, type PodmanService } from '../support/podman.ts';
import { sha256, startRegistry, type TestRegistry } from '../support/registry.ts';

const run = promisify(execFile);
const NAME = `donodo-test/reg-src-${process.pid}`;
let work: string;
let id: string;
let zenodo: Emulator;
const registries: TestRegistry[] = [];

/** The files of a tar, by name. */
async function tarFiles(file: string): Promise<Map<string, Buffer>> {
  const dir = await mkdtemp(path.join(work, 'untar-'));
  await run('tar', ['-xf', file, '-C', dir]);
  const names = (await run('find', ['.', '-type', 'f'], { cwd: dir })).stdout.split('\n').filter(Boolean).map((n) => n.slice(2));
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(path.join(dir, name))] as const)));
}

/** An environment with no credentials of the machine's user: a HOME and runtime folder of the test's own. */
async function cleanEnv(): Promise<Record<string, string | undefined>> {
  const home = await mkdtemp(path.join(work, 'home-'));
  return { HOME: home, DOCKER_CONFIG: undefined, REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: path.join(home, 'run') };
}

const storage = async () => ['--storage', 'dir', '--dir', await mkdtemp(path.join(work, 'records-'))];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-reg-src-'));
  id = await buildTestImage(`${NAME}:1.0`, { labels: { 'org.opencontainers.image.title': 'registry test' } });
  zenodo = await startEmulator();
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  await zenodo?.close();
  await removeImages(`${NAME}:1.0`);
  await rm(work, { recursive: true, force: true });
});

async function registry(auth: 'none' | 'basic' | 'token'): Promise<TestRegistry> {
  const started = await startRegistry(auth);
  registries.push(started);
  await started.pushImage(`${NAME}:1.0`, 'team/tool:1.0');
  await started.pushImage(`${NAME}:1.0`, 'team/tool:oci', { format: 'oci' });
  return started;
}

describe('docker://: from a registry, with no engine', () => {
  it.each([
    ['Docker v2 schema 2', '1.0'],
    ['OCI', 'oci'],
  ])('a %s manifest → image.tar holding the manifest and layer blobs as served (same digests), that docker load restores', async (_family, tag) => {
    const reg = await registry('none');
    const raw = await reg.rawManifest(`team/tool:${tag}`);
    const served = JSON.parse(raw.toString());
    // skopeo --format oci converts the config too: the id is what the registry holds.
    const id = await reg.configDigest(`team/tool:${tag}`);
    const dir = await storage();
    const source = `docker://${reg.host}/team/tool:${tag}`;
    const pushed = await runCli(['push', source, ...dir, '-y', '--json', '--no-lock'], { env: await cleanEnv() });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ image: `${reg.host}/team/tool:${tag}`, status: 'published', imageId: id, platform: 'linux/amd64' });

    // Nothing recompressed: the manifest and every layer are the registry's bytes.
    const record = JSON.parse(await readFile(path.join(dir[3]!, 'records', pushed.json[0].recordId, 'record.json'), 'utf8'));
    const archive = path.join(dir[3]!, 'records', pushed.json[0].recordId, 'image.tar');
    const files = await tarFiles(archive);
    expect(files.get(`blobs/sha256/${sha256(raw).slice(7)}`)?.equals(raw)).toBe(true);
    for (const layer of served.layers) expect(sha256(files.get(`blobs/sha256/${layer.digest.slice(7)}`)!)).toBe(layer.digest);
    const index = JSON.parse(files.get('index.json')!.toString());
    expect(index.manifests).toEqual([expect.objectContaining({ digest: sha256(raw), mediaType: served.mediaType })]);
    expect(record.image).toMatchObject({
      config: id,
      manifest: sha256(raw),
      source,
      resolved: `${reg.host}/team/tool@${sha256(raw)}`,
      format: 'oci-layout',
    });

    await removeImages(`${reg.host}/team/tool:${tag}`);
    expect(await docker('load', '-i', archive)).toContain(`${reg.host}/team/tool:${tag}`);
    expect(await imageId(`${reg.host}/team/tool:${tag}`)).toBe(id);
    await removeImages(`${reg.host}/team/tool:${tag}`);
  });

  it('podman load reads the archive, and a donodo pull from Zenodo brings it into Docker with the config digest skopeo reads', async () => {
    const reg = await registry('none');
    const source = `docker://${reg.host}/team/tool:1.0`;
    const zen = ['--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
    const pushed = await runCli(['push', source, ...zen, '-y', '--json', '--no-lock'], { env: { ...(await cleanEnv()), ZENODO_TOKEN: zenodo.token } });
    expect(pushed.code, pushed.stderr).toBe(0);
    const notes = JSON.parse(((await (await fetch(`${zenodo.apiUrl}/records/${pushed.json[0].recordId}`)).json()) as { metadata: { notes: string } }).metadata.notes);
    expect(notes).toMatchObject({ 'docker-id': id, 'docker-manifest-digest': sha256(await reg.rawManifest('team/tool:1.0')), 'docker-source': source, 'docker-source-resolved': expect.stringMatching(new RegExp(`^${reg.host}/team/tool@sha256:`)) });
    // The keys of the original donodo first, the new ones after the existing ones.
    expect(Object.keys(notes)).toEqual(['docker-id', 'docker-image-name', 'docker-manifest-digest', 'docker-platform', 'docker-archive-format', 'docker-source', 'docker-source-resolved']);

    await removeImages(`${reg.host}/team/tool:1.0`);
    const pulled = await runCli(['pull', pushed.json[0].doi, ...zen, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', imageId: id, image: `${reg.host}/team/tool:1.0` });
    expect(await reg.configDigest('team/tool:1.0')).toBe(await imageId(`${reg.host}/team/tool:1.0`));
    await removeImages(`${reg.host}/team/tool:1.0`);

    const file = path.join(work, 'zenodo-image.tar');
    const downloaded = await fetch(`${zenodo.apiUrl}/records/${pushed.json[0].recordId}/files/image.tar/content`);
    await writeFile(file, Buffer.from(await downloaded.arrayBuffer()));
    let podman: PodmanService | undefined;
    try {
      podman = await startPodman();
      await podman.podman('load', '-i', file);
      expect(await podman.images()).toContain(`${reg.host}/team/tool:1.0 ${id}`);
    } finally {
      await podman?.stop();
    }
  });

  it('a digest reference needs --tag; with it, the version is the tag and the record keeps the digest', async () => {
    const reg = await registry('none');
    const digest = sha256(await reg.rawManifest('team/tool:1.0'));
    const source = `docker://${reg.host}/team/tool@${digest}`;
    const dir = await storage();
    const refused = await runCli(['push', source, ...dir, '-y', '--no-lock'], { env: await cleanEnv() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('REFERENCE_DIGEST');
    expect(refused.stderr).toContain('--tag');
    const two = await runCli(['push', source, `docker://${reg.host}/team/tool:1.0`, '--tag', '2.5', ...dir, '-y', '--no-lock'], { env: await cleanEnv() });
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('--tag tags one image, but 2 were given');
    const pushed = await runCli(['push', source, '--tag', '2.5', ...dir, '-y', '--json', '--no-lock'], { env: await cleanEnv() });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ image: `${reg.host}/team/tool:2.5`, version: '2.5', imageId: id });
    const record = JSON.parse(await readFile(path.join(dir[3]!, 'records', pushed.json[0].recordId, 'record.json'), 'utf8'));
    expect(record.image).toMatchObject({ manifest: digest, source, resolved: `${reg.host}/team/tool@${digest}`, tag: '2.5' });
  });
});

describe('docker://: the credentials users already have', () => {
  it('Basic auth from ~/.docker/config.json; refused without it; the password never printed', async () => {
    const reg = await registry('basic');
    const env = await cleanEnv();
    const source = `docker://${reg.host}/team/tool:1.0`;
    const anonymous = await runCli(['push', source, ...(await storage()), '-y', '--no-lock', '--debug'], { env });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('REGISTRY_UNAUTHORIZED');
    expect(anonymous.stderr).toContain('docker login');

    await mkdir(path.join(env.HOME!, '.docker'));
    const auth = Buffer.from(`${reg.user}:${reg.password}`).toString('base64');
    await writeFile(path.join(env.HOME!, '.docker/config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }));
    const pushed = await runCli(['push', source, ...(await storage()), '-y', '--json', '--no-lock', '--debug'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ status: 'published', imageId: id });
    for (const secret of [reg.password!, auth]) expect(pushed.stdout + pushed.stderr).not.toContain(secret);

    // A wrong password: a clear error, and not the password either.
    await writeFile(path.join(env.HOME!, '.docker/config.json'), JSON.stringify({ auths: { [`https://${reg.host}`]: { username: reg.user, password: 'wrong-secret-xyz' } } }));
    const wrong = await runCli(['push', source, ...(await storage()), '-y', '--no-lock', '--debug'], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('REGISTRY_UNAUTHORIZED');
    expect(wrong.stderr).toContain('with the credentials found');
    expect(wrong.stderr).not.toContain('wrong-secret-xyz');
  });

  it('token auth, credentials from Podman\'s auth.json (REGISTRY_AUTH_FILE): a token for the repository\'s pull scope only, never printed', async () => {
    const reg = await registry('token');
    const env = await cleanEnv();
    const file = path.join(env.HOME!, 'auth.json');
    await writeFile(file, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${reg.user}:${reg.password}`).toString('base64') } } }));
    const ociId = await reg.configDigest('team/tool:oci');
    const before = reg.tokenRequests.length;
    const pushed = await runCli(['push', `docker://${reg.host}/team/tool:oci`, ...(await storage()), '-y', '--json', '--no-lock', '--debug'], { env: { ...env, REGISTRY_AUTH_FILE: file } });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json[0]).toMatchObject({ status: 'published', imageId: ociId });
    expect(reg.tokenRequests.slice(before)).toEqual([{ account: 'tester', scopes: ['repository:team/tool:pull'] }]);
    expect(pushed.stdout + pushed.stderr).not.toContain(reg.password!);
    expect(pushed.stderr).not.toMatch(/eyJ[\w-]{20,}/); // no JWT

    // The same file under $XDG_RUNTIME_DIR/containers/auth.json is found too.
    await mkdir(path.join(env.XDG_RUNTIME_DIR!, 'containers'), { recursive: true });
    await writeFile(path.join(env.XDG_RUNTIME_DIR!, 'containers/auth.json'), await readFile(file));
    const again = await runCli(['push', `docker://${reg.host}/team/tool:1.0`, ...(await storage()), '-y', '--json', '--no-lock'], { env });
    expect(again.code, again.stderr).toBe(0);
  });

  it('a credential helper (credsStore, credHelpers → docker-credential-NAME get) on the PATH', async () => {
    const reg = await registry('token');
    const env = await cleanEnv();
    const bin = path.join(env.HOME!, 'bin');
    await mkdir(bin);
    const helper = path.join(bin, 'docker-credential-donodotest');
    const asked = path.join(env.HOME!, 'asked.txt');
    await writeFile(helper, `#!/bin/sh\n[ "$1" = get ] || exit 2\nread host\necho "$host" >> '${asked}'\n[ "$host" = '${reg.host}' ] || { echo 'credentials not found in native keychain'; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${reg.user}","Secret":"${reg.password}"}' "$host"\n`);
    await chmod(helper, 0o755);
    const PATH = `${bin}:${process.env.PATH}`;
    await mkdir(path.join(env.HOME!, '.docker'));
    for (const config of [{ credsStore: 'donodotest' }, { credHelpers: { [reg.host]: 'donodotest' } }]) {
      await writeFile(path.join(env.HOME!, '.docker/config.json'), JSON.stringify(config));
      const pushed = await runCli(['push', `docker://${reg.host}/team/tool:1.0`, ...(await storage()), '-y', '--json', '--no-lock', '--debug'], { env: { ...env, PATH } });
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.stdout + pushed.stderr).not.toContain(reg.password!);
    }
    expect((await readFile(asked, 'utf8')).trim().split('\n')).toEqual([reg.host, reg.host]);

    // A helper that is not there: its name and what to do.
    await writeFile(path.join(env.HOME!, '.docker/config.json'), JSON.stringify({ credsStore: 'absent' }));
    const missing = await runCli(['push', `docker://${reg.host}/team/tool:1.0`, ...(await storage()), '-y', '--no-lock'], { env: { ...env, PATH } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('CREDENTIAL_HELPER_FAILED');
    expect(missing.stderr).toContain('docker-credential-absent is not on the PATH');
  });
});
