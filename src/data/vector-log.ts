/**
 * @module data/vector-log
 * Each vector index's change log: every commit that changes an index's
 * entries also writes one record naming them, numbered by the storage
 * engine inside that commit like a stream record (data/hooks, CommitOptions
 * .sequence), so the numbers follow commit order across every process on
 * the store. A process's in-memory search structure (data/vector-search)
 * remembers the last number it applied; before each search it reads the
 * records after it (usually none: one short range read) and applies them.
 * So a search sees every write acknowledged before it began, whichever
 * process made it (docs/architecture.md, "Many processes, one database").
 *
 * Keys: 0x40 <table id> <index id> 0x01 <sequence u64> (catalog/key-space);
 * value: the write's time (u64 ms), then the changed entry keys
 * (indexes/vector-entries encodeVectorLog).
 *
 * Records are kept RETAIN_MS and then trimmed, under a lease, by one
 * process; the trim point (0x40 … 0x00) holds the highest number trimmed.
 * A structure that last caught up before the trim point can no longer
 * catch up record by record and is rebuilt from the entries themselves.
 */
import { CommitConflictError, type KvWrite } from '../storage/engine.js';
import {
  indexPrefix,
  streamRecordKey,
  streamRecordSequence,
  streamTrimKey,
  successor,
  VECTOR_ERASE_PREFIX,
  vectorEraseKey,
  vectorLogPrefix,
} from '../catalog/key-space.js';
import type { TableRecord } from '../catalog/table-record.js';
import { vectorIndexes } from '../catalog/table-record.js';
import type { VectorLogRecord } from '../indexes/vector-entries.js';
import { decodeVectorLog } from '../indexes/vector-entries.js';
import type { Database } from './database.js';
import type { StreamRecordDraft } from './hooks.js';

/** How long records are kept: a structure idle longer than this is rebuilt on its next search. */
export const VECTOR_LOG_RETAIN_MS = 5 * 60_000;
const TRIM_INTERVAL_MS = 60_000;
const TRIM_LEASE = 'vector-log-trim';
const TRIM_BATCH = 500;

/** The draft of one commit's log record (numbered by the engine in that commit). */
export function vectorLogDraft(db: Database, table: TableRecord, log: VectorLogRecord): StreamRecordDraft {
  const value = new Uint8Array(8 + log.value.length);
  new DataView(value.buffer).setBigUint64(0, BigInt(db.clock.now()));
  value.set(log.value, 8);
  return { prefix: vectorLogPrefix(table.id, log.index.id), value, floor: 0n };
}

export interface VectorLogEntry {
  readonly sequence: bigint;
  readonly keys: Uint8Array[];
}

function recordsStart(prefix: Uint8Array, after: bigint): Uint8Array {
  return streamRecordKey(prefix, after + 1n);
}

/** The records numbered above `after`, in order (at most `limit`). */
export async function readVectorLog(db: Database, tableId: number, indexId: number, after: bigint, limit?: number): Promise<VectorLogEntry[]> {
  const prefix = vectorLogPrefix(tableId, indexId);
  const rows = await db.engine.range(recordsStart(prefix, after), successor(prefix), limit === undefined ? {} : { limit });
  return rows.map((row) => ({ sequence: streamRecordSequence(row.key), keys: decodeVectorLog(row.value.subarray(8)) }));
}

/** The highest number trimmed from this log (0 when none was). */
export async function vectorLogTrimPoint(db: Database, tableId: number, indexId: number): Promise<bigint> {
  const raw = await db.engine.get(streamTrimKey(vectorLogPrefix(tableId, indexId)));
  return raw === undefined ? 0n : new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getBigUint64(0);
}

/** The highest number in this log (or its trim point when it is empty). */
export async function vectorLogHead(db: Database, tableId: number, indexId: number): Promise<bigint> {
  const prefix = vectorLogPrefix(tableId, indexId);
  const last = await db.engine.range(streamRecordKey(prefix, 0n), successor(prefix), { reverse: true, limit: 1 });
  const trimmed = await vectorLogTrimPoint(db, tableId, indexId);
  const head = last[0] === undefined ? 0n : streamRecordSequence(last[0].key);
  return head > trimmed ? head : trimmed;
}

/** Trims every vector index's log of records older than VECTOR_LOG_RETAIN_MS. */
export async function trimVectorLogs(db: Database): Promise<void> {
  const cutoff = BigInt(db.clock.now() - VECTOR_LOG_RETAIN_MS);
  for (const table of db.catalog.all()) {
    for (const index of vectorIndexes(table)) {
      if (db.isClosed) return;
      const prefix = vectorLogPrefix(table.id, index.id);
      for (;;) {
        const rows = await db.engine.range(streamRecordKey(prefix, 0n), successor(prefix), { limit: TRIM_BATCH });
        // Records are in commit order, and times nearly so: stop at the first young one.
        const young = rows.findIndex((row) => new DataView(row.value.buffer, row.value.byteOffset, 8).getBigUint64(0) >= cutoff);
        const cut = young < 0 ? rows : rows.slice(0, young);
        if (cut.length === 0) break;
        await raiseTrimPoint(db, prefix, streamRecordSequence(cut[cut.length - 1]!.key));
        await db.engine.commit(cut.map((row) => ({ key: row.key, value: null })));
        if (cut.length < TRIM_BATCH) break;
      }
    }
  }
}

/** Sets the trim point to `sequence` unless it is already higher; before the records go, so no reader misses the gap. */
async function raiseTrimPoint(db: Database, prefix: Uint8Array, sequence: bigint): Promise<void> {
  const key = streamTrimKey(prefix);
  for (;;) {
    const raw = await db.engine.get(key);
    const current = raw === undefined ? 0n : new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getBigUint64(0);
    if (current >= sequence) return;
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigUint64(0, sequence);
    try {
      await db.engine.commit([{ key, value }], [{ key, value: raw ?? null }]);
      return;
    } catch (e) {
      if (!(e instanceof CommitConflictError)) throw e;
    }
  }
}

/** The lease of the one process that erases deleted vector indexes. */
const ERASE_LEASE = 'vector-index-erase';
const ERASE_LEASE_MS = 15_000;
const ERASE_INTERVAL_MS = 2_000;

/**
 * The write that marks a deleted vector index for erasing (0x41 …); it
 * commits with the catalog change that deletes the index, so an index is
 * never gone from the catalog without its erase being recorded.
 */
export function vectorEraseMarker(tableId: number, indexId: number): KvWrite {
  return { key: vectorEraseKey(tableId, indexId), value: new Uint8Array(0) };
}

/**
 * Erases the entries and change log of every deleted vector index (each
 * marked at 0x41 …), under the lease `vector-index-erase`: one process at
 * a time, every batch of deletes committed with the lease's renewal, so a
 * process that lost the lease deletes nothing more. The marker goes last,
 * so an erase cut short by a stop or a crash is taken up again, by any
 * process, from what is left (deleting is idempotent; the index id is
 * never reused). Nothing to erase costs one range read.
 */
export async function eraseDeletedVectorIndexes(db: Database): Promise<void> {
  const end = successor(VECTOR_ERASE_PREFIX);
  if ((await db.engine.range(VECTOR_ERASE_PREFIX, end, { limit: 1 })).length === 0) return;
  let lease = await db.leases.acquire(ERASE_LEASE, ERASE_LEASE_MS);
  if (lease === undefined) return;
  try {
    for (;;) {
      const marker = (await db.engine.range(VECTOR_ERASE_PREFIX, end, { limit: 1 }))[0];
      if (marker === undefined || db.isClosed) return;
      const tableId = new DataView(marker.key.buffer, marker.key.byteOffset, marker.key.byteLength).getUint32(1);
      const indexId = marker.key[5]!;
      for (const start of [indexPrefix(tableId, indexId), vectorLogPrefix(tableId, indexId)]) {
        for (;;) {
          if (db.isClosed) return;
          const batch = await db.engine.range(start, successor(start), { limit: TRIM_BATCH });
          if (batch.length === 0) break;
          lease = await db.leases.commitHolding(
            lease,
            ERASE_LEASE_MS,
            batch.map((e) => ({ key: e.key, value: null })),
            [],
          );
          if (lease === undefined) return;
        }
      }
      lease = await db.leases.commitHolding(lease, ERASE_LEASE_MS, [{ key: marker.key, value: null }], []);
      if (lease === undefined) return;
    }
  } finally {
    if (lease !== undefined && !db.isClosed) await db.leases.release(lease);
  }
}

/** Every process looks for deleted vector indexes to erase every few seconds (one range read when there are none). */
export function startVectorIndexEraser(db: Database, intervalMs = ERASE_INTERVAL_MS): void {
  db.runPeriodically('erasing deleted vector indexes', intervalMs, () => eraseDeletedVectorIndexes(db));
}

/** One process (the lease holder) trims the vector change logs every minute; deleted indexes are erased as they come. */
export function startVectorLogTrimmer(db: Database, intervalMs = TRIM_INTERVAL_MS): void {
  db.runPeriodically('trimming vector index change logs', intervalMs, () => trimVectorLogs(db), TRIM_LEASE);
  startVectorIndexEraser(db);
}
