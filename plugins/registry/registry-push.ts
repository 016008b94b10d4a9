import { PassThrough, Readable } from 'node:stream';
import { OCI_MEDIA, readTarEntries, type ArchiveWriter, type Logger } from '../../src/plugin-api.ts';
import { registryErrors } from './registry-errors.ts';
import { INDEXES, MANIFESTS, sha256Of, type Descriptor } from './registry-manifests.ts';
import type { RegistryReference } from './registry-reference.ts';
import type { RegistrySession } from './registry-session.ts';

/** Blobs up to this size are held until the end (configs, manifests, small layers); larger ones are uploaded as they stream past. */
const HELD = 1024 * 1024;
const BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;

/** What a push to a registry did, for the report. */
export interface PushedImage {
  digest: string;
  uploaded: number;
  skipped: number;
  mounted: number;
}

/**
 * A pull into a registry: the verified OCI layout tar a pull streams is read entry by entry; each
 * layer blob goes up as it passes (skipped when the repository has it already: HEAD, or mounted
 * from the repository the image was archived from where that is the same registry), and at
 * {@link ArchiveWriter.commit} the configs, the manifests (each by digest) and the top manifest or
 * index (under the tag) are put, byte for byte as archived, so the registry serves the same digest.
 * Until then no tag points at anything new; a discarded push leaves only unreferenced blobs, which
 * the registry's garbage collection removes.
 */
export function registryWriter(session: RegistrySession, ref: RegistryReference, tag: string, mountFrom: string | undefined, logger: Logger): ArchiveWriter & { result?: PushedImage } {
  const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
  const held = new Map<string, Buffer>();
  const sent = new Set<string>();
  const counts = { uploaded: 0, skipped: 0, mounted: 0 };
  let index: Buffer | undefined;
  const reading = (async () => {
    for await (const entry of readTarEntries(stream)) {
      const hex = BLOB.exec(entry.name)?.[1];
      if (entry.name === 'index.json') index = await collect(entry.body);
      else if (hex && entry.size <= HELD) held.set(`sha256:${hex}`, await collect(entry.body));
      else if (hex) {
        await upload(session, ref, `sha256:${hex}`, entry.size, entry.body, mountFrom, counts);
        sent.add(`sha256:${hex}`);
      } else entry.body.resume();
    }
  })();
  reading.catch(() => undefined);
  const writer: ArchiveWriter & { result?: PushedImage } = {
    stream,
    async commit() {
      await reading;
      if (!index) throw registryErrors.corrupt(ref.input, 'archive', 'it is not an OCI layout (no index.json): only image.tar records donodo made from an OCI layout can go to a registry');
      const top = (JSON.parse(index.toString('utf8')) as { manifests?: Descriptor[] }).manifests?.[0];
      if (!top || !held.has(top.digest)) throw registryErrors.corrupt(ref.input, 'archive', 'its index.json names no manifest it holds');
      const blob = async (digest: string) => {
        if (sent.has(digest)) return;
        const bytes = held.get(digest);
        if (!bytes) throw registryErrors.corrupt(ref.input, 'archive', `it lacks the blob ${digest}`);
        await upload(session, ref, digest, bytes.length, Readable.from([bytes]), mountFrom, counts);
        sent.add(digest);
      };
      const manifest = async (digest: string, reference: string) => {
        const bytes = held.get(digest)!;
        const value = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
        const mediaType = value.mediaType ?? (value.manifests ? OCI_MEDIA.index : OCI_MEDIA.manifest);
        if (INDEXES.has(mediaType)) {
          for (const child of value.manifests ?? []) {
            if (!held.has(child.digest)) throw registryErrors.corrupt(ref.input, 'archive', `its index names the manifest ${child.digest}, which it does not hold`);
            await manifest(child.digest, child.digest);
          }
        } else if (MANIFESTS.has(mediaType)) {
          for (const layer of value.layers ?? []) await blob(layer.digest);
          await blob(value.config!.digest);
        } else throw registryErrors.mediaType(ref.input, mediaType);
        const answer = await session.request('PUT', `manifests/${reference}`, `manifest ${digest}`, { 'content-type': mediaType }, { body: bytes });
        await answer.body?.cancel().catch(() => undefined);
        const stated = answer.headers.get('docker-content-digest');
        if (stated && stated !== digest) throw registryErrors.digestMismatch(ref.input, `the manifest put`, digest, stated);
      };
      if (sha256Of(held.get(top.digest)!) !== top.digest) throw registryErrors.digestMismatch(ref.input, 'the archived manifest', top.digest, sha256Of(held.get(top.digest)!));
      await manifest(top.digest, tag);
      writer.result = { digest: top.digest, ...counts };
      logger.debug(`${ref.input}: ${counts.uploaded} blobs uploaded, ${counts.skipped} already there, ${counts.mounted} mounted`);
      return `docker://${ref.host}/${ref.repository}:${tag}@${top.digest}`;
    },
    async discard() {
      stream.destroy();
      await reading.catch(() => undefined);
    },
  };
  return writer;
}

async function collect(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** One blob: nothing when the repository has it (HEAD), a mount from `mountFrom` where the registry offers it, else a monolithic upload. */
async function upload(session: RegistrySession, ref: RegistryReference, digest: string, size: number, body: Readable, mountFrom: string | undefined, counts: { uploaded: number; skipped: number; mounted: number }): Promise<void> {
  const what = `blob ${digest}`;
  const head = await session.request('HEAD', `blobs/${digest}`, what, {}, { expect: [404] });
  if (head.status !== 404) {
    counts.skipped++;
    body.resume();
    return;
  }
  const mount = mountFrom && mountFrom !== ref.repository ? `?mount=${digest}&from=${encodeURIComponent(mountFrom)}` : '';
  const started = await session.request('POST', `blobs/uploads/${mount}`, what, { 'content-length': '0' }, { expect: [201, 202] });
  await started.body?.cancel().catch(() => undefined);
  if (started.status === 201) {
    counts.mounted++;
    body.resume();
    return;
  }
  const location = started.headers.get('location');
  if (!location) throw registryErrors.status(ref.input, what, started.status, 'the upload has no Location');
  const url = new URL(location, session.base);
  url.searchParams.set('digest', digest);
  const put = await session.request('PUT', url.href, what, { 'content-type': 'application/octet-stream', 'content-length': String(size) }, { body: Readable.toWeb(body) as ReadableStream });
  await put.body?.cancel().catch(() => undefined);
  counts.uploaded++;
}
