/**
 * @module catalog/catalog
 * The tables of one database. Definitions live in the storage engine's
 * catalog key range and are cached in memory; every change is a conditional
 * commit on the entry's previous bytes, so two writers never both win.
 * A change may carry `extra` writes that must commit with it (the stream
 * catalog entries a table change opens or closes: streams/stream-catalog).
 *
 * Other processes may change the catalog (docs/architecture.md, "Many
 * processes"), so the cache is never trusted blindly: every change also
 * rewrites the catalog's version key (CATALOG_VERSION_KEY) with a number the
 * engine issues in that commit, and refresh() — run before every request —
 * compares the stored version with the one the cache was loaded at: one
 * small local read (engine.getSync, about a microsecond) when nothing
 * changed, a reload when something did. An engine that is not shared
 * (capabilities.sharedAcrossProcesses false) has no other writer, and
 * refresh() costs nothing. Entries whose bytes did not change keep their
 * objects across a reload, so a caller holding one can still pass it to
 * replace() or drop().
 */
import { compareAndSet } from '../storage/compare-and-set.js';
import { bytesEqual } from '../storage/byte-order.js';
import { CommitConflictError, type CommitOptions, type KvWrite, type StorageEngine } from '../storage/engine.js';
import {
  CATALOG_NEXT_TABLE_ID,
  CATALOG_TABLE_PREFIX,
  CATALOG_VERSION_KEY,
  catalogTableKey,
  droppedTableKey,
  successor,
} from './key-space.js';
import type { TableRecord } from './table-record.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Entry {
  readonly record: TableRecord;
  readonly bytes: Uint8Array;
}

/** The stored catalog version's bytes, or null when none was ever written. */
type Version = Uint8Array | null;

/** Every catalog change rewrites the version with a number the engine issues in its commit. */
const BUMP_VERSION: CommitOptions = {
  sequence: {
    count: 1,
    floor: 0n,
    writes: (version) => {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, version);
      return [{ key: CATALOG_VERSION_KEY, value: bytes }];
    },
  },
};

export class Catalog {
  private tables = new Map<string, Entry>();
  /** The version the cache was loaded at (read before the entries, so never newer than them). */
  private version: Version = null;
  private reloading: Promise<void> | undefined;
  private readonly shared: boolean;

  private constructor(private readonly engine: StorageEngine) {
    this.shared = engine.capabilities.sharedAcrossProcesses;
  }

  static async load(engine: StorageEngine): Promise<Catalog> {
    const catalog = new Catalog(engine);
    await catalog.reload();
    return catalog;
  }

  /**
   * Makes the cache current: undefined (at once) when it is, else a promise
   * that settles once it has been reloaded. Every request runs this first,
   * so a table created, changed or deleted through another process is seen
   * on the next request.
   */
  refresh(): Promise<void> | undefined {
    if (!this.shared) return undefined;
    if (this.reloading === undefined && this.engine.getSync !== undefined) {
      if (sameVersion(this.engine.getSync(CATALOG_VERSION_KEY), this.version)) return undefined;
    }
    return this.refreshSlowly();
  }

  private async refreshSlowly(): Promise<void> {
    for (;;) {
      // A reload already under way may have read the store before the change
      // this caller must see: wait for it, then compare again.
      if (this.reloading !== undefined) {
        await this.reloading;
        continue;
      }
      if (sameVersion(await this.engine.get(CATALOG_VERSION_KEY), this.version)) return;
      if (this.reloading !== undefined) continue;
      this.reloading = this.reload().finally(() => {
        this.reloading = undefined;
      });
    }
  }

  /** Reads the version, then every entry: a version read first can only be older than the entries, which the next refresh corrects. */
  private async reload(): Promise<void> {
    const version = (await this.engine.get(CATALOG_VERSION_KEY)) ?? null;
    const entries = await this.engine.range(CATALOG_TABLE_PREFIX, successor(CATALOG_TABLE_PREFIX));
    const tables = new Map<string, Entry>();
    for (const { value } of entries) {
      const record = JSON.parse(decoder.decode(value)) as TableRecord;
      const cached = this.tables.get(record.name);
      tables.set(record.name, cached !== undefined && bytesEqual(cached.bytes, value) ? cached : { record, bytes: value });
    }
    this.tables = tables;
    this.version = version;
  }

  /** After a change lost to another writer: the cache was stale, so reload it for the caller's next look. */
  private async lost(): Promise<false> {
    if (this.shared) await this.refreshSlowly();
    return false;
  }

  get(name: string): TableRecord | undefined {
    return this.tables.get(name)?.record;
  }

  /** Every table, sorted by name as ListTables returns them. */
  list(): TableRecord[] {
    return [...this.tables.values()].map((e) => e.record).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get size(): number {
    return this.tables.size;
  }

  /** Assigns a fresh key-space id for a new table. */
  async allocateTableId(): Promise<number> {
    return compareAndSet(this.engine, async () => {
      const current = await this.engine.get(CATALOG_NEXT_TABLE_ID);
      const next = current === undefined ? 1 : Number(decoder.decode(current));
      return {
        writes: [{ key: CATALOG_NEXT_TABLE_ID, value: encoder.encode(String(next + 1)) }],
        expectations: [{ key: CATALOG_NEXT_TABLE_ID, value: current ?? null }],
        result: next,
      };
    });
  }

  /** Adds a table; resolves false if a table of that name already exists. */
  async create(record: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    // Unshared, the cache is exact; shared, only the commit's expectation can tell.
    if (!this.shared && this.tables.has(record.name)) return false;
    const bytes = encoder.encode(JSON.stringify(record));
    try {
      await this.engine.commit(
        [{ key: catalogTableKey(record.name), value: bytes }, ...extra],
        [{ key: catalogTableKey(record.name), value: null }],
        BUMP_VERSION,
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return this.lost();
      throw e;
    }
    this.tables.set(record.name, { record, bytes });
    return true;
  }

  /**
   * Replaces a table's definition if it is still `previous`; resolves false
   * (changing nothing) if another change came first.
   */
  async replace(previous: TableRecord, next: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    const entry = this.tables.get(previous.name);
    if (entry === undefined || entry.record !== previous) return false;
    const bytes = encoder.encode(JSON.stringify(next));
    try {
      await this.engine.commit(
        [{ key: catalogTableKey(next.name), value: bytes }, ...extra],
        [{ key: catalogTableKey(previous.name), value: entry.bytes }],
        BUMP_VERSION,
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return this.lost();
      throw e;
    }
    if (this.tables.get(previous.name) === entry) this.tables.set(next.name, { record: next, bytes });
    return true;
  }

  /**
   * Removes a table and records its id as dropped, in one commit; the data
   * is erased later by the eraser. Resolves false if the entry changed.
   */
  async drop(record: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    const entry = this.tables.get(record.name);
    if (entry === undefined || entry.record !== record) return false;
    try {
      await this.engine.commit(
        [
          { key: catalogTableKey(record.name), value: null },
          { key: droppedTableKey(record.id), value: encoder.encode(record.name) },
          ...extra,
        ],
        [{ key: catalogTableKey(record.name), value: entry.bytes }],
        BUMP_VERSION,
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return this.lost();
      throw e;
    }
    if (this.tables.get(record.name) === entry) this.tables.delete(record.name);
    return true;
  }
}

function sameVersion(stored: Uint8Array | undefined, cached: Version): boolean {
  if (stored === undefined) return cached === null;
  return cached !== null && bytesEqual(stored, cached);
}
