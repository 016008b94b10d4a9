import type { Readable } from 'node:stream';
import './defer-unused-dependencies.ts'; // before dockerode: see there
import Docker from 'dockerode';
import { DonodoError, type EngineImage, type ExportedImage, type ImageDetails, type ImageEngine, type ImageLocation, type LoadedImage } from '../../src/plugin-api.ts';
import { readLoadMessages } from './load-messages.ts';

export interface DockerOptions {
  socketPath?: string;
}

/** The `docker` image source and target: inspect, save, list, load, tag and remove through the engine's API. */
export class DockerImageSource implements ImageEngine {
  readonly #docker: Docker;
  readonly #where: string;
  #apiVersion?: Promise<string>;

  constructor(options: DockerOptions, env: Record<string, string | undefined>) {
    const target = connectionOf(options, env);
    this.#docker = new Docker(target.options);
    this.#where = target.where;
  }

  async inspect(location: ImageLocation): Promise<ImageDetails> {
    const reference = referenceOf(location);
    let info: Docker.ImageInspectInfo & { Variant?: string };
    try {
      info = await this.#docker.getImage(reference).inspect();
    } catch (cause) {
      throw this.#translate(cause, reference);
    }
    const at = reference.lastIndexOf(':');
    return {
      id: info.Id,
      name: reference.slice(0, at),
      tag: reference.slice(at + 1),
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
      const [stream, version] = await Promise.all([this.#docker.getImage(reference).get() as Promise<Readable>, this.#version()]);
      // Docker 25 (API 1.44) and later write `docker save` as an OCI layout with manifest.json beside it.
      return { stream, format: apiAtLeast(version, 1, 44) ? 'oci-layout' : 'docker-save' };
    } catch (cause) {
      throw this.#translate(cause, reference);
    }
  }

  #version(): Promise<string> {
    return (this.#apiVersion ??= this.#docker.version().then((v) => v.ApiVersion));
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
      throw controller.signal.aborted ? controller.signal.reason : this.#translate(cause);
    }
    if (loaded.error) {
      throw new DonodoError('DOCKER_LOAD_FAILED', `Docker refused the image archive: ${loaded.error}`, {
        hint: 'The archive is not a valid docker save export, or the engine lacks space. Nothing was tagged.',
      });
    }
    return { references: loaded.references, ids: loaded.ids };
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
      return list.map((image) => ({ id: image.Id, tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>') }));
    } catch (cause) {
      throw this.#translate(cause);
    }
  }

  async remove(reference: string): Promise<void> {
    try {
      // Never forced: an image that a container uses, or that other tags name, stays (409).
      await this.#docker.getImage(reference).remove();
    } catch (cause) {
      if (statusOf(cause) !== 404) throw this.#translate(cause, reference);
    }
  }

  async tag(imageId: string, reference: string): Promise<void> {
    const at = reference.lastIndexOf(':');
    try {
      await this.#docker.getImage(imageId).tag({ repo: reference.slice(0, at), tag: reference.slice(at + 1) });
    } catch (cause) {
      throw this.#translate(cause, imageId);
    }
  }

  #translate(cause: unknown, reference?: string): DonodoError {
    const status = statusOf(cause);
    if (status === 404 && reference) {
      return new DonodoError('IMAGE_NOT_FOUND', `Image "${reference}" does not exist in the local Docker engine.`, {
        hint: `Build or pull it first (docker images lists what is there), or check the spelling.`,
        cause,
      });
    }
    const code = (cause as { code?: string })?.code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
      return new DonodoError('DOCKER_UNAVAILABLE', `No Docker engine answers at ${this.#where} (${code}).`, {
        hint: code === 'EACCES'
          ? 'You may not use the Docker socket: run as a member of the docker group, or set DOCKER_HOST.'
          : 'Start the Docker engine (dockerd), or point DOCKER_HOST at one that runs.',
        cause,
      });
    }
    const message = (cause as { json?: { message?: string } })?.json?.message ?? (cause instanceof Error ? cause.message : String(cause));
    return new DonodoError('DOCKER_FAILED', `Docker failed: ${message}`, { hint: 'See the engine logs for details.', cause });
  }
}

/** Where the engine is: the socketPath option, else DOCKER_HOST (unix:// or tcp://), else the local socket. */
function connectionOf(options: DockerOptions, env: Record<string, string | undefined>): { options: Docker.DockerOptions; where: string } {
  if (options.socketPath) return { options: { socketPath: options.socketPath }, where: options.socketPath };
  const host = env.DOCKER_HOST;
  if (!host) return { options: { socketPath: '/var/run/docker.sock' }, where: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { options: { socketPath: host.slice('unix://'.length) }, where: host };
  const url = /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?/.exec(host);
  if (!url) {
    throw new DonodoError('DOCKER_HOST_INVALID', `DOCKER_HOST "${host}" is not a unix:// or tcp:// address.`, {
      hint: 'Set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port, or unset it to use the local socket.',
    });
  }
  const tls = url[1] === 'https' || env.DOCKER_TLS_VERIFY === '1';
  return { options: { host: url[2], port: Number(url[3] ?? (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' }, where: host };
}

/** The engine's NAME:TAG of a location (`docker-daemon:NAME:TAG`, or a plain NAME:TAG). */
function referenceOf(location: ImageLocation): string {
  if (!location.reference) throw new DonodoError('TRANSPORT_INCOMPLETE', `"${location.input}" names no image.`, { hint: 'Write NAME:TAG after the transport, e.g. docker-daemon:team/tool:1.0.' });
  return location.reference;
}

function apiAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function statusOf(cause: unknown): number | undefined {
  return (cause as { statusCode?: number })?.statusCode;
}
