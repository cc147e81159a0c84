/**
 * @module catalog/catalog
 * The tables of one database. Definitions live in the storage engine's
 * catalog key range and are cached in memory; every change is a conditional
 * commit on the entry's previous bytes, so two writers never both win.
 * A change may carry `extra` writes that must commit with it (the stream
 * catalog entries a table change opens or closes: streams/stream-catalog).
 */
import { CommitConflictError, type KvWrite, type StorageEngine } from '../storage/engine.js';
import { CATALOG_NEXT_TABLE_ID, CATALOG_TABLE_PREFIX, catalogTableKey, droppedTableKey, successor } from './key-space.js';
import type { TableRecord } from './table-record.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Entry {
  readonly record: TableRecord;
  readonly bytes: Uint8Array;
}

export class Catalog {
  private readonly tables = new Map<string, Entry>();

  private constructor(private readonly engine: StorageEngine) {}

  static async load(engine: StorageEngine): Promise<Catalog> {
    const catalog = new Catalog(engine);
    const entries = await engine.range(CATALOG_TABLE_PREFIX, successor(CATALOG_TABLE_PREFIX));
    for (const { value } of entries) {
      const record = JSON.parse(decoder.decode(value)) as TableRecord;
      catalog.tables.set(record.name, { record, bytes: value });
    }
    return catalog;
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
    if (this.tables.has(record.name)) return false;
    const bytes = encoder.encode(JSON.stringify(record));
    try {
      await this.engine.commit([{ key: catalogTableKey(record.name), value: bytes }, ...extra], [
        { key: catalogTableKey(record.name), value: null },
      ]);
    } catch (e) {
      if (e instanceof CommitConflictError) return false;
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
      await this.engine.commit([{ key: catalogTableKey(next.name), value: bytes }, ...extra], [
        { key: catalogTableKey(previous.name), value: entry.bytes },
      ]);
    } catch (e) {
      if (e instanceof CommitConflictError) return false;
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
      );
    } catch (e) {
      if (e instanceof CommitConflictError) return false;
      throw e;
    }
    if (this.tables.get(record.name) === entry) this.tables.delete(record.name);
    return true;
  }
}
