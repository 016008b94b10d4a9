import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DonodoPlugin } from '../contracts/plugin.ts';
import type { ArchivedRecord, StorageBackend } from '../contracts/storage-backend.ts';
import { runDonodo, type CliRun } from './cli-process.ts';
import { writeImageArchive } from './crafted-image.ts';
import { KILL_VARIABLE } from './kill-switch-storage.ts';

const KILL_SWITCH = fileURLToPath(new URL(`./kill-switch-storage${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** A pull reference and the version it must give. */
export interface ReferenceForm {
  reference: string;
  /** `version`: the record it was made from; `latest`: the concept's latest version. */
  names: 'version' | 'latest';
  /** Passed as `pull --tag`. */
  tag?: string;
}

/** A storage set up for the suite, by the caller. */
export interface StorageUnderTest {
  /** The plugin's options (as in `storage.options`). */
  options: Record<string, unknown>;
  /** Environment of every donodo run (tokens, DONODO_TRUST_CONFIG_URL…). */
  env?: Record<string, string>;
  /**
   * More settings of the configuration the suite's runs use, besides the storage (e.g. `defaults`
   * with a template adding what the storage's metadata schema requires). Optional.
   */
  config?: Record<string, unknown>;
  /**
   * Every reference form the storage accepts for a published version `record` of a concept whose
   * latest version is another: each must pull the version it names.
   */
  references(record: ArchivedRecord): ReferenceForm[];
  /** References that must be refused (malformed, of another service, naming nothing). */
  badReferences: string[];
  /** Called once the suite is done. */
  teardown?(): Promise<void>;
}

export interface ConformanceTarget {
  /** Shown in the test names. */
  name: string;
  /** The storage plugin module: an absolute path or a package name; its default export is the plugin. */
  plugin: string;
  /** Makes the storage the suite writes into (called once, before the tests). */
  setup(): Promise<StorageUnderTest> | StorageUnderTest;
  /**
   * The operations after which a push is killed, when the storage calls more than the defaults
   * (KILLS_FIRST_VERSION, KILLS_NEW_VERSION); each must be called by such a push (e.g. zenodo's new
   * version holds the previous image archive, so `deleteFile` is called too).
   */
  kills?: { firstVersion?: readonly string[]; newVersion?: readonly string[] };
}

/**
 * The operations after which a push is killed (SIGKILL, the moment the operation completed) in the
 * resume tests: first for the first version of a concept, then for a new version.
 */
export const KILLS_FIRST_VERSION = ['createDraft', 'upload', 'publish'] as const;
export const KILLS_NEW_VERSION = ['newVersion', 'writeMetadata', 'upload', 'publish'] as const;

/**
 * The storage conformance suite: what donodo's core expects of a storage plugin, checked through
 * the real CLI (push from and pull into `docker-archive:` files, so no engine is needed), with the
 * storage's own operations to look at what it holds afterwards. Call it at the top level of a
 * vitest test file.
 */
export function describeStorageConformance(target: ConformanceTarget): void {
  describe(`storage conformance: ${target.name}`, () => {
    let under: StorageUnderTest;
    let work: string;
    let env: Record<string, string | undefined>;
    let storage: StorageBackend;
    let count = 0;
    const images = new Map<string, Promise<{ file: string; id: string }>>();

    beforeAll(async () => {
      under = await target.setup();
      work = await mkdtemp(path.join(os.tmpdir(), 'donodo-conformance-'));
      // The machine's push locks live here: the suite's runs share them, and nobody else's.
      env = { ...under.env, XDG_CACHE_HOME: path.join(work, 'cache'), [KILL_VARIABLE]: undefined };
      await writeFile(
        path.join(work, 'donodo.config.json'),
        JSON.stringify({ ...under.config, plugins: [KILL_SWITCH], storage: { name: 'conformance', options: { module: target.plugin, options: under.options } } }, null, 2),
      );
      const module = target.plugin.startsWith('/') ? pathToFileURL(target.plugin).href : target.plugin;
      const plugin = ((await import(module)) as { default: DonodoPlugin<'storage'> }).default;
      storage = await plugin.create(under.options, {
        version: 'conformance',
        userAgent: 'donodo-conformance',
        baseDir: work,
        env: { ...process.env, ...under.env },
        logger: { debug: () => undefined, warn: () => undefined },
        addSecret: () => undefined,
        interactive: false,
      });
    });

    afterAll(async () => {
      await under?.teardown?.();
      if (work) await rm(work, { recursive: true, force: true });
    });

    /** A fresh image name for one test. */
    const nameFor = (label: string) => `conformance-${process.pid}-${++count}/${label}`;

    /** The image archive of `reference` (made once: a rerun pushes the same image). */
    function image(reference: string): Promise<{ file: string; id: string }> {
      let made = images.get(reference);
      if (!made) {
        // Named before anything is awaited: images made at once get files of their own.
        const file = path.join(work, 'images', `${images.size}.tar`);
        made = mkdir(path.dirname(file), { recursive: true }).then(async () => ({ file, id: await writeImageArchive(file, reference) }));
        images.set(reference, made);
      }
      return made;
    }

    /** donodo in a working directory of the suite (each has its own lock file). */
    async function donodo(args: string[], options: { cwd?: string; kill?: string } = {}): Promise<CliRun> {
      const cwd = path.join(work, options.cwd ?? 'project');
      await mkdir(cwd, { recursive: true });
      return runDonodo([...args, '--config', path.join(work, 'donodo.config.json')], { cwd, env: { ...env, [KILL_VARIABLE]: options.kill } });
    }

    async function push(reference: string, args: string[] = ['-y'], options: { cwd?: string; kill?: string } = {}): Promise<CliRun> {
      return donodo(['push', `docker-archive:${(await image(reference)).file}`, ...args, '--json'], options);
    }

    /** What the storage holds for an image name: its concepts, and per tag the published versions and drafts. */
    async function held(name: string): Promise<{ concepts: number; published: string[]; drafts: string[] }> {
      const concepts = await storage.findConcepts(`Docker image ${name}`);
      const versions = (await Promise.all(concepts.map((c) => storage.versions(c)))).flat();
      const tags = (published: boolean) => versions.filter((v) => v.published === published).map((v) => v.version ?? '(none)').sort();
      return { concepts: concepts.length, published: tags(true), drafts: tags(false) };
    }

    type Pushed = { recordId: string; conceptRecId: string; file: { key: string; size: number; md5: string } };
    function published(run: CliRun): Pushed {
      expect(run.code, run.stderr).toBe(0);
      expect(run.json[0], run.stdout).toMatchObject({ status: 'published' });
      return run.json[0];
    }

    /** A rerun after a kill: it publishes, or finds that the killed run got as far as publishing. */
    function finished(run: CliRun): Pushed {
      expect(run.code, run.stderr).toBe(0);
      expect(['published', 'unchanged'], run.stdout).toContain(run.json[0]?.status);
      return run.json[0];
    }

    it('publishes a first version: a concept holding the image, its identity and its archive; a second push changes nothing', async () => {
      const name = nameFor('first');
      const first = published(await push(`${name}:1.0`));
      const record = await storage.read(first.recordId);
      expect(record).toMatchObject({ published: true, version: '1.0', conceptRecId: first.conceptRecId });
      expect(record!.identity).toMatchObject({ config: (await image(`${name}:1.0`)).id, name, tag: '1.0' });
      expect(record!.files.map((f) => f.key)).toContain(first.file.key);
      expect(record!.files.find((f) => f.key === first.file.key)).toMatchObject({ size: first.file.size, md5: first.file.md5 });
      const again = await push(`${name}:1.0`);
      expect(again.code, again.stderr).toBe(0);
      expect(again.json[0]).toMatchObject({ status: 'unchanged', recordId: first.recordId });
      expect(await held(name)).toEqual({ concepts: 1, published: ['1.0'], drafts: [] });
    });

    it('publishes a new version into the same concept, newest first, holding only its own image archive', async () => {
      const name = nameFor('versions');
      const first = published(await push(`${name}:1.0`));
      const second = published(await push(`${name}:1.1`));
      expect(second.conceptRecId).toBe(first.conceptRecId);
      expect(second.recordId).not.toBe(first.recordId);
      const versions = await storage.versions(first.conceptRecId);
      expect(versions.map((v) => v.version)).toEqual(['1.1', '1.0']);
      expect(versions[0]!.files.filter((f) => /^image\.tar/.test(f.key))).toHaveLength(1);
      expect(await held(name)).toEqual({ concepts: 1, published: ['1.0', '1.1'], drafts: [] });
    });

    it('answers nothing for what it does not hold: an unknown id, concept or title', async () => {
      expect(await storage.read('999999999')).toBeUndefined();
      expect(await storage.versions('999999999')).toEqual([]);
      expect(await storage.findConcepts(`Docker image ${nameFor('never-pushed')}`)).toEqual([]);
    });

    it('acts on a draft given without its handle (as rebuilt from a lock file): upload, list, delete', async () => {
      const name = nameFor('no-handle');
      const metadata = { title: `Docker image ${name}`, upload_type: 'other', description: 'conformance', creators: [{ name: 'donodo' }], version: '1.0' };
      const draft = await storage.createDraft(metadata, { config: `sha256:${'0'.repeat(64)}`, name, tag: '1.0' });
      const bare = { ...draft, handle: undefined };
      const bytes = Buffer.from(`conformance ${name}\n`);
      const md5 = createHash('md5').update(bytes).digest('hex');
      const stored = await storage.upload(bare, { key: 'notes.txt', size: bytes.length, md5, open: () => Readable.from([bytes]) }, { total() {}, advance() {}, note() {} });
      expect(stored).toEqual({ key: 'notes.txt', size: bytes.length, md5 });
      const read = await storage.read(draft.recordId);
      expect(read).toMatchObject({ published: false, version: '1.0', identity: { name, tag: '1.0' } });
      expect(read!.files).toEqual([stored]);
      await storage.deleteFile({ ...read!, handle: undefined }, stored);
      expect((await storage.read(draft.recordId))!.files).toEqual([]);
    });

    it('refuses a push into a concept it does not hold (--conceptrecid), writing nothing', async () => {
      const name = nameFor('unknown-concept');
      const run = await push(`${name}:1.0`, ['-y', '--conceptrecid', '999999999']);
      expect(run.code).toBe(1);
      expect(run.json[0], run.stdout).toMatchObject({ status: 'failed', error: { code: 'CONCEPT_NOT_FOUND', step: 'locate' } });
      expect(await held(name)).toEqual({ concepts: 0, published: [], drafts: [] });
    });

    describe('resume after a kill', () => {
      it.each(target.kills?.firstVersion ?? KILLS_FIRST_VERSION)('of a first version, right after %s: the rerun publishes one version', async (operation) => {
        const name = nameFor(`kill-first-${operation.toLowerCase()}`);
        const killed = await push(`${name}:1.0`, ['-y'], { kill: operation });
        expect(killed.code, `the push was to be killed after ${operation}\n${killed.stderr}`).toBe(137);
        finished(await push(`${name}:1.0`));
        expect(await held(name)).toEqual({ concepts: 1, published: ['1.0'], drafts: [] });
      });

      it.each(target.kills?.newVersion ?? KILLS_NEW_VERSION)('of a new version, right after %s: the rerun publishes one version', async (operation) => {
        const name = nameFor(`kill-new-${operation.toLowerCase()}`);
        published(await push(`${name}:1.0`));
        const killed = await push(`${name}:2.0`, ['-y'], { kill: operation });
        expect(killed.code, `the push was to be killed after ${operation}\n${killed.stderr}`).toBe(137);
        finished(await push(`${name}:2.0`));
        expect(await held(name)).toEqual({ concepts: 1, published: ['1.0', '2.0'], drafts: [] });
      });

      it('and with the lock file lost too (another working directory): the rerun finds the draft in the storage', async () => {
        const name = nameFor('kill-elsewhere');
        published(await push(`${name}:1.0`));
        const killed = await push(`${name}:2.0`, ['-y'], { kill: 'upload', cwd: 'killed-here' });
        expect(killed.code, killed.stderr).toBe(137);
        published(await push(`${name}:2.0`, ['-y'], { cwd: 'rerun-elsewhere' }));
        expect(await held(name)).toEqual({ concepts: 1, published: ['1.0', '2.0'], drafts: [] });
      });
    });

    it('refuses to turn a draft of another tag into this one, and takes it over with --replace-draft', async () => {
      const name = nameFor('other-draft');
      published(await push(`${name}:1.0`));
      const unconfirmed = await push(`${name}:2.0`, []);
      expect(unconfirmed.code, unconfirmed.stderr).toBe(2);
      expect(unconfirmed.json[0]).toMatchObject({ status: 'unpublished' });
      const refused = await push(`${name}:3.0`);
      expect(refused.code).toBe(1);
      expect(refused.json[0]).toMatchObject({ status: 'failed', error: { code: 'DRAFT_HOLDS_OTHER_TAG' } });
      expect(await held(name)).toEqual({ concepts: 1, published: ['1.0'], drafts: ['2.0'] });
      const taken = published(await push(`${name}:3.0`, ['-y', '--replace-draft']));
      expect(taken.recordId).toBe(unconfirmed.json[0].recordId);
      const record = await storage.read(taken.recordId);
      expect(record!.identity?.tag).toBe('3.0');
      expect(record!.files.filter((f) => /^image\.tar/.test(f.key))).toHaveLength(1);
      expect(await held(name)).toEqual({ concepts: 1, published: ['1.0', '3.0'], drafts: [] });
    });

    it('publishes one version when two pushes of one tag run at once (two working directories); the other finds it or fails clearly', async () => {
      const name = nameFor('concurrent');
      await image(`${name}:1.0`);
      const runs = await Promise.all([push(`${name}:1.0`, ['-y'], { cwd: 'left' }), push(`${name}:1.0`, ['-y'], { cwd: 'right' })]);
      const outcome = (run: CliRun) => (run.code === 0 ? run.json[0].status : /Another donodo \(pid \d+/.test(run.stderr) ? 'busy' : `exit ${run.code}: ${run.stderr}`);
      expect(runs.map(outcome).sort()).toSatisfy((outcomes: string[]) => outcomes.includes('published') && outcomes.every((o) => ['published', 'unchanged', 'busy'].includes(o)));
      expect(runs.filter((r) => r.code === 0 && r.json[0].status === 'published')).toHaveLength(1);
      expect(await held(name)).toEqual({ concepts: 1, published: ['1.0'], drafts: [] });
    });

    it('publishes both when two pushes of two tags of one name run at once', async () => {
      const name = nameFor('concurrent-tags');
      published(await push(`${name}:1.0`));
      await Promise.all([image(`${name}:1.1`), image(`${name}:1.2`)]);
      const runs = await Promise.all([push(`${name}:1.1`, ['-y'], { cwd: 'left' }), push(`${name}:1.2`, ['-y'], { cwd: 'right' })]);
      // One holds the machine's lock of the name; the other fails at once, and its rerun publishes.
      for (const [i, run] of runs.entries()) {
        if (run.code === 0) continue;
        expect(run.stderr).toMatch(/Another donodo \(pid \d+/);
        published(await push(`${name}:${['1.1', '1.2'][i]}`, ['-y'], { cwd: 'left' }));
      }
      expect(await held(name)).toEqual({ concepts: 1, published: ['1.0', '1.1', '1.2'], drafts: [] });
    });

    describe('pull', () => {
      let older: ArchivedRecord;
      let latest: ArchivedRecord;
      let name: string;

      beforeAll(async () => {
        name = nameFor('pull');
        const first = published(await push(`${name}:1.0`));
        const second = published(await push(`${name}:1.1`));
        older = (await storage.read(first.recordId))!;
        latest = (await storage.read(second.recordId))!;
      });

      it('gives the version every reference form names, verified, into a docker-archive: file', async () => {
        const forms = under.references(older);
        expect(forms.length).toBeGreaterThan(0);
        for (const [i, form] of forms.entries()) {
          const out = path.join(work, 'pulled', `${i}.tar`);
          await mkdir(path.dirname(out), { recursive: true });
          const run = await donodo(['pull', form.reference, `docker-archive:${out}`, ...(form.tag ? ['--tag', form.tag] : []), '--json']);
          const expected = form.names === 'version' ? older : latest;
          expect(run.code, `${form.reference}: ${run.stderr}`).toBe(0);
          expect(run.json[0], form.reference).toMatchObject({ status: 'loaded', recordId: expected.recordId, imageId: expected.identity!.config, written: out });
        }
      });

      it('refuses bad references with an error code, a non-zero exit, and no file written', async () => {
        const bad = [...under.badReferences, `${older.conceptRecId}`];
        for (const [i, reference] of bad.entries()) {
          const out = path.join(work, 'refused', `${i}.tar`);
          await mkdir(path.dirname(out), { recursive: true });
          // The concept is good; its tag is not.
          const tag = reference === older.conceptRecId ? ['--tag', 'no-such-tag'] : [];
          const run = await donodo(['pull', reference, `docker-archive:${out}`, ...tag, '--json']);
          expect(run.code, reference).not.toBe(0);
          expect(run.json[0], reference).toMatchObject({ status: 'failed', error: { code: expect.stringMatching(/^[A-Z][A-Z_]+$/) } });
          expect(existsSync(out), reference).toBe(false);
        }
      });
    });
  });
}
