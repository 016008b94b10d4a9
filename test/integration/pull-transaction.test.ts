import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../support/cli.ts';
import { dockerSave, donodoNotes, publishRecord } from '../support/crafted-record.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';

/**
 * A pull is a transaction on the user's engine: whatever fails, every tag the user had points where
 * it pointed, and every image the user had is still there.
 */
const NAME = `donodo-test/pull-${process.pid}`;
let zenodo: Emulator;
let project: string;
const built: string[] = [];

const tool = (tag: string) => `${NAME}/tool:${tag}`;
const title = (name: string) => `Docker image ${name}`;
const args = (...rest: string[]) => [...rest, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl];
const donodo = (rest: string[], env: Record<string, string | undefined> = {}) => runCli(args(...rest), { cwd: project, env: { ZENODO_TOKEN: zenodo.token, ...env } });
const tagImage = (id: string, reference: string) => promisify(execFile)('docker', ['tag', id, reference]);
const exists = async (id: string) => (await docker('image', 'inspect', '--format', '{{.Id}}', id).catch(() => undefined)) === id;

async function image(reference: string): Promise<string> {
  built.push(reference);
  return buildTestImage(reference);
}

/** An image that exists only in an archive: built, saved, and removed again. */
async function archivedOnly(reference: string): Promise<{ id: string; tar: Buffer }> {
  const id = await image(reference);
  const tar = await dockerSave(reference);
  await docker('rmi', reference);
  return { id, tar };
}

/** Downloads of record files (what a pull fetches once it found the record). */
const downloads = () => zenodo.requests.filter((r) => /\/files\/.*\/content$/.test(r.url)).length;

beforeAll(async () => {
  zenodo = await startEmulator({});
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-pull-'));
});

afterAll(async () => {
  await removeImages(...built);
  await zenodo.close();
  await rm(project, { recursive: true, force: true });
});

describe('a failed pull leaves the user with what they had', () => {
  it('keeps the user\'s own image and its tag when the download does not match the record\'s md5', async () => {
    const mine = await image(tool('1.0'));
    const pushed = await donodo(['push', tool('1.0'), '-y', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    // The record says another md5 than its bytes have (damaged in storage, or forged).
    for (const deposition of zenodo.store.versions.values()) {
      for (const file of deposition.record?.files ?? []) if (file.checksum === pushed.json[0].file.md5) file.checksum = '0'.repeat(32);
    }

    const pulled = await donodo(['pull', pushed.json[0].doi, '--json']);
    expect(pulled.code).toBe(1);
    expect(pulled.json[0].error.code).toBe('CHECKSUM_MISMATCH');
    expect(await imageId(tool('1.0'))).toBe(mine);
    expect(await exists(mine)).toBe(true);
  });

  it('keeps the user\'s own image and its tag when the record\'s docker-id does not match', async () => {
    const mine = await image(tool('1.1'));
    const record = await publishRecord(zenodo, {
      title: title(`${NAME}/tool`), version: '1.1', tar: await dockerSave(tool('1.1')),
      notes: donodoNotes({ id: `sha256:${'0'.repeat(64)}`, name: tool('1.1') }),
    });

    const pulled = await donodo(['pull', record.doi]);
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toContain('IMAGE_ID_MISMATCH');
    expect(pulled.stderr).toContain('no tag was changed');
    expect(await imageId(tool('1.1'))).toBe(mine);
    expect(await exists(mine)).toBe(true);
  });

  it('removes the image a failed pull brought in, and nothing else', async () => {
    const mine = await image(tool('1.2'));
    const foreign = await archivedOnly(`${NAME}/foreign:1.2`);
    const record = await publishRecord(zenodo, {
      title: title(`${NAME}/tool`), version: '1.2', tar: foreign.tar,
      notes: donodoNotes({ id: `sha256:${'1'.repeat(64)}`, name: tool('1.2') }),
    });

    const pulled = await donodo(['pull', record.doi]);
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toContain('IMAGE_ID_MISMATCH');
    expect(await exists(foreign.id)).toBe(false);
    expect(await imageId(tool('1.2'))).toBe(mine);
  });
});

describe('an archive sets no tag its record does not name', () => {
  it('loads and tags the record\'s image, and leaves a tag the archive names but the record does not where it was', async () => {
    const victim = `${NAME}/victim:latest`;
    const evil = await archivedOnly(victim);
    const users = await image(victim);
    const record = await publishRecord(zenodo, {
      title: title(`${NAME}/tool`), version: '9.9', tar: evil.tar,
      notes: donodoNotes({ id: evil.id, name: tool('9.9') }),
    });

    const pulled = await donodo(['pull', record.doi]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await imageId(victim)).toBe(users);
    expect(await imageId(tool('9.9'))).toBe(evil.id);
    expect(pulled.stdout).toContain(`not tagged: ${victim}`);

    const json = (await donodo(['pull', record.doi, '--json'])).json[0];
    expect(json).toMatchObject({ status: 'loaded', image: tool('9.9'), imageId: evil.id, ignoredTags: [victim] });
    expect(await imageId(victim)).toBe(users);
  });

  it('sets the archive\'s own tags with --archive-tags, and reports each tag it moves', async () => {
    const other = `${NAME}/other:latest`;
    const archived = await archivedOnly(other);
    const before = await image(other);
    const record = await publishRecord(zenodo, {
      title: title(`${NAME}/tool`), version: '9.8', tar: archived.tar,
      notes: donodoNotes({ id: archived.id, name: tool('9.8') }),
    });

    const pulled = await donodo(['pull', record.doi, '--archive-tags']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await imageId(other)).toBe(archived.id);
    expect(await imageId(tool('9.8'))).toBe(archived.id);
    expect(pulled.stdout).toContain(`${other} now points at ${archived.id} (was ${before})`);
    expect(await exists(before)).toBe(true);
  });

  it('reports a tag of the record that the pull moves, with the image it named before', async () => {
    const before = await image(tool('2.0'));
    const archived = await archivedOnly(tool('2.0'));
    await tagImage(before, tool('2.0'));
    const record = await publishRecord(zenodo, {
      title: title(`${NAME}/tool`), version: '2.0', tar: archived.tar,
      notes: donodoNotes({ id: archived.id, name: tool('2.0') }),
    });

    const pulled = await donodo(['pull', record.doi, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0].tags).toEqual([{ reference: tool('2.0'), id: archived.id, previous: before }]);
    expect(await imageId(tool('2.0'))).toBe(archived.id);
    expect(await exists(before)).toBe(true);
  });
});

describe('a pull under another name', () => {
  it('gives the image the name of docker-daemon:NAME:TAG or --name, and leaves the record\'s own tag alone', async () => {
    const archived = await archivedOnly(tool('4.0'));
    const record = await publishRecord(zenodo, { title: title(`${NAME}/tool`), version: '4.0', tar: archived.tar, notes: donodoNotes({ id: archived.id, name: tool('4.0') }) });
    built.push(tool('renamed'), tool('flagged'));

    const pulled = await donodo(['pull', record.doi, `docker-daemon:${tool('renamed')}`]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await imageId(tool('renamed'))).toBe(archived.id);
    expect(pulled.stdout).not.toContain('not tagged');
    const flagged = await donodo(['pull', record.doi, '--name', tool('flagged'), '--json']);
    expect(flagged.json[0]).toMatchObject({ status: 'loaded', image: tool('flagged'), imageId: archived.id });
    expect(await imageId(tool('4.0'))).toBeUndefined();
  });
});

describe('a pull succeeds only with a verified, loaded image', () => {
  it('fails before downloading anything when no engine answers', async () => {
    const id = await image(tool('3.0'));
    const pushed = await donodo(['push', tool('3.0'), '-y', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const before = downloads();

    const pulled = await donodo(['pull', pushed.json[0].doi, '--json'], { DOCKER_HOST: `unix://${project}/no-engine.sock` });
    expect(pulled.code).toBe(1);
    expect(pulled.json[0]).toMatchObject({ status: 'failed', error: { code: 'DOCKER_UNAVAILABLE', step: 'destination' } });
    expect(downloads()).toBe(before);
    expect(await imageId(tool('3.0'))).toBe(id);
  });

  it('says that the image id check was skipped, and why, when the record has no docker-id, and checks the archive\'s own config digest', async () => {
    const archived = await archivedOnly(tool('3.1'));
    const record = await publishRecord(zenodo, { title: title(`${NAME}/tool`), version: '3.1', tar: archived.tar, notes: donodoNotes({ name: tool('3.1') }) });

    const pulled = await donodo(['pull', record.doi, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', imageId: archived.id, verified: { md5: true, archive: true, layers: true, imageId: 'skipped: the record has no docker-id' } });
    expect(pulled.stderr).not.toMatch(/✔ Verify the image id/);
    expect(pulled.stderr).toMatch(/Verify the image id.*the record has no docker-id/);
    const plain = await donodo(['pull', record.doi]);
    expect(plain.stdout).toContain('checked: md5 ok; archive config digest ok; layer digests ok; image id skipped: the record has no docker-id');
  });

  it('stops a download at the size the record declares, and loads nothing', async () => {
    const archived = await archivedOnly(tool('3.2'));
    const record = await publishRecord(zenodo, { title: title(`${NAME}/tool`), version: '3.2', tar: archived.tar, notes: donodoNotes({ id: archived.id, name: tool('3.2') }) });
    // A storage whose record declares fewer bytes than it serves (a damaged or forged record).
    const lying = await lyingProxy(zenodo, (json) => json.files?.forEach((f: { size: number }) => (f.size = 1000)));
    try {
      const pulled = await runCli(['pull', record.doi, '--json', '--storage', 'zenodo', '--zenodo-url', `${lying.url}/api`], { cwd: project });
      expect(pulled.code).toBe(1);
      expect(pulled.json[0].error).toMatchObject({ code: 'DOWNLOAD_TOO_LARGE' });
      expect(pulled.json[0].error.message).toContain('larger than the 1000 bytes its record declares');
      expect(await exists(archived.id)).toBe(false);
    } finally {
      await lying.close();
    }
  });
});

/**
 * A stand-in for a storage that lies: everything is passed to the emulator, and record answers are
 * changed by `edit` on the way back (links rewritten to come back here).
 */
async function lyingProxy(target: Emulator, edit: (record: any) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target.apiUrl).origin;
  let origin = '';
  const server: Server = createServer(async (req, res) => {
    const answer = await fetch(`${upstream}${req.url}`, { method: req.method, headers: { accept: req.headers.accept ?? '*/*' } });
    const type = answer.headers.get('content-type') ?? '';
    if (!type.includes('json')) {
      res.writeHead(answer.status, { 'content-type': type, 'content-length': answer.headers.get('content-length') ?? '' });
      res.end(Buffer.from(await answer.arrayBuffer()));
      return;
    }
    const json = JSON.parse((await answer.text()).replaceAll(upstream, origin));
    if (/^\/api\/records\/\d+/.test(req.url ?? '')) edit(json);
    res.writeHead(answer.status, { 'content-type': type });
    res.end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
