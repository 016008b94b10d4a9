import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestImage, removeImages } from '../support/images.ts';
import { sha256, startRegistry, type TestRegistry } from '../support/registry.ts';

// The test registries themselves: what the registry tests stand on must behave as real ones do.
const NAME = `donodo-test/reg-harness-${process.pid}`;
let id: string;
const registries: TestRegistry[] = [];

beforeAll(async () => {
  id = await buildTestImage(`${NAME}:1.0`);
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  await removeImages(`${NAME}:1.0`);
});

describe('test registries (docker-registry 2.8)', () => {
  it.each(['none', 'basic', 'token'] as const)('auth %s: skopeo puts an image in and reads it back with the same config digest', async (auth) => {
    const registry = await startRegistry(auth);
    registries.push(registry);
    await registry.pushImage(`${NAME}:1.0`, 'team/tool:1.0');
    await registry.pushImage(`${NAME}:1.0`, 'team/tool:oci', { format: 'oci' });
    expect(await registry.configDigest('team/tool:1.0')).toBe(id);
    const docker = JSON.parse((await registry.rawManifest('team/tool:1.0')).toString());
    const oci = JSON.parse((await registry.rawManifest('team/tool:oci')).toString());
    expect(docker.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(oci.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    if (auth !== 'none') {
      const anonymous = await fetch(`http://${registry.host}/v2/team/tool/manifests/1.0`);
      expect(anonymous.status).toBe(401);
      const challenge = anonymous.headers.get('www-authenticate')!;
      expect(challenge).toMatch(auth === 'basic' ? /^Basic realm=/ : /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="donodo-test-registry",scope="repository:team\/tool:pull"/);
    }
    const blob = await registry.request('GET', `/v2/team/tool/blobs/${docker.config.digest}`);
    expect(blob.status).toBe(200);
    expect(sha256(blob.body)).toBe(docker.config.digest);
  });

  it('the token issuer grants only what the user holds, and only what was asked', async () => {
    const registry = await startRegistry('token', { grants: { tester: { 'team/tool': ['pull', 'push'], 'team/read': ['pull'] } } });
    registries.push(registry);
    await registry.pushImage(`${NAME}:1.0`, 'team/tool:1.0');
    // Pull-only on team/read: a push there is refused.
    await expect(registry.pushImage(`${NAME}:1.0`, 'team/read:1.0')).rejects.toThrow();
    // A token asked for pull only does not let it push.
    const put = await registry.request('PUT', '/v2/team/tool/manifests/x', { body: Buffer.from('{}'), headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, scope: 'repository:team/tool:pull' });
    expect(put.status).toBe(401);
    // Wrong password: no token at all.
    const challenge = (await fetch(`http://${registry.host}/v2/team/tool/manifests/1.0`)).headers.get('www-authenticate')!;
    const realm = /realm="([^"]+)"/.exec(challenge)![1];
    const wrong = await fetch(`${realm}?service=donodo-test-registry&scope=repository:team/tool:pull`, { headers: { authorization: `Basic ${Buffer.from('tester:wrong').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    expect(registry.tokenRequests.some((r) => r.account === 'tester' && r.scopes.includes('repository:team/tool:pull,push'))).toBe(true);
  });
});
