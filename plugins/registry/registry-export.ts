import type { Readable } from 'node:stream';
import { OCI_LAYOUT_FILE, OCI_MEDIA, TarWriter, type Logger } from '../../src/plugin-api.ts';
import { downloadBlob } from './blob-download.ts';
import type { RegistryImage } from './registry-image.ts';
import type { RegistrySession } from './registry-session.ts';

const blobName = (digest: string): string => `blobs/sha256/${digest.slice('sha256:'.length)}`;

/**
 * The image as an OCI image layout tar, streamed from the registry: `oci-layout`, `index.json`
 * pointing at the manifest (or index) as served, the manifests and configs (fetched and checked
 * at inspection), every layer blob as the registry serves it (compressed as it is; checked against
 * its digest, resumed where a connection drops), and the `manifest.json` old loaders read.
 * Nothing is decompressed.
 */
export function exportRegistryImage(session: RegistrySession, image: RegistryImage, input: string, logger: Logger): Readable {
  const tar = new TarWriter({ highWaterMark: 1024 * 1024 });
  const job = (async () => {
    const { top, images } = image;
    await tar.addFile('oci-layout', Buffer.from(OCI_LAYOUT_FILE));
    await tar.addFile('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MEDIA.index, manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }] })));
    const written = new Set<string>([top.digest]);
    await tar.addFile(blobName(top.digest), top.bytes);
    for (const { manifest, config } of images) {
      for (const [digest, bytes] of [[manifest.digest, manifest.bytes], [manifest.config.digest, config]] as const) {
        if (written.has(digest)) continue;
        written.add(digest);
        await tar.addFile(blobName(digest), bytes);
      }
    }
    for (const { manifest } of images) {
      for (const layer of manifest.layers) {
        if (written.has(layer.digest)) continue;
        written.add(layer.digest);
        await tar.addFile(blobName(layer.digest), downloadBlob(session, layer, `layer ${layer.digest}`, input, logger), { size: layer.size });
      }
    }
    const [first] = images;
    await tar.addFile('manifest.json', Buffer.from(JSON.stringify([{ Config: blobName(first!.manifest.config.digest), RepoTags: [], Layers: first!.manifest.layers.map((layer) => blobName(layer.digest)) }])));
  })();
  job.then(
    () => tar.finish(),
    (cause: Error) => tar.destroy(cause),
  ).catch((cause: Error) => tar.destroy(cause));
  return tar;
}
