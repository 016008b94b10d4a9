import { describe, expect, it } from 'vitest';
import { parseRegistryReference, registryBase } from '../../../plugins/registry/registry-reference.ts';

describe('registry references (what follows docker://)', () => {
  it('names images as Docker does: Docker Hub without its host, others with theirs', () => {
    expect(parseRegistryReference('alpine:3.20', 'docker://alpine:3.20')).toMatchObject({ host: 'docker.io', repository: 'library/alpine', tag: '3.20', name: 'alpine' });
    expect(parseRegistryReference('docker.io/team/tool', 'x')).toMatchObject({ host: 'docker.io', repository: 'team/tool', tag: 'latest', name: 'team/tool' });
    expect(parseRegistryReference('127.0.0.1:5000/a/b/c:1.0', 'x')).toMatchObject({ host: '127.0.0.1:5000', repository: 'a/b/c', tag: '1.0', name: '127.0.0.1:5000/a/b/c' });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseRegistryReference(`ghcr.io/o/t@${digest}`, 'x')).toEqual({ host: 'ghcr.io', repository: 'o/t', digest, name: 'ghcr.io/o/t', input: 'x' });
  });

  it('refuses what is no reference, naming it', () => {
    expect(() => parseRegistryReference('ghcr.io/Bad/Name:1', 'docker://ghcr.io/Bad/Name:1')).toThrow(/"docker:\/\/ghcr.io\/Bad\/Name:1" is not a registry reference/);
    expect(() => parseRegistryReference(`ghcr.io/o/t@md5:${'a'.repeat(32)}`, 'y')).toThrow(/not a sha256 digest/);
  });

  it('speaks https, except to this machine and to the hosts named insecure', () => {
    expect(registryBase('ghcr.io', []).href).toBe('https://ghcr.io/v2/');
    expect(registryBase('docker.io', []).href).toBe('https://registry-1.docker.io/v2/');
    expect(registryBase('localhost:5000', []).href).toBe('http://localhost:5000/v2/');
    expect(registryBase('[::1]:5000', []).href).toBe('http://[::1]:5000/v2/');
    expect(registryBase('reg.lab:5000', ['reg.lab:5000']).href).toBe('http://reg.lab:5000/v2/');
    expect(registryBase('reg.lab:5000', ['reg.lab']).href).toBe('http://reg.lab:5000/v2/');
    expect(registryBase('reg.lab:5000', ['other']).href).toBe('https://reg.lab:5000/v2/');
  });
});
