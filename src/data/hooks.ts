/**
 * @module data/hooks
 * The two places where the data plane needs a feature built above it
 * (docs/architecture.md, "Layers"): a plain write must refuse an item that
 * an in-flight transaction holds (txn/), and every item change of a table
 * with an enabled stream carries its stream record in the same commit
 * (streams/). The data plane calls them through this interface; start-up
 * (api/open-database) wires the real implementations in, so imports still
 * point downward only.
 */
import type { TableRecord } from '../catalog/table-record.js';
import type { KvWrite } from '../storage/engine.js';
import type { Item } from '../values/types.js';
import type { Database } from './database.js';

/** One item's change as a commit makes it. */
export interface ItemChange {
  readonly old: Item | undefined;
  readonly next: Item | undefined;
  /** True for a deletion by the service itself (the TTL sweeper). */
  readonly byService?: boolean;
}

export interface DataPlaneHooks {
  /** Throws TransactionConflictException when an in-flight transaction holds the item. */
  assertNotHeld(db: Database, storageKey: Uint8Array): void;
  /**
   * The write that records `change` in the table's stream, or undefined
   * when the table has no enabled stream or nothing changed. It may draw
   * a sequence number, so its write must reach engine.commit() with
   * nothing awaited in between.
   */
  streamRecordWrite(db: Database, table: TableRecord, change: ItemChange): KvWrite | undefined;
}
