import { BLOCK, isZeroBlock, paddingOf, parseHeader, parsePax } from './tar-header.ts';

/** Entry types that carry no data whatever their size field says (links, devices, folders, fifos). */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6']);
/** Extension entries: pax local ('x') and global ('g') records, GNU long name ('L') and long link name ('K'). */
const EXTENSIONS = new Set(['x', 'g', 'L', 'K']);
/** Long names and pax records are a few hundred bytes. */
const MAX_EXTENSION = 1024 * 1024;

/** An entry's header, with the GNU long names and pax records before it applied. */
export interface TarEntryHeader {
  /** The path, a leading `./` taken off (`.` for the archive's root folder). */
  name: string;
  /** Bytes of data that follow (0 for links, folders, devices and fifos). */
  size: number;
  /** Type flag: '0' a file ('\0' and '7' read as files too), '5' a folder, '2' a symlink, '1' a hard link… */
  type: string;
  /** A link's target ('' for other types). */
  linkname: string;
  mode: number;
  /** The pax records that apply to it (global ones, then its own). */
  pax: Readonly<Record<string, string>>;
  /** The raw header block, as it was in the archive. */
  block: Buffer;
}

/**
 * What a {@link TarParser} reports, in archive order. The raw bytes of an archive are exactly, in
 * order: what `extension` gets, each `entry`'s `block`, its `data` and `padding`, and what `trailer` gets.
 */
export interface TarHandlers {
  /** Raw bytes of an extension entry (its header block, data and padding) as they pass. */
  extension?(raw: Buffer): void;
  /** An entry starts. */
  entry?(header: TarEntryHeader): void;
  /** The next piece of the current entry's content (never padding). */
  data?(chunk: Buffer): void;
  /** Zero padding after the current entry's content. */
  padding?(raw: Buffer): void;
  /** The current entry's content (and padding) have all passed. */
  entryEnd?(): void;
  /** The archive ends: at its first zero block, or where the input ended between entries. */
  end?(): void;
  /** The zero blocks that end the archive and whatever follows them, raw. */
  trailer?(raw: Buffer): void;
}

/** The input is not a (complete) tar; `message` says what is wrong with it. */
export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

type State = 'header' | 'data' | 'padding' | 'extension' | 'trailer';

/**
 * The one tar state machine of donodo: push-based, fed chunks of any size as they arrive, calling
 * its handlers synchronously. Handles ustar, GNU (long names, base-256 sizes) and pax (local and
 * global records: path, linkpath, size), padding and the zero blocks that end an archive. Memory is
 * bounded: one header block and at most 1 MiB of extension records; content is only sliced, never
 * copied or held. Throws {@link TarFormatError} for a damaged archive, and whatever a handler throws.
 */
export class TarParser {
  readonly #handlers: TarHandlers;
  #state: State = 'header';
  readonly #header = Buffer.alloc(BLOCK);
  #headerFill = 0;
  /** Content bytes left in the current entry (or extension), then padding bytes left. */
  #left = 0;
  #padding = 0;
  #extension?: { type: string; chunks: Buffer[]; size: number };
  #longName?: string;
  #longLink?: string;
  #pax: Record<string, string> = {};
  #globalPax: Record<string, string> = {};
  #ended = false;

  constructor(handlers: TarHandlers) {
    this.#handlers = handlers;
  }

  /** Whether the archive's end was reached. */
  get ended(): boolean {
    return this.#ended;
  }

  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const slice = (take: number) => {
        const piece = at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take);
        at += take;
        return piece;
      };
      switch (this.#state) {
        case 'header': {
          const take = Math.min(BLOCK - this.#headerFill, chunk.length - at);
          chunk.copy(this.#header, this.#headerFill, at, at + take);
          this.#headerFill += take;
          at += take;
          if (this.#headerFill === BLOCK) {
            this.#headerFill = 0;
            this.#onHeader(Buffer.from(this.#header));
          }
          break;
        }
        case 'data': {
          const piece = slice(Math.min(this.#left, chunk.length - at));
          this.#left -= piece.length;
          this.#handlers.data?.(piece);
          if (this.#left === 0) this.#afterContent();
          break;
        }
        case 'extension': {
          const piece = slice(Math.min(this.#left + this.#padding, chunk.length - at));
          const content = Math.min(this.#left, piece.length);
          if (content > 0) this.#extension!.chunks.push(Buffer.from(piece.subarray(0, content)));
          this.#left -= content;
          this.#padding -= piece.length - content;
          this.#handlers.extension?.(piece);
          if (this.#left === 0 && this.#padding === 0) this.#endOfExtension();
          break;
        }
        case 'padding': {
          const piece = slice(Math.min(this.#padding, chunk.length - at));
          this.#padding -= piece.length;
          this.#handlers.padding?.(piece);
          if (this.#padding === 0) this.#endOfEntry();
          break;
        }
        case 'trailer': {
          const piece = slice(chunk.length - at);
          this.#handlers.trailer?.(piece);
          break;
        }
      }
    }
  }

  /** The input ended: throws when it ended inside an entry or header; reports the end if no zero block did. */
  finish(): void {
    if (this.#state === 'data' || this.#state === 'padding' || this.#state === 'extension') throw new TarFormatError('it ends in the middle of a file');
    if (this.#headerFill) throw new TarFormatError('it ends in the middle of a header');
    if (this.#longName !== undefined || this.#longLink !== undefined || Object.keys(this.#pax).length) throw new TarFormatError('it ends after an extended header, with no file');
    this.#reachEnd();
  }

  #onHeader(block: Buffer): void {
    if (isZeroBlock(block)) {
      this.#reachEnd();
      this.#state = 'trailer';
      this.#handlers.trailer?.(block);
      return;
    }
    let header;
    try {
      header = parseHeader(block);
    } catch (cause) {
      throw new TarFormatError((cause as Error).message);
    }
    if (EXTENSIONS.has(header.type)) {
      if (header.size > MAX_EXTENSION) throw new TarFormatError(`an extended header of ${header.size} bytes`);
      this.#extension = { type: header.type, chunks: [], size: header.size };
      this.#left = header.size;
      this.#padding = paddingOf(header.size);
      this.#state = 'extension';
      this.#handlers.extension?.(block);
      if (this.#left === 0 && this.#padding === 0) this.#endOfExtension();
      return;
    }
    const pax = { ...this.#globalPax, ...this.#pax };
    const raw = (this.#longName ?? pax.path ?? header.name).replace(/^(\.\/+)+/, '');
    const paxSize = pax.size === undefined ? undefined : Number(pax.size);
    if (paxSize !== undefined && !(Number.isSafeInteger(paxSize) && paxSize >= 0)) throw new TarFormatError(`a pax size record of "${pax.size}"`);
    const size = NO_DATA.has(header.type) ? 0 : (paxSize ?? header.size);
    const linkname = header.type === '1' || header.type === '2' ? (this.#longLink ?? pax.linkpath ?? header.linkname) : '';
    this.#longName = undefined;
    this.#longLink = undefined;
    this.#pax = {};
    const type = header.type === '\0' ? '0' : header.type;
    this.#handlers.entry?.({ name: raw || '.', size, type, linkname, mode: header.mode, pax, block });
    this.#left = size;
    this.#padding = paddingOf(size);
    this.#state = 'data';
    if (size === 0) this.#afterContent();
  }

  #afterContent(): void {
    if (this.#padding > 0) this.#state = 'padding';
    else this.#endOfEntry();
  }

  #endOfEntry(): void {
    this.#state = 'header';
    this.#handlers.entryEnd?.();
  }

  #endOfExtension(): void {
    const { type, chunks, size } = this.#extension!;
    const data = Buffer.concat(chunks, size);
    this.#extension = undefined;
    this.#state = 'header';
    if (type === 'L') this.#longName = data.toString('utf8').replace(/\0+$/, '');
    else if (type === 'K') this.#longLink = data.toString('utf8').replace(/\0+$/, '');
    else if (type === 'g') this.#globalPax = { ...this.#globalPax, ...parsePax(data) };
    else this.#pax = { ...this.#pax, ...parsePax(data) };
  }

  #reachEnd(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#handlers.end?.();
  }
}
