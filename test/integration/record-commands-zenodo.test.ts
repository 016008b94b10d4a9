import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, type CliRun } from '../support/cli.ts';
import { dockerSave, donodoNotes, publishRecord } from '../support/crafted-record.ts';
import { buildTestImage, imageId, removeImages } from '../support/images.ts';
import { contentsOf } from '../support/tar-surgery.ts';

const NAME = `donodo-test/zrecords-${process.pid}`;
let zenodo: Emulator;
/** The working directory of the pushes: their lock file is here. */
let project: string;
let id1: string;
let id2: string;
let first: any;
let second: any;

/** The CLI against the emulator, with no token unless a test gives one: public records need none. */
function donodo(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli([...args, '--zenodo-url', zenodo.apiUrl], { cwd: project, env: { ZENODO_TOKEN: undefined, ZENODO_SANDBOX_TOKEN: undefined, ...env } });
}

/** Where the emulator keeps the bytes of a published record's image.tar. */
function storedArchive(recordId: string): string {
  const file = zenodo.store.versions.get(Number(recordId))!.record!.files.find((f) => f.key === 'image.tar')!;
  return file.path;
}

beforeAll(async () => {
  zenodo = await startEmulator();
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-project-'));
  id1 = await buildTestImage(`${NAME}:1.0`);
  id2 = await buildTestImage(`${NAME}:2.0`);
  const pushed = await donodo(['push', `${NAME}:1.0`, `${NAME}:2.0`, '-y', '--json'], { ZENODO_TOKEN: zenodo.token });
  expect(pushed.code, pushed.stderr).toBe(0);
  [first, second] = pushed.json;
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}:2.0`, `${NAME}-forged:1.0`);
  await zenodo.close();
  await rm(project, { recursive: true, force: true });
});

describe('commands on Zenodo records, without a token', () => {
  it('versions lists every version with its DOI, from the concept DOI or any version DOI', async () => {
    for (const reference of [first.conceptDoi, first.doi, `https://doi.org/${second.doi}`]) {
      const listed = await donodo(['versions', reference, '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.json[0]).toMatchObject({ conceptRecId: first.conceptRecId, conceptDoi: first.conceptDoi });
      expect(listed.json[0].versions.map((v: any) => [v.tag, v.doi, v.imageId, v.size, v.platforms, v.latest])).toEqual([
        ['2.0', second.doi, id2, second.file.size, ['linux/amd64'], true],
        ['1.0', first.doi, id1, first.file.size, ['linux/amd64'], false],
      ]);
    }
    const table = await donodo(['versions', first.conceptDoi]);
    expect(table.stdout).toContain(`2 versions of concept DOI ${first.conceptDoi}`);
    expect(table.stdout).toMatch(new RegExp(`^2\\.0 +${second.doi.replace(/\./g, '\\.')} +\\d{4}-\\d{2}-\\d{2} +${id2.slice(7, 19)} .* +latest$`, 'm'));
  });

  it('refuses bad references with what to give, and nothing on stdout', async () => {
    const invalid = await donodo(['versions', 'not a doi']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('"not a doi" is not a DOI, a DOI link, a record link or a record id');
    expect(invalid.stdout).toBe('');
    const missing = await donodo(['inspect', '10.5281/zenodo.999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No published record on');
    const other = await donodo(['cite', '10.5072/zenodo.5']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('Add --sandbox.');
  });

  it('inspect shows the record without downloading it, and its restore command restores the image', async () => {
    const before = zenodo.requests.length;
    const inspected = await donodo(['inspect', first.doi, '--json']);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(zenodo.requests.slice(before).filter((r) => r.url.includes('/content'))).toEqual([]);
    expect(inspected.json[0]).toMatchObject({
      recordId: first.recordId,
      doi: first.doi,
      conceptDoi: first.conceptDoi,
      version: '1.0',
      files: [{ key: 'image.tar', size: first.file.size, md5: first.file.md5 }],
      image: { config: id1, name: NAME, tag: '1.0', format: 'oci-layout' },
      platforms: ['linux/amd64'],
      restore: `donodo pull ${first.doi} --zenodo-url ${zenodo.apiUrl}`,
    });
    await removeImages(`${NAME}:1.0`);
    const [, ...args] = inspected.json[0].restore.split(' ');
    const restored = await runCli(args, { cwd: project, env: { ZENODO_TOKEN: undefined } });
    expect(restored.code, restored.stderr).toBe(0);
    expect(await imageId(`${NAME}:1.0`)).toBe(id1);
  });

  it('verify checks the archives from the stream, and --lock every published entry of the lock file', async () => {
    const checked = await donodo(['verify', first.doi, second.doi, '--json']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.json.map((r: any) => [r.doi, r.status, r.imageId])).toEqual([
      [first.doi, 'verified', id1],
      [second.doi, 'verified', id2],
    ]);
    const lock = await donodo(['verify', '--lock']);
    expect(lock.code, lock.stderr).toBe(0);
    expect(lock.stdout).toMatch(new RegExp(`^${NAME}:1\\.0 +1\\.0 +ok +ok +ok +ok$`, 'm'));
    expect(lock.stdout).toContain('2 verified.');
  });

  it('verify detects a flipped byte in the stored archive and exits 1', async () => {
    const file = storedArchive(second.recordId);
    const original = await readFile(file);
    try {
      const [largest] = contentsOf(original, /^blobs\/sha256\//).sort((a, b) => b.size - a.size);
      const damaged = Buffer.from(original);
      damaged[largest!.at + Math.floor(largest!.size / 2)] ^= 0x80;
      await writeFile(file, damaged);
      const result = await donodo(['verify', '--lock']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^${NAME}:2\\.0 +2\\.0 +- +MISMATCH +- +FAILED \\(LAYER_DIGEST_MISMATCH\\)$`, 'm'));
      expect(result.stdout).toMatch(new RegExp(`^${NAME}:1\\.0 +1\\.0 +ok +ok +ok +ok$`, 'm'));
      expect(result.stdout).toContain('1 of 2 failed.');
      expect(result.stderr).toContain('LAYER_DIGEST_MISMATCH');
    } finally {
      await writeFile(file, original);
    }
  });

  it('verify checks records of the original donodo (a gzipped docker save), and says when a record has no docker-id', async () => {
    const tar = await dockerSave(`${NAME}:1.0`);
    const original = await publishRecord(zenodo, { title: `Docker image ${NAME}-orig`, version: '0.9', notes: donodoNotes({ id: id1, name: `${NAME}-orig:0.9` }), tar });
    const unnamed = await publishRecord(zenodo, { title: `Docker image ${NAME}-bare`, version: '0.1', notes: 'made by hand', tar });
    const result = await donodo(['verify', original.doi, unnamed.doi, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json[0]).toMatchObject({ status: 'verified', imageId: id1, file: { key: 'image.tar.gz' }, verified: { md5: true, layers: true, imageId: true } });
    expect(result.json[1]).toMatchObject({ status: 'verified', imageId: id1, verified: { md5: true, imageId: 'skipped: the record has no docker-id' } });
  });

  it('verify detects a record whose docker-id is not the image its archive holds', async () => {
    // Published the original donodo's way, with the notes naming the other image.
    const forged = await publishRecord(zenodo, {
      title: `Docker image ${NAME}-forged`,
      version: '1.0',
      notes: donodoNotes({ id: id1, name: `${NAME}-forged:1.0` }),
      tar: await dockerSave(`${NAME}:2.0`),
    });
    const result = await donodo(['verify', forged.doi, '--json']);
    expect(result.code).toBe(1);
    expect(result.json[0]).toMatchObject({ status: 'failed', doi: forged.doi, error: { code: 'IMAGE_ID_MISMATCH' } });
    expect(result.json[0].verified.md5).toBeUndefined();
    expect(result.stderr).toContain(`but its record says ${id1.slice(7, 19)}`);
  });

  it('cite gives the version, or the concept for a concept DOI, and a badge', async () => {
    const version = await donodo(['cite', first.doi, '--format', 'bibtex']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toContain(`@software{${first.doi.split('/')[1]},`);
    expect(version.stdout).toContain('version   = {1.0},');
    expect(version.stdout).toContain(`doi       = {${first.doi}},`);
    expect(version.stdout).toContain('publisher = {Zenodo},');

    const concept = await donodo(['cite', first.conceptDoi, '--format', 'csl-json']);
    const [item] = JSON.parse(concept.stdout);
    expect(item).toMatchObject({ type: 'software', DOI: first.conceptDoi, URL: `https://doi.org/${first.conceptDoi}`, title: `Docker image ${NAME}`, publisher: 'Zenodo' });
    expect(item.version).toBeUndefined();

    const apa = await donodo(['cite', second.doi]);
    expect(apa.stdout).toMatch(new RegExp(`\\(\\d{4}\\)\\. Docker image ${NAME} \\(Version 2\\.0\\) \\[Computer software\\]\\. Zenodo\\. https://doi\\.org/${second.doi.replace(/\./g, '\\.')}\\n$`));

    const badge = await donodo(['cite', first.conceptDoi, '--badge', '--json']);
    expect(badge.json[0]).toMatchObject({ concept: true, doi: first.conceptDoi });
    expect(badge.json[0].citation).toBe(`[![DOI](${zenodo.baseUrl}/badge/DOI/${first.conceptDoi}.svg)](https://doi.org/${first.conceptDoi})\n`);
  });
});
