import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './index.ts';
import { Client, bodyOf, raw, validMetadata } from './test-client.ts';

let emulator: Emulator;
let client: Client;

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

beforeAll(async () => {
  emulator = await startEmulator({ maxFileSize: 1000, quotaSize: 1500, maxFiles: 3 });
  client = new Client(emulator);
});
afterAll(async () => {
  await emulator.close();
});

function put(bucket: string, key: string, body: Buffer | string | Readable, headers: Record<string, string> = {}, token: string | null = emulator.token) {
  const h: Record<string, string> = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (!(body instanceof Readable) && h['Content-Length'] === undefined) h['Content-Length'] = String(Buffer.byteLength(body));
  return raw({ method: 'PUT', url: `${bucket}/${key}`, headers: h, body });
}

describe('uploading to a bucket', () => {
  it('accepts a PUT without Content-Type or with application/octet-stream, and stores the bytes with their MD5', async () => {
    const dep = await client.create(validMetadata());
    const res = await put(dep.links.bucket, 'image.tar.gz', 'first');
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ key: 'image.tar.gz', size: 5, mimetype: 'application/x-tar', checksum: `md5:${md5('first')}` });
    const res2 = await put(dep.links.bucket, 'notes.txt', 'hello', { 'Content-Type': 'application/octet-stream' });
    expect(res2.status).toBe(201);
    const stored = emulator.store.versions.get(dep.id)!.draft!.files;
    expect(stored.map((f) => f.key)).toEqual(['image.tar.gz', 'notes.txt']);
    expect(readFileSync(stored[0]!.path, 'utf8')).toBe('first');
    expect(emulator.store.readFile(stored[1]!.id).toString()).toBe('hello');
  });

  it('refuses any other Content-Type with 415 and the exact message', async () => {
    const dep = await client.create(validMetadata());
    const res = await put(dep.links.bucket, 'a.zip', 'zip', { 'Content-Type': 'application/zip' });
    expect(res.status).toBe(415);
    expect(res.json()).toEqual({ status: 415, message: "Invalid 'Content-Type' header. Expected one of: application/octet-stream" });
  });

  it('replaces an existing key with a new file id and checksum', async () => {
    const dep = await client.create(validMetadata());
    const a = (await put(dep.links.bucket, 'image.tar.gz', 'one')).json();
    const b = (await put(dep.links.bucket, 'image.tar.gz', 'two')).json();
    expect(b.version_id).not.toBe(a.version_id);
    const files = (await client.json('GET', `/deposit/depositions/${dep.id}/files`)).body;
    expect(files).toHaveLength(1);
    expect(files[0].checksum).toBe(md5('two'));
  });

  it('refuses a chunked upload (no Content-Length) with 500 and stores nothing', async () => {
    const dep = await client.create(validMetadata());
    const res = await put(dep.links.bucket, 'image.tar.gz', Readable.from([Buffer.from('abc')]), { 'Transfer-Encoding': 'chunked' });
    expect(res.status).toBe(500);
    expect(emulator.store.versions.get(dep.id)!.draft!.files).toEqual([]);
  });

  it('refuses an empty file with 400 unless allowEmptyFiles', async () => {
    const dep = await client.create(validMetadata());
    const res = await put(dep.links.bucket, 'empty.txt', '');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ status: 400, message: 'Empty files are not accepted.' });
    const lenient = await startEmulator({ allowEmptyFiles: true });
    try {
      const c = new Client(lenient);
      const d = await c.create(validMetadata());
      const ok = await raw({ method: 'PUT', url: `${d.links.bucket}/empty.txt`, headers: { Authorization: `Bearer ${lenient.token}`, 'Content-Length': '0' }, body: '' });
      expect(ok.status).toBe(201);
      expect(ok.json().checksum).toBe(`md5:${md5('')}`);
    } finally {
      await lenient.close();
    }
  });

  it('checks the file size from Content-Length before reading the body', async () => {
    const dep = await client.create(validMetadata());
    // Only 10 of the 1001 bytes are sent before the answer arrives: it comes from the declared length alone.
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(10));
    const res = await put(dep.links.bucket, 'big.bin', body, { 'Content-Length': '1001' });
    body.push(Buffer.alloc(991));
    body.push(null);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ status: 400, message: 'Maximum file size exceeded.' });
  });

  it('enforces the per-record quota and the number of files', async () => {
    const dep = await client.create(validMetadata());
    expect((await put(dep.links.bucket, 'a.bin', Buffer.alloc(900))).status).toBe(201);
    const quota = await put(dep.links.bucket, 'b.bin', Buffer.alloc(700));
    expect(quota.status).toBe(400);
    expect(quota.json().message).toBe('Bucket quota exceeded.');
    // Replacing a key frees its own size first.
    expect((await put(dep.links.bucket, 'a.bin', Buffer.alloc(1000))).status).toBe(201);
    const dep2 = await client.create(validMetadata());
    for (const key of ['1.txt', '2.txt', '3.txt']) expect((await put(dep2.links.bucket, key, 'x')).status).toBe(201);
    const fourth = await put(dep2.links.bucket, '4.txt', 'x');
    expect(fourth.status).toBe(400);
    expect(fourth.json()).toEqual({ status: 400, message: 'Uploading selected files will result in exceeding the max amount per record.' });
    expect((await put(dep2.links.bucket, '3.txt', 'y')).status).toBe(201);
  });

  it('answers 403 for anonymous, for someone else’s bucket and for a published record’s bucket; 404 for an unknown bucket', async () => {
    const dep = await client.create(validMetadata());
    expect((await put(dep.links.bucket, 'x.txt', 'x', {}, null)).status).toBe(403);
    expect((await put(dep.links.bucket, 'x.txt', 'x', {}, emulator.otherToken)).status).toBe(403);
    const pub = await client.publishedRecord();
    const published = await put(pub.links.bucket, 'x.txt', 'x');
    expect(published.status).toBe(403);
    expect(published.json()).toEqual({ status: 403, message: 'Permission denied.' });
    expect((await put(`${emulator.apiUrl}/files/00000000-0000-0000-0000-000000000000`, 'x.txt', 'x')).status).toBe(404);
  });

  it('has no route for a key containing a slash', async () => {
    const dep = await client.create(validMetadata());
    expect((await put(dep.links.bucket, 'dir%2Fx.txt', 'x')).status).toBe(404);
  });

  it('passes the token as a query parameter just as well (as the original donodo does)', async () => {
    const dep = await client.create(validMetadata());
    const res = await raw({ method: 'PUT', url: `${dep.links.bucket}/q.txt?access_token=${emulator.token}`, headers: { 'Content-Length': '1' }, body: 'q' });
    expect(res.status).toBe(201);
    expect(emulator.requests.at(-1)!.url).toContain('access_token=');
  });

  it('downloads and deletes by key in the bucket', async () => {
    const dep = await client.create(validMetadata());
    await put(dep.links.bucket, 'k.txt', 'content');
    const get = await raw({ method: 'GET', url: `${dep.links.bucket}/k.txt`, headers: { Authorization: `Bearer ${emulator.token}` } });
    expect(get.body.toString()).toBe('content');
    expect((await raw({ method: 'DELETE', url: `${dep.links.bucket}/k.txt`, headers: { Authorization: `Bearer ${emulator.token}` } })).status).toBe(204);
    const again = await raw({ method: 'DELETE', url: `${dep.links.bucket}/k.txt`, headers: { Authorization: `Bearer ${emulator.token}` } });
    expect(again.status).toBe(404);
    expect(again.json().message).toBe(`Record '${dep.id}' has no file 'k.txt'.`);
  });
});

describe('large uploads stream to disk', () => {
  it('takes 200 MB at disk speed without buffering it in memory', async () => {
    const big = await startEmulator();
    try {
      const c = new Client(big);
      const dep = await c.create(validMetadata());
      const size = 200 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const expected = createHash('md5');
      for (let i = 0; i < 200; i++) expected.update(chunk);
      let sent = 0;
      const body = new Readable({
        read() {
          if (sent >= size) return this.push(null);
          sent += chunk.length;
          this.push(chunk);
        },
      });
      const rssBefore = process.memoryUsage().rss;
      const started = Date.now();
      const res = await raw({
        method: 'PUT',
        url: `${dep.links.bucket}/image.tar.gz`,
        headers: { Authorization: `Bearer ${big.token}`, 'Content-Length': String(size) },
        body,
      });
      const seconds = (Date.now() - started) / 1000;
      expect(res.status).toBe(201);
      expect(res.json().checksum).toBe(`md5:${expected.digest('hex')}`);
      expect(seconds).toBeLessThan(10);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
    } finally {
      await big.close();
    }
  });
});

describe('the legacy deposition file routes', () => {
  it('lists files as a bare array with hex checksums and draft download links', async () => {
    const dep = await client.create(validMetadata());
    await put(dep.links.bucket, 'a b.txt', 'spaced');
    const res = await client.json('GET', `/deposit/depositions/${dep.id}/files`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        id: expect.any(String),
        filename: 'a b.txt',
        filesize: 6,
        checksum: md5('spaced'),
        links: {
          self: `${emulator.apiUrl}/deposit/depositions/${dep.id}/files/${res.body[0].id}`,
          download: `${emulator.apiUrl}/records/${dep.id}/draft/files/a%20b.txt/content`,
        },
      },
    ]);
  });

  it('uploads multipart with secure_filename keys, reads and deletes by file id', async () => {
    const dep = await client.create(validMetadata());
    const form = new FormData();
    form.append('name', 'my data file.csv');
    form.append('file', new Blob(['1,2\n']), 'ignored.csv');
    const res = await fetch(`${emulator.apiUrl}/deposit/depositions/${dep.id}/files`, { method: 'POST', headers: { Authorization: `Bearer ${emulator.token}` }, body: form });
    expect(res.status).toBe(201);
    const entry = await bodyOf(res);
    expect(entry.filename).toBe('my_data_file.csv');
    expect(entry.checksum).toBe(md5('1,2\n'));
    const read = await client.json('GET', `/deposit/depositions/${dep.id}/files/${entry.id}`);
    expect(read.body).toEqual(entry);
    expect((await client.call('DELETE', `/deposit/depositions/${dep.id}/files/${entry.id}`)).status).toBe(204);
    const missing = await client.json('GET', `/deposit/depositions/${dep.id}/files/${entry.id}`);
    expect(missing.status).toBe(404);
  });

  it('does not implement PUT on the file routes (405)', async () => {
    const dep = await client.create(validMetadata());
    expect((await client.call('PUT', `/deposit/depositions/${dep.id}/files`, [])).status).toBe(405);
    expect((await client.call('PUT', `/deposit/depositions/${dep.id}/files/abc`, {})).status).toBe(405);
  });

  it('answers 403 on someone else’s files', async () => {
    const dep = await client.create(validMetadata());
    expect((await new Client(emulator, emulator.otherToken).json('GET', `/deposit/depositions/${dep.id}/files`)).status).toBe(403);
  });
});
