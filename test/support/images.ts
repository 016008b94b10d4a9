import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Run the docker CLI against the real engine. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * Build a small runnable image FROM scratch (busybox-static, no registry needed). Each call gets
 * unique content, so each image has its own id. Returns the image id.
 */
export async function buildTestImage(reference: string, options: { labels?: Record<string, string>; extraBytes?: number } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-image-'));
  try {
    await copyFile('/bin/busybox', path.join(dir, 'busybox'));
    await writeFile(path.join(dir, 'unique.txt'), `${reference} ${randomBytes(16).toString('hex')}\n`);
    await writeFile(path.join(dir, 'payload.bin'), randomBytes(options.extraBytes ?? 0));
    const labels = Object.entries(options.labels ?? {}).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
    await writeFile(
      path.join(dir, 'Dockerfile'),
      ['FROM scratch', 'COPY busybox /bin/busybox', 'COPY unique.txt payload.bin /data/', ...labels, 'CMD ["/bin/busybox", "cat", "/data/unique.txt"]', ''].join('\n'),
    );
    // --no-cache: cached layers shared between test images could be removed by another test's rmi in the middle of a build.
    await run('docker', ['build', '-q', '--no-cache', '-t', reference, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    return docker('image', 'inspect', '--format', '{{.Id}}', reference);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Remove images, ignoring those that are already gone. */
export async function removeImages(...references: string[]): Promise<void> {
  for (const reference of references) await run('docker', ['rmi', '-f', reference]).catch(() => undefined);
}

export async function imageId(reference: string): Promise<string | undefined> {
  return docker('image', 'inspect', '--format', '{{.Id}}', reference).catch(() => undefined);
}

/** `docker load` reading an archive on its standard input, as the original donodo's pull streams a download into it; what it printed. */
export function dockerLoadFrom(archive: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['load'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`docker load exited ${code}: ${out}`))));
    archive.pipe(child.stdin);
  });
}
