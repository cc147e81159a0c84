/**
 * @module data/item-store
 * Reading and writing single items: the read-modify-write loop every item
 * write uses. A write reads the current item, computes the next version with
 * a caller's `apply` (which must be safe to call again), and commits the item
 * and its index entries in one commit that expects the item unchanged; if
 * another writer came first, it reads again and retries. So a conditional
 * write is atomic: of many writers racing on `attribute_not_exists`, exactly
 * one commits and the others see its item on their retry.
 *
 * The same commit carries the change's stream record when the table has an
 * enabled stream (db.hooks.streamRecord, which is streams/change-log), its
 * sequence number issued by the engine in that commit (streamRecordsOption),
 * so a stream never misses a write nor reports one that did not happen.
 */
import { compareAndSetKeys } from '../storage/compare-and-set.js';
import type { CommitDecision, KvExpectation, KvWrite } from '../storage/engine.js';
import type { Database } from './database.js';
import { streamRecordsOption } from './hooks.js';
import type { StreamRecordDraft } from './hooks.js';
import type { TableRecord } from '../catalog/table-record.js';
import { allIndexes, vectorIndexes } from '../catalog/table-record.js';
import { indexWrites, itemKey } from '../indexes/index-entries.js';
import { checkVectorValues, vectorIndexWrites } from '../indexes/vector-entries.js';
import { vectorLogDraft } from './vector-log.js';
import type { Item } from '../values/types.js';

const decoder = new TextDecoder();


export function decodeItem(raw: Uint8Array): Item {
  return JSON.parse(decoder.decode(raw)) as Item;
}

export function encodeItem(item: Item): Uint8Array {
  return encodeItemJson(JSON.stringify(item));
}

/** The stored form of an item already serialised as JSON.stringify does. */
function encodeItemJson(json: string): Uint8Array {
  // Buffer.from is several times cheaper than TextEncoder here (pooled
  // allocation for small items); the bytes are the same UTF-8.
  return Buffer.from(json, 'utf8');
}


/**
 * What `apply` decides: the item's next version (undefined to delete it),
 * or 'unchanged' to write nothing at all (a condition check, or an update
 * that would not create the item).
 */
export type ApplyResult = { readonly next: Item | undefined } | 'unchanged';

export interface WriteOutcome {
  readonly old: Item | undefined;
  /** The item after the write; equals `old` when nothing was written. */
  readonly next: Item | undefined;
  /** False when apply decided 'unchanged' (or deleted an item that did not exist). */
  readonly written: boolean;
  /**
   * When known: the larger of the old and the new item's stored JSON byte
   * lengths (0 for an absent item; the old one's alone when nothing was
   * written, or when the write was blind, the new one's). JSON spends more
   * bytes than DynamoDB's size measure on every part, so this bounds both
   * items' sizes: capacity of a small item is counted without measuring it
   * (run-item-write writeCost), as every write's capacity is, for the metrics.
   */
  readonly storedBytes?: number;
}

export interface WriteOptions {
  /**
   * Whether the caller needs the stored item: for a condition, for
   * ReturnValues, for capacity. When false and the table has no index to
   * maintain, the write is blind (one commit, no read) and `apply` is
   * called with undefined, so it must not depend on the old item.
   */
  readonly readOld: boolean;
  /** The service itself deletes the item (a TTL expiry): its stream record says so. */
  readonly byService?: boolean;
}

/**
 * The commit that moves one item from `old` (stored as `oldRaw`) to `next`:
 * the item write, its index entries, its stream record (numbered by the
 * engine: pass `records` through streamRecordsOption), and the expectation
 * that the item is still `oldRaw`. Transactions combine several of these
 * into one commit.
 */
export function itemCommit(
  db: Database,
  table: TableRecord,
  storageKey: Uint8Array,
  old: Item | undefined,
  oldRaw: Uint8Array | undefined,
  next: Item | undefined,
  byService = false,
): { writes: KvWrite[]; expectation: KvExpectation; records: StreamRecordDraft[] } {
  const writes: KvWrite[] = [{ key: storageKey, value: next === undefined ? null : encodeItem(next) }];
  const records: StreamRecordDraft[] = [];
  const indexes = allIndexes(table);
  if (indexes.length > 0) {
    for (const write of indexWrites(table, indexes, old, next)) writes.push(write);
  }
  if (table.stream.enabled) {
    const record = db.hooks.streamRecord(db, table, { old, next, byService });
    if (record !== undefined) records.push(record);
  }
  if (table.pointInTimeRecovery?.enabled === true) {
    const record = db.hooks.changeLogRecord(db, table, storageKey, oldRaw);
    if (record !== undefined) records.push(record);
  }
  if (table.vectorIndexes !== undefined && table.vectorIndexes.length > 0) {
    // Refused here, in the one place every item write passes (PutItem also checks earlier, before its condition).
    if (next !== undefined) checkVectorValues(table, old, next);
    const vector = vectorIndexWrites(table, old, next);
    for (const write of vector.writes) writes.push(write);
    // Numbered by the engine like stream records, so other processes' search structures can catch up (data/vector-log).
    for (const log of vector.logs) records.push(vectorLogDraft(db, table, log));
  }
  return { writes, expectation: { key: storageKey, value: oldRaw ?? null }, records };
}

/**
 * Whether a write that needs nothing back may skip reading the item it
 * replaces: only when no index entry, no stream record and no change-log
 * record depend on the old item (a stream record needs it for INSERT versus
 * MODIFY and OldImage; point-in-time recovery keeps the previous image).
 */
export function canWriteBlind(table: TableRecord): boolean {
  return (
    allIndexes(table).length === 0 && !table.stream.enabled && table.pointInTimeRecovery?.enabled !== true && vectorIndexes(table).length === 0
  );
}

/**
 * Whether only the point-in-time-recovery change log keeps a write that
 * needs nothing back from being blind: the log's record holds the old
 * item's stored bytes (an undo log), and nothing else needs the old item.
 */
function canWriteBlindButForLog(table: TableRecord): boolean {
  return (
    table.pointInTimeRecovery?.enabled === true &&
    allIndexes(table).length === 0 &&
    !table.stream.enabled &&
    vectorIndexes(table).length === 0
  );
}

/**
 * A write that needs nothing back, on a table whose only reader of the old
 * item is the PITR change log (canWriteBlindButForLog). The next item does
 * not depend on the old one, so it is decided and encoded once, up front;
 * only the log record needs the old bytes, and where the engine can decide
 * inside its commit (readAndCommit: LMDB, memory, PostgreSQL) the old bytes
 * are read there, in the same write step as the item's write: no read
 * before the commit, no expectation to check, no decoding of the old item,
 * no retry. An engine without readAndCommit gets the usual compare-and-set,
 * still without decoding the old item.
 */
async function writeLoggedBlind(
  db: Database,
  table: TableRecord,
  storageKey: Uint8Array,
  apply: (old: Item | undefined) => ApplyResult,
): Promise<WriteOutcome> {
  // #5: an item an in-flight transaction holds refuses plain writes (txn/conflicts).
  db.hooks.assertNotHeld(db, storageKey);
  const decision = apply(undefined);
  if (decision === 'unchanged') return { old: undefined, next: undefined, written: false };
  const next = decision.next;
  const value = next === undefined ? null : encodeItem(next);
  const nextBytes = value === null ? 0 : value.length;
  const writes: KvWrite[] = [{ key: storageKey, value }];
  const decide = (values: readonly (Uint8Array | undefined)[]): CommitDecision<WriteOutcome> => {
    const oldRaw = values[0];
    // Deleting an absent item changes nothing: no write, no record (as the read-first path decides).
    if (value === null && oldRaw === undefined) return { writes: [], result: { old: undefined, next, written: false, storedBytes: 0 } };
    const record = db.hooks.changeLogRecord(db, table, storageKey, oldRaw);
    const result: WriteOutcome = { old: undefined, next, written: true, storedBytes: Math.max(nextBytes, oldRaw === undefined ? 0 : oldRaw.length) };
    if (record === undefined) return { writes, result };
    return { writes, options: streamRecordsOption([record]), result };
  };
  if (db.engine.readAndCommit !== undefined) return db.engine.readAndCommit([storageKey], decide);
  return compareAndSetKeys<WriteOutcome>(
    db.engine,
    { keys: [storageKey], decide: (values) => ({ ...decide(values), check: () => db.hooks.assertNotHeld(db, storageKey) }) },
    { exhausted: () => new Error(`write to ${table.name} did not settle`) },
  );
}

/**
 * Unconditional puts and deletes of distinct items on tables that
 * canWriteBlind, in one commit: what a bulk load sends. One commit instead
 * of one per item saves the per-commit work of a durable engine. The caller
 * has each item's storage key and its JSON (`JSON.stringify(item)`, the text
 * encodeItem stores; undefined to delete) already: it made them while
 * checking the batch.
 */
export async function writeBlindItems(
  db: Database,
  items: readonly { readonly storageKey: Uint8Array; readonly json: string | undefined }[],
): Promise<void> {
  const writes: KvWrite[] = [];
  for (const { storageKey, json } of items) {
    // #5: an item an in-flight transaction holds refuses plain writes (txn/conflicts).
    db.hooks.assertNotHeld(db, storageKey);
    writes.push({ key: storageKey, value: json === undefined ? null : encodeItemJson(json) });
  }
  await db.engine.commit(writes);
}

export async function writeItem(
  db: Database,
  table: TableRecord,
  key: Item,
  apply: (old: Item | undefined) => ApplyResult,
  options: WriteOptions = { readOld: true },
): Promise<WriteOutcome> {
  const storageKey = itemKey(table, key);
  if (!options.readOld && canWriteBlind(table)) {
    // #5: an item an in-flight transaction holds refuses plain writes (txn/conflicts).
    db.hooks.assertNotHeld(db, storageKey);
    const decision = apply(undefined);
    if (decision === 'unchanged') return { old: undefined, next: undefined, written: false };
    const next = decision.next;
    const value = next === undefined ? null : encodeItem(next);
    await db.engine.commit([{ key: storageKey, value }]);
    return { old: undefined, next, written: true, storedBytes: value === null ? 0 : value.length };
  }
  if (!options.readOld && canWriteBlindButForLog(table)) return writeLoggedBlind(db, table, storageKey, apply);
  // Decided from the item's stored bytes alone, so after a lost race the
  // engine can decide it again inside its commit (storage/compare-and-set).
  return compareAndSetKeys<WriteOutcome>(
    db.engine,
    {
      keys: [storageKey],
      decide: ([oldRaw]) => {
        const old = oldRaw === undefined ? undefined : decodeItem(oldRaw);
        const oldBytes = oldRaw === undefined ? 0 : oldRaw.length;
        const decision = apply(old);
        if (decision === 'unchanged') return { done: { old, next: old, written: false, storedBytes: oldBytes } };
        const next = decision.next;
        if (next === undefined && old === undefined) return { done: { old, next, written: false, storedBytes: 0 } };
        const { writes, records } = itemCommit(db, table, storageKey, old, oldRaw, next, options.byService);
        const commitOptions = streamRecordsOption(records);
        // writes[0] is the item's own write (itemCommit).
        const nextBytes = writes[0]!.value?.length ?? 0;
        return {
          writes,
          options: commitOptions,
          // #5: checked on every attempt, just before committing (txn/conflicts).
          check: () => db.hooks.assertNotHeld(db, storageKey),
          result: { old, next, written: true, storedBytes: Math.max(oldBytes, nextBytes) },
        };
      },
    },
    { exhausted: () => new Error(`write to ${table.name} did not settle`) },
  );
}
