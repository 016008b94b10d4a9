import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as parseYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { fetchJson } from '../support/http.ts';
import { buildTestImage, removeImages } from '../support/images.ts';

// The GitHub Action run as the runner runs it: its entry with the INPUT_* environment action.yml
// passes (each declared input, its default where the workflow gives none), GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, in a workspace of its own; the inputs are those of the README's workflows.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(root, 'src/action/main.ts');
const NAME = `donodo-test/action${process.pid}`;
const TAG = 'v1.2';
let zenodo: Emulator;
let work: string;
let action: any;
let readme: string;
let imageId: string;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
}
interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** A workflow of the README, found by its first line (`# .github/workflows/NAME`). */
function workflow(file: string): any {
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith(`# .github/workflows/${file}\n`));
  if (!block) throw new Error(`README has no workflow ${file}`);
  return parseYaml(block);
}

/** The steps of a job that use this action (`donodo/donodo-ts@…`). */
const donodoSteps = (job: { steps: Step[] }) => job.steps.filter((s) => s.uses?.startsWith('donodo/donodo-ts@'));

/** `${{ … }}` expressions of a step's inputs, with the values this run's contexts give them; any other is an error. */
function evaluate(value: unknown, contexts: Record<string, string>): string {
  return String(value).replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in contexts)) throw new Error(`the test gives no value to the expression ${name}`);
    return contexts[name]!;
  });
}

/** Parse a GITHUB_OUTPUT file as the runner does: `name=value` lines and `name<<DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      expect(end, `output ${heredoc[1]} has no closing delimiter`).toBeGreaterThan(i);
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Run a donodo step of a workflow as the runner would, in `workspace`. */
async function runStep(step: Step, workspace: string, contexts: Record<string, string>, env: Record<string, string> = {}): Promise<StepRun> {
  const given = step.with ?? {};
  for (const key of Object.keys(given)) expect(Object.keys(action.inputs), `the workflow's input "${key}"`).toContain(key);
  const inputs = Object.fromEntries(Object.entries(action.inputs as Record<string, { default?: string }>).map(([name, spec]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, name in given ? evaluate(given[name], contexts) : (spec.default ?? '')]));
  const files = await mkdtemp(path.join(os.tmpdir(), 'donodo-runner-'));
  const [outputFile, summaryFile] = [path.join(files, 'output'), path.join(files, 'summary')];
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const { ZENODO_TOKEN: _t, ZENODO_SANDBOX_TOKEN: _s, ...runner } = process.env;
  const child = spawn(process.execPath, [ENTRY], {
    cwd: workspace,
    env: { ...runner, NO_COLOR: '1', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: workspace, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, DONODO_ZENODO_URL: zenodo.apiUrl, ...inputs, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const run = { code, stdout, stderr, outputs: parseOutputs(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') };
  await rm(files, { recursive: true, force: true });
  return run;
}

/** The token is masked first, and appears nowhere else: not in the log, the outputs or the summary. */
function expectTokenMasked(run: StepRun): void {
  expect(run.stdout.split('\n')[0]).toBe(`::add-mask::${zenodo.token}`);
  expect(run.stdout.split(zenodo.token).length).toBe(2);
  for (const text of [run.stderr, run.summary, JSON.stringify(run.outputs)]) expect(text).not.toContain(zenodo.token);
}

beforeAll(async () => {
  zenodo = await startEmulator();
  work = await mkdtemp(path.join(os.tmpdir(), 'donodo-action-'));
  action = parseYaml(await readFile(path.join(root, 'action.yml'), 'utf8'));
  readme = await readFile(path.join(root, 'README.md'), 'utf8');
  imageId = await buildTestImage(`${NAME}:${TAG}`);
});

afterAll(async () => {
  await removeImages(`${NAME}:${TAG}`, `${NAME}-a:1.0`, `${NAME}-a:1.1`, `${NAME}-b:1.0`, `${NAME}-c:1.0`);
  await zenodo.close();
  await rm(work, { recursive: true, force: true });
});

describe('action.yml', () => {
  it('passes every input to the entry as the INPUT_ variable a node action would get, and maps every output', () => {
    expect(action.runs.using).toBe('composite');
    const run = action.runs.steps.find((s: { id?: string }) => s.id === 'donodo');
    expect(run.run).toContain('src/action/main.ts');
    const env = Object.fromEntries(Object.keys(action.inputs).map((name) => [`INPUT_${name.toUpperCase()}`, `\${{ inputs.${name} }}`]));
    expect(run.env).toEqual(env);
    expect(Object.keys(action.outputs).sort()).toEqual(['concept-doi', 'doi', 'image-id', 'images', 'lock-file', 'record-id', 'web-url']);
    for (const [name, output] of Object.entries(action.outputs as Record<string, { value: string }>)) expect(output.value).toBe(`\${{ steps.donodo.outputs.${name} }}`);
  });
});

describe('the README workflow that archives every release tag', () => {
  const job = () => workflow('archive-release.yml').jobs.archive;
  const contexts = () => ({ 'env.IMAGE': NAME, 'github.ref_name': TAG, 'secrets.ZENODO_TOKEN': zenodo.token });
  let first: StepRun;

  it('publishes the tag and gives its DOI, concept DOI, record, image id and web page as outputs, a summary with the DOI badge, and the lock file', async () => {
    const steps = donodoSteps(job());
    expect(steps).toHaveLength(1);
    const workspace = path.join(work, 'release');
    await mkdir(workspace);
    first = await runStep(steps[0]!, workspace, contexts());
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expectTokenMasked(first);

    const { doi, 'concept-doi': conceptDoi, 'record-id': recordId, 'image-id': id, 'web-url': webUrl, images, 'lock-file': lockFile } = first.outputs;
    expect(recordId).toMatch(/^\d+$/);
    expect(doi).toBe(`10.5281/zenodo.${recordId}`);
    expect(conceptDoi).toMatch(/^10\.5281\/zenodo\.\d+$/);
    expect(conceptDoi).not.toBe(doi);
    expect(id).toBe(imageId);
    expect(webUrl).toBe(`${zenodo.baseUrl}/records/${recordId}`);
    expect(JSON.parse(images!)).toEqual([expect.objectContaining({ image: `${NAME}:${TAG}`, status: 'published', doi, conceptDoi, recordId, imageId, webUrl, version: TAG })]);
    expect(lockFile).toBe('donodo.lock.json');

    // What Zenodo holds is the published version.
    const record = await fetchJson(`${zenodo.apiUrl}/records/${recordId}`);
    expect(record.metadata).toMatchObject({ title: `Docker image ${NAME}`, version: TAG });

    // The summary: one row, the DOI as Zenodo's badge linking to the DOI, and the lock file to commit.
    expect(first.summary).toContain('### donodo: 1 of 1 image archived');
    expect(first.summary).toContain(`| \`${NAME}:${TAG}\` | published | ${TAG} | [![DOI](${zenodo.baseUrl}/badge/DOI/${doi}.svg)](https://doi.org/${doi}) | [![DOI](${zenodo.baseUrl}/badge/DOI/${conceptDoi}.svg)](https://doi.org/${conceptDoi}) | [${recordId}](${webUrl}) |`);
    expect(first.summary).toContain('Recorded in `donodo.lock.json`');

    // The lock file is left in the workspace for the next step to commit.
    const lock = JSON.parse(await readFile(path.join(workspace, lockFile!), 'utf8'));
    expect(lock.storages[zenodo.apiUrl][`${NAME}:${TAG}`]).toMatchObject({ recordId, doi, conceptDoi, imageId, published: true });

    // The log says what happened; the CLI's output is shown with workflow commands off.
    expect(first.stdout).toContain(`${NAME}:${TAG} published: DOI ${doi}`);
    expect(first.stdout).toMatch(/^::stop-commands::(\S+)\n[\s\S]*^::\1::$/m);
  });

  it('changes nothing when the workflow runs again for the same tag, and gives the same outputs', async () => {
    const again = await runStep(donodoSteps(job())[0]!, path.join(work, 'release'), contexts());
    expect(again.code, again.stderr).toBe(0);
    for (const name of ['doi', 'concept-doi', 'record-id', 'image-id', 'web-url']) expect(again.outputs[name]).toBe(first.outputs[name]);
    expect(JSON.parse(again.outputs.images!)[0].status).toBe('unchanged');
    expect(again.summary).toContain(`| \`${NAME}:${TAG}\` | unchanged |`);
  });

  it('fails with an annotation, a summary row and empty outputs when an image does not exist', async () => {
    const workspace = path.join(work, 'missing');
    await mkdir(workspace);
    const run = await runStep(donodoSteps(job())[0]!, workspace, { ...contexts(), 'github.ref_name': 'v9.9' });
    expect(run.code).toBe(1);
    expectTokenMasked(run);
    expect(run.stdout).toMatch(new RegExp(`^::error title=donodo%3A ${NAME}%3Av9.9 failed::.*${NAME}:v9.9.* does not exist`, 'm'));
    expect(run.summary).toContain('### donodo: 0 of 1 image archived');
    expect(run.summary).toMatch(new RegExp(`\\| \`${NAME}:v9.9\` \\| failed: `));
    expect(run.outputs).toMatchObject({ doi: '', 'record-id': '', 'lock-file': '' });
    expect(JSON.parse(run.outputs.images!)[0]).toMatchObject({ status: 'failed', error: { code: expect.any(String) } });
    expect(await stat(path.join(workspace, 'donodo.lock.json')).catch(() => undefined)).toBeUndefined();
  });

  it('with dry-run and two templates (one per line), writes nothing and gives the plan and the metadata as it would be sent', async () => {
    const workspace = path.join(work, 'dry');
    await mkdir(workspace);
    await writeFile(path.join(workspace, 'one.json'), JSON.stringify({ keywords: ['docker image', 'from-one'] }));
    await writeFile(path.join(workspace, 'two.json'), JSON.stringify({ title: 'Tool {image.name}' }));
    const image = `${NAME}:${TAG}`;
    const writes = zenodo.requests.filter((r) => r.method !== 'GET').length;
    const run = await runStep({ with: { images: image, 'dry-run': true, templates: 'one.json\ntwo.json', token: '${{ secrets.ZENODO_TOKEN }}' } }, workspace, contexts());
    expect(run.code, run.stderr).toBe(0);
    const [result] = JSON.parse(run.outputs.images!);
    expect(result).toMatchObject({ image, status: 'planned', metadata: { title: `Tool ${NAME}`, keywords: ['docker image', 'from-one'] } });
    expect(run.summary).toContain('### donodo, dry run: what would be done for 1 image');
    expect(zenodo.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
    expect(await stat(path.join(workspace, 'donodo.lock.json')).catch(() => undefined)).toBeUndefined();
  });

  it('refuses an input that is not what it takes, naming it', async () => {
    const step = donodoSteps(job())[0]!;
    const run = await runStep({ ...step, with: { ...step.with, 'auto-publish': 'yes please' } }, path.join(work, 'release'), contexts());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error title=donodo%3A invalid input::Input "auto-publish" is "yes please"; it takes true or false.');
    expect(run.outputs).toEqual({});
  });

  it('without auto-publish, uploads a draft and fails, saying how to publish', async () => {
    const image = `${NAME}-c:1.0`;
    await buildTestImage(image);
    const workspace = path.join(work, 'draft');
    await mkdir(workspace);
    const run = await runStep({ with: { images: image, token: '${{ secrets.ZENODO_TOKEN }}' } }, workspace, contexts());
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`::error title=donodo%3A not published::${image} uploaded but not published: a CI job cannot be asked. Set "auto-publish: true"`);
    expect(run.outputs['web-url']).toMatch(/\/deposit\/\d+$|\/records\/\d+/);
    expect(run.summary).toContain(`| \`${image}\` | unpublished |`);
  });
});

describe('the README matrix workflow: shards, then a job that merges their lock files', () => {
  const images = [`${NAME}-a:1.0`, `${NAME}-a:1.1`, `${NAME}-b:1.0`, `${NAME}:${TAG}`];

  it('archives every configured image across the jobs and merges their lock files into one', async () => {
    const wf = workflow('archive-all.yml');
    const shards: number[] = wf.jobs.archive.strategy.matrix.shard;
    const [push] = donodoSteps(wf.jobs.archive);
    const [merge] = donodoSteps(wf.jobs.merge);
    for (const image of images.slice(0, 3)) await buildTestImage(image);
    // The repository: a configuration listing the images, and the lock file of earlier runs (the release above).
    const repository = path.join(work, 'repository');
    await mkdir(repository);
    await writeFile(path.join(repository, 'donodo.config.json'), JSON.stringify({ images: [{ name: `${NAME}-a`, tags: ['1.0', '1.1'] }, `${NAME}-b:1.0`, `${NAME}:${TAG}`] }));
    await copyFile(path.join(work, 'release', 'donodo.lock.json'), path.join(repository, 'donodo.lock.json'));
    const checkout = async (dir: string) => {
      await mkdir(dir);
      for (const file of ['donodo.config.json', 'donodo.lock.json']) await copyFile(path.join(repository, file), path.join(dir, file));
    };

    const artifacts = path.join(work, 'merge', 'locks');
    const pushed: any[] = [];
    for (const shard of shards) {
      const workspace = path.join(work, `shard-${shard}`);
      await checkout(workspace);
      const run = await runStep(push!, workspace, { 'matrix.shard': String(shard), 'secrets.ZENODO_TOKEN': zenodo.token });
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expectTokenMasked(run);
      const share = JSON.parse(run.outputs.images!);
      pushed.push(...share);
      // A job whose share is empty succeeds and says so.
      expect(run.summary).toContain(share.length ? `### donodo: ${share.length} of ${share.length} image` : `### donodo: nothing to archive\n\nThe shard ${shard}/${shards.length} takes none of the 4 images.`);
      // upload-artifact, then download-artifact with a pattern: locks/lock-K/donodo.lock.json.
      await mkdir(path.join(artifacts, `lock-${shard}`), { recursive: true });
      await copyFile(path.join(workspace, 'donodo.lock.json'), path.join(artifacts, `lock-${shard}`, 'donodo.lock.json'));
    }
    expect(pushed.map((r) => r.image).sort()).toEqual([...images].sort());
    expect(pushed.find((r) => r.image === `${NAME}:${TAG}`).status).toBe('unchanged');

    const workspace = path.join(work, 'merge');
    for (const file of ['donodo.config.json', 'donodo.lock.json']) await copyFile(path.join(repository, file), path.join(workspace, file));
    const run = await runStep(merge!, workspace, {});
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.outputs['lock-file']).toBe('donodo.lock.json');
    expect(run.summary).toContain(`${shards.length} lock files into \`donodo.lock.json\`: 4 entries, 3 new, 0 updated.`);
    const lock = JSON.parse(await readFile(path.join(workspace, 'donodo.lock.json'), 'utf8'));
    expect(Object.keys(lock.storages[zenodo.apiUrl]).sort()).toEqual([...images].sort());
    for (const r of pushed) expect(lock.storages[zenodo.apiUrl][r.image]).toMatchObject({ recordId: r.recordId, doi: r.doi, imageId: r.imageId, published: true });
  });
});
