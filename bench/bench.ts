/**
 * The benchmark of issue 6: donodo push and pull against the plain-tools baselines, side by side.
 *
 *   npm run bench [-- --sizes 50,500,2000] [--runs 3] [--timeout-min M] [--out FILE] [--remove-images] [--strict]
 *
 * Builds deterministic images FROM scratch (bench/payload.ts, reused between runs), starts the Zenodo
 * emulator in this process, then per image size alternates, N times each:
 *   push: donodo push  |  docker save | pigz -p 2 > f; curl -T f (same emulator)  |  docker save > /dev/null
 *   pull: donodo pull  |  curl | gunzip | docker load (the same record file)      |  cat tar | docker load
 * Each pull starts with the image removed from Docker (it is tagged back afterwards: same image id).
 * Prints the table and the targets as Markdown and writes them to bench/RESULTS.md. Progress on stderr.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { compressorFingerprint, describeMachine, loadAverage } from './machine.ts';
import { ensureImage, type BenchImage } from './payload.ts';
import { LEGEND, operationsTable, REGISTRY_BEGIN, REGISTRY_END, sizeLabel, splitFormatSection, splitSection, targets, targetsTable, verdict, type OperationKey, type Sample, type SizeResult } from './report.ts';
import { GNU_TIME, q, Runner, sampleDiskUsage, treeSize, type Usage } from './run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The installed entry point, as a user runs it: the compiled CLI (built below, so it is current). */
const CLI = path.join(root, 'bin/donodo.js');
const NODE = process.execPath;

const USAGE = `usage: npm run bench [-- options]
  --sizes LIST       payload sizes in MB (10^6 bytes), comma-separated (default 50,500; 2 GB: 50,500,2000)
  --runs N           runs of each operation, alternating donodo / baseline / floor (default 3)
  --timeout-min M    stop (and clean up) after M minutes (default: 10 + sizes x runs / 100)
  --out FILE         the Markdown report (default bench/RESULTS.md)
  --remove-images    also remove the generated images at the end (default: kept, so reruns start at once)
  --strict           exit with 3 when a target is not met`;

const { values: flags } = (() => {
  try {
    return parseArgs({
      options: {
        sizes: { type: 'string', default: '50,500' },
        runs: { type: 'string', default: '3' },
        'timeout-min': { type: 'string' },
        out: { type: 'string', default: path.join(root, 'bench/RESULTS.md') },
        'remove-images': { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
})();
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
console.error('bench: building the CLI (npm run build)');
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });

const sizes = flags.sizes.split(',').map((s) => Number(s.trim()));
const runs = Number(flags.runs);
if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 100_000) || !Number.isInteger(runs) || runs < 1 || runs > 50) {
  console.error(`bad --sizes or --runs\n${USAGE}`);
  process.exit(2);
}
const timeoutMin = Number(flags['timeout-min'] ?? 10 + (sizes.reduce((a, b) => a + b, 0) * runs) / 100);

const started = performance.now();
function log(line: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

// pull uses no token (public records); push gets the emulator's.
delete process.env.ZENODO_TOKEN;
delete process.env.ZENODO_SANDBOX_TOKEN;

const workDir = await mkdtemp(path.join(os.tmpdir(), 'donodo-bench-'));
const spoolTmp = path.join(workDir, 'donodo-tmp'); // TMPDIR of the donodo child: its spool folder lands here
const cwd = path.join(workDir, 'cwd'); // no configuration file, no lock file
const filesDir = path.join(workDir, 'files');
await Promise.all([mkdir(spoolTmp), mkdir(cwd), mkdir(filesDir)]);
const runner = await Runner.create(workDir);

/** Everything to undo: run tags, the bench images (to restore after a pull), the emulator. */
const made = { tags: new Set<string>(), images: new Map<string, { id: string; tar?: string }>(), emulator: undefined as Emulator | undefined };

let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++interrupts > 1) process.exit(130);
    log(`${signal}: stopping and cleaning up (again to quit at once)`);
    runner.abort(new Error(`interrupted by ${signal}`));
  });
}
const deadline = setTimeout(() => {
  log(`time limit of ${+timeoutMin.toFixed(1)} min reached: stopping`);
  runner.abort(new Error(`the benchmark ran longer than --timeout-min ${+timeoutMin.toFixed(1)}`));
}, timeoutMin * 60_000);
deadline.unref();

let exitCode = 0;
try {
  await preflight();
  const fingerprint = await compressorFingerprint(runner, root);
  const machine = await describeMachine(runner, root, workDir);
  const loadStart = loadAverage();
  for (const [k, v] of machine.lines) log(`${k}: ${v}`);

  const images: BenchImage[] = [];
  for (const size of sizes) {
    const image = await ensureImage(size, runner, workDir, log);
    made.images.set(image.ref, { id: image.id });
    images.push(image);
  }

  made.emulator = await startEmulator({ maxFileSize: 50e9, quotaSize: 50e9 });
  log(`Zenodo emulator at ${made.emulator.apiUrl}`);

  const results: SizeResult[] = [];
  for (const image of images) results.push(await benchSize(image, made.emulator));

  const list = targets(results);
  const fingerprintEnd = await compressorFingerprint(runner, root);
  const changed =
    fingerprintEnd === fingerprint
      ? []
      : [`**Warning: plugins/gzip changed during the run** (${fingerprint} at the start, ${fingerprintEnd} at the end): the figures mix versions of the compressor.`, ''];
  if (changed.length) log(changed[0]!.replaceAll('*', ''));
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const report = [
    '# donodo benchmark results',
    '',
    `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: \`${command}\`, ${runs} run${runs > 1 ? 's' : ''} of each operation, alternating; medians. Written by \`bench/bench.ts\`, overwritten on every run.`,
    '',
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    ...machine.lines.map(([k, v]) => `| ${k} | ${v.replaceAll('|', '\\|')} |`),
    `| load average (1, 5, 15 min) | start ${loadStart}, end ${loadAverage()} |`,
    '',
    '## Measurements',
    '',
    ...changed,
    operationsTable(results),
    '',
    LEGEND,
    '',
    '## Targets (issue 6; binding on the 500 MB image and larger)',
    '',
    targetsTable(list),
    '',
    verdict(list),
    '',
  ].join('\n');
  process.stdout.write(`\n${report}`);
  // Keep the archive-format and registry sections (bench/format.ts, bench/registry.ts), which this run does not measure.
  const previous = await readFile(flags.out, 'utf8').catch(() => '');
  const kept = [splitFormatSection(previous).section, splitSection(previous, REGISTRY_BEGIN, REGISTRY_END).section].filter(Boolean);
  await writeFile(flags.out, kept.length ? `${report}\n${kept.join('\n\n')}\n` : report);
  log(`wrote ${path.relative(process.cwd(), flags.out) || flags.out}`);
  if (flags.strict && list.some((t) => t.binding && t.met !== true)) exitCode = 3;
} catch (error) {
  log(`FAILED: ${(error as Error).message}`);
  exitCode = interrupts > 0 ? 130 : 1;
} finally {
  await cleanup();
  clearTimeout(deadline);
}
log(`done in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
process.exit(exitCode);

async function preflight(): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['docker', 'pigz', 'curl', 'gzip', 'gunzip', 'cat', GNU_TIME]) {
    await runner.run('bash', ['-c', `command -v ${q(tool)}`], { timeoutMs: 10_000 }).catch(() => missing.push(tool));
  }
  if (missing.length) throw new Error(`missing tools: ${missing.join(', ')} (Debian: apt-get install -y pigz curl gzip time docker.io)`);
  await runner.run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 }).catch((error: Error) => {
    throw new Error(`no Docker engine answers (start dockerd): ${error.message}`);
  });
}

async function benchSize(image: BenchImage, zenodo: Emulator): Promise<SizeResult> {
  const label = sizeLabel(image.sizeMb);
  const timeoutMs = 120_000 + image.sizeMb * 500;
  const samples: Partial<Record<OperationKey, Sample[]>> = {};
  const add = (key: OperationKey, sample: Sample) => (samples[key] ??= []).push(sample);
  const say = (what: string, u: Usage, extra = '') =>
    log(`${label} ${what}: ${u.wallS.toFixed(2)} s, CPU ${u.cpuS.toFixed(2)} s, peak RSS ${((u.peakRssKb * 1024) / 1e6).toFixed(0)} MB${extra}`);

  const tar = path.join(filesDir, `${image.sizeMb}mb.tar`);
  log(`${label}: docker save to a tar (input of the floor and of gzip -6)`);
  await runner.run('docker', ['save', '-o', tar, image.ref], { timeoutMs });
  made.images.get(image.ref)!.tar = tar;
  const tarBytes = (await stat(tar)).size;

  log(`${label}: gzip -6 of the tar (${(tarBytes / 1e6).toFixed(0)} MB), once`);
  const gz = path.join(filesDir, 'gzip6.gz');
  const gzip6 = await runner.measure(`{T} gzip -6 -c ${q(tar)} > ${q(gz)}`, { timeoutMs: timeoutMs * 4 });
  const gzip6Bytes = (await stat(gz)).size;
  await rm(gz, { force: true });
  add('gzip6', { wallS: gzip6.wallS, cpuS: gzip6.cpuS, peakRssKb: gzip6.peakRssKb, archiveBytes: gzip6Bytes, extraDiskBytes: gzip6Bytes });
  say('gzip -6', gzip6, `, ${(gzip6Bytes / 1e6).toFixed(1)} MB`);

  const auth = { Authorization: `Bearer ${zenodo.token}` };
  const records: string[] = [];

  for (let i = 1; i <= runs; i++) {
    // donodo push: a fresh tag, so that it is a new version and really uploads.
    const ref = `${image.name}:run-${i}`;
    await tag(image.ref, ref);
    const [u, peakDisk] = await withDiskSampling(() =>
      runner.measure(`{T} ${q(NODE)} ${q(CLI)} push ${q(ref)} --storage zenodo --zenodo-url ${q(zenodo.apiUrl)} -y --json --no-lock`, {
        cwd,
        timeoutMs,
        env: { ZENODO_TOKEN: zenodo.token, TMPDIR: spoolTmp, NO_COLOR: '1' },
      }),
    );
    const pushed = lastJson(u.stdout);
    if (pushed.status !== 'published' || !pushed.recordId || !pushed.file?.size) throw new Error(`donodo push did not publish: ${u.stdout.slice(0, 500)}`);
    records.push(String(pushed.recordId));
    await untag(ref);
    add('donodoPush', { wallS: u.wallS, cpuS: u.cpuS, peakRssKb: u.peakRssKb, archiveBytes: pushed.file.size, extraDiskBytes: peakDisk });
    say(`push ${i}/${runs} donodo`, u, `, archive ${(pushed.file.size / 1e6).toFixed(1)} MB, temp disk peak ${(peakDisk / 1e6).toFixed(1)} MB`);
    await expectEmptyTmp('push');

    // Baseline push: docker save | pigz -p 2 > f, then curl -T f into a new deposition's bucket.
    const baseRef = `${image.name}:pigz-${i}`;
    await tag(image.ref, baseRef);
    const deposition = await api(zenodo, 'POST', '/deposit/depositions', {});
    const file = path.join(filesDir, 'baseline.tar.gz');
    const b = await runner.measure(
      `{T} docker save ${q(baseRef)} | {T} pigz -p 2 > ${q(file)} && ` +
        `{T} curl -sS -f -X PUT -H ${q(`Authorization: Bearer ${zenodo.token}`)} -H 'Content-Type: application/octet-stream' -T ${q(file)} ${q(`${deposition.links.bucket}/image.tar.gz`)}`,
      { cwd, timeoutMs },
    );
    const baselineBytes = (await stat(file)).size;
    const stored = JSON.parse(b.stdout);
    if (stored.size !== baselineBytes) throw new Error(`the baseline upload stored ${stored.size} bytes of ${baselineBytes}`);
    await rm(file, { force: true });
    await api(zenodo, 'DELETE', `/deposit/depositions/${deposition.id}`);
    await untag(baseRef);
    add('baselinePush', { wallS: b.wallS, cpuS: b.cpuS, peakRssKb: b.peakRssKb, archiveBytes: baselineBytes, extraDiskBytes: baselineBytes });
    say(`push ${i}/${runs} baseline`, b, ` (${b.parts.map((p) => `${p.command} ${(p.userS + p.sysS).toFixed(1)} s`).join(', ')}), archive ${(baselineBytes / 1e6).toFixed(1)} MB`);

    const f = await runner.measure(`{T} docker save ${q(image.ref)} > /dev/null`, { timeoutMs });
    add('floorSave', { wallS: f.wallS, cpuS: f.cpuS, peakRssKb: f.peakRssKb });
    say(`push ${i}/${runs} floor docker save`, f);
  }

  for (let i = 1; i <= runs; i++) {
    const recordId = records[i - 1]!;
    const record = await api(zenodo, 'GET', `/records/${recordId}`);
    const url: string = record.files[0].links.self;

    // donodo pull of the record this run's push made.
    await removeImage(image);
    const [u, peakDisk] = await withDiskSampling(() =>
      runner.measure(`{T} ${q(NODE)} ${q(CLI)} pull ${q(recordId)} --storage zenodo --zenodo-url ${q(zenodo.apiUrl)} --json`, {
        cwd,
        timeoutMs,
        env: { TMPDIR: spoolTmp, NO_COLOR: '1' },
      }),
    );
    const pulled = lastJson(u.stdout);
    if (pulled.imageId !== image.id) throw new Error(`donodo pull loaded ${pulled.imageId}, expected ${image.id}`);
    await restore(image, [String(pulled.image)]);
    add('donodoPull', { wallS: u.wallS, cpuS: u.cpuS, peakRssKb: u.peakRssKb, extraDiskBytes: peakDisk });
    say(`pull ${i}/${runs} donodo`, u, `, temp disk peak ${(peakDisk / 1e6).toFixed(1)} MB`);
    await expectEmptyTmp('pull');

    // Baseline pull: the same file, curl | gunzip | docker load.
    await removeImage(image);
    const b = await runner.measure(`{T} curl -sS -f ${q(url)} | {T} gunzip | {T} docker load`, { cwd, timeoutMs });
    await restore(image, loadedTags(b.stdout));
    add('baselinePull', { wallS: b.wallS, cpuS: b.cpuS, peakRssKb: b.peakRssKb });
    say(`pull ${i}/${runs} baseline`, b, ` (${b.parts.map((p) => `${p.command} ${(p.userS + p.sysS).toFixed(1)} s`).join(', ')})`);

    await removeImage(image);
    const f = await runner.measure(`{T} cat ${q(tar)} | {T} docker load`, { cwd, timeoutMs });
    await restore(image, loadedTags(f.stdout));
    add('floorLoad', { wallS: f.wallS, cpuS: f.cpuS, peakRssKb: f.peakRssKb });
    say(`pull ${i}/${runs} floor cat tar | docker load`, f);
  }

  await rm(tar, { force: true });
  made.images.get(image.ref)!.tar = undefined;
  return { sizeMb: image.sizeMb, ref: image.ref, imageId: image.id, tarBytes, samples };
}

/** Run `measure` while sampling the size of donodo's temp folder every 100 ms; gives the usage and the peak. */
async function withDiskSampling(measure: () => Promise<Usage>): Promise<[Usage, number]> {
  const disk = sampleDiskUsage(spoolTmp);
  try {
    const usage = await measure();
    return [usage, await disk.stop()];
  } catch (error) {
    await disk.stop();
    throw error;
  }
}

async function tag(source: string, target: string): Promise<void> {
  await runner.run('docker', ['tag', source, target], { timeoutMs: 60_000 });
  made.tags.add(target);
}

async function untag(ref: string): Promise<void> {
  await runner.run('docker', ['rmi', ref], { timeoutMs: 120_000 });
  made.tags.delete(ref);
}

/** Remove the image completely (every tag, its layers), so that a load really loads. */
async function removeImage(image: BenchImage): Promise<void> {
  await runner.run('docker', ['rmi', '-f', image.id], { timeoutMs: 300_000 });
  const still = await runner.run('docker', ['image', 'inspect', image.id], { timeoutMs: 60_000 }).then(
    () => true,
    () => false,
  );
  if (still) throw new Error(`could not remove ${image.id} before a pull`);
}

/** After a pull: the loaded image is the bench image (same id); give it its base tag back, drop the others. */
async function restore(image: BenchImage, loaded: string[]): Promise<void> {
  await runner.run('docker', ['tag', image.id, image.ref], { timeoutMs: 60_000 });
  for (const ref of loaded) if (ref !== image.ref && !ref.startsWith('sha256:')) {
    made.tags.add(ref);
    await untag(ref);
  }
}

function loadedTags(stdout: string): string[] {
  return [...stdout.matchAll(/^Loaded image: (\S+)$/gm)].map((m) => m[1]!);
}

async function expectEmptyTmp(what: string): Promise<void> {
  const left = await readdir(spoolTmp);
  if (left.length === 0) return;
  log(`WARNING: donodo ${what} left ${left.length} entr${left.length > 1 ? 'ies' : 'y'} (${(await treeSize(spoolTmp)) / 1e6} MB) in its temp folder: ${left.join(', ')}`);
  for (const entry of left) await rm(path.join(spoolTmp, entry), { recursive: true, force: true });
}

function lastJson(stdout: string): any {
  const line = stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .at(-1);
  if (!line) throw new Error(`no JSON on stdout: ${stdout.slice(0, 500)}`);
  return JSON.parse(line);
}

async function api(zenodo: Emulator, method: string, pathname: string, body?: unknown): Promise<any> {
  const response = await fetch(`${zenodo.apiUrl}${pathname}`, {
    method,
    headers: { Authorization: `Bearer ${zenodo.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Undo everything, also after a failure or an interrupt: tags, images taken away for a pull, emulator, files. */
async function cleanup(): Promise<void> {
  runner.resume();
  log('cleaning up');
  for (const [ref, { id, tar }] of made.images) {
    const has = (r: string) => runner.run('docker', ['image', 'inspect', r], { timeoutMs: 60_000 }).then(() => true, () => false);
    if (await has(ref)) continue;
    if (await has(id)) await runner.run('docker', ['tag', id, ref]).catch(() => undefined);
    else if (tar) {
      log(`restoring ${ref} from its saved tar`);
      await runner.run('docker', ['load', '-i', tar], { timeoutMs: 600_000 }).catch(() => undefined);
    }
  }
  for (const ref of made.tags) await runner.run('docker', ['rmi', ref], { timeoutMs: 120_000 }).catch(() => undefined);
  if (flags['remove-images']) for (const ref of made.images.keys()) await runner.run('docker', ['rmi', ref], { timeoutMs: 300_000 }).catch(() => undefined);
  await made.emulator?.close().catch(() => undefined);
  await rm(workDir, { recursive: true, force: true });
}
