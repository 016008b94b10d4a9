import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { serveLocal, streamLargeBody, testCertificate, type LocalServer, type TestCertificate } from '../support/local-server.ts';

// Oversized answers and redirects to http are not something Zenodo does, so they come from small
// local servers here, never from the emulator.
const TOKEN = 'trust-test-token-0123456789';
let tls: TestCertificate;
let work: string;
const servers: LocalServer[] = [];

beforeAll(async () => {
  tls = await testCertificate();
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-bounds-'));
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await rm(work, { recursive: true, force: true });
});

async function serve(handler: Parameters<typeof serveLocal>[0], options: Parameters<typeof serveLocal>[1] = {}): Promise<LocalServer> {
  const server = await serveLocal(handler, options);
  servers.push(server);
  return server;
}

/** The CLI in a scratch folder (no configuration), trusting the test certificate for https on 127.0.0.1. */
const donodo = (args: string[]) => runCli(args, { cwd: work, env: { ZENODO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: tls.certFile, DONODO_ZENODO_URL: undefined } });

describe('answers from Zenodo are bounded', () => {
  it('stops reading a JSON answer at 16 MB, closes the connection, and names the request and the limit', async () => {
    let closedEarly!: Promise<boolean>;
    const api = await serve((_req, res) => (closedEarly = streamLargeBody(res, 64e6)));
    const run = await donodo(['pull', '1', '--zenodo-url', `${api.origin}/api`]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("Zenodo's answer to GET /api/records/1");
    expect(run.stderr).toContain("is larger than 16 MB, donodo's limit for a JSON answer; it stopped reading and closed the connection.");
    expect(await closedEarly).toBe(true);
    expect(api.seen).toHaveLength(1); // not retried: a second try would be as large
  });

  it('refuses an answer that declares more than 16 MB before reading it', async () => {
    let closedEarly!: Promise<boolean>;
    const api = await serve((_req, res) => (closedEarly = streamLargeBody(res, 300e6, { 'content-length': String(300e6 + 16) })));
    const run = await donodo(['pull', '1', '--zenodo-url', `${api.origin}/api`]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("is larger than 16 MB, donodo's limit for a JSON answer");
    expect(await closedEarly).toBe(true);
  });

  it('does not follow a redirect from https to plain http, not even on this machine', async () => {
    const plain = await serve((_req, res) => res.end('{}'));
    const api = await serve(
      (req, res) => {
        res.writeHead(302, { location: `${plain.origin}${req.url}` });
        res.end();
      },
      { tls },
    );
    const run = await donodo(['pull', '1', '--zenodo-url', `${api.origin}/api`]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`${api.origin}/api/records/1 redirected donodo to ${plain.origin}/api/records/1, from https to plain http; donodo does not follow it.`);
    expect(plain.seen).toEqual([]);
    expect(run.stderr).not.toContain(TOKEN);
  });
});

describe('templates are bounded', () => {
  // --templates are read before any image is looked at, so no image is needed here.
  const push = (template: string) => donodo(['push', 'donodo-test/bounds:1.0', '--dry-run', '--storage', 'dir', '--dir', path.join(work, 'archive'), '-t', template]);

  it('refuses a template file over 1 MB, naming the file and the limit', async () => {
    const file = path.join(work, 'big-template.json');
    await writeFile(file, JSON.stringify({ description: 'x'.repeat(2e6) }));
    const run = await push(file);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Template "${file}" is larger than 1 MB, donodo's limit for a template; it stopped reading there.`);
  });

  it('refuses a template URL whose answer is over 1 MB, and closes the connection', async () => {
    let closedEarly!: Promise<boolean>;
    const site = await serve((_req, res) => (closedEarly = streamLargeBody(res, 64e6)), { tls });
    const url = `${site.origin}/template.json`;
    const run = await push(url);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Template "${url}" is larger than 1 MB, donodo's limit for a template`);
    expect(await closedEarly).toBe(true);
  });

  it('does not follow an https template URL that redirects to http', async () => {
    const plain = await serve((_req, res) => res.end('{"keywords": ["from http"]}'));
    const site = await serve(
      (_req, res) => {
        res.writeHead(301, { location: `${plain.origin}/template.json` });
        res.end();
      },
      { tls },
    );
    const run = await push(`${site.origin}/template.json`);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Template URL "${site.origin}/template.json" redirects to "${plain.origin}/template.json", which is not https; donodo does not follow it.`);
    expect(plain.seen).toEqual([]);
  });

  it('refuses file:// templates by name, and says to give the path', async () => {
    const file = path.join(work, 'small-template.json');
    await writeFile(file, '{"keywords": ["docker image"]}');
    const run = await push(`file://${file}`);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Template "file://${file}": file:// URLs are not supported; give the path.`);
  });
});
