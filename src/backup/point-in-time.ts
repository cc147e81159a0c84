/**
 * @module backup/point-in-time
 * A table as it was at a past instant, from its point-in-time-recovery
 * change log (backup/change-log): what RestoreTableToPointInTime restores
 * and what an export at a point in time reads (docs/backups.md).
 *
 * The log is an undo log: each record holds an item's key and its image
 * before the write. So the table at time T is, read from one storage
 * snapshot: every item now, except that an item changed after T takes the
 * previous image of its first change after T (absent: it did not exist at
 * T), and an item deleted since T comes back the same way. Records after T
 * are read before the items are walked, and both from the one snapshot,
 * so they describe exactly the changes between T and the items read.
 *
 * "After T" is by sequence number: a record's number is at least its
 * time × 10⁶ and numbers follow commit order, so the writes at or before T
 * are exactly those numbered below (T + 1 ms) × 10⁶ — once no commit can
 * still take such a number. A barrier commit makes sure of that first: it
 * draws a number at or above that floor, and every commit after it draws a
 * higher one (storage/engine.ts, CommitOptions.sequence).
 *
 * Writes in flight while PITR was being enabled may have been built from
 * the table's definition before it (no record): the restorable window
 * starts PITR_GRACE_MS after enabling, when they have landed (the index
 * backfill waits for the same reason).
 */
import { errors } from '../errors/index.js';
import type { Database } from '../data/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { changeLogPrefix, indexPrefix, successor } from '../catalog/key-space.js';
import type { StorageSnapshot } from '../storage/engine.js';
import { decodeItem } from '../data/item-store.js';
import type { Item } from '../values/types.js';
import { TABLE_KEY_HEAD, changeLogTrimPoint, msOfSequence, readChanges, sequenceAtMs } from './change-log.js';

/** How long after enabling PITR the restorable window opens (see the module comment). */
export const PITR_GRACE_MS = 250;
export const DEFAULT_RECOVERY_PERIOD_DAYS = 35;
export const DAY_MS = 86_400_000;
/** Items and records read per storage call. */
const PAGE = 1000;

export interface RestorableWindow {
  /** Epoch ms. */
  readonly earliestMs: number;
  readonly latestMs: number;
}

/** Whether the table's point-in-time recovery is on (the catalog field). */
export function pointInTimeRecoveryOn(table: TableRecord): boolean {
  return table.pointInTimeRecovery?.enabled === true && table.pointInTimeRecovery.enabledAt !== undefined;
}

/** The recovery period of a table whose PITR is on, in days. */
export function recoveryPeriodDays(table: TableRecord): number {
  return table.pointInTimeRecovery?.recoveryPeriodInDays ?? DEFAULT_RECOVERY_PERIOD_DAYS;
}

/**
 * The times a table can be read as of, now: from PITR_GRACE_MS after
 * enabling (or the recovery period back from now, whichever is later) to
 * now. Undefined when PITR is off. Earliest may exceed latest for the first
 * PITR_GRACE_MS: nothing is restorable yet.
 */
export function restorableWindow(table: TableRecord, now: number): RestorableWindow | undefined {
  if (!pointInTimeRecoveryOn(table)) return undefined;
  const enabledAt = table.pointInTimeRecovery!.enabledAt!;
  return { earliestMs: Math.max(enabledAt + PITR_GRACE_MS, now - recoveryPeriodDays(table) * DAY_MS), latestMs: now };
}

/** One item as stored: its key after 0x10 <table id>, and its stored bytes. */
export interface TableEntry {
  readonly keyTail: Uint8Array;
  readonly raw: Uint8Array;
}

export interface ReadOptions {
  /** Entries per storage read (default 1000). */
  readonly pageSize?: number;
}

/**
 * Every item of `table` as it was at `epochMs`, in key order, decoded.
 * `table` is the table's current definition (db.catalog.get). Throws
 * PointInTimeRecoveryUnavailableException when PITR is off and
 * InvalidRestoreTimeException when `epochMs` is outside restorableWindow.
 */
export async function* readTableAsOf(db: Database, table: TableRecord, epochMs: number, options: ReadOptions = {}): AsyncGenerator<Item> {
  for await (const entry of readEntriesAsOf(db, table, epochMs, options)) yield decodeItem(entry.raw);
}

/** readTableAsOf, as stored bytes (a restore or a copy needs no decoding of what it does not look at). */
export async function* readEntriesAsOf(
  db: Database,
  table: TableRecord,
  epochMs: number,
  options: ReadOptions = {},
): AsyncGenerator<TableEntry> {
  const window = restorableWindow(table, db.clock.now());
  if (window === undefined) {
    throw errors.pointInTimeRecoveryUnavailable(`Point in time recovery is not enabled for table '${table.name}'`);
  }
  if (!Number.isFinite(epochMs) || epochMs < window.earliestMs || epochMs > window.latestMs) {
    throw errors.invalidRestoreTime(invalidRestoreTimeMessage(window));
  }
  const prefix = changeLogPrefix(table.id, table.pointInTimeRecovery!.enabledAt!);
  const after = sequenceAtMs(Math.floor(epochMs) + 1);
  // The barrier (module comment): no write at or before epochMs is still in flight after it.
  await db.engine.commit([], [], { sequence: { count: 1, floor: after, writes: () => [] } });
  const snapshot = await db.engine.snapshot();
  try {
    const trimmed = await changeLogTrimPoint(snapshot, prefix);
    if (trimmed !== undefined && trimmed >= after) throw errors.invalidRestoreTime(invalidRestoreTimeMessage(window));
    const undo = await undoImages(snapshot, prefix, after, options.pageSize ?? PAGE);
    yield* mergeUndo(readTableEntries(snapshot, table.id, options), undo);
  } finally {
    await snapshot.release();
  }
}

/**
 * Every item written in the period after `fromMs` up to and including
 * `toMs` (the writes that readEntriesAsOf(toMs) sees and
 * readEntriesAsOf(fromMs) does not), by key (latin1 of the key tail), with
 * the time of its last write there: what an incremental export lists, an
 * item changed and changed back included, which comparing the two states
 * cannot see. Throws as readEntriesAsOf does for either instant.
 */
export async function writesBetween(db: Database, table: TableRecord, fromMs: number, toMs: number): Promise<Map<string, number>> {
  const window = restorableWindow(table, db.clock.now());
  if (window === undefined) {
    throw errors.pointInTimeRecoveryUnavailable(`Point in time recovery is not enabled for table '${table.name}'`);
  }
  for (const ms of [fromMs, toMs]) {
    if (!Number.isFinite(ms) || ms < window.earliestMs || ms > window.latestMs) throw errors.invalidRestoreTime(invalidRestoreTimeMessage(window));
  }
  const prefix = changeLogPrefix(table.id, table.pointInTimeRecovery!.enabledAt!);
  const from = sequenceAtMs(Math.floor(fromMs) + 1);
  const to = sequenceAtMs(Math.floor(toMs) + 1);
  // The barrier (module comment): no write at or before toMs is still in flight after it.
  await db.engine.commit([], [], { sequence: { count: 1, floor: to, writes: () => [] } });
  const snapshot = await db.engine.snapshot();
  try {
    const trimmed = await changeLogTrimPoint(snapshot, prefix);
    if (trimmed !== undefined && trimmed >= from) throw errors.invalidRestoreTime(invalidRestoreTimeMessage(window));
    const written = new Map<string, number>();
    for (let next = from; next < to; ) {
      const records = await readChanges(snapshot, prefix, next, PAGE);
      for (const record of records) {
        if (record.sequence >= to) return written;
        written.set(latin1(record.keyTail), msOfSequence(record.sequence));
      }
      if (records.length < PAGE) return written;
      next = records[records.length - 1]!.sequence + 1n;
    }
    return written;
  } finally {
    await snapshot.release();
  }
}

/**
 * DynamoDB's words are not documented; these name the window, as its
 * console does. Times in ISO 8601 (UTC).
 */
export function invalidRestoreTimeMessage(window: RestorableWindow): string {
  return (
    `Restore time must be between the earliest restorable time ${new Date(window.earliestMs).toISOString()} ` +
    `and the latest restorable time ${new Date(window.latestMs).toISOString()}`
  );
}

/** Key (latin1 of the key tail) → the previous image of its first change at or after `from` (null: absent then). */
async function undoImages(snapshot: StorageSnapshot, prefix: Uint8Array, from: bigint, page: number): Promise<Map<string, Uint8Array | null>> {
  const undo = new Map<string, Uint8Array | null>();
  for (let next = from; ; ) {
    const records = await readChanges(snapshot, prefix, next, page);
    for (const record of records) {
      const key = latin1(record.keyTail);
      if (!undo.has(key)) undo.set(key, record.previous === undefined ? null : Uint8Array.from(record.previous));
    }
    if (records.length < page) return undo;
    next = records[records.length - 1]!.sequence + 1n;
  }
}

/** Every item of a table in one snapshot (a backup's copy; the items a point-in-time read starts from), in key order. */
export async function* readTableEntries(snapshot: StorageSnapshot, tableId: number, options: ReadOptions = {}): AsyncGenerator<TableEntry> {
  const page = options.pageSize ?? PAGE;
  const end = successor(indexPrefix(tableId, 0));
  for (let start = indexPrefix(tableId, 0); ; ) {
    const rows = await snapshot.range(start, end, { limit: page });
    for (const row of rows) yield { keyTail: row.key.subarray(TABLE_KEY_HEAD), raw: row.value };
    if (rows.length < page) return;
    start = Uint8Array.from([...rows[rows.length - 1]!.key, 0]);
  }
}

/** The items as they are, with the undo images put back, in key order. */
async function* mergeUndo(current: AsyncGenerator<TableEntry>, undo: Map<string, Uint8Array | null>): AsyncGenerator<TableEntry> {
  if (undo.size === 0) {
    yield* current;
    return;
  }
  // latin1 strings compare as their bytes do.
  const changed = [...undo.keys()].sort();
  let i = 0;
  const restored = function* (upTo: string | undefined): Generator<TableEntry> {
    // Changed keys below the current item's are items deleted since T.
    while (i < changed.length && (upTo === undefined || changed[i]! < upTo)) {
      const key = changed[i++]!;
      const image = undo.get(key);
      if (image != null) yield { keyTail: Buffer.from(key, 'latin1'), raw: image };
    }
  };
  for await (const entry of current) {
    const key = latin1(entry.keyTail);
    yield* restored(key);
    if (i < changed.length && changed[i] === key) {
      i++;
      const image = undo.get(key);
      if (image != null) yield { keyTail: entry.keyTail, raw: image };
    } else {
      yield entry;
    }
  }
  yield* restored(undefined);
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
