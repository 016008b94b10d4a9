import type { EngineRules } from '../docker/engine-api.ts';

/**
 * Podman's rules on its Docker-compatible API. It stores an unqualified name under `localhost/`
 * (what `podman build -t x` and `podman load` do) while the compatible tag call would write
 * `docker.io/library/x`: every name donodo hands it is qualified with `localhost/`, and reported
 * back without. `podman save` writes the legacy `docker save` layout. An image by id with several
 * tags is refused with 500 where Docker answers 409.
 */
export const podmanRules: EngineRules = {
  engine: 'Podman service',
  command: 'podman',
  code: 'PODMAN',
  unavailableHint: (errno, { where }) =>
    errno === 'EACCES'
      ? `You may not use the socket ${where}: run as its owner, or start a service of your own (podman system service --time=0 unix://$XDG_RUNTIME_DIR/podman/podman.sock).`
      : `Start the service: podman system service --time=0 ${where} (or systemctl ${where.startsWith('unix:///run/podman/') ? '' : '--user '}start podman.socket), or point CONTAINER_HOST or the socketPath option at one that runs.`,
  qualify: (reference) => (isQualified(reference) ? reference : `localhost/${reference}`),
  unqualify: (reference) => (reference.startsWith('localhost/') ? reference.slice('localhost/'.length) : reference),
  exportFormat: async () => 'docker-save',
  keptOnRemove: (status, message) => status === 409 || (status === 500 && /more than one tag|in use|used by/i.test(message)),
};

/** Whether the name's first component is a registry (`localhost`, or holds a `.` or a `:`), as Docker and Podman read names. */
function isQualified(reference: string): boolean {
  const slash = reference.indexOf('/');
  if (slash < 0) return false;
  const first = reference.slice(0, slash);
  return first === 'localhost' || first.includes('.') || first.includes(':');
}
