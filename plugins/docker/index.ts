import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { DockerImageSource, type DockerOptions } from './docker-image-source.ts';

/** Images from the Docker engine at DOCKER_HOST, or the local socket. */
const plugin: DonodoPlugin<'image-source', DockerOptions> = {
  kind: 'image-source',
  name: 'docker',
  transports: ['docker-daemon'],
  description: 'The Docker engine (DOCKER_HOST or /var/run/docker.sock)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      socketPath: { type: 'string', description: 'Unix socket of the engine; default: DOCKER_HOST, else /var/run/docker.sock.' },
    },
  },
  create: (options, deps) => new DockerImageSource(options, deps.env),
};

export default plugin;
