/** The plugin API's HTTP kit against a real local server: its one retry policy, the token's scope, the idle timer. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DonodoError, HttpKit } from '../../src/plugin-api.ts';
import { localServers } from '../support/local-server.ts';

const TOKEN = 'kit-token-0123456789';
const noProgress = { total() {}, advance() {}, note() {} };
/** Local HTTP servers that record what they are sent. */
const serve = localServers();

function kit(origin: string, warnings: string[] = [], idleTimeoutMs = 5000) {
  return new HttpKit({
    service: 'Test',
    userAgent: 'donodo-test',
    logger: { debug() {}, warn: (m) => warnings.push(m) },
    retries: 2,
    timeoutMs: 5000,
    idleTimeoutMs,
    token: TOKEN,
    origin,
    translate: (cause, action) => (cause instanceof DonodoError ? cause : new DonodoError('TEST_FAILED', `could not ${action}`, { cause })),
    maxAnswerBytes: 1_000_000,
    answerTooLarge: () => new DonodoError('TEST_TOO_LARGE', 'too large'),
  });
}

const source = (bytes: Buffer, opened: { count: number }) => ({ key: 'f', size: bytes.length, md5: '', open: () => (opened.count++, Readable.from([bytes])) });

describe('the HTTP kit', () => {
  it('retries a GET on 503 and answers; never retries a POST on 500, but does on 429 after its Retry-After', async () => {
    let gets = 0;
    let posts = 0;
    const api = await serve((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(++gets === 1 ? 503 : 200, { 'content-type': 'application/json' });
        return res.end('{"ok": true}');
      }
      posts++;
      if (req.url === '/fail') res.writeHead(500).end('{}');
      else if (posts === 2) res.writeHead(429, { 'retry-after': '1' }).end('{}');
      else res.writeHead(201, { 'content-type': 'application/json' }).end('{"made": 1}');
    });
    const warnings: string[] = [];
    expect(await kit(api.origin, warnings).json('get', `${api.origin}/x`, 'read')).toEqual({ ok: true });
    expect(gets).toBe(2);
    await expect(kit(api.origin).json('post', `${api.origin}/fail`, 'create')).rejects.toMatchObject({ code: 'TEST_FAILED' });
    expect(posts).toBe(1);
    const started = Date.now();
    expect(await kit(api.origin).json('post', `${api.origin}/make`, 'create')).toEqual({ made: 1 });
    expect(posts).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(warnings.join('\n')).toContain('Test: 503');
  });

  it('sends the token only to its origin', async () => {
    const other = await serve((_req, res) => res.end('{}'));
    const api = await serve((_req, res) => res.end('{}'));
    await kit(api.origin).json('get', `${api.origin}/a`, 'read');
    await kit(api.origin).json('get', `${other.origin}/b`, 'read');
    expect(api.seen[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(other.seen[0]!.authorization).toBeUndefined();
  });

  it('retries an upload whose connection is reset, re-reading the file from the start; a 400 is not retried', async () => {
    let puts = 0;
    const api = await serve((req, res) => {
      puts++;
      if (req.url === '/refuse') return void req.resume().on('end', () => res.writeHead(400).end('{"message": "no"}'));
      if (puts === 1) return void req.socket.destroy();
      let got = 0;
      req.on('data', (c: Buffer) => (got += c.length)).on('end', () => res.end(JSON.stringify({ got })));
    });
    const opened = { count: 0 };
    expect(await kit(api.origin).upload(`${api.origin}/put`, source(Buffer.alloc(100_000, 1), opened), noProgress, 'upload')).toEqual({ got: 100_000 });
    expect(opened.count).toBe(2);
    const refused = { count: 0 };
    await expect(kit(api.origin).upload(`${api.origin}/refuse`, source(Buffer.alloc(10, 1), refused), noProgress, 'upload')).rejects.toMatchObject({ code: 'TEST_FAILED' });
    expect(refused.count).toBe(1);
  });

  it('gives up an upload attempt when no byte moves for the idle time, and tries again', async () => {
    let puts = 0;
    const api = await serve((req, res) => {
      // The first attempt is never answered and never read: the client's idle timer ends it.
      if (++puts === 1) return req.pause();
      req.resume().on('end', () => res.end('{"stored": true}'));
    });
    const opened = { count: 0 };
    const answer = await kit(api.origin, [], 300).upload(`${api.origin}/put`, source(Buffer.alloc(4 * 1024 * 1024, 1), opened), noProgress, 'upload');
    expect(answer).toEqual({ stored: true });
    expect(opened.count).toBe(2);
  });
});
