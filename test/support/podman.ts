import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real Podman service of a test's own: its storage in a temporary folder (vfs), its socket there too. */
export interface PodmanService {
  /** The service's socket path. */
  socket: string;
  /** `CONTAINER_HOST` pointing at the socket, for the CLI runs. */
  env: { CONTAINER_HOST: string };
  /** Run the podman CLI on the service's storage. */
  podman(...args: string[]): Promise<string>;
  /** `podman images`: each tag (`localhost/NAME:TAG`, or `<none>:<none>`) with its image id, sorted. */
  images(): Promise<string[]>;
  /** Stop the service and remove its storage. */
  stop(): Promise<void>;
}

/**
 * Start `podman system service` on a temporary root with the vfs driver (no overlay mounts, as in
 * CI containers), and wait until it answers `_ping`. Podman missing fails the test: CI installs it.
 */
export async function startPodman(): Promise<PodmanService> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'donodo-podman-'));
  const socket = path.join(root, 'podman.sock');
  const storage = ['--storage-driver=vfs', '--root', path.join(root, 'storage'), '--runroot', path.join(root, 'run')];
  const service = spawn('podman', [...storage, 'system', 'service', '--time=0', `unix://${socket}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  service.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<Error>((resolve) => {
    service.once('error', (cause) => resolve(new Error(`podman could not be started (${cause.message}): install it (apt-get install podman)`)));
    service.once('exit', (code) => resolve(new Error(`podman system service exited (${code}): ${log}`)));
  });
  const stop = async () => {
    await stopService(service);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await Promise.race([answers(socket, 60_000), exited.then((e) => Promise.reject(e))]);
  } catch (cause) {
    await stop();
    throw cause;
  }
  const podman = async (...args: string[]) => (await run('podman', [...storage, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  return {
    socket,
    env: { CONTAINER_HOST: `unix://${socket}` },
    podman,
    images: async () => (await podman('images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).split('\n').filter(Boolean).sort(),
    stop,
  };
}

/** Wait until the socket answers `GET /_ping` with OK. */
async function answers(socket: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ socketPath: socket, path: '/_ping' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.once('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`podman system service did not answer on ${socket} within ${timeoutMs / 1000} s`);
}

async function stopService(service: ChildProcess): Promise<void> {
  if (service.exitCode !== null || service.signalCode !== null || service.pid === undefined) return;
  const gone = new Promise((resolve) => service.once('exit', resolve));
  service.kill('SIGTERM');
  const timer = setTimeout(() => service.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}
