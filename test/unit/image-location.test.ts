import { describe, expect, it } from 'vitest';
import { parseImageLocation } from '../../src/transports/image-location.ts';

describe('image locations, named as skopeo names them', () => {
  it('reads a plain reference as the Docker engine, registry ports and all', () => {
    expect(parseImageLocation('lab/tool:1.0')).toMatchObject({ transport: 'docker-daemon', reference: 'lab/tool:1.0' });
    expect(parseImageLocation('localhost:5000/team/tool:2.0')).toMatchObject({ transport: 'docker-daemon', reference: 'localhost:5000/team/tool:2.0' });
    expect(parseImageLocation('docker-daemon:lab/tool:1.0')).toMatchObject({ transport: 'docker-daemon', reference: 'lab/tool:1.0' });
    expect(parseImageLocation('podman:localhost/tool:1.0')).toMatchObject({ transport: 'podman', reference: 'localhost/tool:1.0' });
  });

  it('splits an archive location at the first colon after the transport, as skopeo does', () => {
    expect(parseImageLocation('docker-archive:/tmp/x.tar')).toEqual({ transport: 'docker-archive', path: '/tmp/x.tar', input: 'docker-archive:/tmp/x.tar' });
    expect(parseImageLocation('docker-archive:x.tar.gz:lab/tool:1.0')).toMatchObject({ transport: 'docker-archive', path: 'x.tar.gz', reference: 'lab/tool:1.0' });
    expect(parseImageLocation('oci:layout:v1')).toMatchObject({ transport: 'oci', path: 'layout', reference: 'v1' });
    expect(parseImageLocation('oci-archive:img.tar')).toMatchObject({ transport: 'oci-archive', path: 'img.tar' });
  });

  it('reads a registry reference as skopeo writes it', () => {
    expect(parseImageLocation('docker://ghcr.io/x/y:1')).toEqual({ transport: 'docker', reference: 'ghcr.io/x/y:1', input: 'docker://ghcr.io/x/y:1' });
    expect(() => parseImageLocation('docker://')).toThrow(/docker:\/\/HOST\/NAME:TAG/);
  });

  it('refuses incomplete locations, saying what to write', () => {
    expect(() => parseImageLocation('podman:')).toThrow(/"podman:" is incomplete: it should read podman:NAME:TAG/);
    expect(() => parseImageLocation('docker-archive:')).toThrow(/docker-archive:PATH\[:NAME:TAG\]/);
    expect(() => parseImageLocation('oci:dir:')).toThrow(/nothing follows the second colon/);
  });

  it('lets a pull destination leave an engine\'s name out', () => {
    expect(parseImageLocation('podman:', { destination: true })).toEqual({ transport: 'podman', input: 'podman:' });
    expect(parseImageLocation('docker-daemon:lab/x:2', { destination: true })).toMatchObject({ transport: 'docker-daemon', reference: 'lab/x:2' });
  });
});
