import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { TarWriter } from '../archive/tar-writer.ts';

/** A tar made of files given in memory. */
async function tarOf(files: Array<[string, Buffer]>): Promise<Buffer> {
  const tar = new TarWriter();
  const bytes = buffer(tar);
  for (const [name, content] of files) await tar.addFile(name, content);
  await tar.finish();
  return bytes;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Write a `docker save` archive of a tiny image (one layer holding one file of unique content) to
 * `file`, named `reference`: a push source (`docker-archive:FILE`) that needs no engine. Each call
 * makes another image; returns its id (`sha256:` of the config).
 */
export async function writeImageArchive(file: string, reference: string): Promise<string> {
  const layer = await tarOf([['data/unique.txt', Buffer.from(`${reference} ${randomBytes(16).toString('hex')}\n`)]]);
  const diffId = `sha256:${sha256(layer)}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Cmd: ['/data/unique.txt'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'donodo storage conformance suite' }],
    }),
  );
  const configName = `${sha256(config)}.json`;
  const layerName = `${sha256(layer)}/layer.tar`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [reference], Layers: [layerName] }]));
  await writeFile(file, await tarOf([[configName, config], [layerName, layer], ['manifest.json', manifest]]));
  return `sha256:${sha256(config)}`;
}
