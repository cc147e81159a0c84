/**
 * @module pressure/lag
 * Eventual consistency on request (docs/pressure.md, "Lag"). DynamoDB
 * answers an eventually consistent read from any of three replicas, and
 * a GSI query from an index that is updated asynchronously: either may not
 * reflect a write that completed a moment ago. openddb has one copy of
 * everything, so the lag is made: while lag is on, every commit a request
 * makes through this process is remembered with the values it replaced and
 * the moment its new values become visible (the commit's time plus a delay,
 * fixed or drawn from the seeded generator within bounds). A lagged read
 * goes through `LaggedEngine`, a view of the storage engine that answers
 * keys still invisible with the value they had before, and merges that
 * history into range reads — so GetItem, Query, Scan, BatchGetItem, GSI
 * entries and stream records all lag the same way, at the storage-key
 * level, without the data plane knowing.
 *
 * Limits: only writes made through this process are remembered (another
 * process's writes, TTL deletions and backfills are visible at once), and
 * a remembered key's old value is read just before its commit, so two
 * commits of one key racing within a microtask may remember the older one.
 */
import type { CommitOptions, KvEntry, KvExpectation, KvWrite, RangeOptions, StorageEngine, StorageSnapshot } from '../storage/engine.js';
import { bytesToLatin1, compareBytes } from '../storage/byte-order.js';

/** Items and index entries: 0x10 <table id u32> …; stream records: 0x20 <table id u32> … (catalog/key-space). */
const ITEMS = 0x10;
const STREAMS = 0x20;

/** The table id of an item, index-entry or stream-record key, or -1. */
export function tableIdOf(key: Uint8Array): number {
  if ((key[0] !== ITEMS && key[0] !== STREAMS) || key.length < 5) return -1;
  return ((key[1]! << 24) | (key[2]! << 16) | (key[3]! << 8) | key[4]!) >>> 0;
}

interface Version {
  readonly visibleAt: number;
  readonly value: Uint8Array | null;
}

interface KeyHistory {
  readonly key: Uint8Array;
  /** The value every lagged reader sees until the first version becomes visible. */
  old: Uint8Array | null;
  /** Newer values, in commit order, each with the moment it becomes visible (never decreasing). */
  readonly versions: Version[];
}

/** The remembered recent writes of one process. */
export class WriteHistory {
  private readonly keys = new Map<string, KeyHistory>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.keys.size;
  }

  clear(): void {
    this.keys.clear();
  }

  /** Whether `key` was written by a commit not yet visible to lagged readers (pruning what became visible). */
  private pending(name: string, now: number): KeyHistory | undefined {
    const h = this.keys.get(name);
    if (h === undefined) return undefined;
    let visible = 0;
    while (visible < h.versions.length && h.versions[visible]!.visibleAt <= now) visible++;
    if (visible === h.versions.length) {
      this.keys.delete(name);
      return undefined;
    }
    if (visible > 0) {
      h.old = h.versions[visible - 1]!.value;
      h.versions.splice(0, visible);
    }
    return h;
  }

  /** The value a lagged reader sees for a key with pending history. */
  private laggedValue(h: KeyHistory): Uint8Array | null {
    return h.old;
  }

  /** Remembers a commit's writes; `before` holds each key's value before it (by name). */
  record(writes: readonly KvWrite[], before: ReadonlyMap<string, Uint8Array | null>, delayMs: number): void {
    const now = this.now();
    for (const w of writes) {
      const name = bytesToLatin1(w.key);
      const existing = this.pending(name, now);
      if (existing === undefined) {
        const old = before.has(name) ? before.get(name)! : null;
        this.keys.set(name, { key: w.key, old, versions: [{ visibleAt: now + delayMs, value: w.value }] });
      } else {
        const last = existing.versions[existing.versions.length - 1]!;
        // Replicas apply writes in order: a later write is never visible before an earlier one.
        existing.versions.push({ visibleAt: Math.max(last.visibleAt, now + delayMs), value: w.value });
      }
    }
  }

  /** The lagged value of `key`: undefined when nothing about it is pending (read the store). */
  lookup(key: Uint8Array): { value: Uint8Array | null } | undefined {
    if (this.keys.size === 0) return undefined;
    const h = this.pending(bytesToLatin1(key), this.now());
    return h === undefined ? undefined : { value: this.laggedValue(h) };
  }

  /** Every pending key in [start, end) that `lagged` accepts, with its lagged value. */
  inRange(start: Uint8Array, end: Uint8Array, lagged: (key: Uint8Array) => boolean): { key: Uint8Array; value: Uint8Array | null }[] {
    const out: { key: Uint8Array; value: Uint8Array | null }[] = [];
    if (this.keys.size === 0) return out;
    const now = this.now();
    for (const [name, h] of this.keys) {
      if (compareBytes(h.key, start) < 0 || compareBytes(h.key, end) >= 0 || !lagged(h.key)) continue;
      const p = this.pending(name, now);
      if (p !== undefined) out.push({ key: p.key, value: this.laggedValue(p) });
    }
    return out;
  }
}

/**
 * The storage engine as one request sees it while lag is on: commits are
 * remembered in the history (for the tables `records` accepts), and reads
 * of keys `lagged` accepts see the history's old values. It has no
 * readAndCommit: compare-and-set then retries plain commits, whose writes
 * the view can see.
 */
export class LaggedEngine implements StorageEngine {
  readonly capabilities;

  constructor(
    private readonly base: StorageEngine,
    private readonly history: WriteHistory,
    /** Keys whose reads lag in this request. */
    private readonly lagged: (key: Uint8Array) => boolean,
    /** Keys whose writes are remembered. */
    private readonly records: (key: Uint8Array) => boolean,
    private readonly delayMs: () => number,
  ) {
    this.capabilities = base.capabilities;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.lagged(key)) {
      const h = this.history.lookup(key);
      if (h !== undefined) return h.value ?? undefined;
    }
    return this.base.get(key);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const values = await this.base.getMany(keys);
    return keys.map((key, i) => {
      if (!this.lagged(key)) return values[i];
      const h = this.history.lookup(key);
      return h === undefined ? values[i] : (h.value ?? undefined);
    });
  }

  async range(start: Uint8Array, end: Uint8Array, options: RangeOptions = {}): Promise<KvEntry[]> {
    const pending = this.history.inRange(start, end, this.lagged);
    if (pending.length === 0) return this.base.range(start, end, options);
    // At most pending.length of the base entries are replaced or hidden: ask for that many more.
    const limit = options.limit === undefined ? undefined : options.limit + pending.length;
    const base = await this.base.range(start, end, limit === undefined ? { reverse: options.reverse ?? false } : { reverse: options.reverse ?? false, limit });
    const merged = new Map<string, KvEntry>();
    for (const e of base) merged.set(bytesToLatin1(e.key), e);
    for (const p of pending) {
      const name = bytesToLatin1(p.key);
      if (p.value === null) merged.delete(name);
      else merged.set(name, { key: p.key, value: p.value });
    }
    const out = [...merged.values()].sort((a, b) => compareBytes(a.key, b.key));
    if (options.reverse) out.reverse();
    // A base range cut short by its limit ends at its last key: nothing past it is known.
    if (limit !== undefined && base.length === limit) {
      const lastBase = base[base.length - 1]!.key;
      const inside = out.filter((e) => (options.reverse ? compareBytes(e.key, lastBase) >= 0 : compareBytes(e.key, lastBase) <= 0));
      return inside.slice(0, options.limit);
    }
    return options.limit === undefined ? out : out.slice(0, options.limit);
  }

  async commit(writes: readonly KvWrite[], expectations?: readonly KvExpectation[], options?: CommitOptions): Promise<void> {
    const remembered = writes.filter((w) => this.records(w.key));
    let sequenced: readonly KvWrite[] = [];
    let opts = options;
    if (options?.sequence !== undefined) {
      const seq = options.sequence;
      opts = {
        ...options,
        sequence: {
          count: seq.count,
          floor: seq.floor,
          writes: (first) => {
            const made = seq.writes(first);
            sequenced = made;
            return made;
          },
        },
      };
    }
    const before = new Map<string, Uint8Array | null>();
    if (remembered.length > 0) {
      const values = await this.base.getMany(remembered.map((w) => w.key));
      remembered.forEach((w, i) => before.set(bytesToLatin1(w.key), values[i] ?? null));
    }
    await this.base.commit(writes, expectations, opts);
    const fresh = sequenced.filter((w) => this.records(w.key));
    if (remembered.length + fresh.length > 0) this.history.record(remembered.concat(fresh), before, this.delayMs());
  }

  /** A snapshot (backups, exports) is never lagged: it is the store's own. */
  snapshot(): Promise<StorageSnapshot> {
    return this.base.snapshot();
  }

  /** A request's view closes nothing: the database owns the engine. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
