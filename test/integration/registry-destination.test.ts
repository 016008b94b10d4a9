import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, removeImages } from '../support/images.ts';
import { sha256, startRegistry, type TestRegistry } from '../support/registry.ts';

// registry → record → another registry repository: the same manifest (and index) digest, checked with skopeo.
const NAME = `donodo-test/reg-dest-${process.pid}`;
let work: string;
let source: TestRegistry;
let target: TestRegistry;
const env = () => ({ HOME: work, DOCKER_CONFIG: undefined, REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: undefined });

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-reg-dest-'));
  await buildTestImage(`${NAME}:1.0`);
  source = await startRegistry('none');
  target = await startRegistry('basic');
  await source.pushImage(`${NAME}:1.0`, 'team/tool:1.0');
  await source.pushImage(`${NAME}:1.0`, 'team/multi:amd64', { format: 'oci' });
});

afterAll(async () => {
  await source?.stop();
  await target?.stop();
  await removeImages(`${NAME}:1.0`);
  await rm(work, { recursive: true, force: true });
});

async function archived(reference: string, ...args: string[]) {
  const dir = await mkdtemp(path.join(work, 'records-'));
  const pushed = await runCli(['push', `docker://${source.host}/${reference}`, ...args, '--storage', 'dir', '--dir', dir, '-y', '--json', '--no-lock'], { env: env() });
  expect(pushed.code, pushed.stderr).toBe(0);
  return { dir, recordId: pushed.json[0].recordId as string };
}

describe('pull into docker://', () => {
  it('pushes the archived manifest and blobs: the registry serves the same manifest digest; blobs it has are skipped, the source repository\'s mounted', async () => {
    const digest = sha256(await source.rawManifest('team/tool:1.0'));
    const { dir, recordId } = await archived('team/tool:1.0');
    const from = ['--storage', 'dir', '--dir', dir, '--json', '--debug'];

    // Into a registry with Basic auth, under a repository and tag of its own.
    const home = await mkdtemp(path.join(work, 'home-'));
    const { writeFile, mkdir } = await import('node:fs/promises');
    await mkdir(path.join(home, '.docker'));
    await writeFile(path.join(home, '.docker/config.json'), JSON.stringify({ auths: { [target.host]: { auth: Buffer.from(`${target.user}:${target.password}`).toString('base64') } } }));
    const pulled = await runCli(['pull', recordId, `docker://${target.host}/lab/copy:2.0`, ...from], { env: { ...env(), HOME: home } });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ written: `docker://${target.host}/lab/copy:2.0@${digest}` });
    expect(sha256(await target.rawManifest('lab/copy:2.0'))).toBe(digest);
    expect(pulled.stderr).toMatch(/[1-9]\d* blobs uploaded, 0 already there/);
    expect(pulled.stdout + pulled.stderr).not.toContain(target.password!);

    // Again, another tag: every blob is there already.
    const again = await runCli(['pull', recordId, `docker://${target.host}/lab/copy:2.1`, ...from], { env: { ...env(), HOME: home } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/0 blobs uploaded, [1-9]\d* already there/);
    expect(sha256(await target.rawManifest('lab/copy:2.1'))).toBe(digest);

    // Into the registry it came from, another repository: the blobs are mounted from the source's, and no tag given takes the record's.
    const mounted = await runCli(['pull', recordId, `docker://${source.host}/team/mirror`, ...from], { env: env() });
    expect(mounted.code, mounted.stderr).toBe(0);
    expect(mounted.stderr).toMatch(/0 blobs uploaded, 0 already there, [1-9]\d* mounted/);
    expect(sha256(await source.rawManifest('team/mirror:1.0'))).toBe(digest);
  });

  it('into a registry with token auth: a token for pull and push on the repository, also when every blob is there already', async () => {
    const digest = sha256(await source.rawManifest('team/tool:1.0'));
    const { dir, recordId } = await archived('team/tool:1.0');
    const tokens = await startRegistry('token');
    try {
      const file = path.join(work, `auth-${process.hrtime.bigint()}.json`);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, JSON.stringify({ auths: { [tokens.host]: { auth: Buffer.from(`${tokens.user}:${tokens.password}`).toString('base64') } } }));
      for (const tag of ['1.0', '1.1']) {
        const pulled = await runCli(['pull', recordId, `docker://${tokens.host}/lab/tool:${tag}`, '--storage', 'dir', '--dir', dir, '--json'], { env: { ...env(), REGISTRY_AUTH_FILE: file } });
        expect(pulled.code, pulled.stderr).toBe(0);
        expect(sha256(await tokens.rawManifest(`lab/tool:${tag}`))).toBe(digest);
        expect(pulled.stdout + pulled.stderr).not.toContain(tokens.password!);
      }
      expect(tokens.tokenRequests.filter((r) => r.account === 'tester' && r.scopes.includes('repository:lab/tool:pull,push')).length).toBeGreaterThanOrEqual(2);
    } finally {
      await tokens.stop();
    }
  });

  it('a two-platform index archived whole comes back as the same index digest', async () => {
    const made = await source.twoPlatformIndex('team/multi', 'amd64', '1.0');
    const { dir, recordId } = await archived('team/multi:1.0', '--all-platforms');
    const pulled = await runCli(['pull', recordId, `docker://${source.host}/team/multi-copy:1.0`, '--storage', 'dir', '--dir', dir, '--json'], { env: env() });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(sha256(await source.rawManifest('team/multi-copy:1.0'))).toBe(made.index);
    for (const manifest of made.manifests) expect(sha256(await source.rawManifest(`team/multi-copy@${manifest}`))).toBe(manifest);
  });
});
