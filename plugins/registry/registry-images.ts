import type { ArchiveTarget, ArchiveWriter, ExportedImage, ImageDetails, ImageLocation, ImageSource, PluginDeps } from '../../src/plugin-api.ts';
import { registryWriter } from './registry-push.ts';
import { exportRegistryImage } from './registry-export.ts';
import { resolveRegistryImage, type RegistryImage } from './registry-image.ts';
import { parseRegistryReference } from './registry-reference.ts';
import { RegistrySession } from './registry-session.ts';

/** Images in registries (`docker://HOST/NAME:TAG`, `docker://HOST/NAME@sha256:…`), read with no engine. */
export class RegistryImages implements ImageSource, ArchiveTarget {
  readonly #deps: PluginDeps;
  readonly #insecure: readonly string[];
  /** What inspect found, by location: the export streams exactly that, with the same session (and token). */
  readonly #resolved = new Map<string, Promise<{ session: RegistrySession; image: RegistryImage }>>();

  constructor(deps: PluginDeps, insecure: readonly string[]) {
    this.#deps = deps;
    this.#insecure = insecure;
  }

  async inspect(location: ImageLocation): Promise<ImageDetails> {
    return (await this.#resolve(location)).image.details;
  }

  async export(location: ImageLocation): Promise<ExportedImage> {
    const { session, image } = await this.#resolve(location);
    return { stream: exportRegistryImage(session, image, location.input, this.#deps.logger), format: 'oci-layout' };
  }

  /**
   * A pull into `docker://HOST/NAME[:TAG]`: the record's tag where none is given. `image.source`,
   * where the record names the registry reference it was archived from, lets blobs be mounted from there.
   */
  async open(location: ImageLocation, image: { name?: string; id?: string; source?: string }): Promise<ArchiveWriter> {
    const reference = location.reference ?? '';
    const ref = parseRegistryReference(reference, location.input);
    const tagged = /:[\w][\w.-]*$/.test(reference.replace(/@.*$/, '')) && reference.lastIndexOf(':') > reference.lastIndexOf('/');
    const recorded = image.name && image.name.lastIndexOf(':') > image.name.lastIndexOf('/') ? image.name.slice(image.name.lastIndexOf(':') + 1) : undefined;
    const tag = tagged ? ref.tag! : (recorded ?? ref.tag!);
    const { env, userAgent, addSecret, logger } = this.#deps;
    const from = image.source ? /^docker:\/\/(.*)$/.exec(image.source)?.[1] : undefined;
    const source = from ? parseRegistryReference(from, image.source!) : undefined;
    const mountFrom = source && source.host === ref.host && source.repository !== ref.repository ? source.repository : undefined;
    const session = new RegistrySession(ref, { insecure: this.#insecure, env, userAgent, addSecret, logger }).forPush(mountFrom);
    return registryWriter(session, ref, tag, mountFrom, logger);
  }

  #resolve(location: ImageLocation): Promise<{ session: RegistrySession; image: RegistryImage }> {
    const key = JSON.stringify([location.reference, location.platforms, location.allPlatforms]);
    let found = this.#resolved.get(key);
    if (!found) {
      found = (async () => {
        const ref = parseRegistryReference(location.reference ?? '', location.input);
        const { env, userAgent, addSecret, logger } = this.#deps;
        const session = new RegistrySession(ref, { insecure: this.#insecure, env, userAgent, addSecret, logger });
        return { session, image: await resolveRegistryImage(session, ref, location, logger) };
      })();
      found.catch(() => this.#resolved.delete(key));
      this.#resolved.set(key, found);
    }
    return found;
  }
}
