import type { EngineRules } from './engine-api.ts';

/** The Docker engine's rules: names as written, `docker save` as an OCI layout from Docker 25 (API 1.44) on, 409 for an image it keeps. */
export const dockerRules: EngineRules = {
  engine: 'Docker engine',
  command: 'docker',
  code: 'DOCKER',
  unavailableHint: (errno) =>
    errno === 'EACCES'
      ? 'You may not use the Docker socket: run as a member of the docker group, or set DOCKER_HOST.'
      : 'Start the Docker engine (dockerd) there, or point DOCKER_HOST at one that runs.',
  qualify: (reference) => reference,
  unqualify: (reference) => reference,
  exportFormat: async (apiVersion) => (apiAtLeast(await apiVersion(), 1, 44) ? 'oci-layout' : 'docker-save'),
  keptOnRemove: (status) => status === 409,
};

function apiAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}
