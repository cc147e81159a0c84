/**
 * @module data/hooks
 * The places where the data plane needs a feature built above it
 * (docs/architecture.md, "Layers"): a plain write must refuse an item that
 * an in-flight transaction holds (txn/), every item change of a table
 * with an enabled stream carries its stream record in the same commit
 * (streams/), numbered by the engine in that commit, and every item change
 * of a table with point-in-time recovery on carries its change-log record
 * the same way (backup/). The data plane calls them through this interface; start-up
 * (api/open-database) wires the real implementations in, so imports still
 * point downward only.
 */
import type { TableRecord } from '../catalog/table-record.js';
import type { CommitOptions } from '../storage/engine.js';
import { streamRecordKey } from '../catalog/key-space.js';
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
   * The stream record of `change`, still without its sequence number, or
   * undefined when the table has no enabled stream or nothing changed.
   */
  streamRecord(db: Database, table: TableRecord, change: ItemChange): StreamRecordDraft | undefined;
  /**
   * The point-in-time-recovery change-log record of a write to the item at
   * `storageKey`, whose stored bytes were `oldRaw` (undefined: absent), or
   * undefined when the table's PITR is off (backup/change-log). Numbered
   * by the engine in the write's commit, like a stream record.
   */
  changeLogRecord(db: Database, table: TableRecord, storageKey: Uint8Array, oldRaw: Uint8Array | undefined): StreamRecordDraft | undefined;
}

/**
 * A stream (or change-log) record waiting for its sequence number, which the storage engine
 * issues inside the commit that carries it (storage/engine.ts,
 * CommitOptions.sequence): numbers unique and in commit order across every
 * process sharing the store (docs/architecture.md, "Many processes").
 */
export interface StreamRecordDraft {
  /** The stream's key prefix (catalog/key-space streamPrefix). */
  readonly prefix: Uint8Array;
  readonly value: Uint8Array;
  /** The least number the record may take: its time (streams/sequence-numbers sequenceAtMs). */
  readonly floor: bigint;
}

/**
 * The commit option that has the engine number `records` (in order, one
 * number each) and write them in the commit; undefined when there are none.
 */
export function streamRecordsOption(records: readonly StreamRecordDraft[]): CommitOptions | undefined {
  if (records.length === 0) return undefined;
  if (records.length === 1) {
    // The common case (one stream or change-log record): no loop, no BigInt sum.
    const only = records[0]!;
    return { sequence: { count: 1, floor: only.floor, writes: (first) => [{ key: streamRecordKey(only.prefix, first), value: only.value }] } };
  }
  let floor = 0n;
  for (const record of records) if (record.floor > floor) floor = record.floor;
  return {
    sequence: {
      count: records.length,
      floor,
      writes: (first) => records.map((record, i) => ({ key: streamRecordKey(record.prefix, first + BigInt(i)), value: record.value })),
    },
  };
}
