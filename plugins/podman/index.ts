import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { EngineApi } from '../docker/engine-api.ts';
import { modemConnection } from '../docker/modem-connection.ts';
import { podmanRules } from './podman-rules.ts';
import { podmanSocket } from './podman-socket.ts';

export interface PodmanOptions {
  socketPath?: string;
}

/** Images in Podman, through the Docker-compatible API of its service (`podman system service`). */
const plugin: DonodoPlugin<'image-source', PodmanOptions> = {
  kind: 'image-source',
  name: 'podman',
  transports: ['podman'],
  description: 'Podman, through its service socket (CONTAINER_HOST, $XDG_RUNTIME_DIR/podman/podman.sock or /run/podman/podman.sock)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      socketPath: {
        type: 'string',
        description: 'Unix socket of the Podman service; default: CONTAINER_HOST, else $XDG_RUNTIME_DIR/podman/podman.sock where it exists, else /run/podman/podman.sock.',
      },
    },
  },
  create: (options, deps) => new EngineApi(modemConnection(deps.env, podmanSocket(options.socketPath, deps.env)), podmanRules),
};

export default plugin;
