import os from 'node:os';
import path from 'node:path';
import type { DonodoPlugin } from '../../src/plugin-api.ts';
import { DirStorage } from './dir-storage.ts';

export interface DirOptions {
  path?: string;
}

/** A local archive folder: each image name a concept, each tag a published version. */
const plugin: DonodoPlugin<'storage', DirOptions> = {
  kind: 'storage',
  name: 'dir',
  description: 'A local archive folder (offline use, demos, tests)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description: 'The archive folder, relative to the config file. Default: $XDG_DATA_HOME/donodo/archive (~/.local/share/donodo/archive).',
      },
    },
  },
  cliOptions: [{ flags: '--dir <path>', option: 'path', description: 'archive folder of the dir storage' }],
  create(options, deps) {
    const dataHome = deps.env.XDG_DATA_HOME || path.join(deps.env.HOME || os.homedir(), '.local', 'share');
    const root = options.path ? path.resolve(deps.baseDir, options.path) : path.join(dataHome, 'donodo', 'archive');
    return new DirStorage(root);
  },
};

export default plugin;
