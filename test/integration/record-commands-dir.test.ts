import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli.ts';
import { buildTestImage, imageId, removeImages } from '../support/images.ts';
import { contentOf, contentsOf } from '../support/tar-surgery.ts';

const NAME = `donodo-test/records-${process.pid}`;
let archive: string;
/** The working directory of the pushes: their lock file is here. */
let project: string;
let id10: string;
let id11: string;
let first: any;
let second: any;

function donodo(args: string[], dir = archive): Promise<CliRun> {
  return runCli([...args, '--storage', 'dir', '--dir', dir], { cwd: project });
}

beforeAll(async () => {
  archive = await mkdtemp(path.join(os.tmpdir(), 'donodo-archive-'));
  project = await mkdtemp(path.join(os.tmpdir(), 'donodo-project-'));
  id10 = await buildTestImage(`${NAME}:1.0`);
  id11 = await buildTestImage(`${NAME}:1.1`);
  // Two creators: a person (Family, Given, with an ORCID) and an organisation.
  await writeFile(path.join(project, 'template.json'), JSON.stringify({ creators: [{ name: 'Doe, Jane Marie', orcid: '0000-0002-1825-0097' }, { name: 'Tool Lab' }] }));
  const pushed = await donodo(['push', `${NAME}:1.0`, `${NAME}:1.1`, '-t', 'template.json', '-y', '--json']);
  expect(pushed.code, pushed.stderr).toBe(0);
  [first, second] = pushed.json;
});

afterAll(async () => {
  await removeImages(`${NAME}:1.0`, `${NAME}:1.1`);
  await rm(archive, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
});

describe('commands on the records of an archive folder', () => {
  it('versions lists every version of the concept, newest first, the latest marked, from a name or any version', async () => {
    const listed = await donodo(['versions', NAME, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json[0]).toMatchObject({ conceptRecId: first.conceptRecId });
    expect(listed.json[0].versions).toEqual([
      { tag: '1.1', recordId: second.recordId, date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), imageId: id11, size: second.file.size, platforms: ['linux/amd64'], latest: true, webUrl: expect.stringMatching(/^file:/), doiUrl: expect.any(String) },
      expect.objectContaining({ tag: '1.0', recordId: first.recordId, imageId: id10, size: first.file.size, latest: false }),
    ]);
    // A version's id names its concept just as well; the table marks the latest.
    const table = await donodo(['versions', first.recordId]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^1\\.1 +${second.recordId} .*${id11.slice(7, 19)} .*linux/amd64 +latest$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^1\\.0 +${first.recordId} .*${id10.slice(7, 19)} .*linux/amd64$`, 'm'));
  });

  it('refuses a reference that names nothing, saying what to give', async () => {
    for (const command of ['versions', 'inspect', 'verify', 'cite']) {
      const missing = await donodo([command, 'nothing/here:9.9']);
      expect(missing.code, command).toBe(1);
      expect(missing.stderr).toContain('No published record in');
      expect(missing.stderr).toContain('NAME[:TAG]');
      if (command !== 'verify') expect(missing.stdout).toBe('');
    }
  });

  it('inspect shows the metadata, files, image identity and the restore command, which restores the image', async () => {
    const inspected = await donodo(['inspect', `${NAME}:1.0`, '--json']);
    expect(inspected.code, inspected.stderr).toBe(0);
    const view = inspected.json[0];
    expect(view).toMatchObject({
      recordId: first.recordId,
      version: '1.0',
      title: `Docker image ${NAME}`,
      files: [{ key: 'image.tar', size: first.file.size, md5: first.file.md5 }],
      image: { config: id10, name: NAME, tag: '1.0', format: 'oci-layout', manifest: expect.stringMatching(/^sha256:/) },
      platforms: ['linux/amd64'],
      restore: `donodo pull ${first.recordId} --storage dir --dir ${archive}`,
    });
    expect(view.metadata.creators[0]).toMatchObject({ name: 'Doe, Jane Marie' });
    const human = await donodo(['inspect', `${NAME}:1.0`]);
    expect(human.stdout).toMatch(new RegExp(`^image id +${id10}$`, 'm'));
    expect(human.stdout).toMatch(/^files +image\.tar .* md5 [0-9a-f]{32}$/m);

    await removeImages(`${NAME}:1.0`);
    const [, ...args] = view.restore.split(' ');
    const restored = await runCli(args, { cwd: project });
    expect(restored.code, restored.stderr).toBe(0);
    expect(await imageId(`${NAME}:1.0`)).toBe(id10);
  });

  it('verify checks each archive and every published entry of the lock file, with a summary table', async () => {
    const checked = await donodo(['verify', `${NAME}:1.0`, '--lock']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/^RECORD +VERSION +MD5 +LAYERS +IMAGE ID +RESULT$/m);
    expect(checked.stdout).toMatch(new RegExp(`^${NAME}:1\\.1 +1\\.1 +ok +ok +ok +ok$`, 'm'));
    expect(checked.stdout).toContain('3 verified.');
    const json = await donodo(['verify', '--lock', '--json']);
    expect(json.code).toBe(0);
    expect(json.json.map((r: any) => [r.image, r.status, r.imageId])).toEqual([
      [`${NAME}:1.0`, 'verified', id10],
      [`${NAME}:1.1`, 'verified', id11],
    ]);
    expect(json.json[0].verified).toEqual({ md5: true, archive: true, layers: true, imageId: true });
    // No container engine is asked: one that does not answer changes nothing.
    const engineless = await runCli(['verify', '--lock', '--storage', 'dir', '--dir', archive], { cwd: project, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(engineless.code, engineless.stderr).toBe(0);
    expect(engineless.stdout).toContain('2 verified.');
  });

  it('verify --lock without a lock file, or without references, says what to do', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'donodo-project-'));
    try {
      const noLock = await runCli(['verify', '--lock', '--storage', 'dir', '--dir', archive], { cwd: empty });
      expect(noLock.code).toBe(1);
      expect(noLock.stderr).toContain('There is no lock file at donodo.lock.json');
      const nothing = await runCli(['verify', '--storage', 'dir', '--dir', archive], { cwd: empty });
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toContain('Name at least one record to verify');
      // The lock file's entries are of another storage.
      const elsewhere = await donodo(['verify', '--lock'], empty);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toContain(`records images at ${archive}`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('verify detects a flipped byte in a stored archive, by its layer digest or by the md5, and exits 1', async () => {
    const file = path.join(archive, 'records', first.recordId, 'image.tar');
    const original = await readFile(file);
    try {
      // A byte inside the largest layer blob: the blob's digest names other bytes.
      const blobs = contentsOf(original, /^blobs\/sha256\//).sort((a, b) => b.size - a.size);
      const damaged = Buffer.from(original);
      damaged[blobs[0]!.at + Math.floor(blobs[0]!.size / 2)] ^= 0x01;
      await writeFile(file, damaged);
      const layer = await donodo(['verify', `${NAME}:1.0`, `${NAME}:1.1`, '--json']);
      expect(layer.code).toBe(1);
      expect(layer.json[0]).toMatchObject({ status: 'failed', error: { code: 'LAYER_DIGEST_MISMATCH' } });
      expect(layer.json[1]).toMatchObject({ status: 'verified' });
      const table = await donodo(['verify', `${NAME}:1.0`]);
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/ +1\.0 +- +MISMATCH +- +FAILED \(LAYER_DIGEST_MISMATCH\)$/m);
      expect(table.stdout).toContain('1 of 1 failed.');

      // A byte of a file's tar padding, which no digest covers: only the md5 sees it.
      const entry = contentsOf(original, /./).find((e) => e.size % 512 !== 0)!;
      const padded = Buffer.from(original);
      padded[entry.at + entry.size] = 0x01;
      await writeFile(file, padded);
      const md5 = await donodo(['verify', `${NAME}:1.0`, '--json']);
      expect(md5.code).toBe(1);
      expect(md5.json[0]).toMatchObject({ status: 'failed', error: { code: 'CHECKSUM_MISMATCH' } });
      const lock = await donodo(['verify', '--lock']);
      expect(lock.code).toBe(1);
      expect(lock.stdout).toMatch(new RegExp(`^${NAME}:1\\.0 +1\\.0 +MISMATCH .*FAILED \\(CHECKSUM_MISMATCH\\)$`, 'm'));
    } finally {
      await writeFile(file, original);
    }
    expect((await donodo(['verify', `${NAME}:1.0`])).code).toBe(0);
  });

  it('verify detects a record whose image identity is not the image its archive holds', async () => {
    const file = path.join(archive, 'records', first.recordId, 'record.json');
    const original = await readFile(file, 'utf8');
    try {
      const record = JSON.parse(original);
      record.image.config = id11;
      await writeFile(file, JSON.stringify(record));
      const forged = await donodo(['verify', first.recordId, '--json']);
      expect(forged.code).toBe(1);
      expect(forged.json[0]).toMatchObject({ status: 'failed', error: { code: 'IMAGE_ID_MISMATCH' } });
      expect(forged.stderr).toContain(`but its record says ${id11.slice(7, 19)}`);
    } finally {
      await writeFile(file, original);
    }
  });

  it('cite gives the version in each format, the concept for a concept id, and refuses a badge without a DOI', async () => {
    const apa = await donodo(['cite', `${NAME}:1.0`]);
    expect(apa.code, apa.stderr).toBe(0);
    expect(apa.stdout).toMatch(new RegExp(`^Doe, J\\. M\\., & Tool Lab \\(\\d{4}\\)\\. Docker image ${NAME} \\(Version 1\\.0\\) \\[Computer software\\]\\. file:`));

    const bibtex = await donodo(['cite', first.conceptRecId, '--format', 'bibtex']);
    expect(bibtex.stdout).toMatch(/^@software\{record\d+,$/m);
    expect(bibtex.stdout).toContain('author    = {Doe, Jane Marie and {Tool Lab}},');
    expect(bibtex.stdout).not.toContain('version'); // the concept: every version

    const csl = await donodo(['cite', `${NAME}:1.1`, '--format', 'csl-json']);
    expect(JSON.parse(csl.stdout)).toEqual([
      expect.objectContaining({ type: 'software', title: `Docker image ${NAME}`, version: '1.1', author: [{ family: 'Doe', given: 'Jane Marie' }, { literal: 'Tool Lab' }], issued: { 'date-parts': [expect.any(Array)] } }),
    ]);

    const cff = loadYaml((await donodo(['cite', `${NAME}:1.1`, '--format', 'cff'])).stdout) as any;
    expect(cff).toMatchObject({
      'cff-version': '1.2.0',
      type: 'software',
      version: '1.1',
      license: 'CC-BY-4.0',
      authors: [{ 'family-names': 'Doe', 'given-names': 'Jane Marie', orcid: 'https://orcid.org/0000-0002-1825-0097' }, { name: 'Tool Lab' }],
    });

    const badge = await donodo(['cite', `${NAME}:1.1`, '--badge']);
    expect(badge.code).toBe(1);
    expect(badge.stderr).toContain('has no DOI, so it has no DOI badge');
  });
});
