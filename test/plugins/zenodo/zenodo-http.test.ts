import { describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../../src/http/zenodo/endpoint.ts';
import { ZenodoHttp } from '../../../src/http/zenodo/zenodo-http.ts';
import { ZenodoStorage } from '../../../plugins/zenodo/zenodo-storage.ts';
import { cleanText } from '../../../src/output/terminal-text.ts';
import { localServers } from '../../support/local-server.ts';

const TOKEN = 'secret-token-0123456789';
const noProgress = { total() {}, advance() {}, note() {} };
/** Local HTTP servers that record what they are sent. */
const serve = localServers();

function client(origin: string, warnings: string[] = []) {
  return new ZenodoHttp(resolveEndpoint({ url: `${origin}/api` }, { ZENODO_TOKEN: TOKEN }), {
    userAgent: 'donodo/0.0.0 (+https://example.org)',
    logger: { debug() {}, warn: (m) => warnings.push(m) },
    retries: 2,
    timeoutMs: 5000,
    idleTimeoutMs: 5000,
  });
}

describe('HTTP to Zenodo', () => {
  it('sends the token in the Authorization header to Zenodo, never in the URL, and not to another host it is redirected to', async () => {
    const storage = await serve((_req, res) => res.end('bytes'));
    const api = await serve((_req, res) => {
      res.writeHead(302, { location: `${storage.origin}/file?x=1` });
      res.end();
    });
    const { body } = await client(api.origin).download('records/1/files/image.tar.gz/content', 'download', noProgress);
    let text = '';
    for await (const chunk of body) text += chunk;
    expect(text).toBe('bytes');
    expect(api.seen).toEqual([{ method: 'GET', url: '/api/records/1/files/image.tar.gz/content', authorization: `Bearer ${TOKEN}`, userAgent: 'donodo/0.0.0 (+https://example.org)' }]);
    expect(storage.seen).toHaveLength(1);
    expect(storage.seen[0]!.authorization).toBeUndefined();
    expect(storage.seen[0]!.url).not.toContain(TOKEN);
  });

  it('keeps the token on a redirect within Zenodo, which donodo follows itself', async () => {
    const api = await serve((req, res) => {
      if (req.url === '/api/records/1') {
        res.writeHead(301, { location: '/api/records/1/moved' });
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": 1}');
    });
    expect(await client(api.origin).json('get', 'records/1', 'read the record')).toEqual({ id: 1 });
    expect(api.seen.map((r) => [r.url, r.authorization])).toEqual([
      ['/api/records/1', `Bearer ${TOKEN}`],
      ['/api/records/1/moved', `Bearer ${TOKEN}`],
    ]);
  });

  it('does not follow a link of an answer that leads over plain http to another machine', async () => {
    const api = await serve((_req, res) => res.end('{}'));
    await expect(client(api.origin).json('get', 'http://zenodo.invalid/api/records/1', 'read the record')).rejects.toMatchObject({
      code: 'ZENODO_LINK_INSECURE',
      message: expect.stringContaining('gave a link over plain http to another machine (http://zenodo.invalid/api/records/1)'),
    });
    expect(api.seen).toEqual([]);
  });

  it('does not follow a redirect from this machine to plain http on another', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(302, { location: 'http://zenodo.invalid/api/records/1' });
      res.end();
    });
    await expect(client(api.origin).json('get', 'records/1', 'read the record')).rejects.toMatchObject({
      code: 'ZENODO_REDIRECT_INSECURE',
      message: `${api.origin}/api/records/1 redirected donodo to http://zenodo.invalid/api/records/1, plain http to another machine; donodo does not follow it.`,
    });
    expect(api.seen).toHaveLength(1);
  });

  it('waits for the rate-limit window to reset when no request is left in it, and says so', async () => {
    const warnings: string[] = [];
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) });
      res.end('{}');
    });
    const zenodo = client(api.origin, warnings);
    await zenodo.json('get', 'records', 'search');
    await zenodo.json('get', 'records', 'search');
    expect(warnings.some((w) => /rate limit is nearly used up; waiting \d+ s/.test(w))).toBe(true);
    expect(api.seen).toHaveLength(2);
  });

  it('does not retry a refusal such as 403, and says what to do', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"status": 403, "message": "Permission denied."}');
    });
    await expect(client(api.origin).json('get', 'deposit/depositions', 'search your depositions')).rejects.toMatchObject({
      code: 'ZENODO_FORBIDDEN',
      hint: expect.stringContaining('deposit:write'),
    });
    expect(api.seen).toHaveLength(1);
  });

  it('keeps terminal escape sequences a server sends out of its messages', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 400, message: 'bad \u001b]0;pwned\u0007 \u001b[2J', errors: [{ field: 'metadata.title', messages: ['\u009b31m red'] }] }));
    });
    const error: any = await client(api.origin).json('put', 'deposit/depositions/1', 'write the metadata').catch((e: unknown) => e);
    expect(error.message).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(error.details.join('')).not.toMatch(/[\u001b\u009b]/);
    expect(cleanText('a\u001b[31mb\nc\td')).toBe('a\ufffd[31mb\nc\td');
  });
});

describe('Zenodo limits', () => {
  it('refuses a file over 50 GB before sending a byte', async () => {
    const api = await serve((_req, res) => res.end('{}'));
    const storage = new ZenodoStorage(client(api.origin));
    const draft = { recordId: '1', conceptRecId: '0', title: 't', published: false, metadata: {}, files: [] };
    const source = { key: 'image.tar.gz', size: 50e9 + 1, md5: 'x', open: () => { throw new Error('must not be read'); } };
    await expect(storage.upload(draft, source, noProgress)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringContaining("Zenodo's limit of 50 GB") });
    expect(api.seen).toEqual([]);
  });
});

describe('Zenodo limits, before any draft exists', () => {
  it('refuses to make a draft for an archive over 50 GB', async () => {
    const api = await serve((_req, res) => res.end('{}'));
    const storage = new ZenodoStorage(client(api.origin));
    expect(() => storage.checkFile('image.tar', 60e9)).toThrow(expect.objectContaining({ code: 'FILE_TOO_LARGE' }));
    expect(api.seen).toEqual([]);
  });
});
