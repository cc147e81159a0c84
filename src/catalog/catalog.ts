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
 */
import { CommitConflictError, type KvExpectation, type KvWrite, type StorageEngine } from '../storage/engine.js';
import {
  CATALOG_NEXT_TABLE_ID,
  CATALOG_TABLE_PREFIX,
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

export class Catalog {
  private readonly tables = new Map<string, Entry>();

  private constructor(private readonly engine: StorageEngine) {}

  /**
   * Loads the catalog. Tables and streams a data directory holds from before
   * regions (catalog/key-space's legacy layouts) are first moved into
   * `defaultScope`: they were created when every table lived there.
   */
  static async load(engine: StorageEngine, defaultScope: TableScope): Promise<Catalog> {
    await moveLegacyEntries(engine, defaultScope);
    const catalog = new Catalog(engine);
    const entries = await engine.range(CATALOG_TABLE_PREFIX, successor(CATALOG_TABLE_PREFIX));
    for (const { value } of entries) {
      const record = JSON.parse(decoder.decode(value)) as TableRecord;
      catalog.tables.set(nameKey(record, record.name), { record, bytes: value });
    }
    return catalog;
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
    for (;;) {
      const current = await this.engine.get(CATALOG_NEXT_TABLE_ID);
      const next = current === undefined ? 1 : Number(decoder.decode(current));
      try {
        await this.engine.commit(
          [{ key: CATALOG_NEXT_TABLE_ID, value: encoder.encode(String(next + 1)) }],
          [{ key: CATALOG_NEXT_TABLE_ID, value: current ?? null }],
        );
        return next;
      } catch (e) {
        if (!(e instanceof CommitConflictError)) throw e;
      }
    }
  }

  /** Adds a table; resolves false if a table of that name already exists. */
  async create(record: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    if (this.tables.has(nameKey(record, record.name))) return false;
    const bytes = encoder.encode(JSON.stringify(record));
    try {
      await this.engine.commit([{ key: catalogTableKey(record, record.name), value: bytes }, ...extra], [
        { key: catalogTableKey(record, record.name), value: null },
      ]);
    } catch (e) {
      if (e instanceof CommitConflictError) return false;
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
      await this.engine.commit([{ key: catalogTableKey(next, next.name), value: bytes }, ...extra], [
        { key: catalogTableKey(previous, previous.name), value: entry.bytes },
      ]);
    } catch (e) {
      if (e instanceof CommitConflictError) return false;
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
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return false;
      throw e;
    }
    if (this.tables.get(key) === entry) this.tables.delete(key);
    return true;
  }
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
  for (let attempt = 0; ; attempt++) {
    const tables = await engine.range(LEGACY_TABLE_PREFIX, successor(LEGACY_TABLE_PREFIX), { limit: MOVE_BATCH });
    const streams = await engine.range(LEGACY_STREAM_PREFIX, successor(LEGACY_STREAM_PREFIX), { limit: MOVE_BATCH });
    if (tables.length === 0 && streams.length === 0) return;
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
    try {
      await engine.commit(writes, expectations);
    } catch (e) {
      // Another process moved them first: look again. Conflicting again and
      // again means a table of the same name is there in both layouts (an
      // older openddb run on the directory after a newer one): stop.
      if (!(e instanceof CommitConflictError)) throw e;
      if (attempt >= 10) {
        throw new Error(
          `cannot move the tables stored before regions into ${scope.region}: a table of the same name exists in both layouts`,
          { cause: e },
        );
      }
    }
  }
}
