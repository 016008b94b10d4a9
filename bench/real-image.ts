/**
 * A "real" benchmark image: built FROM scratch out of this machine's own installed files (shared
 * libraries, Python packages, already-compressed data, locales, docs), the regular files of
 * /usr/lib then /usr/share in byte order of their paths, taken until the size is reached. The list
 * is deterministic on a machine (and says what it holds: its hash is the spec label), so reruns reuse
 * the image; another machine builds the same kind of image from its own files.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchImage } from './payload.ts';
import { q, type Runner } from './run.ts';

export const REAL_ROOTS = ['/usr/lib', '/usr/share'];
const SPEC_LABEL = 'org.donodo.bench.spec';

export function realImageName(sizeMb: number): string {
  return `donodo-bench/real-${sizeMb}mb`;
}

/** `size path` of the files taken, in order, and their total. */
async function fileList(sizeMb: number, runner: Runner): Promise<{ lines: string[]; bytes: number }> {
  // Regular files only (links would point out of the image), readable, on the same file system; C byte order.
  const out = await runner.capture('bash', ['-c', `find ${REAL_ROOTS.map(q).join(' ')} -xdev -type f -readable -printf '%s %p\\n' 2>/dev/null | LC_ALL=C sort -k2`], { timeoutMs: 300_000 });
  const lines: string[] = [];
  let bytes = 0;
  for (const line of out.split('\n')) {
    if (!line) continue;
    const space = line.indexOf(' ');
    const size = Number(line.slice(0, space));
    if (!Number.isFinite(size) || /[\n\\]/.test(line)) continue;
    lines.push(line);
    bytes += size;
    if (bytes >= sizeMb * 1e6) break;
  }
  return { lines, bytes };
}

/** The real image of about this size: reused when its spec label (the hash of its file list) matches, else built. */
export async function ensureRealImage(sizeMb: number, runner: Runner, workDir: string, log: (line: string) => void): Promise<BenchImage> {
  const name = realImageName(sizeMb);
  const ref = `${name}:base`;
  const { lines, bytes } = await fileList(sizeMb, runner);
  if (bytes < sizeMb * 1e6 * 0.9) throw new Error(`${REAL_ROOTS.join(' and ')} hold only ${(bytes / 1e6).toFixed(0)} MB of files: too little for a ${sizeMb} MB real image`);
  const spec = createHash('sha256').update(`real-v1\n${lines.join('\n')}`).digest('hex');
  const existing = await runner.capture('docker', ['image', 'inspect', '--format', `{{.Id}} {{index .Config.Labels "${SPEC_LABEL}"}}`, ref]).catch(() => undefined);
  if (existing) {
    const [id, label] = existing.trim().split(' ');
    if (label === spec && id) {
      log(`real ${sizeMb} MB: reusing ${ref} (${id.slice(7, 19)}, ${lines.length} files)`);
      return { sizeMb, name, ref, id, reused: true, kind: 'real' };
    }
  }
  const context = await mkdtemp(path.join(workDir, `real-${sizeMb}-`));
  try {
    const started = performance.now();
    log(`real ${sizeMb} MB: copying ${lines.length} files (${(bytes / 1e6).toFixed(0)} MB) of ${REAL_ROOTS.join(', ')} into a build context`);
    const list = path.join(context, 'files.txt');
    await writeFile(list, lines.map((line) => line.slice(line.indexOf(' ') + 2)).join('\n') + '\n');
    await mkdir(path.join(context, 'root'));
    await runner.run('bash', ['-c', `tar -C / --no-recursion -cf - -T ${q(list)} | tar -C ${q(path.join(context, 'root'))} -xf -`], { timeoutMs: 600_000 });
    await writeFile(path.join(context, 'Dockerfile'), ['FROM scratch', 'COPY root/ /', `LABEL ${SPEC_LABEL}="${spec}" org.donodo.bench.kind="real" org.donodo.bench.size-mb="${sizeMb}"`, ''].join('\n'));
    await rm(list);
    await runner.capture('docker', ['build', '-q', '-t', ref, context], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 + sizeMb * 600 });
    const id = (await runner.capture('docker', ['image', 'inspect', '--format', '{{.Id}}', ref])).trim();
    log(`real ${sizeMb} MB: built ${ref} (${id.slice(7, 19)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { sizeMb, name, ref, id, reused: false, kind: 'real' };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
