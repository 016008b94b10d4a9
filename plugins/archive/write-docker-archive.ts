import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readTarEntries, TarWriter } from '../../src/plugin-api.ts';
import { archiveErrors } from './archive-errors.ts';
import { CONTAINERD_NAME, parseJson, REF_NAME } from './oci-layout.ts';
import { bodyOf, isFile, tarError } from './layout-files.ts';

/**
 * A nameless docker-archive tar (what a pull streams) written to `file` as a plain tar that
 * `docker load` and `podman load` read, with the image's name given back: manifest.json RepoTags,
 * the legacy `repositories` file, and Docker 25+'s index.json name annotations.
 */
export async function writeDockerArchive(incoming: Readable, file: string, input: string, name: string | undefined): Promise<void> {
  const tar = new TarWriter({ highWaterMark: 1024 * 1024 });
  const writing = pipeline(tar, createWriteStream(file, { flags: 'wx' }));
  let topLayer: string | undefined;
  let repositoriesLater = false;
  let seen = 0;
  try {
    for await (const entry of readTarEntries(incoming)) {
      seen++;
      const entryName = entry.name.replace(/\/$/, '');
      if (entry.type === '5') {
        await tar.addDirectory(entryName, { mode: entry.mode });
        continue;
      }
      if (!isFile(entry.type)) throw archiveErrors.unsupported(input, `the archive holds ${entryName}, a link (an image with a repeated layer)`);
      if (!name || !['manifest.json', 'repositories', 'index.json'].includes(entryName)) {
        await tar.addFile(entryName, entry.body, { size: entry.size, mode: entry.mode });
        continue;
      }
      const content = parseJson(await bodyOf(entry.body), input, entryName);
      if (entryName === 'manifest.json') {
        const images = content as Array<Record<string, unknown>>;
        if (!Array.isArray(images) || images.length !== 1) throw archiveErrors.unnamedDestination(input);
        images[0]!.RepoTags = [name];
        const layers = images[0]!.Layers;
        const top = Array.isArray(layers) ? layers[layers.length - 1] : undefined;
        if (typeof top === 'string' && top.endsWith('/layer.tar')) topLayer = path.posix.dirname(top);
        await tar.addFile(entryName, Buffer.from(JSON.stringify(images)));
      } else if (entryName === 'repositories') {
        // It needs the top layer's folder, which manifest.json names: written at the end if that comes later.
        if (topLayer) await tar.addFile(entryName, repositoriesOf(name, topLayer));
        else repositoriesLater = true;
      } else {
        const index = content as { manifests?: Array<{ annotations?: Record<string, string> }> };
        for (const manifest of index.manifests ?? []) manifest.annotations = { ...manifest.annotations, [CONTAINERD_NAME]: fullName(name), [REF_NAME]: tagOf(name) };
        await tar.addFile(entryName, Buffer.from(JSON.stringify(index)));
      }
    }
    if (repositoriesLater && name) await tar.addFile('repositories', topLayer ? repositoriesOf(name, topLayer) : Buffer.from('{}'));
    await tar.finish();
  } catch (cause) {
    tar.destroy(cause as Error);
    await writing.catch(() => undefined);
    throw tarError(cause, input, seen);
  }
  await writing;
}

/** The legacy `repositories` file: `{ "NAME": { "TAG": "<top layer id>" } }`. */
function repositoriesOf(name: string, topLayer: string): Buffer {
  const at = name.lastIndexOf(':');
  return Buffer.from(JSON.stringify({ [name.slice(0, at)]: { [name.slice(at + 1)]: topLayer } }));
}

const tagOf = (name: string) => name.slice(name.lastIndexOf(':') + 1);

/** `team/tool:1` as containerd names it: `docker.io/team/tool:1` (`docker.io/library/x:1` for one component). */
export function fullName(name: string): string {
  const first = name.split('/')[0]!;
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return name;
  return `docker.io/${name.includes('/') ? '' : 'library/'}${name}`;
}
