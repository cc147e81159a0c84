/**
 * @module pressure/lag
 * Eventual consistency on request (docs/pressure.md, "Lag"). DynamoDB
 * answers an eventually consistent read from any of three replicas, and
 * a GSI query from an index that is updated asynchronously: either may not
 * reflect a write that completed a moment ago. openddb has one copy of
 * everything, so the lag is made: while lag is on, every commit a request
 * makes (through any process) is remembered with the values it replaced and
 * the moment its new values become visible (the commit's time plus a delay,
 * fixed or drawn from the seeded generator within bounds). Those records
 * live in the store (LagLog, 0x00 0x40 0x02 …) and are written in the
 * commit itself, so every process on the same data lags them alike. A
 * lagged read goes through `LaggedEngine`, a view of the storage engine
 * that answers keys still invisible with the value they had before, and
 * merges that into range reads — so GetItem, Query, Scan, BatchGetItem,
 * GSI entries and stream records all lag the same way, at the storage-key
 * level, without the data plane knowing.
 *
 * Limits: writes that do not go through a request (TTL deletions, index
 * backfills) are visible at once, and a key's old value is read just
 * before its commit, so two commits of one key racing may remember the
 * older one.
 */
import type { CommitOptions, KvEntry, KvExpectation, KvWrite, RangeOptions, StorageEngine, StorageSnapshot } from '../storage/engine.js';
import { randomBytes } from 'node:crypto';
import { bytesToLatin1, compareBytes } from '../storage/byte-order.js';

/** Items and index entries: 0x10 <table id u32> …; stream records: 0x20 <table id u32> … (catalog/key-space). */
const ITEMS = 0x10;
const STREAMS = 0x20;

/** The table id of an item, index-entry or stream-record key, or -1. */
export function tableIdOf(key: Uint8Array): number {
  if ((key[0] !== ITEMS && key[0] !== STREAMS) || key.length < 5) return -1;
  return ((key[1]! << 24) | (key[2]! << 16) | (key[3]! << 8) | key[4]!) >>> 0;
}

/** Lag records: 0x00 0x40 0x02 <visible at ms u64> <table id u32> <8 random bytes> (catalog/key-space). */
const LAG_PREFIX = Uint8Array.of(0x00, 0x40, 0x02);
const LAG_END = Uint8Array.of(0x00, 0x40, 0x03);
/** Records this far past their moment are deleted (a reader only reads those still pending). */
const TRIM_AFTER_MS = 5000;

function lagKey(visibleAt: number, tableId: number): Uint8Array {
  const key = new Uint8Array(LAG_PREFIX.length + 8 + 4 + 8);
  key.set(LAG_PREFIX, 0);
  const view = new DataView(key.buffer);
  view.setBigUint64(LAG_PREFIX.length, BigInt(Math.max(0, Math.floor(visibleAt))));
  view.setUint32(LAG_PREFIX.length + 8, tableId);
  key.set(randomBytes(8), LAG_PREFIX.length + 12);
  return key;
}

function timeKey(ms: number): Uint8Array {
  const key = new Uint8Array(LAG_PREFIX.length + 8);
  key.set(LAG_PREFIX, 0);
  new DataView(key.buffer).setBigUint64(LAG_PREFIX.length, BigInt(Math.max(0, Math.floor(ms))));
  return key;
}

/** One lag record: a commit's time and, per storage key of one table it wrote, the value it replaced. */
interface LagRecord {
  /** Commit time, ms. */
  readonly t: number;
  /** [key, old value or null], base64. */
  readonly e: readonly (readonly [string, string | null])[];
}

/** A key still pending for lagged readers: the value it had before its earliest pending write. */
interface Pending {
  readonly key: Uint8Array;
  readonly committedAt: number;
  readonly old: Uint8Array | null;
}

/** The writes pending for lagged readers as of one moment, read once per request. */
export class PendingWrites {
  constructor(private readonly keys: ReadonlyMap<string, Pending>) {}

  get size(): number {
    return this.keys.size;
  }

  /** The lagged value of `key`: undefined when nothing about it is pending (read the store). */
  lookup(key: Uint8Array): { value: Uint8Array | null } | undefined {
    if (this.keys.size === 0) return undefined;
    const p = this.keys.get(bytesToLatin1(key));
    return p === undefined ? undefined : { value: p.old };
  }

  /** Every pending key in [start, end) that `lagged` accepts, with its lagged value. */
  inRange(start: Uint8Array, end: Uint8Array, lagged: (key: Uint8Array) => boolean): { key: Uint8Array; value: Uint8Array | null }[] {
    const out: { key: Uint8Array; value: Uint8Array | null }[] = [];
    for (const p of this.keys.values()) {
      if (compareBytes(p.key, start) < 0 || compareBytes(p.key, end) >= 0 || !lagged(p.key)) continue;
      out.push({ key: p.key, value: p.old });
    }
    return out;
  }
}

/**
 * The recent writes of lagged tables, kept in the store so that every
 * process on the same data lags them alike. A commit through a lagged view
 * adds, in the same commit, one record per table it writes: the moment its
 * writes become visible (in the key, so "still pending" is one range read
 * from now on), its commit time, and each key's value before it. A lagged
 * reader reads the pending records once per request and sees, for each key,
 * the value from before its earliest pending commit: so writes of one key
 * become visible in commit order, whatever their delays. Records past
 * their moment are never read again; `trim` deletes them (any process may:
 * deleting twice is harmless).
 */
export class LagLog {
  constructor(private readonly now: () => number) {}

  /** The records to add to a commit of `writes` (one table's keys each), with `before` holding each key's prior value by name. */
  records(writes: readonly KvWrite[], before: ReadonlyMap<string, Uint8Array | null>, delayMs: number): KvWrite[] {
    if (writes.length === 0) return [];
    const now = this.now();
    const byTable = new Map<number, [string, string | null][]>();
    for (const w of writes) {
      const id = tableIdOf(w.key);
      let list = byTable.get(id);
      if (list === undefined) byTable.set(id, (list = []));
      const old = before.get(bytesToLatin1(w.key)) ?? null;
      list.push([Buffer.from(w.key).toString('base64'), old === null ? null : Buffer.from(old).toString('base64')]);
    }
    const out: KvWrite[] = [];
    for (const [id, e] of byTable) {
      const record: LagRecord = { t: now, e };
      out.push({ key: lagKey(now + delayMs, id), value: Buffer.from(JSON.stringify(record), 'utf8') });
    }
    return out;
  }

  /** The writes still pending now (their moment not reached), of the tables `tables` accepts. */
  async pending(engine: StorageEngine, tables: (id: number) => boolean = () => true): Promise<PendingWrites> {
    const entries = await engine.range(timeKey(this.now() + 1), LAG_END);
    const keys = new Map<string, Pending>();
    for (const entry of entries) {
      const id = new DataView(entry.key.buffer, entry.key.byteOffset, entry.key.byteLength).getUint32(LAG_PREFIX.length + 8);
      if (!tables(id)) continue;
      const record = JSON.parse(Buffer.from(entry.value).toString('utf8')) as LagRecord;
      for (const [k, old] of record.e) {
        const key = new Uint8Array(Buffer.from(k, 'base64'));
        const name = bytesToLatin1(key);
        const seen = keys.get(name);
        // The earliest pending commit of a key decides what lagged readers see.
        if (seen === undefined || record.t < seen.committedAt) {
          keys.set(name, { key, committedAt: record.t, old: old === null ? null : new Uint8Array(Buffer.from(old, 'base64')) });
        }
      }
    }
    return new PendingWrites(keys);
  }

  /**
   * Deletes records whose moment passed a while ago, in commits of `batch`,
   * up to 100 of them a call (a call a second keeps up with 100,000 lagged
   * commits a second).
   */
  async trim(engine: StorageEngine, batch = 1000): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < 100; i++) {
      const old = await engine.range(LAG_PREFIX, timeKey(this.now() - TRIM_AFTER_MS), { limit: batch });
      if (old.length > 0) await engine.commit(old.map((e) => ({ key: e.key, value: null })));
      deleted += old.length;
      if (old.length < batch) break;
    }
    return deleted;
  }

  /** Deletes every record (the admin endpoint's reset: lagged readers see the store as it is). */
  async clear(engine: StorageEngine): Promise<void> {
    for (;;) {
      const entries = await engine.range(LAG_PREFIX, LAG_END, { limit: 1000 });
      if (entries.length === 0) return;
      await engine.commit(entries.map((e) => ({ key: e.key, value: null })));
    }
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

  /** The pending writes, read at the request's first lagged read and kept for the request. */
  private pendingWrites: Promise<PendingWrites> | undefined;

  constructor(
    private readonly base: StorageEngine,
    private readonly log: LagLog,
    /** Keys whose reads lag in this request. */
    private readonly lagged: (key: Uint8Array) => boolean,
    /** Keys whose writes are remembered. */
    private readonly records: (key: Uint8Array) => boolean,
    private readonly delayMs: () => number,
  ) {
    this.capabilities = base.capabilities;
  }

  private pending(): Promise<PendingWrites> {
    return (this.pendingWrites ??= this.log.pending(this.base, (id) => this.laggedTable(id)));
  }

  /** Whether reads of the table with this id lag in this request (asked with one of its keys). */
  private laggedTable(id: number): boolean {
    return this.lagged(Uint8Array.of(0x10, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff));
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.lagged(key)) {
      const h = (await this.pending()).lookup(key);
      if (h !== undefined) return h.value ?? undefined;
    }
    return this.base.get(key);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const pending = keys.some((k) => this.lagged(k)) ? await this.pending() : undefined;
    const values = await this.base.getMany(keys);
    return keys.map((key, i) => {
      if (pending === undefined || !this.lagged(key)) return values[i];
      const h = pending.lookup(key);
      return h === undefined ? values[i] : (h.value ?? undefined);
    });
  }

  async range(start: Uint8Array, end: Uint8Array, options: RangeOptions = {}): Promise<KvEntry[]> {
    const pending = this.lagged(start) || this.lagged(end) ? (await this.pending()).inRange(start, end, this.lagged) : [];
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
    const before = new Map<string, Uint8Array | null>();
    if (remembered.length > 0) {
      const values = await this.base.getMany(remembered.map((w) => w.key));
      remembered.forEach((w, i) => before.set(bytesToLatin1(w.key), values[i] ?? null));
    }
    let delay: number | undefined;
    const delayMs = () => (delay ??= this.delayMs());
    let opts = options;
    let records = remembered.length > 0 ? this.log.records(remembered, before, delayMs()) : [];
    if (options?.sequence !== undefined) {
      // Stream records are numbered inside the commit: their lag records join them there (new keys: no prior value).
      const seq = options.sequence;
      const log = this.log;
      const recordsOf = (made: readonly KvWrite[]) => made.filter((w) => this.records(w.key));
      const itemRecords = records;
      records = [];
      opts = {
        ...options,
        sequence: {
          count: seq.count,
          floor: seq.floor,
          writes: (first) => {
            const made = seq.writes(first);
            const fresh = recordsOf(made);
            return [...made, ...itemRecords, ...(fresh.length > 0 ? log.records(fresh, new Map(), delayMs()) : [])];
          },
        },
      };
    }
    await this.base.commit(records.length > 0 ? [...writes, ...records] : writes, expectations, opts);
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
