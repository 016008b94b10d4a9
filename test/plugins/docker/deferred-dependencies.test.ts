import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const plugin = pathToFileURL(path.join(root, 'plugins/docker/index.ts')).href;

/** Runs `body` in a fresh Node process (its own module cache) after loading the docker plugin; gives its JSON output. */
function inFreshProcess(body: string): Record<string, unknown> {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const loaded = (name) => Object.keys(require.cache).filter((f) => f.includes('/node_modules/' + name + '/')).length; // module files in the cache
    const { default: docker } = await import(${JSON.stringify(plugin)});
    const engine = () => docker.create({}, { env: process.env });
    ${body}`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return JSON.parse(output) as Record<string, unknown>;
}

describe('the docker plugin defers dockerode dependencies it does not use', () => {
  it('talks to the engine without loading ssh2, gRPC or protobufjs', () => {
    const result = inFreshProcess(`
      const image = await engine().inspect({ transport: 'docker-daemon', reference: 'no-such/image:never', input: 'no-such/image:never' }).catch((e) => e.code ?? e.message);
      console.log(JSON.stringify({ image, ssh2: loaded('ssh2'), grpc: loaded('@grpc/grpc-js'), protobufjs: loaded('protobufjs') }));`);
    // Only the stand-in sits at each module's own file: none of their code ran.
    expect(result).toMatchObject({ ssh2: 1, grpc: 1, protobufjs: 1 });
    expect(result.image).toBe('IMAGE_NOT_FOUND'); // the engine answered
  });

  it('loads the real ssh2 the moment an ssh:// engine needs it', () => {
    const result = inFreshProcess(`
      const modem = createRequire(require.resolve('docker-modem'));
      const { Client } = modem('ssh2');
      const before = loaded('ssh2');
      const client = new Client();
      console.log(JSON.stringify({ before, after: loaded('ssh2'), connect: typeof client.connect, name: client.constructor.name }));`);
    expect(result.before).toBe(1);
    expect(result.after).toBeGreaterThan(5);
    expect(result).toMatchObject({ connect: 'function', name: 'Client' });
  });
});
