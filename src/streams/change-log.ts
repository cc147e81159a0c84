/**
 * @module streams/change-log
 * The stream records in storage: written by every item write of a table
 * with an enabled stream, in the same commit as the item (docs/architecture.md), under
 * a sequence number the storage engine issues in that commit, and read back
 * in sequence order by GetRecords.
 */
import type { Database } from '../data/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { streamPrefix, streamRecordKey, streamRecordSequence, streamTrimKey, successor } from '../catalog/key-space.js';
import type { StorageEngine } from '../storage/engine.js';
import type { StreamRecordDraft } from '../data/hooks.js';
import { labelMs } from './stream-catalog.js';
import { sequenceAtMs } from './sequence-numbers.js';
import { recordOfChange, type Change, type StoredStreamRecord } from './stream-record.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The record of `change` in the table's stream, or undefined when the table
 * has no enabled stream or nothing changed. Its sequence number comes later,
 * from the engine, in the commit (data/hooks streamRecordsOption); its time
 * is the number's floor, so numbers keep telling the time they were written.
 */
export function streamRecord(db: Database, table: TableRecord, change: Change): StreamRecordDraft | undefined {
  const { stream } = table;
  if (!stream.enabled || stream.label === undefined || stream.viewType === undefined) return undefined;
  const now = db.clock.now();
  const record = recordOfChange(stream.viewType, table.keySchema, change, now);
  if (record === undefined) return undefined;
  // Counted as the commit is made: a commit that then fails (rare) was counted too.
  db.meter.streamRecordsWritten(table.name, 1);
  return {
    prefix: streamPrefix(table.id, labelMs(stream.label)),
    value: encoder.encode(JSON.stringify(record)),
    floor: sequenceAtMs(now),
  };
}

export interface ReadRecord {
  readonly sequence: bigint;
  readonly record: StoredStreamRecord;
  /** Stored bytes, for GetRecords' 1 MB page limit. */
  readonly bytes: number;
}

function recordsEnd(prefix: Uint8Array): Uint8Array {
  return successor(Uint8Array.from([...prefix, 0x01]));
}

/** Up to `limit` records with sequence numbers above `after`, in order. */
export async function readRecordsAfter(
  engine: StorageEngine,
  prefix: Uint8Array,
  after: bigint,
  limit: number,
): Promise<ReadRecord[]> {
  if (after >= 2n ** 64n - 1n) return [];
  const rows = await engine.range(streamRecordKey(prefix, after + 1n), recordsEnd(prefix), { limit });
  return rows.map((row) => ({
    sequence: streamRecordSequence(row.key),
    record: JSON.parse(decoder.decode(row.value)) as StoredStreamRecord,
    bytes: row.value.byteLength,
  }));
}

/** The sequence number of a stream's first or last stored record. */
export async function edgeSequence(engine: StorageEngine, prefix: Uint8Array, which: 'first' | 'last'): Promise<bigint | undefined> {
  const rows = await engine.range(streamRecordKey(prefix, 0n), recordsEnd(prefix), {
    limit: 1,
    reverse: which === 'last',
  });
  return rows[0] === undefined ? undefined : streamRecordSequence(rows[0].key);
}

/**
 * The highest sequence number the trimmer has removed from a stream, or
 * undefined if it never removed any. A reader positioned below it has lost
 * records (TrimmedDataAccessException).
 */
export async function trimPoint(engine: StorageEngine, prefix: Uint8Array): Promise<bigint | undefined> {
  const raw = await engine.get(streamTrimKey(prefix));
  return raw === undefined ? undefined : decodeTrimPoint(raw);
}

export function encodeTrimPoint(sequence: bigint): Uint8Array {
  return encoder.encode(sequence.toString());
}

export function decodeTrimPoint(raw: Uint8Array): bigint {
  return BigInt(decoder.decode(raw));
}
