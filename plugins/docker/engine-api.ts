import type { Readable } from 'node:stream';
import './defer-unused-dependencies.ts'; // before dockerode: see there
import Docker from 'dockerode';
import {
  DonodoError,
  type ArchiveFormat,
  type EngineImage,
  type ExportedImage,
  type ImageDetails,
  type ImageEngine,
  type ImageLocation,
  type LoadedImage,
} from '../../src/plugin-api.ts';
import { readLoadMessages } from './load-messages.ts';
import type { EngineConnection } from './modem-connection.ts';

/** What differs between engines that speak the Docker API (Docker itself, Podman's compatible service). */
export interface EngineRules {
  /** How messages name the engine: `Docker engine`, `Podman service`. */
  engine: string;
  /** Its command-line tool, for what users may run: `docker`, `podman`. */
  command: string;
  /** Prefix of the error codes: `DOCKER` gives DOCKER_UNAVAILABLE, DOCKER_LOAD_FAILED, DOCKER_FAILED. */
  code: string;
  /** What to do when nothing answers at `where` (`errno`: ENOENT, ECONNREFUSED, EACCES, …). */
  unavailableHint(errno: string, where: EngineConnection): string;
  /** The engine's own name for a `NAME:TAG` as donodo writes it (Podman stores unqualified names under `localhost/`). */
  qualify(reference: string): string;
  /** donodo's name for a `NAME:TAG` the engine reports (the inverse of {@link qualify}). */
  unqualify(reference: string): string;
  /** The layout the engine's export writes; `apiVersion` asks the engine for its API version. */
  exportFormat(apiVersion: () => Promise<string>): Promise<ArchiveFormat>;
  /** Whether a failed removal is the engine keeping an image that a container uses or other tags name. */
  keptOnRemove(status: number | undefined, message: string): boolean;
}

/**
 * An image source and target on an engine's Docker-compatible API: inspect, export, list, load, tag
 * and remove through dockerode, with the engine's own rules for names and errors. Nothing is forced.
 */
export class EngineApi implements ImageEngine {
  readonly #docker: Docker;
  readonly #connection: EngineConnection;
  readonly #rules: EngineRules;
  #apiVersion?: Promise<string>;

  /** A plain property, not a getter: donodo reads plugin instances through a proxy, where a getter cannot reach `#rules`. */
  readonly command: string;

  constructor(connection: EngineConnection, rules: EngineRules) {
    this.command = rules.command;
    // dockerode takes a ready modem (`opts.modem`), which its types do not list.
    this.#docker = new Docker({ modem: connection.modem } as Docker.DockerOptions);
    this.#connection = connection;
    this.#rules = rules;
  }

  async inspect(location: ImageLocation): Promise<ImageDetails> {
    const reference = referenceOf(location);
    let info: Docker.ImageInspectInfo & { Variant?: string };
    try {
      info = await this.#docker.getImage(this.#rules.qualify(reference)).inspect();
    } catch (cause) {
      throw this.#translate(cause, reference);
    }
    const named = this.#rules.unqualify(reference);
    const at = named.lastIndexOf(':');
    return {
      id: info.Id,
      name: named.slice(0, at),
      tag: named.slice(at + 1),
      created: info.Created,
      labels: { ...(info.Config?.Labels ?? {}) },
      size: info.Size,
      platform: { os: info.Os, architecture: info.Architecture, ...(info.Variant ? { variant: info.Variant } : {}) },
      inspect: info as unknown as Record<string, unknown>,
    };
  }

  async export(location: ImageLocation): Promise<ExportedImage> {
    const reference = referenceOf(location);
    try {
      const [stream, format] = await Promise.all([
        this.#docker.getImage(this.#rules.qualify(reference)).get() as Promise<Readable>,
        this.#rules.exportFormat(() => (this.#apiVersion ??= this.#docker.version().then((v) => v.ApiVersion))),
      ]);
      return { stream, format };
    } catch (cause) {
      throw this.#translate(cause, reference);
    }
  }

  async load(tar: Readable): Promise<LoadedImage> {
    // If the archive stream fails (a broken download, a corrupt gzip), the engine must not wait for more: abort the load.
    const controller = new AbortController();
    tar.once('error', (cause) => controller.abort(cause));
    let loaded;
    try {
      const response = (await this.#docker.loadImage(tar, { quiet: true, abortSignal: controller.signal })) as Readable;
      loaded = await readLoadMessages(response);
    } catch (cause) {
      throw controller.signal.aborted ? controller.signal.reason : this.#translate(cause, undefined, 'LOAD_FAILED');
    }
    if (loaded.error) throw this.#loadFailed(loaded.error);
    return { references: loaded.references.map((reference) => this.#rules.unqualify(reference)), ids: loaded.ids };
  }

  async ping(): Promise<void> {
    try {
      await this.#docker.ping();
    } catch (cause) {
      throw this.#translate(cause);
    }
  }

  async images(): Promise<EngineImage[]> {
    try {
      const list = await this.#docker.listImages({ all: true });
      return list.map((image) => ({
        id: image.Id,
        tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>').map((tag) => this.#rules.unqualify(tag)),
      }));
    } catch (cause) {
      throw this.#translate(cause);
    }
  }

  async remove(reference: string): Promise<void> {
    const named = isImageId(reference) ? reference : this.#rules.qualify(reference);
    try {
      // Never forced: an image that a container uses, or that other tags name, stays.
      await this.#docker.getImage(named).remove();
    } catch (cause) {
      const status = statusOf(cause);
      if (status === 404) return;
      if (this.#rules.keptOnRemove(status, messageOf(cause))) {
        throw new DonodoError(`${this.#rules.code}_IMAGE_KEPT`, `The ${this.#rules.engine} kept "${reference}": a container uses it, or other tags still name it (${messageOf(cause)}).`, {
          hint: `Nothing was forced. ${this.#rules.command} ps -a and ${this.#rules.command} images show what holds it.`,
          cause,
        });
      }
      throw this.#translate(cause, reference);
    }
  }

  async tag(imageId: string, reference: string): Promise<void> {
    const named = this.#rules.qualify(reference);
    const at = named.lastIndexOf(':');
    try {
      await this.#docker.getImage(imageId).tag({ repo: named.slice(0, at), tag: named.slice(at + 1) });
    } catch (cause) {
      throw this.#translate(cause, imageId);
    }
  }

  #loadFailed(message: string, cause?: unknown): DonodoError {
    return new DonodoError(`${this.#rules.code}_LOAD_FAILED`, `The ${this.#rules.engine} refused the image archive: ${message}`, {
      hint: `The archive is not one ${this.#rules.command} load reads, or the engine lacks space. Nothing was tagged.`,
      cause,
    });
  }

  #translate(cause: unknown, reference?: string, failed = 'FAILED'): DonodoError {
    const { engine, code: prefix, command } = this.#rules;
    const status = statusOf(cause);
    if (status === 404 && reference) {
      return new DonodoError('IMAGE_NOT_FOUND', `Image "${reference}" does not exist in the local ${engine}.`, {
        hint: `Build or pull it first (${command} images lists what is there), or check the spelling.`,
        cause,
      });
    }
    const errno = (cause as { code?: string })?.code;
    if (errno && UNREACHABLE.has(errno)) {
      const { where, chosenBy } = this.#connection;
      return new DonodoError(`${prefix}_UNAVAILABLE`, `No ${engine} answers at ${where} (${errno}; ${chosenBy}).`, {
        hint: this.#rules.unavailableHint(errno, this.#connection),
        cause,
      });
    }
    if (failed === 'LOAD_FAILED') return this.#loadFailed(messageOf(cause), cause);
    return new DonodoError(`${prefix}_${failed}`, `The ${engine} failed: ${messageOf(cause)}`, { hint: `See the ${command} service's logs for details.`, cause });
  }
}

/** Errors of a connection that reached no engine. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE']);

/** The engine's NAME:TAG of a location (`docker-daemon:NAME:TAG`, `podman:NAME:TAG`, or a plain NAME:TAG). */
function referenceOf(location: ImageLocation): string {
  if (!location.reference) throw new DonodoError('TRANSPORT_INCOMPLETE', `"${location.input}" names no image.`, { hint: `Write NAME:TAG after the transport, e.g. ${location.transport}:team/tool:1.0.` });
  return location.reference;
}

function isImageId(reference: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(reference);
}

function statusOf(cause: unknown): number | undefined {
  return (cause as { statusCode?: number })?.statusCode;
}

function messageOf(cause: unknown): string {
  return (cause as { json?: { message?: string } })?.json?.message ?? (cause instanceof Error ? cause.message : String(cause));
}
