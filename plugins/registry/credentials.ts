import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registryErrors } from './registry-errors.ts';

/** A user and password (or token) for a registry. */
export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * The credentials the user has for a registry host, looked up as Podman and Docker do, the first
 * file that knows the host winning: `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
 * then Docker's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`). In a file, a `credHelpers` entry
 * for the host, then its `auths` entry, then the `credsStore` helper (`docker-credential-NAME get`).
 * Undefined when nothing is known: the registry is asked anonymously.
 */
export async function findCredentials(host: string, env: Record<string, string | undefined>, input: string): Promise<Credentials | undefined> {
  const files = [
    env.REGISTRY_AUTH_FILE,
    env.XDG_RUNTIME_DIR && path.join(env.XDG_RUNTIME_DIR, 'containers/auth.json'),
    env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, 'config.json') : env.HOME && path.join(env.HOME, '.docker/config.json'),
  ].filter((file): file is string => Boolean(file));
  const keys = hostKeys(host);
  for (const file of files) {
    const config = await readAuthFile(file);
    if (!config) continue;
    const helper = keys.map((key) => config.credHelpers?.[key]).find(Boolean);
    if (helper) return askHelper(helper, host, env, input);
    const entry = keys.map((key) => config.auths?.[key]).find(Boolean);
    if (entry) {
      const found = fromEntry(entry);
      if (found) return found;
      if (config.credsStore) return askHelper(config.credsStore, host, env, input);
      continue;
    }
    if (config.credsStore) {
      const found = await askHelper(config.credsStore, host, env, input);
      if (found) return found;
    }
  }
  return undefined;
}

/** The keys a host may be stored under (`docker login` writes Docker Hub as its v1 URL). */
function hostKeys(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === 'docker.io') keys.push('https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io');
  return keys;
}

async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as AuthFile;
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined; // as docker does with a file it cannot read: no credentials from it
  }
}

function fromEntry(entry: { auth?: string; username?: string; password?: string }): Credentials | undefined {
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon > 0 ? { username: text.slice(0, colon), password: text.slice(colon + 1) } : undefined;
}

/** `docker-credential-NAME get`, the host on stdin; "credentials not found" is no credentials. */
function askHelper(helper: string, host: string, env: Record<string, string | undefined>, input: string): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) return Promise.reject(registryErrors.helper(input, helper, 'its name is not a plain program name'));
  const server = host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, ['get'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', (cause) => reject(registryErrors.helper(input, helper, (cause as NodeJS.ErrnoException).code === 'ENOENT' ? `docker-credential-${helper} is not on the PATH` : cause.message)));
    child.once('close', (code) => {
      if (code !== 0) {
        if (/credentials not found/i.test(stdout + stderr)) return resolve(undefined);
        return reject(registryErrors.helper(input, helper, `it exited with ${code}`));
      }
      try {
        const value = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (!value.Secret) return resolve(undefined);
        resolve({ username: value.Username ?? '', password: value.Secret });
      } catch {
        reject(registryErrors.helper(input, helper, 'its answer is not JSON'));
      }
    });
    child.stdin.end(server);
  });
}
