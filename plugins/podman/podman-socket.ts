import { existsSync } from 'node:fs';
import path from 'node:path';
import { DonodoError } from '../../src/plugin-api.ts';

/**
 * The Podman service's socket: the socketPath option, else CONTAINER_HOST (unix:// only), else the
 * user's own service (`$XDG_RUNTIME_DIR/podman/podman.sock`) where it exists, else the system's
 * (`/run/podman/podman.sock`).
 */
export function podmanSocket(socketPath: string | undefined, env: Record<string, string | undefined>): { path: string; chosenBy: string } {
  if (socketPath) return { path: socketPath, chosenBy: 'from the socketPath option' };
  const host = env.CONTAINER_HOST;
  if (host) {
    if (!host.startsWith('unix://') || host.length === 'unix://'.length) {
      throw new DonodoError('PODMAN_HOST_INVALID', `CONTAINER_HOST "${host}" is not a unix:// socket address.`, {
        hint: 'donodo reaches Podman through its local service: set CONTAINER_HOST to unix:///path/to/podman.sock (podman system service --time=0 unix:///path/to/podman.sock starts one), or unset it.',
      });
    }
    return { path: host.slice('unix://'.length), chosenBy: 'from CONTAINER_HOST' };
  }
  const user = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined;
  if (user && existsSync(user)) return { path: user, chosenBy: "the user's default, $XDG_RUNTIME_DIR/podman/podman.sock" };
  return { path: '/run/podman/podman.sock', chosenBy: `the system default, as CONTAINER_HOST is not set${user ? ` and ${user} does not exist` : ''}` };
}
