/**
 * The benchmark of issues 6 and 15: donodo push and pull against the plain-tools baselines, side by side.
 *
 *   npm run bench [-- --sizes 50,500,2000] [--real MB] [--link 25,100] [--link-levels 1,6,9] [--runs 3]
 *                 [--link-runs 1] [--timeout-min M] [--out FILE] [--remove-images] [--strict]
 *
 * Builds deterministic images FROM scratch (bench/payload.ts: half text, half random; with --real, also
 * one of this machine's installed files, bench/real-image.ts; reused between runs), starts the Zenodo
 * emulator in this process, makes once per image the original donodo's archive (docker save | gzip -9,
 * published as image.tar.gz), then per image alternates, N times each:
 *   push: donodo push (image.tar) | donodo push --archive-format docker-save (image.tar.gz)
 *         | docker save | pigz -p 2 > f; curl -T f (same emulator) | docker save > /dev/null
 *   pull: donodo pull of each | curl | gunzip | docker load of the pigz file and of the gzip -9 file
 *         | cat tar | docker load
 * With --link, the emulator's throttle (faults.slowLink) limits uploads and downloads to each rate in
 * MB/s, and push (at each --link-levels compression level) and pull are timed end to end against the
 * same baselines on the same link, on the first image of 500 MB or more (and the real one).
 * Each pull starts with the image removed from Docker (it is tagged back afterwards: same image id).
 * Prints the tables and the targets as Markdown and writes them to bench/RESULTS.md. Progress on stderr.
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
import { ensureRealImage } from './real-image.ts';
import { linkTable, linkTargets, type LinkResult } from './link-report.ts';
import { imageLabel, LEGEND, operationsTable, REGISTRY_BEGIN, REGISTRY_END, splitFormatSection, splitSection, targets, targetsTable, verdict, type OperationKey, type Sample, type SizeResult } from './report.ts';
import { craftedMetadata, donodoNotes } from '../test/support/crafted-record.ts';
import { DEFAULT_LEVEL } from '../plugins/gzip/index.ts';
import { GNU_TIME, q, Runner, sampleDiskUsage, treeSize, type Usage } from './run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The installed entry point, as a user runs it: the compiled CLI (built below, so it is current). */
const CLI = path.join(root, 'bin/donodo.js');
const NODE = process.execPath;

const USAGE = `usage: npm run bench [-- options]
  --sizes LIST       synthetic payload sizes in MB (10^6 bytes), comma-separated (default 50,500; 2 GB: 50,500,2000)
  --real MB          also an image of about MB of this machine's /usr/lib and /usr/share files (e.g. 700)
  --link LIST        also time push and pull end to end on a link throttled to each rate in MB/s (e.g. 25,100)
  --link-levels LIST gzip levels donodo pushes with on the link (default 1,6,9)
  --link-runs N      runs of each link operation (default 1)
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
        real: { type: 'string' },
        link: { type: 'string' },
        'link-levels': { type: 'string', default: '1,6,9' },
        'link-runs': { type: 'string', default: '1' },
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

const numbers = (value: string | undefined) => (value ? value.split(',').map((s) => Number(s.trim())) : []);
const sizes = numbers(flags.sizes);
const realMb = flags.real === undefined ? undefined : Number(flags.real);
const linkRates = numbers(flags.link);
const linkLevels = numbers(flags['link-levels']);
const runs = Number(flags.runs);
const linkRuns = Number(flags['link-runs']);
const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
if (
  sizes.some((s) => !whole(s, 1, 100_000)) ||
  (realMb !== undefined && !whole(realMb, 10, 100_000)) ||
  linkRates.some((r) => !(r > 0 && r <= 10_000)) ||
  linkLevels.some((l) => !whole(l, 1, 9)) ||
  !whole(runs, 1, 50) ||
  !whole(linkRuns, 1, 20)
) {
  console.error(`bad --sizes, --real, --link, --link-levels, --runs or --link-runs\n${USAGE}`);
  process.exit(2);
}
const totalMb = sizes.reduce((a, b) => a + b, 0) + (realMb ?? 0);
const timeoutMin = Number(flags['timeout-min'] ?? 10 + (totalMb * runs) / 50 + linkRates.reduce((a, r) => a + (1000 * (linkLevels.length + 3) * linkRuns) / r / 60, 0));

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
  for (const size of sizes) images.push(await ensureImage(size, runner, workDir, log));
  if (realMb !== undefined) images.push(await ensureRealImage(realMb, runner, workDir, log));
  for (const image of images) made.images.set(image.ref, { id: image.id });

  made.emulator = await startEmulator({ maxFileSize: 50e9, quotaSize: 50e9 });
  log(`Zenodo emulator at ${made.emulator.apiUrl}`);

  const results: SizeResult[] = [];
  const linkResults: LinkResult[] = [];
  for (const image of images) {
    const { result, records } = await benchSize(image, made.emulator);
    results.push(result);
    const onLink = image.kind === 'real' || image === images.find((i) => i.kind !== 'real' && i.sizeMb >= 500);
    if (onLink) for (const rate of linkRates) linkResults.push(await benchLink(image, made.emulator, rate, records));
  }

  const list = [...targets(results), ...linkTargets(linkResults)];
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
    ...(linkResults.length ? ['## On a throttled link (the emulator\'s `faults.slowLink`)', '', linkTable(linkResults), ''] : []),
    '## Targets (issue 15, with the disk row of issue 6; binding on the images of 500 MB and larger)',
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

/** The records the push runs made, for the pulls (and the link mode): donodo's two formats, the baseline's, the original's. */
interface Records {
  image: string[];
  gz: string[];
  baselineUrl: string;
  originalUrl: string;
  originalRecord: string;
}

async function benchSize(image: BenchImage, zenodo: Emulator): Promise<{ result: SizeResult; records: Records }> {
  const label = imageLabel(image);
  const timeoutMs = 120_000 + image.sizeMb * 500;
  const samples: Partial<Record<OperationKey, Sample[]>> = {};
  const add = (key: OperationKey, sample: Sample) => (samples[key] ??= []).push(sample);
  const say = (what: string, u: Usage, extra = '') =>
    log(`${label} ${what}: ${u.wallS.toFixed(2)} s, CPU ${u.cpuS.toFixed(2)} s, peak RSS ${((u.peakRssKb * 1024) / 1e6).toFixed(0)} MB${extra} [load ${loadAverage()}]`);

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

  // The original donodo's record: docker save | gzip -9 as image.tar.gz, its notes, published (once).
  log(`${label}: the original donodo's archive (docker save | gzip -9), once`);
  const original = path.join(filesDir, 'original.tar.gz');
  await runner.run('bash', ['-c', `set -o pipefail; docker save ${q(image.ref)} | gzip -9 > ${q(original)}`], { timeoutMs: timeoutMs * 6 });
  const originalRecord = await publishFile(zenodo, original, { title: `Docker image ${image.name}`, version: 'original', notes: donodoNotes({ id: image.id, name: `${image.name}:original` }) });
  await rm(original, { force: true });

  const records: Records = { image: [], gz: [], baselineUrl: '', originalUrl: originalRecord.url, originalRecord: originalRecord.id };
  const pushDonodo = async (ref: string, extra: string[], key: OperationKey, into: string[]) => {
    await tag(image.ref, ref);
    const [u, peakDisk] = await withDiskSampling(() =>
      runner.measure(`{T} ${q(NODE)} ${q(CLI)} push ${q(ref)} --storage zenodo --zenodo-url ${q(zenodo.apiUrl)} -y --json --no-lock ${extra.map(q).join(' ')}`, {
        cwd,
        timeoutMs,
        env: { ZENODO_TOKEN: zenodo.token, TMPDIR: spoolTmp, NO_COLOR: '1' },
      }),
    );
    const pushed = lastJson(u.stdout);
    if (pushed.status !== 'published' || !pushed.recordId || !pushed.file?.size) throw new Error(`donodo push did not publish: ${u.stdout.slice(0, 500)}`);
    into.push(String(pushed.recordId));
    await untag(ref);
    add(key, { wallS: u.wallS, cpuS: u.cpuS, peakRssKb: u.peakRssKb, archiveBytes: pushed.file.size, extraDiskBytes: peakDisk });
    say(`${key} ${into.length}/${runs}`, u, `, ${pushed.file.key} ${(pushed.file.size / 1e6).toFixed(1)} MB, temp disk peak ${(peakDisk / 1e6).toFixed(1)} MB`);
    await expectEmptyTmp('push');
  };

  for (let i = 1; i <= runs; i++) {
    // donodo push: a fresh tag, so that it is a new version and really uploads.
    await pushDonodo(`${image.name}:run-${i}`, [], 'donodoPush', records.image);
    await pushDonodo(`${image.name}:gz-${i}`, ['--archive-format', 'docker-save'], 'donodoPushGz', records.gz);

    // Baseline push: docker save | pigz -p 2 > f, then curl -T f into a new deposition's bucket (the last one is kept, for the pulls).
    const baseRef = `${image.name}:pigz-${i}`;
    await tag(image.ref, baseRef);
    const b = await baselinePush(zenodo, baseRef, timeoutMs, i === runs);
    await untag(baseRef);
    if (b.url) records.baselineUrl = b.url;
    add('baselinePush', { wallS: b.usage.wallS, cpuS: b.usage.cpuS, peakRssKb: b.usage.peakRssKb, archiveBytes: b.bytes, extraDiskBytes: b.bytes });
    say(`push ${i}/${runs} baseline`, b.usage, ` (${b.usage.parts.map((p) => `${p.command} ${(p.userS + p.sysS).toFixed(1)} s`).join(', ')}), archive ${(b.bytes / 1e6).toFixed(1)} MB`);

    const f = await runner.measure(`{T} docker save ${q(image.ref)} > /dev/null`, { timeoutMs });
    add('floorSave', { wallS: f.wallS, cpuS: f.cpuS, peakRssKb: f.peakRssKb });
    say(`push ${i}/${runs} floor docker save`, f);
  }

  for (let i = 1; i <= runs; i++) {
    const pullDonodo = async (recordId: string, key: OperationKey) => {
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
      add(key, { wallS: u.wallS, cpuS: u.cpuS, peakRssKb: u.peakRssKb, extraDiskBytes: peakDisk });
      say(`pull ${i}/${runs} ${key}`, u, `, temp disk peak ${(peakDisk / 1e6).toFixed(1)} MB`);
      await expectEmptyTmp('pull');
    };
    const pullBaseline = async (url: string, key: OperationKey) => {
      await removeImage(image);
      const b = await runner.measure(`{T} curl -sS -f ${q(url)} | {T} gunzip | {T} docker load`, { cwd, timeoutMs });
      await restore(image, loadedTags(b.stdout));
      add(key, { wallS: b.wallS, cpuS: b.cpuS, peakRssKb: b.peakRssKb });
      say(`pull ${i}/${runs} ${key}`, b, ` (${b.parts.map((p) => `${p.command} ${(p.userS + p.sysS).toFixed(1)} s`).join(', ')})`);
    };
    await pullDonodo(records.image[i - 1]!, 'donodoPull');
    await pullBaseline(records.baselineUrl, 'baselinePull');
    await pullDonodo(records.gz[i - 1]!, 'donodoPullGz');
    await pullDonodo(records.originalRecord, 'donodoPullOriginal');
    await pullBaseline(records.originalUrl, 'baselinePullOriginal');

    await removeImage(image);
    const f = await runner.measure(`{T} cat ${q(tar)} | {T} docker load`, { cwd, timeoutMs });
    await restore(image, loadedTags(f.stdout));
    add('floorLoad', { wallS: f.wallS, cpuS: f.cpuS, peakRssKb: f.peakRssKb });
    say(`pull ${i}/${runs} floor cat tar | docker load`, f);
  }

  await rm(tar, { force: true });
  made.images.get(image.ref)!.tar = undefined;
  return { result: { sizeMb: image.sizeMb, kind: image.kind, ref: image.ref, imageId: image.id, tarBytes, samples }, records };
}

/** Push (per level) and pull end to end with the emulator throttled to `rate` MB/s, against the baselines on the same link. */
async function benchLink(image: BenchImage, zenodo: Emulator, rate: number, records: Records): Promise<LinkResult> {
  const label = `${imageLabel(image)} @ ${rate} MB/s`;
  const timeoutMs = 120_000 + ((image.sizeMb * 1e6) / (rate * 1e6)) * 3000;
  const result: LinkResult = { image: imageLabel(image), sizeMb: image.sizeMb, rate, defaultLevel: DEFAULT_LEVEL, pushByLevel: new Map(), baselinePush: [], donodoPull: [], baselinePull: [] };
  const say = (what: string, u: Usage) => log(`${label} ${what}: ${u.wallS.toFixed(2)} s [load ${loadAverage()}]`);
  zenodo.faults.slowLink(rate * 1e6);
  try {
    for (let i = 1; i <= linkRuns; i++) {
      for (const level of linkLevels) {
        const levelDir = path.join(workDir, `level-${level}`);
        await mkdir(levelDir, { recursive: true });
        await writeFile(path.join(levelDir, 'donodo.config.json'), JSON.stringify({ compressor: { name: 'gzip', options: { level } } }));
        const ref = `${image.name}:link-${rate}-${level}-${i}`;
        await tag(image.ref, ref);
        const u = await runner.measure(`{T} ${q(NODE)} ${q(CLI)} push ${q(ref)} --storage zenodo --zenodo-url ${q(zenodo.apiUrl)} -y --json --no-lock`, {
          cwd: levelDir,
          timeoutMs,
          env: { ZENODO_TOKEN: zenodo.token, TMPDIR: spoolTmp, NO_COLOR: '1' },
        });
        const pushed = lastJson(u.stdout);
        if (pushed.status !== 'published') throw new Error(`donodo push did not publish: ${u.stdout.slice(0, 500)}`);
        await untag(ref);
        let samples = result.pushByLevel.get(level);
        if (!samples) result.pushByLevel.set(level, (samples = []));
        samples.push({ wallS: u.wallS, cpuS: u.cpuS, peakRssKb: u.peakRssKb, archiveBytes: pushed.file.size });
        say(`push level ${level} ${i}/${linkRuns} (${(pushed.file.size / 1e6).toFixed(1)} MB)`, u);
        await expectEmptyTmp('push');
      }
      const baseRef = `${image.name}:link-pigz-${i}`;
      await tag(image.ref, baseRef);
      const b = await baselinePush(zenodo, baseRef, timeoutMs, false);
      await untag(baseRef);
      result.baselinePush.push({ wallS: b.usage.wallS, cpuS: b.usage.cpuS, peakRssKb: b.usage.peakRssKb, archiveBytes: b.bytes });
      say(`baseline push ${i}/${linkRuns}`, b.usage);

      await removeImage(image);
      const p = await runner.measure(`{T} ${q(NODE)} ${q(CLI)} pull ${q(records.image[0]!)} --storage zenodo --zenodo-url ${q(zenodo.apiUrl)} --json`, { cwd, timeoutMs, env: { TMPDIR: spoolTmp, NO_COLOR: '1' } });
      await restore(image, [String(lastJson(p.stdout).image)]);
      result.donodoPull.push({ wallS: p.wallS, cpuS: p.cpuS, peakRssKb: p.peakRssKb });
      say(`donodo pull ${i}/${linkRuns}`, p);

      await removeImage(image);
      const bp = await runner.measure(`{T} curl -sS -f ${q(records.baselineUrl)} | {T} gunzip | {T} docker load`, { cwd, timeoutMs });
      await restore(image, loadedTags(bp.stdout));
      result.baselinePull.push({ wallS: bp.wallS, cpuS: bp.cpuS, peakRssKb: bp.peakRssKb });
      say(`baseline pull ${i}/${linkRuns}`, bp);
    }
  } finally {
    zenodo.faults.slowLink(null);
  }
  return result;
}

/**
 * `docker save | pigz -p 2 > f` then `curl -T f` into a new deposition's bucket; the file is removed
 * after. When `keep`, the deposition is published and the URL of its file given (for the baseline pulls).
 */
async function baselinePush(zenodo: Emulator, ref: string, timeoutMs: number, keep: boolean): Promise<{ usage: Usage; bytes: number; url?: string }> {
  const deposition = await api(zenodo, 'POST', '/deposit/depositions', {});
  const file = path.join(filesDir, 'baseline.tar.gz');
  const usage = await runner.measure(
    `{T} docker save ${q(ref)} | {T} pigz -p 2 > ${q(file)} && ` +
      `{T} curl -sS -f -X PUT -H ${q(`Authorization: Bearer ${zenodo.token}`)} -H 'Content-Type: application/octet-stream' -T ${q(file)} ${q(`${deposition.links.bucket}/image.tar.gz`)}`,
    { cwd, timeoutMs },
  );
  const bytes = (await stat(file)).size;
  const stored = JSON.parse(usage.stdout);
  if (stored.size !== bytes) throw new Error(`the baseline upload stored ${stored.size} bytes of ${bytes}`);
  await rm(file, { force: true });
  if (!keep) {
    await api(zenodo, 'DELETE', `/deposit/depositions/${deposition.id}`);
    return { usage, bytes };
  }
  const published = await publishDeposition(zenodo, deposition.id, { title: `baseline ${ref}`, version: ref.split(':').at(-1)!, notes: '' });
  return { usage, bytes, url: published.url };
}

/** Upload `file` as image.tar.gz into a new deposition and publish it: the record id and its file's URL. */
async function publishFile(zenodo: Emulator, file: string, meta: { title: string; version: string; notes: string }): Promise<{ id: string; url: string }> {
  const deposition = await api(zenodo, 'POST', '/deposit/depositions', {});
  await runner.run('curl', ['-sS', '-f', '-X', 'PUT', '-H', `Authorization: Bearer ${zenodo.token}`, '-H', 'Content-Type: application/octet-stream', '-T', file, `${deposition.links.bucket}/image.tar.gz`], { timeoutMs: 600_000 });
  return publishDeposition(zenodo, deposition.id, meta);
}

async function publishDeposition(zenodo: Emulator, id: string, meta: { title: string; version: string; notes: string }): Promise<{ id: string; url: string }> {
  const metadata = { ...craftedMetadata(meta), description: 'a record made by the benchmark' };
  await api(zenodo, 'PUT', `/deposit/depositions/${id}`, { metadata });
  const published = await api(zenodo, 'POST', `/deposit/depositions/${id}/actions/publish`);
  const record = await api(zenodo, 'GET', `/records/${published.id}`);
  return { id: String(published.id), url: record.files[0].links.self };
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
