/**
 * The registry benchmark of issue 12: pushes straight from an OCI registry (Debian's
 * docker-registry on loopback) and pulls back into one, against the shell pipelines a user would
 * write without donodo, into the same in-process Zenodo emulator.
 *
 *   npm run bench:registry [-- --sizes 500] [--runs 3] [--out bench/RESULTS.md]
 *
 * Per size, N alternating runs, medians:
 *   push R: donodo push docker://REG/bench:1 --tag run-i (no engine involved)
 *   push S: skopeo copy docker://REG/bench:1 docker-archive:f && pigz -p 2 f && curl -T f.gz (the baseline)
 *   push E: donodo push NAME:TAG from the Docker engine (the CPU the registry push is compared with)
 *   pull R: donodo pull RECORD docker://REG/restore-i
 *   pull S: curl the record's file > f && skopeo copy docker-archive:f docker://REG/base-i (the baseline)
 * Writes its section into bench/RESULTS.md between markers (bench.ts keeps it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startEmulator } from '../test/emulator/index.ts';
import { describeMachine } from './machine.ts';
import { ensureImage } from './payload.ts';
import { median, REGISTRY_BEGIN, REGISTRY_END } from './report.ts';
import { GNU_TIME, q, type Usage } from './run.ts';
import { machineTable, sideBench, writeSection } from './side-bench.ts';

const bench = await sideBench('registry', '500');
const { root, sizes, sizesText, runs, log, workDir, runner } = bench;
const NODE = process.execPath;
const CLI = path.join(root, 'bin/donodo.js');
console.error('bench: building the CLI (npm run build)');
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
const cleanups: (() => Promise<unknown>)[] = [];
type Op = 'pushR' | 'pushS' | 'pushE' | 'pullR' | 'pullS';
const LABEL: Record<Op, string> = {
  pushR: 'push R: `donodo push docker://…`',
  pushS: 'push S: `skopeo copy docker://… docker-archive:f` + `pigz -p 2` + `curl -T`',
  pushE: 'push E: `donodo push NAME:TAG` from the Docker engine',
  pullR: 'pull R: `donodo pull … docker://…`',
  pullS: 'pull S: `curl` the file + `skopeo copy docker-archive:f docker://…`',
};

try {
  for (const tool of ['docker', 'curl', 'pigz', 'skopeo', 'docker-registry', GNU_TIME]) await runner.run('bash', ['-c', `command -v ${q(tool)}`]);
  const machine = await describeMachine(runner, root, workDir);
  const zenodo = await startEmulator({ maxFileSize: 50e9, quotaSize: 50e9 });
  cleanups.push(() => zenodo.close());
  const port = 20000 + Math.floor(Math.random() * 20000);
  const host = `127.0.0.1:${port}`;
  await writeFile(path.join(workDir, 'registry.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(workDir, 'registry')}\nhttp:\n  addr: ${host}\n`);
  const registry = spawn('docker-registry', ['serve', path.join(workDir, 'registry.yml')], { stdio: 'ignore' });
  cleanups.push(async () => registry.kill('SIGTERM'));
  for (let i = 0; i < 100 && !(await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  const env = { ZENODO_TOKEN: zenodo.token, NO_COLOR: '1', TMPDIR: workDir };
  const zen = `--storage zenodo --zenodo-url ${q(zenodo.apiUrl)}`;
  const tables: string[] = [];
  for (const size of sizes) {
    const base = await ensureImage(size, runner, workDir, log);
    // A tag of this run's own: the shared engine's `:base` may be removed by another run meanwhile.
    const image = { ...base, name: `donodo-bench-registry/payload-${size}mb-${process.pid}`, ref: `donodo-bench-registry/payload-${size}mb-${process.pid}:base` };
    await runner.run('docker', ['tag', base.id, image.ref]);
    cleanups.push(() => runner.run('docker', ['rmi', image.ref]));
    const timeoutMs = 120_000 + size * 1000;
    await runner.run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-daemon:${image.ref}`, `docker://${host}/bench:1`], { timeoutMs });
    const rows: Record<Op, Usage[]> = { pushR: [], pushS: [], pushE: [], pullR: [], pullS: [] };
    const measure = async (op: Op, script: string) => {
      const u = await runner.measure(script, { timeoutMs, env });
      rows[op].push(u);
      log(`${size} MB ${op}: ${u.wallS.toFixed(2)} s, CPU ${u.cpuS.toFixed(2)} s, peak ${(u.peakRssKb / 1024).toFixed(0)} MB`);
      return u;
    };
    const records: string[] = [];
    for (let i = 1; i <= runs; i++) {
      const r = await measure('pushR', `{T} ${q(NODE)} ${q(CLI)} push docker://${host}/bench:1 --tag run-${i} ${zen} -y --json --no-lock`);
      records.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!).recordId);
      const deposition = await (await fetch(`${zenodo.apiUrl}/deposit/depositions`, { method: 'POST', headers: { Authorization: `Bearer ${zenodo.token}`, 'Content-Type': 'application/json' }, body: '{}' })).json() as { links: { bucket: string } };
      const f = path.join(workDir, 'baseline.tar');
      await measure('pushS', `{T} skopeo copy --quiet --src-tls-verify=false docker://${host}/bench:1 docker-archive:${q(f)}:bench:1 && {T} pigz -p 2 ${q(f)} && {T} curl -sS -f -X PUT -H ${q(`Authorization: Bearer ${zenodo.token}`)} -H 'Content-Type: application/octet-stream' -T ${q(`${f}.gz`)} ${q(`${deposition.links.bucket}/image.tar.gz`)} >/dev/null`);
      await rm(`${f}.gz`, { force: true });
      await runner.run('docker', ['tag', image.ref, `${image.name}:engine-${i}`]);
      await measure('pushE', `{T} ${q(NODE)} ${q(CLI)} push ${q(`${image.name}:engine-${i}`)} ${zen} -y --json --no-lock`);
      await runner.run('docker', ['rmi', `${image.name}:engine-${i}`]);
    }
    const digest = (await runner.capture('bash', ['-c', `skopeo inspect --raw --tls-verify=false docker://${host}/bench:1 | sha256sum | cut -c1-64`])).trim();
    const same: boolean[] = [];
    for (const [i, record] of records.entries()) {
      await measure('pullR', `{T} ${q(NODE)} ${q(CLI)} pull ${record} docker://${host}/restore-${i}:1 ${zen} --json`);
      same.push((await runner.capture('bash', ['-c', `skopeo inspect --raw --tls-verify=false docker://${host}/restore-${i}:1 | sha256sum | cut -c1-64`])).trim() === digest);
      const f = path.join(workDir, 'pulled.tar');
      await measure('pullS', `{T} curl -sS -f -o ${q(f)} ${q(`${zenodo.apiUrl}/records/${record}/files/image.tar/content`)} && {T} skopeo copy --quiet --dest-tls-verify=false docker-archive:${q(f)} docker://${host}/base-${i}:1`);
      await rm(f, { force: true });
    }
    const m = (op: Op, k: 'wallS' | 'cpuS' | 'peakRssKb') => median(rows[op].map((u) => u[k]));
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    tables.push(
      [
        `### ${size} MB image (${image.ref})`,
        '',
        '| operation | wall (median) | runs | CPU (user+sys) | peak memory |',
        '| --- | ---: | --- | ---: | ---: |',
        ...(Object.keys(LABEL) as Op[]).map((op) => `| ${LABEL[op]} | ${m(op, 'wallS').toFixed(2)} s | ${rows[op].map((u) => u.wallS.toFixed(2)).join(', ')} | ${m(op, 'cpuS').toFixed(2)} s | ${(m(op, 'peakRssKb') / 1024).toFixed(0)} MB |`),
        '',
        '| figure | target | measured |',
        '| --- | ---: | ---: |',
        `| push R / push S (wall) | ≤ 0.50 | ${ratio(m('pushR', 'wallS'), m('pushS', 'wallS'))} |`,
        `| CPU of push R / CPU of push E | ≤ 0.25 | ${ratio(m('pushR', 'cpuS'), m('pushE', 'cpuS'))} |`,
        `| pull R / pull S (wall) | ≤ 1.00 | ${ratio(m('pullR', 'wallS'), m('pullS', 'wallS'))} |`,
        `| peak memory of donodo (push R, pull R) | ≤ 150 MB | ${(m('pushR', 'peakRssKb') / 1024).toFixed(0)} MB, ${(m('pullR', 'peakRssKb') / 1024).toFixed(0)} MB |`,
        '',
        `Pulled back into the registry, the manifest digest is the source's (\`${digest.slice(0, 12)}…\`, skopeo inspect --raw): ${same.every(Boolean) ? 'every run' : `**not in ${same.filter((s) => !s).length} runs**`}.`,
        '',
      ].join('\n'),
    );
  }
  await writeSection(bench, REGISTRY_BEGIN, REGISTRY_END, [
    '## Registries (issue 12): push from `docker://`, pull into `docker://`',
    '',
    `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: \`npm run bench:registry -- --sizes ${sizesText} --runs ${runs}\`, medians of ${runs} runs. Written by \`bench/registry.ts\`.`,
    'Debian docker-registry on loopback, the Zenodo emulator in-process; CPU = user+sys of the commands (GNU time), peak memory = max RSS of the largest.',
    '',
    ...machineTable(machine),
    '',
    ...tables,
  ]);
} finally {
  for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
  await rm(workDir, { recursive: true, force: true });
}
