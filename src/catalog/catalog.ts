/**
 * @module catalog/catalog
 * The tables of one database. Definitions live in the storage engine's
 * catalog key range and are cached in memory; every change is a conditional
 * commit on the entry's previous bytes, so two writers never both win.
 * A change may carry `extra` writes that must commit with it (the stream
 * catalog entries a table change opens or closes: streams/stream-catalog).
 *
 * Tables are named by (account, region, table name) (catalog/table-scope):
 * each record carries its scope, and every lookup names one.
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
import { CommitConflictError, type CommitOptions, type KvExpectation, type KvWrite, type StorageEngine } from '../storage/engine.js';
import {
  CATALOG_NEXT_TABLE_ID,
  CATALOG_TABLE_PREFIX,
  CATALOG_VERSION_KEY,
  LEGACY_STREAM_PREFIX,
  LEGACY_TABLE_PREFIX,
  catalogTableKey,
  droppedTableKey,
  streamCatalogKey,
  successor,
} from './key-space.js';
import type { TableRecord } from './table-record.js';
import { scopeKey, type TableScope } from './table-scope.js';

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

  /**
   * Loads the catalog. Tables and streams a data directory holds from before
   * regions (catalog/key-space's legacy layouts) are first moved into
   * `defaultScope`: they were created when every table lived there.
   */
  static async load(engine: StorageEngine, defaultScope: TableScope): Promise<Catalog> {
    await moveLegacyEntries(engine, defaultScope);
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

  /**
   * The fence that proves the cache current (storage engine.fenced): the
   * version key and the version the cache was loaded at; undefined while a
   * reload is under way. On an engine whose reads are round trips
   * (PostgreSQL), a request can skip refresh() and run on a view fenced by
   * this instead: its statements check the version as they go, and a
   * StaleFenceError means refresh and run it again (api/dispatcher).
   */
  fence(): { readonly key: Uint8Array; readonly value: Uint8Array | null } | undefined {
    return this.shared && this.reloading === undefined ? { key: CATALOG_VERSION_KEY, value: this.version } : undefined;
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
      const key = nameKey(record, record.name);
      const cached = this.tables.get(key);
      tables.set(key, cached !== undefined && bytesEqual(cached.bytes, value) ? cached : { record, bytes: value });
    }
    this.tables = tables;
    this.version = version;
  }

  /** After a change lost to another writer: the cache was stale, so reload it for the caller's next look. */
  private async lost(): Promise<false> {
    if (this.shared) await this.refreshSlowly();
    return false;
  }

  get(scope: TableScope, name: string): TableRecord | undefined {
    return this.tables.get(nameKey(scope, name))?.record;
  }

  /** Every table of one scope, sorted by name as ListTables returns them. */
  list(scope: TableScope): TableRecord[] {
    const out: TableRecord[] = [];
    for (const { record } of this.tables.values()) {
      if (record.account === scope.account && record.region === scope.region) out.push(record);
    }
    return out.sort(byName);
  }

  /** Every table of every scope (for background work that serves them all: TTL). */
  all(): TableRecord[] {
    return [...this.tables.values()].map((e) => e.record);
  }

  /** How many tables one scope has (DynamoDB's table limit is per account and region). */
  count(scope: TableScope): number {
    let n = 0;
    for (const { record } of this.tables.values()) if (record.account === scope.account && record.region === scope.region) n++;
    return n;
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
    if (!this.shared && this.tables.has(nameKey(record, record.name))) return false;
    const bytes = encoder.encode(JSON.stringify(record));
    try {
      await this.engine.commit(
        [{ key: catalogTableKey(record, record.name), value: bytes }, ...extra],
        [{ key: catalogTableKey(record, record.name), value: null }],
        BUMP_VERSION,
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return this.lost();
      throw e;
    }
    this.tables.set(nameKey(record, record.name), { record, bytes });
    return true;
  }

  /**
   * Replaces a table's definition if it is still `previous`; resolves false
   * (changing nothing) if another change came first.
   */
  async replace(previous: TableRecord, next: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    const key = nameKey(previous, previous.name);
    const entry = this.tables.get(key);
    if (entry === undefined || entry.record !== previous) return false;
    if (nameKey(next, next.name) !== key) throw new Error('a table cannot change its name or scope');
    const bytes = encoder.encode(JSON.stringify(next));
    try {
      await this.engine.commit(
        [{ key: catalogTableKey(next, next.name), value: bytes }, ...extra],
        [{ key: catalogTableKey(previous, previous.name), value: entry.bytes }],
        BUMP_VERSION,
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return this.lost();
      throw e;
    }
    if (this.tables.get(key) === entry) this.tables.set(key, { record: next, bytes });
    return true;
  }

  /**
   * Removes a table and records its id as dropped, in one commit; the data
   * is erased later by the eraser. Resolves false if the entry changed.
   */
  async drop(record: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    const key = nameKey(record, record.name);
    const entry = this.tables.get(key);
    if (entry === undefined || entry.record !== record) return false;
    try {
      await this.engine.commit(
        [
          { key: catalogTableKey(record, record.name), value: null },
          { key: droppedTableKey(record.id), value: encoder.encode(record.name) },
          ...extra,
        ],
        [{ key: catalogTableKey(record, record.name), value: entry.bytes }],
        BUMP_VERSION,
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return this.lost();
      throw e;
    }
    if (this.tables.get(key) === entry) this.tables.delete(key);
    return true;
  }
}

function sameVersion(stored: Uint8Array | undefined, cached: Version): boolean {
  if (stored === undefined) return cached === null;
  return cached !== null && bytesEqual(stored, cached);
}

/** The in-memory name of a table: its scope and its name (neither contains 0x00). */
function nameKey(scope: TableScope, name: string): string {
  return `${scopeKey(scope)}\u0000${name}`;
}

function byName(a: TableRecord, b: TableRecord): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Legacy entries moved per commit: a data directory holds at most a few thousand tables. */
const MOVE_BATCH = 500;

/**
 * Moves tables and streams stored in the layouts from before regions
 * (0x00 0x01 <name>, 0x00 0x04 <name> 0x00 <label>) into `scope`, each entry
 * gaining the scope's account and region. Each batch is one commit that
 * expects the old entries unchanged and the new keys free, so processes
 * opening the same directory at once move every entry exactly once.
 */
async function moveLegacyEntries(engine: StorageEngine, scope: TableScope): Promise<void> {
  for (let more = true; more; ) {
    more = await compareAndSet<boolean>(
      engine,
      async () => {
        const tables = await engine.range(LEGACY_TABLE_PREFIX, successor(LEGACY_TABLE_PREFIX), { limit: MOVE_BATCH });
        const streams = await engine.range(LEGACY_STREAM_PREFIX, successor(LEGACY_STREAM_PREFIX), { limit: MOVE_BATCH });
        if (tables.length === 0 && streams.length === 0) return { done: false };
        const writes: KvWrite[] = [];
        const expectations: KvExpectation[] = [];
        const move = (oldKey: Uint8Array, oldValue: Uint8Array, newKey: Uint8Array, json: Record<string, unknown>): void => {
          writes.push({ key: oldKey, value: null }, { key: newKey, value: encoder.encode(JSON.stringify({ ...json, ...scope })) });
          expectations.push({ key: oldKey, value: oldValue }, { key: newKey, value: null });
        };
        for (const { key, value } of tables) {
          const record = JSON.parse(decoder.decode(value)) as { name: string };
          move(key, value, catalogTableKey(scope, record.name), record);
        }
        for (const { key, value } of streams) {
          const entry = JSON.parse(decoder.decode(value)) as { tableName: string; label: string };
          move(key, value, streamCatalogKey(scope, entry.tableName, entry.label), entry);
        }
        // A catalog change like any other: other processes' caches must see it.
        return { writes, expectations, options: BUMP_VERSION, result: true };
      },
      {
        // Another process moved them first: look again. Conflicting again and
        // again means a table of the same name is there in both layouts (an
        // older openddb run on the directory after a newer one): stop.
        maxAttempts: 11,
        exhausted: () =>
          new Error(`cannot move the tables stored before regions into ${scope.region}: a table of the same name exists in both layouts`),
      },
    );
  }
}
