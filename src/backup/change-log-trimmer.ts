/**
 * @module backup/change-log-trimmer
 * Retention of the point-in-time-recovery change logs (backup/change-log):
 * records older than the table's recovery period are removed, and a log
 * that is no longer any table's current one (PITR disabled, re-enabled
 * under a new log, or its table deleted) is erased whole. Runs in one
 * process at a time, under the `pitr-trim` lease (data/database
 * runPeriodically).
 */
import type { Database } from '../data/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { CHANGE_LOG_PREFIX, changeLogPrefix, streamRecordKey, streamRecordSequence, streamTrimKey, successor } from '../catalog/key-space.js';
import { compareAndSet } from '../storage/compare-and-set.js';
import type { KvWrite } from '../storage/engine.js';
import { decodeTrimPoint, encodeTrimPoint, sequenceAtMs } from './change-log.js';
import { DAY_MS, pointInTimeRecoveryOn, recoveryPeriodDays } from './point-in-time.js';

export const DEFAULT_CHANGE_LOG_TRIM_INTERVAL_MS = 60_000;
const TRIM_LEASE = 'pitr-trim';
const BATCH = 1000;
/** Bytes of a log's prefix: 0x30 <table id u32> <enabled ms u64>. */
const LOG_PREFIX_BYTES = 13;
/**
 * A log enabled this recently is never erased as orphaned: the enabling
 * commit may have landed after this process last refreshed its catalog.
 */
const YOUNG_LOG_MS = 60_000;

export function startChangeLogTrimmer(db: Database, intervalMs = DEFAULT_CHANGE_LOG_TRIM_INTERVAL_MS): void {
  db.runPeriodically('trimming point-in-time-recovery logs', intervalMs, () => trimChangeLogs(db), TRIM_LEASE);
}

/** One pass over every change log in the store. */
export async function trimChangeLogs(db: Database): Promise<void> {
  const now = db.clock.now();
  const current = new Map<string, TableRecord>();
  for (const table of db.catalog.all()) {
    if (pointInTimeRecoveryOn(table)) current.set(latin1(changeLogPrefix(table.id, table.pointInTimeRecovery!.enabledAt!)), table);
  }
  const end = successor(CHANGE_LOG_PREFIX);
  for (let cursor: Uint8Array = CHANGE_LOG_PREFIX; !db.isClosed; ) {
    const [first] = await db.engine.range(cursor, end, { limit: 1 });
    if (first === undefined) return;
    const prefix = first.key.slice(0, LOG_PREFIX_BYTES);
    const table = current.get(latin1(prefix));
    if (table !== undefined) {
      await trimBefore(db, prefix, sequenceAtMs(now - recoveryPeriodDays(table) * DAY_MS));
    } else if (enabledMsOf(prefix) < now - YOUNG_LOG_MS) {
      await erase(db, prefix);
    }
    cursor = successor(prefix);
  }
}

/** Removes the records numbered below `horizon`, raising the log's trim point. */
async function trimBefore(db: Database, prefix: Uint8Array, horizon: bigint): Promise<void> {
  const trimKey = streamTrimKey(prefix);
  for (let more = true; more && !db.isClosed; ) {
    // Expecting the old trim point keeps two trimmers from lowering it.
    more = await compareAndSet<boolean>(db.engine, async () => {
      const rows = await db.engine.range(streamRecordKey(prefix, 0n), streamRecordKey(prefix, horizon), { limit: BATCH });
      const last = rows[rows.length - 1];
      if (last === undefined) return { done: false };
      const previousRaw = await db.engine.get(trimKey);
      const previous = previousRaw === undefined ? undefined : decodeTrimPoint(previousRaw);
      let point = streamRecordSequence(last.key);
      if (previous !== undefined && previous > point) point = previous;
      const writes: KvWrite[] = rows.map((row) => ({ key: row.key, value: null }));
      writes.push({ key: trimKey, value: encodeTrimPoint(point) });
      return { writes, expectations: [{ key: trimKey, value: previousRaw ?? null }], result: rows.length === BATCH };
    });
  }
}

async function erase(db: Database, prefix: Uint8Array): Promise<void> {
  const end = successor(prefix);
  while (!db.isClosed) {
    const rows = await db.engine.range(prefix, end, { limit: BATCH });
    if (rows.length === 0) return;
    await db.engine.commit(rows.map((row) => ({ key: row.key, value: null })));
  }
}

function enabledMsOf(prefix: Uint8Array): number {
  return Number(new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getBigUint64(5));
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Stored bytes of every change log (the storage report: docs/backups.md). */
export async function changeLogBytes(db: Database, table: TableRecord): Promise<{ records: number; bytes: number }> {
  if (!pointInTimeRecoveryOn(table)) return { records: 0, bytes: 0 };
  const prefix = changeLogPrefix(table.id, table.pointInTimeRecovery!.enabledAt!);
  let records = 0;
  let bytes = 0;
  const end = successor(prefix);
  for (let start: Uint8Array = prefix; ; ) {
    const rows = await db.engine.range(start, end, { limit: BATCH });
    for (const row of rows) {
      bytes += row.key.length + row.value.length;
      if (row.key[LOG_PREFIX_BYTES] === 0x01) records++;
    }
    if (rows.length < BATCH) return { records, bytes };
    start = Uint8Array.from([...rows[rows.length - 1]!.key, 0]);
  }
}
