import './defer-unused-dependencies.ts'; // before docker-modem: see there
import Modem from 'docker-modem';
import { DonodoError } from '../../src/plugin-api.ts';

/** How to reach an engine's API, and where that is in words a user recognises. */
export interface EngineConnection {
  modem: Modem;
  /** The address, e.g. `unix:///run/podman/podman.sock`, `tcp://10.0.0.5:2376`. */
  where: string;
  /** What chose it, e.g. `from DOCKER_HOST`, `from the socketPath option`. */
  chosenBy: string;
}

/**
 * The variables docker-modem reads from `process.env` while it is constructed: the address
 * (unix://, npipe://, tcp://, ssh://, or host:port), TLS (`DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`
 * with ca.pem, cert.pem and key.pem), a path prefix, a timeout, and the ssh agent.
 */
const MODEM_VARIABLES = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_PATH_PREFIX', 'DOCKER_CLIENT_TIMEOUT', 'SSH_AUTH_SOCK'] as const;

/**
 * A docker-modem for the engine that `env` names, parsed by docker-modem itself (so ssh://,
 * tcp:// with TLS and npipe:// mean what they mean to the docker CLI). docker-modem reads only the
 * process environment, but a plugin must follow the environment donodo hands it: for the moment of
 * construction (synchronous, so nothing else runs meanwhile) the process sees exactly `env`'s
 * values of these variables, and its own afterwards. A `socketPath` wins over `DOCKER_HOST`.
 */
export function modemConnection(env: Record<string, string | undefined>, socketPath?: { path: string; chosenBy: string }): EngineConnection {
  const seen: Record<string, string | undefined> = Object.fromEntries(MODEM_VARIABLES.map((name) => [name, env[name]]));
  if (socketPath) seen.DOCKER_HOST = undefined; // unset, else docker-modem's host would win over the socket
  // The docker CLI's default ports (docker-modem would take 80): 2376 with TLS, else 2375.
  if (seen.DOCKER_HOST && /^tcp:\/\/(?:[^/:[\]]+|\[[^\]]+\])\/?$/.test(seen.DOCKER_HOST)) {
    seen.DOCKER_HOST = `${seen.DOCKER_HOST.replace(/\/$/, '')}:${seen.DOCKER_TLS_VERIFY ? 2376 : 2375}`;
  }
  const host = seen.DOCKER_HOST;
  let modem: Modem;
  try {
    modem = withProcessEnv(seen, () => new Modem(socketPath ? { socketPath: socketPath.path } : {}));
  } catch (cause) {
    throw invalidSetting(cause, seen);
  }
  if (socketPath) return { modem, where: `unix://${socketPath.path}`, chosenBy: socketPath.chosenBy };
  if (host) return { modem, where: host, chosenBy: 'from DOCKER_HOST' };
  return { modem, where: 'unix:///var/run/docker.sock (or ~/.docker/run/docker.sock where it exists)', chosenBy: 'the default, as DOCKER_HOST is not set' };
}

function withProcessEnv<T>(values: Record<string, string | undefined>, construct: () => T): T {
  const saved = Object.keys(values).map((name) => [name, process.env[name]] as const);
  const set = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
  try {
    for (const [name, value] of Object.entries(values)) set(name, value);
    return construct();
  } finally {
    for (const [name, value] of saved) set(name, value);
  }
}

/** docker-modem refused the address, or could not read the TLS files: say which setting. */
function invalidSetting(cause: unknown, seen: Record<string, string | undefined>): DonodoError {
  const code = (cause as { code?: string }).code;
  if (code && seen.DOCKER_CERT_PATH) {
    return new DonodoError('DOCKER_CERT_PATH_INVALID', `DOCKER_CERT_PATH "${seen.DOCKER_CERT_PATH}" cannot be read: ${(cause as Error).message}.`, {
      hint: 'It must be a folder holding ca.pem, cert.pem and key.pem (as docker --tlsverify reads them); fix or unset DOCKER_CERT_PATH.',
      cause,
    });
  }
  return new DonodoError('DOCKER_HOST_INVALID', `DOCKER_HOST "${seen.DOCKER_HOST}" is not an engine address (${(cause as Error).message}).`, {
    hint: 'Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:port or ssh://user@host, or unset it to use the local socket.',
    cause,
  });
}
