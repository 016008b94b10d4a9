/** What the benchmark ran on, and which compressor donodo used. */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { TextSource, Xoshiro128 } from './payload.ts';
import { q, type Runner } from './run.ts';

export interface Machine {
  lines: [string, string][];
}

export async function describeMachine(runner: Runner, root: string, workDir: string): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const memKb = Number(/^MemTotal:\s*(\d+)/m.exec(meminfo)?.[1] ?? NaN);
  const text = async (cmd: string, args: string[]) => {
    const r = await runner.run(cmd, args, { timeoutMs: 30_000 }).catch(() => undefined);
    return ((r?.stdout ?? '') + (r?.stderr ?? '')).trim().split('\n')[0] ?? '';
  };
  const docker = await text('docker', ['version', '--format', 'server {{.Server.Version}}, client {{.Client.Version}}']);
  const driver = await text('docker', ['info', '--format', '{{.Driver}}']);
  const commit = await text('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = await text('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'plugins']);
  return {
    lines: [
      ['cores (nproc)', `${await text('nproc', [])} (os.availableParallelism ${os.availableParallelism()})`],
      ['CPU', model],
      ['memory', Number.isFinite(memKb) ? `${(memKb / 1024 / 1024).toFixed(1)} GiB` : `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ['kernel', `${os.type()} ${os.release()} ${os.arch()}`],
      ['docker', `${docker}, storage driver ${driver}`],
      ['node', process.version],
      ['tools', [await text('pigz', ['--version']), await text('gzip', ['--version']), (await text('curl', ['--version'])).split(' ').slice(0, 2).join(' ')].join(', ')],
      ['donodo', `commit ${commit}${dirty ? ' + uncommitted changes in src/ or plugins/' : ''}`],
      ['compressor', `${await compressorFingerprint(runner, root)}: ${await probeCompressor(root, runner, workDir)}`],
    ],
  };
}

/** A fingerprint of plugins/gzip's source (file count, hash, committed or not), to tie figures to a version. */
export async function compressorFingerprint(runner: Runner, root: string): Promise<string> {
  const dir = path.join(root, 'plugins/gzip');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.ts')).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(await readFile(path.join(dir, file)));
  const status = (await runner.run('git', ['-C', root, 'status', '--porcelain', '--', 'plugins/gzip'], { timeoutMs: 30_000 }).catch(() => undefined))?.stdout.trim();
  return `plugins/gzip (${files.length} files, source sha256 ${hash.digest('hex').slice(0, 12)}${status ? ', with uncommitted changes' : ''})`;
}

/**
 * Whether the compressor donodo uses is parallel, measured rather than read from its source: compress
 * 32 MiB of bench text with the default options, in this process (before anything else runs), and
 * compare the CPU time of the process with the wall time.
 */
export async function probeCompressor(root: string, runner: Runner, workDir: string): Promise<string> {
  try {
    const module = await import(pathToFileURL(path.join(root, 'plugins/gzip/index.ts')).href);
    const plugin = module.default;
    const compressor = plugin.create({}, {});
    const sample = Buffer.alloc(8 * 1024 * 1024);
    new TextSource(new Xoshiro128(1)).fill(sample);
    const blocks = 32; // 32 MiB: the 8 MiB sample 4 times, in 1 MiB chunks
    async function* input() {
      for (let i = 0; i < blocks; i++) yield Buffer.from(sample.subarray((i % 8) * 1024 * 1024, ((i % 8) + 1) * 1024 * 1024));
    }
    let out = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pipeline(Readable.from(input()), compressor.compress(), new Writable({ write: (chunk: Buffer, _e, cb) => ((out += chunk.length), cb()) }));
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const busy = (cpu.user + cpu.system) / 1000 / wallMs;
    const mbs = (blocks * 1024 * 1024) / 1e6 / (wallMs / 1000);
    // The same input through pigz -p 2, for scale (on a busy machine neither gets both cores).
    const file = path.join(workDir, 'probe.txt');
    await writeFile(file, Buffer.concat([sample, sample, sample, sample]));
    const pigz = await runner.measure(`{T} pigz -p 2 -6 -c ${q(file)} > /dev/null`, { timeoutMs: 60_000 }).finally(() => rm(file, { force: true }));
    const verdict = busy >= 1.3 ? 'ran in parallel' : 'did NOT run in parallel here';
    return (
      `${verdict}: ${busy.toFixed(2)} cores busy, ${mbs.toFixed(0)} MB/s on 32 MiB of bench text (pigz -p 2 on the same: ${(pigz.cpuS / pigz.wallS).toFixed(2)} cores, ` +
      `${((blocks * 1024 * 1024) / 1e6 / pigz.wallS).toFixed(0)} MB/s), ratio ${((blocks * 1024 * 1024) / out).toFixed(2)}, default options (threads ${compressor.threads ?? '?'}), load average ${loadAverage()}`
    );
  } catch (error) {
    return `probe failed: ${(error as Error).message}`;
  }
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
