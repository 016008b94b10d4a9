import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { Client, bodyOf, raw, validMetadata } from './test-client.ts';

let emulator: Emulator;
let client: Client;

beforeAll(async () => {
  emulator = await startEmulator();
  client = new Client(emulator);
});
afterAll(async () => {
  await emulator.close();
});

describe('authentication', () => {
  it('accepts the token as a Bearer header or as ?access_token=', async () => {
    expect((await fetch(`${emulator.apiUrl}/deposit/depositions`, { headers: { Authorization: `Bearer ${emulator.token}` } })).status).toBe(200);
    expect((await fetch(`${emulator.apiUrl}/deposit/depositions?access_token=${emulator.token}`)).status).toBe(200);
  });

  it('treats a missing or unknown token as anonymous: 403 on deposits, 200 on public records', async () => {
    const pub = await client.publishedRecord();
    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const res = await fetch(`${emulator.apiUrl}/deposit/depositions`, { headers });
      expect(res.status).toBe(403);
      expect(await bodyOf(res)).toEqual({ status: 403, message: 'Permission denied.' });
      expect((await fetch(`${emulator.apiUrl}/records/${pub.id}`, { headers })).status).toBe(200);
    }
  });

  it('keeps users apart: the other user sees none of user 1’s depositions', async () => {
    await client.create(validMetadata());
    const res = await new Client(emulator, emulator.otherToken).json('GET', '/deposit/depositions?all_versions=1');
    expect(res.body).toEqual([]);
  });
});

describe('rate-limit headers', () => {
  it('are on every response, success or error, API or web page', async () => {
    const responses = [
      await client.call('GET', '/deposit/depositions'),
      await client.call('GET', '/deposit/depositions/424242'),
      await fetch(`${emulator.apiUrl}/nothing-here`),
      await fetch(`${emulator.baseUrl}/records/424242`),
    ];
    for (const res of responses) {
      expect(res.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  });

  it('use the authenticated, guest and search limits, and count down', async () => {
    const a = await client.call('GET', '/deposit/depositions');
    const b = await client.call('GET', '/deposit/depositions');
    expect(a.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBe(Number(a.headers.get('x-ratelimit-remaining')) - 1);
    expect((await fetch(`${emulator.apiUrl}/records/1`)).headers.get('x-ratelimit-limit')).toBe('133');
    expect((await fetch(`${emulator.apiUrl}/records`)).headers.get('x-ratelimit-limit')).toBe('30');
  });

  it('refuse the 31st search in a minute with 429 when enforced', async () => {
    const strict = await startEmulator({ enforceRateLimits: true });
    try {
      for (let i = 0; i < 30; i++) expect((await fetch(`${strict.apiUrl}/records?q=x`)).status).toBe(200);
      const res = await fetch(`${strict.apiUrl}/records?q=x`);
      expect(res.status).toBe(429);
      expect(await res.text()).toBe('{"message":"30 per 1 minute","status":429}\n');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      // Other endpoints have their own window.
      expect((await fetch(`${strict.apiUrl}/records/1`)).status).toBe(404);
    } finally {
      await strict.close();
    }
  });
});

describe('the request log', () => {
  it('records method, URL with query string, status and the headers that matter, token included', async () => {
    const dep = await client.create(validMetadata());
    await raw({
      method: 'PUT',
      url: `${dep.links.bucket}/image.tar.gz?access_token=${emulator.token}`,
      headers: { 'User-Agent': 'donodo/0.1', 'Content-Length': '3' },
      body: 'abc',
    });
    const entry = emulator.requests.at(-1)!;
    expect(entry.method).toBe('PUT');
    expect(entry.url).toBe(`${new URL(dep.links.bucket).pathname}/image.tar.gz?access_token=${emulator.token}`);
    expect(entry.status).toBe(201);
    expect(entry.headers['user-agent']).toBe('donodo/0.1');
    expect(entry.headers['content-length']).toBe('3');
    expect(entry.headers.authorization).toBeUndefined();
    const create = emulator.requests.find((r) => r.method === 'POST' && r.url === '/api/deposit/depositions');
    expect(create?.headers.authorization).toBe(`Bearer ${emulator.token}`);
    expect(create?.headers['content-type']).toBe('application/json');
  });
});

describe('errors outside the documented routes', () => {
  it('answers an unknown API path with Werkzeug’s JSON 404 and an unknown page with HTML', async () => {
    const api = await fetch(`${emulator.apiUrl}/unknown`);
    expect(api.status).toBe(404);
    expect((await bodyOf(api)).message).toMatch(/^The requested URL was not found on the server/);
    const page = await fetch(`${emulator.baseUrl}/unknown`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('answers a known path with an unsupported method with 405', async () => {
    const res = await client.call('PATCH', '/deposit/depositions');
    expect(res.status).toBe(405);
    expect(await bodyOf(res)).toEqual({ status: 405, message: 'The method is not allowed for the requested URL.' });
  });

  it('can imitate production’s edge filter, which refuses requests without a User-Agent with HTML', async () => {
    const edge = await startEmulator({ requireUserAgent: true });
    try {
      const bare = await raw({ method: 'GET', url: `${edge.apiUrl}/records` });
      expect(bare.status).toBe(403);
      expect(String(bare.headers['content-type'])).toContain('text/html');
      const named = await raw({ method: 'GET', url: `${edge.apiUrl}/records`, headers: { 'User-Agent': 'donodo/0.1' } });
      expect(named.status).toBe(200);
    } finally {
      await edge.close();
    }
  });

  it('removes its temporary folder on close', async () => {
    const temp = await startEmulator();
    const c = new Client(temp);
    await c.publishedRecord();
    const { existsSync } = await import('node:fs');
    expect(existsSync(temp.store.blobs.dir)).toBe(true);
    await temp.close();
    expect(existsSync(temp.store.blobs.dir)).toBe(false);
  });
});
