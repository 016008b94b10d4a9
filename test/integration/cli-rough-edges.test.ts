import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.ts';
import { buildTestImage, docker, removeImages } from '../support/images.ts';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NAME = `donodo-test/edges-${process.pid}`;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-edges-'));
  await buildTestImage(`${NAME}:1.0`, { extraBytes: 3_000_000 });
  await docker('tag', `${NAME}:1.0`, `localhost:5000/${NAME}:1.0`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `localhost:5000/${NAME}:1.0`);
  await rm(dir, { recursive: true, force: true });
});

const archive = (name: string) => path.join(dir, name);

describe('the command line as a new user tries it', () => {
  it('takes -t once per template, so that an image after it stays an image; later templates win', async () => {
    const first = path.join(dir, 'first.json');
    const second = path.join(dir, 'second.json');
    await writeFile(first, JSON.stringify({ title: 'First title', keywords: ['one'] }));
    await writeFile(second, JSON.stringify({ keywords: ['two'] }));
    const run = await runCli(['push', '-t', first, '--templates', second, `${NAME}:1.0`, '--storage', 'dir', '--dir', archive('templates'), '--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toHaveLength(1);
    expect(run.json[0]).toMatchObject({ image: `${NAME}:1.0`, status: 'planned', metadata: { title: 'First title', keywords: ['two'] } });
  });

  it('publishes with --yes as with -y', async () => {
    const run = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive('yes'), '--yes', '--no-lock', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json[0]).toMatchObject({ status: 'published', published: true });
  });

  it('takes --dir as the choice of the dir storage, and still refuses it beside another storage named with --storage', async () => {
    const run = await runCli(['push', `${NAME}:1.0`, '--dir', archive('implied'), '-y', '--no-lock', '--json'], { env: { ZENODO_TOKEN: undefined } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json[0]).toMatchObject({ status: 'published', webUrl: expect.stringContaining(archive('implied')) });
    const pulled = await runCli(['pull', run.json[0].recordId, '--dir', archive('implied'), `docker-archive:${path.join(dir, 'pulled.tar')}`, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    const refused = await runCli(['push', `${NAME}:1.0`, '--storage', 'zenodo', '--dir', archive('implied'), '-y']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--dir does not apply: the storage in use is "zenodo"');
  });

  it('accepts pull --no-lock, as push takes it', async () => {
    const pushed = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive('nolock'), '-y', '--no-lock', '--json']);
    const pulled = await runCli(['pull', pushed.json[0].recordId, '--storage', 'dir', '--dir', archive('nolock'), '--no-lock', `docker-archive:${path.join(dir, 'nolock.tar')}`]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain('Wrote sha256:');
  });

  it('prints no progress with -q, only the result (and errors)', async () => {
    const run = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive('quiet'), '-y', '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`${NAME}:1.0 published`);
    const failed = await runCli(['push', `${NAME}/missing:1.0`, '--storage', 'dir', '--dir', archive('quiet'), '-y', '--quiet']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^donodo: Image "[^"]+" does not exist in the local Docker engine\. \[IMAGE_NOT_FOUND/);
  });

  it('says before the upload that nobody can be asked to publish, when there is no terminal and no -y', async () => {
    const run = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive('unasked'), '--no-lock']);
    expect(run.code).toBe(2);
    const notice = run.stderr.indexOf('donodo: nobody can be asked whether to publish (no terminal) and -y was not given');
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(notice).toBeLessThan(run.stderr.indexOf('Upload'));
    expect(run.stdout).toContain('uploaded but NOT published');
  });

  it('exits quietly when stdout is closed early (donodo … | true)', async () => {
    const errFile = path.join(dir, 'epipe.err');
    const script = `"${process.execPath}" "${CLI}" push --help 2>"${errFile}" | true; echo "help $\{PIPESTATUS[0]}"
"${process.execPath}" "${CLI}" push ${NAME}:1.0 --storage dir --dir "${archive('epipe')}" --dry-run --json 2>>"${errFile}" | true; echo "push $\{PIPESTATUS[0]}"`;
    const { stdout } = await exec('bash', ['-c', script], { env: { ...process.env, NO_COLOR: '1' } });
    expect(stdout).toBe('help 0\npush 0\n');
    const { stdout: errors } = await exec('cat', [errFile]);
    expect(errors).not.toMatch(/EPIPE|Unhandled|at .*\.ts:\d+/);
  });

  it('tells an old Node.js which version it needs, from the installed entry point', async () => {
    const old = '/usr/bin/node';
    const { stdout: version } = await exec(old, ['--version']);
    expect(Number(/^v(\d+)/.exec(version)![1])).toBeLessThan(22);
    const run = await exec(old, [path.join(root, 'bin/donodo.js'), 'push', '--help']).then(() => ({ code: 0, stderr: '' }), (e) => ({ code: e.code as number, stderr: String(e.stderr) }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`donodo: needs Node.js 22.18 or newer (package.json "engines"), but this is Node.js ${version.trim().slice(1)}`);
    expect(run.stderr).not.toMatch(/SyntaxError|ERR_/);
  });

  it('fails at once on a refused connection or an unknown host, naming it, without retrying', async () => {
    const port = await closedPort();
    const started = Date.now();
    const refused = await runCli(['push', `${NAME}:1.0`, '--zenodo-url', `http://127.0.0.1:${port}/api`, '-y', '--no-lock'], { env: { ZENODO_TOKEN: 'not-used' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`ECONNREFUSED, nothing accepts connections at 127.0.0.1:${port}; not retried. [ZENODO_UNREACHABLE`);
    expect(refused.stderr).not.toMatch(/retry \d of/);
    const unknown = await runCli(['pull', '10.5281/zenodo.1', '--zenodo-url', 'https://zenodo.invalid/api']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('the host "zenodo.invalid" is not known (DNS); not retried.');
    expect(unknown.stderr).not.toMatch(/retry \d of/);
    // Five retries with backoff take 15 s or more; none take a few seconds for both.
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it('makes the default creator the first path component after a registry host, not the host', async () => {
    const run = await runCli(['push', `localhost:5000/${NAME}:1.0`, '--storage', 'dir', '--dir', archive('creator'), '--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json[0].metadata.creators).toEqual([{ name: 'donodo-test' }]);
    const plain = await runCli(['push', `${NAME}:1.0`, '--storage', 'dir', '--dir', archive('creator'), '--dry-run', '--json']);
    expect(plain.json[0].metadata.creators).toEqual([{ name: 'donodo-test' }]);
  });
});

/** A local port on which nothing listens. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
