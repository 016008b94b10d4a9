import type { ImageTarget } from '../../contracts/image-target.ts';
import { messageOf } from '../../errors/catalogue.ts';

/** A tag a pull set: where it points now, and where it pointed before (none: it is new). */
export interface TagChange {
  reference: string;
  id: string;
  previous?: string;
}

/**
 * What a pull does to the user's engine, as one transaction. It begins by checking that the
 * engine answers and noting every image and tag there is; the archive loads without names (see
 * GuardedArchive), and the pull then sets the tags it means to through {@link setTag}. On any
 * failure {@link rollback} puts every tag back where it was and removes only images that were not
 * there before, never with force, so a failed pull cannot take anything the user had.
 */
export class EngineTransaction {
  readonly #target: ImageTarget;
  /** The engine this transaction is on. */
  get target(): ImageTarget {
    return this.#target;
  }
  /** Tag → image id, before the pull. */
  readonly #tags: Map<string, string>;
  readonly #ids: Set<string>;
  readonly #changes: TagChange[] = [];
  #loaded?: string[];
  /** Image ids the archive itself names (its config and manifest digests), as far as it streamed. */
  #named = new Set<string>();

  private constructor(target: ImageTarget, images: Awaited<ReturnType<ImageTarget['images']>>) {
    this.#target = target;
    this.#ids = new Set(images.map((image) => image.id));
    this.#tags = new Map(images.flatMap((image) => image.tags.map((tag) => [tag, image.id] as const)));
  }

  /** Check the engine (before anything is downloaded) and note what it holds. */
  static async begin(target: ImageTarget): Promise<EngineTransaction> {
    await target.ping();
    return new EngineTransaction(target, await target.images());
  }

  /** The image `reference` pointed at before the pull, if any. */
  before(reference: string): string | undefined {
    return this.#tags.get(normalize(reference));
  }

  /** Whether the engine held this image before the pull. */
  had(id: string): boolean {
    return this.#ids.has(id);
  }

  /**
   * What the load reported: the images a rollback may remove, and the tags the engine set by itself
   * (none, as the archive names nothing; an engine that names images anyway is undone all the same).
   */
  /** The ids the archive names: an unreported load can have brought in only these. */
  named(ids: readonly string[]): void {
    for (const id of ids) this.#named.add(id);
  }

  loaded(ids: readonly string[], references: readonly string[]): void {
    this.#loaded = [...ids];
    for (const reference of references) {
      const previous = this.before(reference);
      this.#changes.push({ reference, id: ids[0] ?? '', ...(previous ? { previous } : {}) });
    }
  }

  /** Undo what the load did to one tag (a name the pull does not set). */
  async putBack(reference: string): Promise<void> {
    const changed = this.#changes.filter((change) => change.reference === reference);
    if (changed.length === 0) return;
    this.#changes.splice(0, this.#changes.length, ...this.#changes.filter((change) => change.reference !== reference));
    const previous = this.before(reference);
    await this.#restore(reference, previous);
  }

  /** Point `reference` at `id`; a tag that already points there is left alone. */
  async setTag(id: string, reference: string): Promise<TagChange> {
    const previous = this.before(reference);
    const change: TagChange = { reference, id, ...(previous ? { previous } : {}) };
    if (previous === id) return change;
    // Noted before the call: a tag the engine set before failing must be put back too.
    this.#changes.push(change);
    await this.#target.tag(id, reference);
    return change;
  }

  /** Point `reference` back at the image it named before the pull, or remove it when it is new. */
  async #restore(reference: string, previous: string | undefined): Promise<void> {
    if (previous) await this.#target.tag(previous, reference);
    else await this.#target.remove(reference);
  }

  /**
   * Undo everything: tags back in reverse order, then the images the load brought that were not
   * there before (those it reported; when the load itself failed, new images that no tag names,
   * which is how this pull's load leaves them). Returns what could not be undone, as instructions.
   */
  async rollback(): Promise<string[]> {
    const problems: string[] = [];
    const cli = this.#target.command ?? 'docker';
    for (const change of this.#changes.reverse()) {
      try {
        await this.#restore(change.reference, change.previous);
      } catch (cause) {
        problems.push(
          change.previous
            ? `${change.reference} could not be pointed back at ${change.previous} (${messageOf(cause)}): run ${cli} tag ${change.previous} ${change.reference}`
            : `${change.reference} could not be removed again (${messageOf(cause)}): run ${cli} rmi ${change.reference}`,
        );
      }
    }
    this.#changes.length = 0;
    const reported = this.#loaded !== undefined;
    let candidates = this.#loaded ?? [];
    if (!reported) {
      try {
        // Only an image the archive names: an untagged image another process made meanwhile (a build's
        // intermediate image) is not this pull's to remove.
        candidates = (await this.#target.images()).filter((image) => image.tags.length === 0 && this.#named.has(image.id)).map((image) => image.id);
      } catch {
        candidates = []; // the engine went away: nothing can be removed, and nothing named was changed
      }
    }
    for (const id of new Set(candidates)) {
      if (this.#ids.has(id)) continue;
      try {
        await this.#target.remove(id);
      } catch (cause) {
        if (reported) problems.push(`the image ${id} this pull loaded could not be removed (${messageOf(cause)}): run ${cli} rmi ${id}`);
      }
    }
    return problems;
  }
}

/** Docker lists official images as `name:tag`, never with `docker.io/library/`. */
function normalize(reference: string): string {
  return reference.replace(/^docker\.io\/(library\/)?/, '');
}
