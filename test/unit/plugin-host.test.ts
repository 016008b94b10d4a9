import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PluginDeps } from '../../src/contracts/plugin.ts';
import { PluginHost } from '../../src/plugins/plugin-host.ts';
import { builtinPlugins } from '../../src/plugins/builtin-plugins.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');
const deps: PluginDeps = {
  version: '0',
  userAgent: 'test',
  baseDir: fixtures,
  env: {},
  logger: { debug() {}, warn() {} },
  addSecret() {},
  interactive: false,
};

describe('the plugin host', () => {
  it('makes the first built-in of each kind its default, in the order of the list', () => {
    const host = new PluginHost(builtinPlugins);
    expect(host.list('storage').map((p) => p.name)).toEqual(['zenodo', 'dir', 'invenio']);
    // docker is the default source; the others serve their own transports (archive: files and layouts).
    expect(host.list('image-source').map((p) => p.name)).toEqual(['docker', 'archive', 'podman', 'registry']);
  });

  it('loads a third-party module relative to the config and validates its options with its own schema', async () => {
    const host = new PluginHost(builtinPlugins);
    await host.loadModules(['./stamp-metadata.mjs'], fixtures);
    const error = await host.create('metadata', 'stamp', { keyword: '' }, deps).catch((e) => e);
    expect(error).toMatchObject({ code: 'PLUGIN_OPTIONS', details: ['options.keyword: must NOT have fewer than 1 characters (got "")'] });
    const missing = await host.create('metadata', 'stamp', {}, deps).catch((e) => e);
    expect(missing.details).toEqual(['options.keyword: is required but missing']);
    const provider = await host.create('metadata', 'stamp', { keyword: 'reproducibility' }, deps);
    expect(await provider.provide({ keywords: ['docker image'] }, { image: {} as never, baseDir: fixtures, templates: [], archive: { key: 'image.tar', format: 'oci-layout' } })).toEqual({ keywords: ['docker image', 'reproducibility'] });
  });

  it('refuses two plugins of one kind with the same name', async () => {
    const host = new PluginHost(builtinPlugins);
    await host.loadModules(['./stamp-metadata.mjs'], fixtures);
    await expect(host.loadModules(['./stamp-metadata.mjs'], fixtures)).rejects.toMatchObject({ code: 'PLUGIN_DUPLICATE' });
  });

  it('tags an error that escapes a plugin with the plugin name, and calls a non-donodo error a plugin fault', async () => {
    const host = new PluginHost([
      ...builtinPlugins,
      { kind: 'metadata', name: 'broken', create: () => ({ provide: () => { throw new TypeError('boom'); } }) },
    ]);
    const provider = await host.create('metadata', 'broken', {}, deps);
    let error: any;
    try {
      await provider.provide({}, { image: {} as never, baseDir: fixtures, templates: [], archive: { key: 'image.tar', format: 'oci-layout' } });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'PLUGIN_FAILED', plugin: 'broken', message: 'Plugin "broken" failed during provide: boom' });
  });

  it('names the known plugins when a name is unknown', () => {
    const host = new PluginHost(builtinPlugins);
    expect(() => host.get('compressor', 'zstd')).toThrow(expect.objectContaining({ code: 'PLUGIN_UNKNOWN', hint: expect.stringContaining('gzip') }));
  });
});
