/**
 * The archive-format benchmark of issue 11 (point 6): today's `image.tar.gz` (the `docker save`
 * stream, gzipped whole) against an OCI image layout with per-layer gzip blobs plus manifest.json,
 * stored as `image.tar`. Both are made by bench/oci-convert.ts with donodo's compressor (plugins/gzip).
 *
 *   npm run bench:format [-- --sizes 500,2000] [--runs 3] [--out bench/RESULTS.md]
 *
 * Per size, N runs alternating, medians:
 *   push A: docker save | oci-convert whole > image.tar.gz      push B: docker save | oci-convert per-layer > image.tar
 *   pull A: curl file:// | gunzip | docker load                  pull B: curl file:// | docker load
 * (the upload is the same bytes for both and is left out; the download is curl from a local file).
 * CPU is user+sys of the pipeline's commands, plus dockerd's own CPU (it inflates B's layers itself).
 * Then, on the smallest size: what docker load, podman load (vfs, own root) and skopeo accept, and
 * whether a restore to a registry (Debian's docker-registry) keeps the archive's manifest digest.
 * Writes its section into bench/RESULTS.md between markers (bench.ts keeps it).
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describeMachine } from './machine.ts';
import { ensureImage, type BenchImage } from './payload.ts';
import { FORMAT_BEGIN, FORMAT_END, median } from './report.ts';
import { GNU_TIME, q, type Usage } from './run.ts';
import { machineTable, sideBench, writeSection } from './side-bench.ts';

const bench = await sideBench('format', '500,2000');
const { root, sizes, sizesText, runs, log, workDir, runner } = bench;
const NODE = process.execPath;
const CONVERT = path.join(root, 'bench/oci-convert.ts');
const cleanups: (() => Promise<unknown>)[] = [];

type Op = 'pushA' | 'pushB' | 'pullA' | 'pullB';
const LABEL: Record<Op, string> = {
  pushA: 'push A `image.tar.gz`: `docker save \\| gzip whole`',
  pushB: 'push B `image.tar`: `docker save \\| OCI layout, gzip per layer`',
  pullA: 'pull A: `curl \\| gunzip \\| docker load`',
  pullB: 'pull B: `curl \\| docker load`',
};
interface Row {
  wallS: number;
  cpuS: number;
  dockerdS: number;
  bytes?: number;
}

try {
  for (const tool of ['docker', 'curl', 'gunzip', 'podman', 'skopeo', 'docker-registry', GNU_TIME]) await runner.run('bash', ['-c', `command -v ${q(tool)}`]);
  const machine = await describeMachine(runner, root, workDir);
  const dockerd = (await runner.capture('pidof', ['dockerd'])).trim().split(' ')[0]!;
  const images: BenchImage[] = [];
  for (const size of sizes) images.push(await ensureImage(size, runner, workDir, log));

  const tables: string[] = [];
  let checks: string[] = [];
  for (const [n, image] of images.entries()) {
    const rows: Record<Op, Row[]> = { pushA: [], pushB: [], pullA: [], pullB: [] };
    const gz = path.join(workDir, 'image.tar.gz');
    const tar = path.join(workDir, 'image.tar');
    const digests = new Set<string>();
    let converted: any;
    const timeoutMs = 120_000 + image.sizeMb * 500;
    const measure = async (op: Op, script: string, file?: string) => {
      const before = await dockerdCpu(dockerd);
      const u: Usage = await runner.measure(script, { timeoutMs });
      const row: Row = { wallS: u.wallS, cpuS: u.cpuS, dockerdS: (await dockerdCpu(dockerd)) - before, bytes: file ? (await stat(file)).size : undefined };
      rows[op].push(row);
      log(`${image.sizeMb} MB ${op}: ${row.wallS.toFixed(2)} s, CPU ${row.cpuS.toFixed(2)} s + dockerd ${row.dockerdS.toFixed(2)} s${row.bytes ? `, ${(row.bytes / 1e6).toFixed(1)} MB` : ''}`);
      return u;
    };
    for (let i = 1; i <= runs; i++) {
      await measure('pushA', `{T} docker save ${q(image.ref)} | {T} ${q(NODE)} ${q(CONVERT)} whole ${q(gz)}`, gz);
      const b = await measure('pushB', `{T} docker save ${q(image.ref)} | {T} ${q(NODE)} ${q(CONVERT)} per-layer ${q(tar)}`, tar);
      converted = JSON.parse(b.stdout);
      digests.add(converted.manifestDigest);
    }
    for (let i = 1; i <= runs; i++) {
      for (const [op, script] of [
        ['pullA', `{T} curl -sS ${q(`file://${gz}`)} | {T} gunzip | {T} docker load`],
        ['pullB', `{T} curl -sS ${q(`file://${tar}`)} | {T} docker load`],
      ] as const) {
        await runner.run('docker', ['rmi', '-f', image.id], { timeoutMs: 300_000 });
        await measure(op, script);
        const id = (await runner.capture('docker', ['image', 'inspect', '--format', '{{.Id}}', image.ref])).trim();
        if (id !== image.id) throw new Error(`${op} loaded ${id}, expected ${image.id}`);
      }
    }
    tables.push(table(image, rows, digests));
    if (n === 0) checks = await acceptance(image, gz, tar, converted);
    await rm(gz, { force: true });
    await rm(tar, { force: true });
  }

  await writeSection(bench, FORMAT_BEGIN, FORMAT_END, [
    '## Archive format (issue 11, point 6): `image.tar.gz` vs OCI layout with per-layer gzip as `image.tar`',
    '',
    `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: \`npm run bench:format -- --sizes ${sizesText} --runs ${runs}\`, medians of ${runs} alternating runs. Written by \`bench/format.ts\`.`,
    'Both archives are made by `bench/oci-convert.ts` with donodo\'s compressor (plugins/gzip, default options: level 6, 1 MiB blocks, adaptive),',
    'A over the whole `docker save` stream, B per layer (blobs/sha256/<digest of the gzip blob>, index.json, oci-layout, and a manifest.json whose Layers are the gzip blobs).',
    'The upload (the same bytes within 0.1 %) is left out of push; pull downloads with curl from a local file. CPU = user+sys of the pipeline; dockerd = the daemon\'s own CPU during the operation, with its children (unpigz).',
    '',
    ...machineTable(machine),
    '',
    ...tables,
    '',
    ...checks,
  ]);
} finally {
  for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
  await rm(workDir, { recursive: true, force: true });
}

/**
 * dockerd's user+sys CPU seconds so far, its finished children included (Docker 20.10 inflates
 * gzip layers with `unpigz` when it is on its PATH): /proc/PID/stat utime, stime, cutime, cstime.
 */
async function dockerdCpu(pid: string): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

function table(image: BenchImage, rows: Record<Op, Row[]>, digests: Set<string>): string {
  const m = (op: Op, k: keyof Row) => median(rows[op].map((r) => r[k] ?? NaN));
  const line = (op: Op) =>
    `| ${LABEL[op]} | ${m(op, 'wallS').toFixed(2)} s | ${rows[op].map((r) => r.wallS.toFixed(2)).join(', ')} | ${m(op, 'cpuS').toFixed(2)} s | ${m(op, 'dockerdS').toFixed(2)} s | ${op.startsWith('push') ? `${(m(op, 'bytes') / 1e6).toFixed(1)} MB` : '—'} |`;
  return [
    `### ${image.sizeMb} MB image (${image.ref}, 2 layers: half text, half random)`,
    '',
    '| operation | wall (median) | runs | CPU pipeline | CPU dockerd | archive |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...(['pushA', 'pushB', 'pullA', 'pullB'] as const).map(line),
    '',
    `B's manifest digest over the ${runs} runs: ${[...digests].map((d) => `\`${d.slice(0, 19)}…\``).join(', ')} (${digests.size === 1 ? 'reproducible' : 'NOT reproducible'}).`,
    '',
  ].join('\n');
}

/** What the loaders accept, and what a restore to a registry does with the digests. */
async function acceptance(image: BenchImage, gz: string, tar: string, converted: any): Promise<string[]> {
  const plain = path.join(workDir, 'plain.tar');
  await runner.run('bash', ['-c', `gunzip -c ${q(gz)} > ${q(plain)}`]);
  const out: string[] = ['### What loads it (the smallest size)', '', '| loader | A `image.tar.gz` | A gunzipped first | B `image.tar` |', '| --- | --- | --- | --- |'];
  const attempt = async (script: string, expectId: string | undefined) => {
    try {
      const r = await runner.run('bash', ['-c', `set -o pipefail; ${script}`], { timeoutMs: 600_000 });
      return expectId === undefined ? `ok: ${r.stdout.trim().split('\n').at(-1)}` : r.stdout.includes(expectId.slice(7)) ? 'ok, same image id' : `loaded, other id: ${r.stdout.trim().slice(0, 80)}`;
    } catch (error) {
      return `**refused**: ${(error as Error).message.split('\n').filter((l) => /error|Error|refus|invalid/.test(l)).at(-1)?.trim().slice(0, 140) ?? 'failed'}`;
    }
  };
  const docker = async (script: string) => {
    await runner.run('docker', ['rmi', '-f', image.id], { timeoutMs: 300_000 });
    const r = await attempt(`${script} >/dev/null && docker image inspect --format '{{.Id}}' ${q(image.ref)}`, image.id);
    if (!(await runner.run('docker', ['image', 'inspect', image.id]).then(() => true, () => false))) await runner.run('docker', ['load', '-i', plain], { timeoutMs: 600_000 });
    return r;
  };
  const podman = async (file: string) => {
    const p = `podman --storage-driver=vfs --root ${q(path.join(workDir, 'pr'))} --runroot ${q(path.join(workDir, 'prr'))}`;
    const r = await attempt(`${p} load -i ${q(file)} >/dev/null && ${p} images -q --no-trunc`, image.id);
    await runner.run('bash', ['-c', `${p} rmi -af >/dev/null 2>&1; rm -rf ${q(path.join(workDir, 'pr'))} ${q(path.join(workDir, 'prr'))} 2>/dev/null || true`]);
    return r;
  };
  out.push(`| \`docker load -i\` (${(await runner.capture('docker', ['version', '--format', '{{.Server.Version}}'])).trim()}) | ${await docker(`docker load -i ${q(gz)}`)} | ${await docker(`docker load -i ${q(plain)}`)} | ${await docker(`docker load -i ${q(tar)}`)} |`);
  out.push(`| original donodo pull (\`gunzip \\| docker load\` for .gz, \`docker load\` for .tar) | ${await docker(`gunzip -c ${q(gz)} | docker load`)} | — | ${await docker(`docker load < ${q(tar)}`)} |`);
  out.push(`| \`podman load -i\` (${(await runner.capture('podman', ['--version'])).trim()}, vfs) | ${await podman(gz)} | ${await podman(plain)} | ${await podman(tar)} |`);
  const sk = async (t: string) => attempt(`skopeo inspect --raw ${t} | sha256sum | cut -c1-64 && skopeo inspect --config ${t} >/dev/null`, undefined);
  out.push(`| \`skopeo inspect\` (sha256 of the raw manifest) | — | docker-archive: ${await sk(`docker-archive:${plain}`)} | oci-archive: ${await sk(`oci-archive:${tar}`)}; docker-archive: ${await sk(`docker-archive:${tar}`)} |`);

  // Restore to a registry.
  const port = await freePort();
  const regDir = path.join(workDir, 'registry');
  await writeFile(path.join(workDir, 'registry.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${regDir}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const reg = (await import('node:child_process')).spawn('docker-registry', ['serve', path.join(workDir, 'registry.yml')], { stdio: 'ignore' });
  cleanups.push(async () => reg.kill('SIGTERM'));
  for (let i = 0; i < 50 && !(await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 200));
  const registry = `127.0.0.1:${port}`;
  const S = 'skopeo --insecure-policy';
  const digestAt = async (repo: string) => (await runner.capture('bash', ['-c', `${S} inspect --tls-verify=false --format '{{.Digest}}' docker://${registry}/${repo}`])).trim();
  const layersAt = async (repo: string) =>
    (JSON.parse(await runner.capture('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry}/${repo}`])).layers as { digest: string }[]).map((l) => l.digest.slice(7, 19)).join(', ');
  await runner.run('bash', ['-c', `${S} copy -q --dest-tls-verify=false oci-archive:${q(tar)} docker://${registry}/b:1`], { timeoutMs: 600_000 });
  const bDigest = await digestAt('b:1');
  await runner.run('docker', ['tag', image.ref, `${registry}/engine:1`]);
  await runner.run('docker', ['push', `${registry}/engine:1`], { timeoutMs: 600_000 });
  await runner.run('docker', ['rmi', `${registry}/engine:1`]);
  const ours = (converted.layers as { digest: string }[]).map((l) => l.digest.slice(7, 19)).join(', ');
  out.push(
    '',
    '### Restore to a registry (Debian docker-registry on localhost)',
    '',
    '| restore | manifest digest in the registry | layer digests |',
    '| --- | --- | --- |',
    `| B: \`skopeo copy oci-archive:image.tar docker://…\` | \`${bDigest.slice(0, 19)}…\` (${bDigest === converted.manifestDigest ? '**= the archive\'s manifest digest**' : `≠ the archive's ${converted.manifestDigest.slice(0, 19)}…`}) | ${(await layersAt('b:1')) === ours ? 'the archive\'s blobs, byte for byte' : 'recompressed'}: ${ours} |`,
    `| the same image, \`docker push\` from the engine (what A gives after a load) | \`${(await digestAt('engine:1')).slice(0, 19)}…\` | Docker's own gzip: ${await layersAt('engine:1')} |`,
  );
  await rm(plain, { force: true });
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
