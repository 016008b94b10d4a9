import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { Client, bodyOf, raw, validMetadata } from './test-client.ts';

let emulator: Emulator;
let client: Client;

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

beforeAll(async () => {
  emulator = await startEmulator();
  client = new Client(emulator);
});
afterEach(() => {
  emulator.faults.reset();
});
afterAll(async () => {
  await emulator.close();
});

function putFile(bucket: string, key: string, body: Buffer) {
  return raw({
    method: 'PUT',
    url: `${bucket}/${key}`,
    headers: { Authorization: `Bearer ${emulator.token}`, 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) },
    body,
  });
}

describe('failNext', () => {
  it('fails the given number of matching requests, then lets them through', async () => {
    const dep = await client.create(validMetadata());
    emulator.faults.failNext({ method: 'GET', path: /^\/api\/deposit\/depositions\/\d+$/, status: 503, count: 2 });
    // Not matching: another method.
    expect((await client.call('PUT', `/deposit/depositions/${dep.id}`, { metadata: validMetadata() })).status).toBe(200);
    const first = await client.call('GET', `/deposit/depositions/${dep.id}`);
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toBe('text/html');
    expect(await first.text()).toContain('503 Service Temporarily Unavailable');
    expect((await client.call('GET', `/deposit/depositions/${dep.id}`)).status).toBe(503);
    expect((await client.call('GET', `/deposit/depositions/${dep.id}`)).status).toBe(200);
  });

  it('answers 429 with Retry-After: 1 and the rate limiter’s body', async () => {
    emulator.faults.failNext({ status: 429 });
    const res = await fetch(`${emulator.apiUrl}/records/1`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await bodyOf(res)).toEqual({ message: '133 per 1 minute', status: 429 });
  });

  it('does not run the request it fails: a failed publish leaves the draft unpublished', async () => {
    const dep = await client.create(validMetadata());
    await client.upload(dep, 'image.tar.gz', 'x');
    emulator.faults.failNext({ path: /actions\/publish$/, status: 500 });
    const res = await client.json('POST', `/deposit/depositions/${dep.id}/actions/publish`);
    expect(res.status).toBe(500);
    expect(res.body.status).toBe(500);
    expect(typeof res.body.error_id).toBe('string');
    expect((await client.json('GET', `/deposit/depositions/${dep.id}`)).body.state).toBe('unsubmitted');
    expect((await client.json('POST', `/deposit/depositions/${dep.id}/actions/publish`)).status).toBe(202);
  });

  it('sends a custom body and headers', async () => {
    emulator.faults.failNext({ status: 502, body: { status: 502, message: 'custom' }, headers: { 'X-Test': 'yes' } });
    const res = await fetch(`${emulator.apiUrl}/records/1`);
    expect(res.status).toBe(502);
    expect(res.headers.get('x-test')).toBe('yes');
    expect(await bodyOf(res)).toEqual({ status: 502, message: 'custom' });
  });

  it('is disarmed by reset()', async () => {
    emulator.faults.failNext({ status: 500, count: 5 });
    emulator.faults.reset();
    expect((await fetch(`${emulator.apiUrl}/records`)).status).toBe(200);
  });
});

describe('dropConnection', () => {
  it('cuts an upload after the given bytes; nothing is stored and a retry succeeds', async () => {
    const dep = await client.create(validMetadata());
    const data = Buffer.alloc(64 * 1024, 1);
    emulator.faults.dropConnection({ method: 'PUT', path: /\/api\/files\//, afterBytes: 1000 });
    await expect(putFile(dep.links.bucket, 'image.tar.gz', data)).rejects.toThrow();
    expect(emulator.store.versions.get(dep.id)!.draft!.files).toEqual([]);
    expect(emulator.requests.at(-1)!.status).toBe(0);
    const retry = await putFile(dep.links.bucket, 'image.tar.gz', data);
    expect(retry.status).toBe(201);
    expect(retry.json().checksum).toBe(`md5:${md5(data)}`);
  });

  it('cuts a download after the given bytes; the client sees a short body and an error', async () => {
    const pub = await client.publishedRecord({ data: 'x'.repeat(100_000) });
    const url = `${emulator.apiUrl}/records/${pub.id}/files/image.tar.gz/content`;
    emulator.faults.dropConnection({ method: 'GET', path: /\/content$/, afterBytes: 5000 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('100000');
    await expect(res.arrayBuffer()).rejects.toThrow();
    const again = await fetch(url);
    expect((await again.arrayBuffer()).byteLength).toBe(100_000);
  });

  it('can resume a cut download with a Range request', async () => {
    const data = Buffer.from('0123456789'.repeat(1000));
    const pub = await client.publishedRecord({ data: data.toString() });
    const url = `${emulator.apiUrl}/records/${pub.id}/files/image.tar.gz/content`;
    emulator.faults.dropConnection({ path: /\/content$/, afterBytes: 4000 });
    const received: Buffer[] = [];
    await new Promise<void>((resolve) => {
      import('node:http').then(({ get }) => {
        get(url, (res) => {
          res.on('data', (c: Buffer) => received.push(c));
          res.on('error', () => resolve());
          res.on('close', () => resolve());
        }).on('error', () => resolve());
      });
    });
    const first = Buffer.concat(received);
    expect(first.length).toBe(4000);
    const rest = await raw({ method: 'GET', url, headers: { Range: `bytes=${first.length}-` } });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([first, rest.body]).equals(data)).toBe(true);
  });

  it('cuts a JSON answer too', async () => {
    const dep = await client.create(validMetadata());
    emulator.faults.dropConnection({ method: 'GET', path: /^\/api\/deposit\/depositions\/\d+$/, afterBytes: 10 });
    const res = await client.call('GET', `/deposit/depositions/${dep.id}`);
    await expect(res.text()).rejects.toThrow();
  });
});

describe('slowLink', () => {
  it('throttles downloads and uploads to the given rate', async () => {
    const data = Buffer.alloc(30_000, 2);
    const dep = await client.create(validMetadata());
    emulator.faults.slowLink(100_000);
    let started = Date.now();
    expect((await putFile(dep.links.bucket, 'image.tar.gz', data)).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    const pub = await client.publish(dep.id);
    started = Date.now();
    const res = await raw({ method: 'GET', url: `${emulator.apiUrl}/records/${pub.id}/files/image.tar.gz/content` });
    expect(res.body.length).toBe(30_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    emulator.faults.slowLink(null);
    started = Date.now();
    await raw({ method: 'GET', url: `${emulator.apiUrl}/records/${pub.id}/files/image.tar.gz/content` });
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('corruptChecksum', () => {
  it('stores an upload with a wrong recorded MD5 (the bytes themselves are intact)', async () => {
    const dep = await client.create(validMetadata());
    const data = Buffer.from('image bytes');
    emulator.faults.corruptChecksum({ method: 'PUT' });
    const res = await putFile(dep.links.bucket, 'image.tar.gz', data);
    expect(res.status).toBe(201);
    const reported = res.json().checksum.slice(4);
    expect(reported).not.toBe(md5(data));
    const file = emulator.store.versions.get(dep.id)!.draft!.files[0]!;
    expect(file.checksum).toBe(reported);
    expect(file.actualMd5).toBe(md5(data));
    expect((await client.json('GET', `/deposit/depositions/${dep.id}`)).body.files[0].checksum).toBe(reported);
    // Only the next upload was affected.
    expect((await putFile(dep.links.bucket, 'other.bin', data)).json().checksum).toBe(`md5:${md5(data)}`);
  });

  it('flips a byte of the next download while the headers still describe the stored file', async () => {
    const data = 'downloaded bytes';
    const pub = await client.publishedRecord({ data });
    const url = `${emulator.apiUrl}/records/${pub.id}/files/image.tar.gz/content`;
    emulator.faults.corruptChecksum({ method: 'GET', path: /\/content$/ });
    const bad = await raw({ method: 'GET', url });
    expect(bad.body.length).toBe(data.length);
    expect(md5(bad.body)).not.toBe(md5(data));
    expect(bad.headers['oc-checksum']).toBe(`MD5:${md5(data)}`);
    const good = await raw({ method: 'GET', url });
    expect(good.body.toString()).toBe(data);
  });
});

describe('rateLimitRemaining', () => {
  it('reports a low X-RateLimit-Remaining counting down to 0, until lifted', async () => {
    emulator.faults.rateLimitRemaining(2);
    const values: (string | null)[] = [];
    for (let i = 0; i < 4; i++) values.push((await fetch(`${emulator.apiUrl}/records/1`)).headers.get('x-ratelimit-remaining'));
    expect(values).toEqual(['2', '1', '0', '0']);
    emulator.faults.rateLimitRemaining(null);
    expect(Number((await fetch(`${emulator.apiUrl}/records/1`)).headers.get('x-ratelimit-remaining'))).toBeGreaterThan(100);
  });
});
