/**
 * @module expr/lru-cache
 * A small bounded least-recently-used map. A Map iterates in insertion
 * order, so re-inserting on a hit keeps the least recently used entry first
 * and eviction is O(1).
 */

export class LruCache<K, V> {
  private readonly entries = new Map<K, Slot<V>>();
  /** Counts gets and sets: an entry's `touched` says how recently it moved to the back. */
  private clock = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const slot = this.entries.get(key);
    if (slot === undefined) return undefined;
    const now = ++this.clock;
    // Moving an entry to the back costs two more map operations on every
    // hit. An entry moved within the last quarter of the capacity's
    // operations still sits in the newest quarter, far from eviction, so it
    // stays put: nearly LRU, and a hot entry costs one lookup.
    if (now - slot.touched > this.capacity >> 2) {
      this.entries.delete(key);
      this.entries.set(key, slot);
      slot.touched = now;
    }
    return slot.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, touched: ++this.clock });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

interface Slot<V> {
  readonly value: V;
  touched: number;
}
