import archive from '../../plugins/archive/index.ts';
import defaultsMetadata from '../../plugins/defaults-metadata/index.ts';
import dir from '../../plugins/dir/index.ts';
import docker from '../../plugins/docker/index.ts';
import podman from '../../plugins/podman/index.ts';
import registry from '../../plugins/registry/index.ts';
import gzip from '../../plugins/gzip/index.ts';
import labelsMetadata from '../../plugins/labels-metadata/index.ts';
import templatesMetadata from '../../plugins/templates-metadata/index.ts';
import zenodo from '../../plugins/zenodo/index.ts';
import invenio from '../../plugins/invenio/index.ts';
import type { AnyPlugin } from '../contracts/plugin.ts';

/**
 * The built-in plugins, listed once. The first plugin of each kind is that kind's default (so
 * Zenodo is the default storage, as with the original donodo, whose users' CI jobs expect it);
 * metadata plugins all apply, in this order, unless the configuration lists its own.
 * Removing an entry is all it takes to drop a plugin.
 */
export const builtinPlugins: readonly AnyPlugin[] = [docker, archive, podman, registry, zenodo, dir, invenio, gzip, defaultsMetadata, labelsMetadata, templatesMetadata];
