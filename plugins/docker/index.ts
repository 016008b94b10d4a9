import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { dockerRules } from './docker-rules.ts';
import { EngineApi } from './engine-api.ts';
import { modemConnection } from './modem-connection.ts';

export interface DockerOptions {
  socketPath?: string;
}

/** Images from the Docker engine at DOCKER_HOST (unix://, tcp:// with TLS, ssh://, npipe://), or the local socket. */
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
  create: (options, deps) =>
    new EngineApi(modemConnection(deps.env, options.socketPath ? { path: options.socketPath, chosenBy: 'from the socketPath option' } : undefined), dockerRules),
};

export default plugin;
