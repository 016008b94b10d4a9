/**
 * A search index that lags behind writes, like Zenodo's OpenSearch (contract 1.4, quirk 10).
 *
 * Every write puts a new document that becomes visible `delayMs` later; until then searches still see the
 * previous document (or nothing, for a new item). A `null` document is a deletion.
 */
interface Entry<T> {
  visibleAt: number;
  doc: T | null;
}

export class DelayedIndex<T> {
  private readonly entries = new Map<number, Entry<T>[]>();
  /** The index's clock; tests inject one to let the delay pass without waiting for it. */
  private readonly clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.clock = clock;
  }

  put(id: number, doc: T | null, delayMs: number, now = this.clock()): void {
    const visibleAt = now + Math.max(0, delayMs);
    const current = this.current(id, now);
    // Pending writes that would surface after this one are superseded by it: a refresh at `visibleAt`
    // publishes them together, and the last write wins.
    const list = (this.entries.get(id) ?? []).filter((e) => e === current || (e.visibleAt > now && e.visibleAt <= visibleAt));
    list.push({ visibleAt, doc });
    list.sort((a, b) => a.visibleAt - b.visibleAt);
    this.entries.set(id, list);
  }

  private current(id: number, now: number): Entry<T> | undefined {
    let found: Entry<T> | undefined;
    for (const entry of this.entries.get(id) ?? []) if (entry.visibleAt <= now) found = entry;
    return found;
  }

  /** Documents visible now. */
  visible(now = this.clock()): T[] {
    const out: T[] = [];
    for (const id of this.entries.keys()) {
      const doc = this.current(id, now)?.doc;
      if (doc) out.push(doc);
    }
    return out;
  }
}
