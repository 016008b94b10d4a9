import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { dockerSave, donodoNotes, publishRecord } from '../support/crafted-record.ts';
import { fetchJson } from '../support/http.ts';
import { runCli, type CliRun } from '../support/cli.ts';
import { buildTestImage, docker, imageId, removeImages } from '../support/images.ts';

const NAME = `donodo-test/zen-${process.pid}`;
let zenodo: Emulator;
let id1: string;
let id2: string;
let first: any;
let second: any;

function donodo(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli([...args, '--storage', 'zenodo', '--zenodo-url', zenodo.apiUrl], { env: { ZENODO_TOKEN: zenodo.token, ...env } });
}

beforeAll(async () => {
  zenodo = await startEmulator();
  id1 = await buildTestImage(`${NAME}:1.0`);
  id2 = await buildTestImage(`${NAME}:2.0`);
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}:2.0`, `${NAME}-orig:0.9`);
  await zenodo.close();
});

describe('push to Zenodo and pull back', () => {
  it('publishes an image with a DOI, and pulls it back by DOI after docker rmi: same id, and it runs', async () => {
    const pushed = await donodo(['push', `${NAME}:1.0`, '-y', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    first = pushed.json[0];
    expect(first).toMatchObject({
      image: `${NAME}:1.0`,
      status: 'published',
      imageId: id1,
      version: '1.0',
      published: true,
      doi: `10.5281/zenodo.${first.recordId}`,
      doiUrl: `https://doi.org/10.5281/zenodo.${first.recordId}`,
      conceptDoi: `10.5281/zenodo.${first.conceptRecId}`,
      file: { key: 'image.tar', md5: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });

    // What Zenodo holds is what the original donodo would have made.
    const record = await fetchJson(`${zenodo.apiUrl}/records/${first.recordId}`);
    expect(record.metadata).toMatchObject({ title: `Docker image ${NAME}`, version: '1.0' });
    // The original's two keys first, as it wrote them; then what identifies the image beyond one engine.
    expect(record.metadata.notes.startsWith(`{ "docker-id" : "${id1}", "docker-image-name" : "${NAME}:1.0"`)).toBe(true);
    expect(JSON.parse(record.metadata.notes)).toEqual({
      'docker-id': id1,
      'docker-image-name': `${NAME}:1.0`,
      'docker-manifest-digest': expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      'docker-platform': 'linux/amd64',
      'docker-archive-format': 'oci-layout',
    });
    expect(record.files).toEqual([expect.objectContaining({ key: 'image.tar', size: first.file.size, checksum: `md5:${first.file.md5}` })]);

    await removeImages(`${NAME}:1.0`);
    const pulled = await donodo(['pull', first.doi, '--json'], { ZENODO_TOKEN: undefined });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ status: 'loaded', image: `${NAME}:1.0`, imageId: id1, recordId: first.recordId, doi: first.doi });
    expect(await imageId(`${NAME}:1.0`)).toBe(id1);
    expect(await docker('run', '--rm', `${NAME}:1.0`)).toContain(`${NAME}:1.0`);
  });

  it('makes a second tag a new version of the same concept, with the full metadata again', async () => {
    const pushed = await donodo(['push', `${NAME}:2.0`, '-y', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    second = pushed.json[0];
    expect(second).toMatchObject({ status: 'published', imageId: id2, version: '2.0', conceptRecId: first.conceptRecId, conceptDoi: first.conceptDoi });
    expect(second.recordId).not.toBe(first.recordId);
    const record = await fetchJson(`${zenodo.apiUrl}/records/${second.recordId}`);
    expect(record.metadata).toMatchObject({ version: '2.0', publication_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    // The new version did not keep the previous version's image next to its own.
    expect(record.files.map((f: { key: string }) => f.key)).toEqual(['image.tar']);
    expect(record.files[0].checksum).toBe(`md5:${second.file.md5}`);
  });

  it('pulls by every reference form: DOI, DOI link, record links, bare id, concept DOI (latest) and concept DOI with --tag', async () => {
    const forms: Array<[string[], string]> = [
      [[first.doi], id1],
      [[`https://doi.org/${first.doi}`], id1],
      [[`${zenodo.baseUrl}/records/${first.recordId}`], id1],
      [[`${zenodo.baseUrl}/record/${first.recordId}`], id1],
      [[`${zenodo.baseUrl}/doi/${first.doi}`], id1],
      [[first.recordId], id1],
      [[first.conceptDoi], id2],
      [[first.conceptDoi, '--tag', '1.0'], id1],
    ];
    for (const [args, expected] of forms) {
      const pulled = await donodo(['pull', ...args, '--json'], { ZENODO_TOKEN: undefined });
      expect(pulled.code, `${args.join(' ')}: ${pulled.stderr}`).toBe(0);
      expect(pulled.json[0].imageId, args.join(' ')).toBe(expected);
    }
  });

  it('reports a re-push of a published tag with the same image as done, with its DOI', async () => {
    const again = await donodo(['push', `${NAME}:1.0`, '-y', '--json', '--no-lock']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json[0]).toMatchObject({ status: 'unchanged', doi: first.doi, recordId: first.recordId });
  });
});

describe('the publish question', () => {
  it('leaves an unpublished draft and exits 2 when declined, and the next push resumes that draft', async () => {
    const name = `${NAME}-draft`;
    await buildTestImage(`${name}:1.0`);
    try {
      const declined = await donodo(['push', `${name}:1.0`, '--json'], {});
      expect(declined.code, declined.stderr).toBe(2);
      expect(declined.json[0]).toMatchObject({ status: 'unpublished', published: false });
      expect(declined.json[0].webUrl).toMatch(/\/deposit\/\d+$/);
      const draftId = declined.json[0].recordId;
      expect((await fetch(`${zenodo.apiUrl}/records/${draftId}`)).status).toBe(404);

      const resumed = await donodo(['push', `${name}:1.0`, '-y', '--json', '--no-lock']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.json[0]).toMatchObject({ status: 'published', recordId: draftId });
      expect(resumed.stderr).toContain('already holds this archive');
    } finally {
      await removeImages(`${name}:1.0`);
    }
  });
});

describe('records made by the original donodo', () => {
  it('pulls a record made the way the original makes it (docker save | gzip -9, notes, PUT to the bucket)', async () => {
    const name = `${NAME}-orig`;
    const originalId = await buildTestImage(`${name}:0.9`);
    const published = await publishRecord(zenodo, {
      title: `Docker image ${name}`, version: '0.9', tar: await dockerSave(`${name}:0.9`),
      notes: donodoNotes({ id: originalId, name: `${name}:0.9` }),
    });
    await removeImages(`${name}:0.9`);

    const pulled = await donodo(['pull', published.doi, '--json'], { ZENODO_TOKEN: undefined });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json[0]).toMatchObject({ image: `${name}:0.9`, imageId: originalId });
  });
});

describe('refusals get a message that says what happened and what to do', () => {
  it('needs a token to push', async () => {
    const run = await donodo(['push', `${NAME}:2.0`, '-y', '--no-lock'], { ZENODO_TOKEN: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ZENODO_TOKEN is not set[\s\S]*deposit:write and deposit:actions/);
  });

  it('explains a token Zenodo refuses (403), without showing it', async () => {
    const run = await donodo(['push', `${NAME}:2.0`, '-y', '--no-lock'], { ZENODO_TOKEN: 'wrong-token-1234567' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ZENODO_FORBIDDEN[\s\S]*Check ZENODO_TOKEN/);
    expect(run.stderr + run.stdout).not.toContain('wrong-token-1234567');
  });

  it('says when a DOI or record does not exist', async () => {
    const run = await donodo(['pull', '10.5281/zenodo.999999']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('RECORD_NOT_FOUND');
  });

  it('lists the versions of a concept that has no version for --tag', async () => {
    const run = await donodo(['pull', first.conceptDoi, '--tag', '9.9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/has no version "9.9"[\s\S]*Versions found: .*1\.0.*2\.0|Versions found: .*2\.0.*1\.0/);
  });

  it('shows Zenodo\'s own field messages when it rejects the metadata at publish', async () => {
    const name = `${NAME}-rejected`;
    await buildTestImage(`${name}:1.0`);
    zenodo.faults.failNext({
      method: 'POST',
      path: /actions\/publish$/,
      status: 400,
      body: { status: 400, message: 'A validation error occurred.', errors: [{ field: 'metadata.creators', messages: ['Missing data for required field.'] }] },
    });
    const run = await donodo(['push', `${name}:1.0`, '-y', '--no-lock']);
    await removeImages(`${name}:1.0`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Zenodo refused to publish the draft: 400 A validation error occurred\.[\s\S]*metadata\.creators: Missing data for required field\./);
  });

  it('says when Zenodo cannot be reached', async () => {
    const port = await closedPort();
    const run = await runCli(['pull', '10.5281/zenodo.1', '--storage', 'zenodo', '--zenodo-url', `http://127.0.0.1:${port}/api`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`Could not reach Zenodo at http://127.0.0.1:${port} to read record 1: ECONNREFUSED[\\s\\S]*ZENODO_UNREACHABLE`));
  });
});

describe('the token', () => {
  it('travels only in the Authorization header: never in a URL, never in any output', async () => {
    expect(zenodo.requests.length).toBeGreaterThan(10);
    for (const request of zenodo.requests) expect(request.url).not.toContain(zenodo.token);
    expect(zenodo.requests.some((r) => r.headers.authorization === `Bearer ${zenodo.token}`)).toBe(true);
    // donodo names itself to Zenodo, as Zenodo asks of API clients.
    const ours = zenodo.requests.filter((r) => /^donodo\/\d+\.\d+\.\d+ \(\+https?:\/\/\S+\)$/.test(r.headers['user-agent'] ?? ''));
    expect(ours.length).toBeGreaterThan(10);
    const debug = await donodo(['push', `${NAME}:2.0`, '-y', '--debug', '--no-lock']);
    expect(debug.stderr).toContain('debug:');
    expect(debug.stdout + debug.stderr).not.toContain(zenodo.token);
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
