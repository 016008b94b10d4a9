import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';
import { sha256, startRegistry, type TestRegistry } from '../support/registry.ts';

const run = promisify(execFile);
const NAME = `donodo-test/reg-plat-${process.pid}`;
let work: string;
let reg: TestRegistry;
let made: Awaited<ReturnType<TestRegistry['twoPlatformIndex']>>;
let source: string;
let allPlatforms: Awaited<ReturnType<typeof push>>;
const env = () => ({ HOME: work, DOCKER_CONFIG: undefined, REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: undefined });

async function push(...args: string[]) {
  const dir = await mkdtemp(path.join(work, 'records-'));
  const result = await runCli(['push', source, ...args, '--storage', 'dir', '--dir', dir, '-y', '--json', '--no-lock'], { env: env() });
  const id = result.json[0]?.recordId;
  const record = id ? JSON.parse(await readFile(path.join(dir, 'records', id, 'record.json'), 'utf8')) : undefined;
  return { ...result, dir, record, archive: id ? path.join(dir, 'records', id, 'image.tar') : undefined };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-reg-plat-'));
  await buildTestImage(`${NAME}:1.0`);
  reg = await startRegistry('none');
  await reg.pushImage(`${NAME}:1.0`, 'team/multi:amd64', { format: 'oci' });
  made = await reg.twoPlatformIndex('team/multi', 'amd64', '1.0');
  source = `docker://${reg.host}/team/multi:1.0`;
});

afterAll(async () => {
  await reg?.stop();
  await removeImages(`${NAME}:1.0`, `${reg?.host}/team/multi:1.0`);
  await rm(work, { recursive: true, force: true });
});

describe('a two-platform index in a registry', () => {
  it('takes this machine\'s platform by default, as docker pull does, and says which; the record keeps the index digest', async () => {
    const pushed = await push();
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain('its index lists linux/amd64, linux/arm64/v8; taking linux/amd64');
    expect(pushed.json[0]).toMatchObject({ imageId: made.configs[0], platform: 'linux/amd64' });
    expect(pushed.record.image).toMatchObject({ config: made.configs[0], manifest: made.manifests[0], index: made.index, resolved: `${reg.host}/team/multi@${made.manifests[0]}` });
  });

  it('--platform picks another; one it lacks is a clear error listing what it holds, and nothing is stored', async () => {
    const arm = await push('--platform', 'linux/arm64');
    expect(arm.code, arm.stderr).toBe(0);
    expect(arm.json[0]).toMatchObject({ imageId: made.configs[1], platform: 'linux/arm64/v8' });
    expect(arm.record.image).toMatchObject({ manifest: made.manifests[1], index: made.index, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });

    const missing = await push('--platform', 'linux/s390x');
    expect(missing.code).toBe(1);
    expect(missing.json[0].error).toMatchObject({ code: 'PLATFORM_NOT_FOUND', message: expect.stringContaining('has no image for linux/s390x; its index holds linux/amd64, linux/arm64/v8') });
    expect(await readdir(missing.dir)).toEqual([]);

    const bad = await runCli(['push', source, '--platform', 'amd64', '--storage', 'dir', '--dir', work]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--platform takes OS/ARCH[/VARIANT]');
  });

  it('--all-platforms archives the whole index byte for byte: skopeo copies it back to a registry with the same index digest, docker load takes this machine\'s', async () => {
    const all = await push('--all-platforms');
    expect(all.code, all.stderr).toBe(0);
    expect(all.json[0]).toMatchObject({ imageId: made.configs[0], platforms: ['linux/amd64', 'linux/arm64/v8'], resolved: `${reg.host}/team/multi@${made.index}` });
    expect(all.record.image).toMatchObject({ index: made.index, manifest: made.manifests[0], resolved: `${reg.host}/team/multi@${made.index}`, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }] });
    const index = JSON.parse((await run('tar', ['-xOf', all.archive!, 'index.json'])).stdout);
    expect(index.manifests).toEqual([expect.objectContaining({ digest: made.index, mediaType: 'application/vnd.oci.image.index.v1+json' })]);

    await run('skopeo', ['copy', '--quiet', '--all', '--dest-tls-verify=false', `oci-archive:${all.archive}`, `docker://${reg.host}/team/copy:1.0`]);
    expect(sha256(await reg.rawManifest('team/copy:1.0'))).toBe(made.index);

    await removeImages(`${reg.host}/team/multi:1.0`);
    expect(await docker('load', '-i', all.archive!)).toContain(`${reg.host}/team/multi:1.0`);
    expect(await imageId(`${reg.host}/team/multi:1.0`)).toBe(made.configs[0]);
    allPlatforms = all;
  });

  it('pull --platform loads that platform of a multi-platform record; the default is this machine\'s; one it lacks lists what it holds', async () => {
    const recordId = allPlatforms.json[0].recordId;
    const from = ['--storage', 'dir', '--dir', allPlatforms.dir, '--json'];
    const image = `${reg.host}/team/multi:1.0`;
    await removeImages(image);
    const arm = await runCli(['pull', recordId, '--platform', 'linux/arm64/v8', ...from]);
    expect(arm.code, arm.stderr).toBe(0);
    expect(arm.json[0]).toMatchObject({ status: 'loaded', imageId: made.configs[1], image });
    expect(await docker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', image)).toBe('linux/arm64');

    await removeImages(image, made.configs[1]);
    const missing = await runCli(['pull', recordId, '--platform', 'linux/s390x', ...from]);
    expect(missing.code).toBe(1);
    expect(missing.json[0].error).toMatchObject({ code: 'PLATFORM_NOT_FOUND', message: expect.stringContaining('holds no image for linux/s390x; it holds linux/amd64, linux/arm64/v8') });
    expect(await imageId(image)).toBeUndefined();

    // Into an OCI layout: the whole index, as the record holds it.
    const layout = path.join(work, 'multi-layout');
    const written = await runCli(['pull', recordId, `oci:${layout}`, ...from]);
    expect(written.code, written.stderr).toBe(0);
    expect(sha256(Buffer.from((await run('skopeo', ['inspect', '--raw', `oci:${layout}`], { encoding: 'buffer' })).stdout))).toBe(made.index);

    const byDefault = await runCli(['pull', recordId, ...from]);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.json[0]).toMatchObject({ imageId: made.configs[0] });
    expect(await docker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', image)).toBe('linux/amd64');
  });
});
