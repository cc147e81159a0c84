/**
 * @module backup/change-log
 * The point-in-time-recovery change log (docs/backups.md). While a table's
 * PITR is on, every item write carries one record in its own commit (data/
 * item-store itemCommit → DataPlaneHooks.changeLogRecord), numbered by the
 * storage engine in that commit like a stream record: so the log never
 * misses a write nor holds one that did not happen, and sequence order is
 * commit order across every process sharing the store. PITR does not need
 * a stream: the log is its own key range (catalog/key-space, 0x30).
 *
 * A record holds the item's key and its previous image: an undo log. The
 * table as it was at time T is the table now, with every item changed
 * after T put back to the previous image of its first change after T
 * (backup/point-in-time). So enabling PITR copies nothing, a record costs
 * one previous image, and a write that replaces an item must read it first
 * (data/item-store canWriteBlind), which streams already require.
 *
 * Value layout: <key length u16> <item key after 0x10 <table id u32>>
 * <previous item's stored bytes, or nothing when the item did not exist>.
 * (A stored item is never empty: it is JSON.) Sequence numbers are
 * `time ms × 10⁶ + tiebreak` (streams/sequence-numbers), and the time of a
 * record is that of its number: it never decreases in commit order.
 */
import type { Database } from '../data/database.js';
import type { StreamRecordDraft } from '../data/hooks.js';
import type { TableRecord } from '../catalog/table-record.js';
import { changeLogPrefix, streamRecordKey, streamRecordSequence, streamTrimKey, successor } from '../catalog/key-space.js';
import type { StorageEngine, StorageSnapshot } from '../storage/engine.js';

/** Sequence numbers per millisecond (streams/sequence-numbers keeps the same shape; not imported: features do not import each other). */
export const PER_MS = 1_000_000n;

/** The last sequenceAtMs answer: every write of a millisecond asks for the same one (a BigInt conversion and product spared). */
let lastMs = -1;
let lastFloor = 0n;

/** The least sequence number a change at `ms` can have. */
export function sequenceAtMs(ms: number): bigint {
  const whole = Math.max(0, Math.floor(ms));
  if (whole !== lastMs) {
    lastFloor = BigInt(whole) * PER_MS;
    lastMs = whole;
  }
  return lastFloor;
}

/** The time (epoch ms) a sequence number stands for. */
export function msOfSequence(sequence: bigint): number {
  return Number(sequence / PER_MS);
}

/** Bytes of a table's data keys before the item key proper: 0x10 <table id u32>. */
export const TABLE_KEY_HEAD = 5;

/** The record of a write to the item at `storageKey` whose stored bytes were `oldRaw`, when the table's PITR is on. */
export function changeLogRecord(
  db: Database,
  table: TableRecord,
  storageKey: Uint8Array,
  oldRaw: Uint8Array | undefined,
): StreamRecordDraft | undefined {
  const pitr = table.pointInTimeRecovery;
  if (pitr?.enabled !== true || pitr.enabledAt === undefined) return undefined;
  const keyLength = storageKey.length - TABLE_KEY_HEAD;
  // Buffer.allocUnsafe takes small buffers from Node's pool: a new
  // Uint8Array of this size would be allocated off-heap, on every write.
  const value = Buffer.allocUnsafe(2 + keyLength + (oldRaw?.length ?? 0));
  value[0] = keyLength >>> 8;
  value[1] = keyLength & 0xff;
  // Byte by byte, not value.set(storageKey.subarray(…)): a subarray of a
  // small Uint8Array makes V8 move its bytes into a backing store of their
  // own (an allocation, a zeroing and a copy: ~1,800 instructions a write).
  for (let i = 0; i < keyLength; i++) value[2 + i] = storageKey[TABLE_KEY_HEAD + i]!;
  if (oldRaw !== undefined) value.set(oldRaw, 2 + keyLength);
  return { prefix: logPrefixOf(table, pitr.enabledAt), value, floor: sequenceAtMs(db.clock.now()) };
}

/** The log prefix of a table definition, made once per definition (catalog records are immutable). */
const prefixes = new WeakMap<TableRecord, Uint8Array>();

function logPrefixOf(table: TableRecord, enabledAt: number): Uint8Array {
  let prefix = prefixes.get(table);
  if (prefix === undefined) prefixes.set(table, (prefix = changeLogPrefix(table.id, enabledAt)));
  return prefix;
}

export interface ChangeRecord {
  readonly sequence: bigint;
  /** The item's key after 0x10 <table id>: index id 0, partition hash, key attributes. */
  readonly keyTail: Uint8Array;
  /** The item's stored bytes before the change; undefined when it did not exist. */
  readonly previous: Uint8Array | undefined;
  /** Stored size of the record, for the storage report. */
  readonly bytes: number;
}

export function decodeChangeRecord(key: Uint8Array, value: Uint8Array): ChangeRecord {
  const keyLength = (value[0]! << 8) | value[1]!;
  const keyTail = value.subarray(2, 2 + keyLength);
  const previous = value.length > 2 + keyLength ? value.subarray(2 + keyLength) : undefined;
  return { sequence: streamRecordSequence(key), keyTail, previous, bytes: key.length + value.length };
}

/** Where a log's records end: its keys are prefix 0x01 <seq>. */
export function changeLogEnd(prefix: Uint8Array): Uint8Array {
  return successor(Uint8Array.from([...prefix, 0x01]));
}

type Reader = Pick<StorageEngine, 'range'> | StorageSnapshot;

/** Up to `limit` records of the log at `prefix` with numbers at or above `from`, in order. */
export async function readChanges(reader: Reader, prefix: Uint8Array, from: bigint, limit: number): Promise<ChangeRecord[]> {
  const rows = await reader.range(streamRecordKey(prefix, from), changeLogEnd(prefix), { limit });
  return rows.map((row) => decodeChangeRecord(row.key, row.value));
}

/** The highest sequence number trimmed from a log, or undefined if none was. */
export async function changeLogTrimPoint(reader: Pick<StorageEngine, 'get'> | StorageSnapshot, prefix: Uint8Array): Promise<bigint | undefined> {
  const raw = await reader.get(streamTrimKey(prefix));
  return raw === undefined ? undefined : decodeTrimPoint(raw);
}

export function decodeTrimPoint(raw: Uint8Array): bigint {
  return BigInt(Buffer.from(raw).toString('latin1'));
}

export function encodeTrimPoint(sequence: bigint): Uint8Array {
  return Buffer.from(sequence.toString(), 'latin1');
}
