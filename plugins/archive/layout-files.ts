import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { readTarEntries, TarFormatError, type TarEntry } from '../../src/plugin-api.ts';
import { archiveErrors } from './archive-errors.ts';

/** Files up to this size are kept in memory while a tar is scanned: indexes, manifests, configs. */
const SMALL = 4 * 1024 * 1024;
/** What a scan keeps in memory at most; beyond it small files are read again from the archive when needed. */
const HELD = 64 * 1024 * 1024;

/** The files of an archive or layout folder, as inspection reads them (paths relative to its root). */
export interface LayoutFiles {
  /** What the user wrote, for messages. */
  input: string;
  /** The size of a regular file, undefined when there is none at `name`. */
  size(name: string): Promise<number | undefined>;
  /** The content of a small file (metadata: indexes, manifests, configs), undefined when it is not there. */
  read(name: string): Promise<Buffer | undefined>;
  /** Every entry's path and type (a tar's only; a folder lists none). */
  entries: ReadonlyMap<string, { size: number; type: string }>;
}

/** An OCI layout folder. */
export async function folderFiles(root: string, input: string): Promise<LayoutFiles> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw archiveErrors.notFound(input, `the folder ${root}`);
  if (!info.isDirectory()) throw archiveErrors.notAnImage(input, `${root} is a file, not a layout folder`, 'oci: takes an OCI layout folder; for a tar of one write oci-archive:PATH, for a docker save tar docker-archive:PATH.');
  const inside = (name: string) => {
    const full = path.resolve(root, name);
    if (!full.startsWith(`${path.resolve(root)}${path.sep}`)) throw archiveErrors.corrupt(input, `it names ${name}, outside the layout`);
    return full;
  };
  return {
    input,
    entries: new Map(),
    async size(name) {
      const file = await stat(inside(name)).catch(() => undefined);
      return file?.isFile() ? file.size : undefined;
    },
    async read(name) {
      const file = inside(name);
      const handle = await open(file, 'r').catch(() => undefined);
      if (!handle) return undefined;
      try {
        const { size } = await handle.stat();
        if (!(await handle.stat()).isFile()) return undefined;
        if (size > SMALL) throw archiveErrors.unsupported(input, `${name} is ${size} bytes, far more than image metadata`);
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },
  };
}

/** A tar (plain or gzip), scanned once: every entry listed, its small files held. */
export async function tarFiles(file: string, input: string): Promise<LayoutFiles> {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw archiveErrors.notFound(input, `the file ${file}`);
  if (info.isDirectory()) throw archiveErrors.notAnImage(input, `${file} is a folder`, 'For an OCI layout folder write oci:DIR; docker-archive: and oci-archive: take tar files.');
  const entries = new Map<string, { size: number; type: string }>();
  const held = new Map<string, Buffer>();
  let heldBytes = 0;
  await scanTar(file, input, async (entry) => {
    entries.set(entry.name, { size: entry.size, type: entry.type });
    if (isFile(entry.type) && entry.size <= SMALL && heldBytes + entry.size <= HELD) {
      held.set(entry.name, await bodyOf(entry.body));
      heldBytes += entry.size;
    }
  });
  const fileEntry = (name: string) => {
    const entry = entries.get(name);
    return entry && isFile(entry.type) ? entry : undefined;
  };
  return {
    input,
    entries,
    size: async (name) => fileEntry(name)?.size,
    async read(name) {
      if (held.has(name)) return held.get(name);
      const entry = fileEntry(name);
      if (!entry) return undefined;
      if (entry.size > SMALL) throw archiveErrors.unsupported(input, `${name} is ${entry.size} bytes, far more than image metadata`);
      let found: Buffer | undefined;
      await scanTar(file, input, async (candidate) => {
        if (candidate.name === name && !found) found = await bodyOf(candidate.body);
      });
      return found;
    },
  };
}

/** Entry types that hold a file's bytes. */
export const isFile = (type: string): boolean => type === '0' || type === '7';

/** Read a tar's entries, with its damage as clear errors naming it. */
export async function scanTar(file: string, input: string, each: (entry: TarEntry) => Promise<void>): Promise<void> {
  let seen = 0;
  try {
    for await (const entry of readTarEntries(createReadStream(file, { highWaterMark: 1024 * 1024 }))) {
      seen++;
      await each(entry);
    }
  } catch (cause) {
    throw tarError(cause, input, seen);
  }
  if (seen === 0) throw archiveErrors.notAnImage(input, 'it is an empty tar');
}

/** A tar reader's failure as what it means for the user: not a tar at all, or a damaged one. */
export function tarError(cause: unknown, input: string, seen: number): unknown {
  const code = (cause as { code?: string })?.code;
  if (cause instanceof TarFormatError) {
    return seen === 0 ? archiveErrors.notAnImage(input, 'it is neither a tar nor a gzip-compressed tar') : archiveErrors.corrupt(input, cause.message);
  }
  if (typeof code === 'string' && code.startsWith('Z_')) return archiveErrors.corrupt(input, `its gzip compression is damaged (${(cause as Error).message})`);
  return cause;
}

/** A (small) entry's whole content. */
export async function bodyOf(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
