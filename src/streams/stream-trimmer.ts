/**
 * @module streams/stream-trimmer
 * The background side of streams:
 * - trimming: "stream records whose age exceeds [24 hours] are subject to
 *   removal" (TrimmedDataAccessException reference). A periodic sweep
 *   deletes each stream's records older than 24 hours, oldest first, in
 *   batches, and raises the stream's trim point in the same commit; a
 *   reader positioned below the trim point gets TrimmedDataAccessException.
 * - deleting closed streams 24 hours after they closed (DeleteTable API
 *   reference), records, trim point and catalog entry.
 * - with several processes on one store, trimming runs in the one holding
 *   the `stream-trim` lease (data/leases); its commits expect the trim
 *   point they read, so an overlapping second trimmer cannot lower it.
 * - priming the engine's sequence counter at startup from what is stored,
 *   for data written before the engine issued the numbers, so they keep
 *   increasing past every stored record.
 */
import type { Database } from '../data/database.js';
import { compareAndSet } from '../storage/compare-and-set.js';
import type { KvWrite } from '../storage/engine.js';
import { streamCatalogKey, streamPolicyKey, streamRecordKey, streamRecordSequence, streamTrimKey, successor } from '../catalog/key-space.js';
import { decodeTrimPoint, edgeSequence, encodeTrimPoint, trimPoint } from './change-log.js';
import { listStreamEntries, recordsPrefixOf, type StreamEntry, type StreamPosition } from './stream-catalog.js';
import { sequenceAtMs } from './sequence-numbers.js';

/** Stream records are kept for 24 hours. */
export const RETENTION_MS = 24 * 60 * 60 * 1000;
/** Keys deleted per commit: small enough to keep commits short. */
const BATCH = 1000;
/** How often the trimmer runs by default: retention is in hours, so minutes are precise enough. */
export const DEFAULT_TRIM_INTERVAL_MS = 60_000;
/** The lease whose holder trims (data/leases). */
export const TRIM_LEASE = 'stream-trim';

/** Every stream entry, page by page. */
async function* allStreams(db: Database): AsyncGenerator<StreamEntry> {
  let after: StreamPosition | undefined;
  for (;;) {
    const page = await listStreamEntries(db.engine, { limit: 100, ...(after !== undefined ? { after } : {}) });
    for (const entry of page.entries) yield entry;
    const last = page.entries[page.entries.length - 1];
    if (!page.more || last === undefined) return;
    after = last;
  }
}

/** One pass of the trimmer at the database clock's current time. */
export async function trimStreams(db: Database): Promise<void> {
  const now = db.clock.now();
  for await (const entry of allStreams(db)) {
    if (db.isClosed) return;
    if (entry.closedAt !== undefined && entry.closedAt <= now - RETENTION_MS) await deleteStream(db, entry);
    else await trimRecords(db, entry, sequenceAtMs(now - RETENTION_MS));
  }
}

/** Deletes a stream's records below `horizon`, raising its trim point with each batch. */
async function trimRecords(db: Database, entry: StreamEntry, horizon: bigint): Promise<void> {
  const prefix = recordsPrefixOf(entry);
  const trimKey = streamTrimKey(prefix);
  // One batch per compare-and-set: expecting the old trim point keeps two
  // trimmers (or processes) from lowering it; a lost race reads again.
  for (let more = true; more && !db.isClosed; ) {
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
      return { writes, expectations: [{ key: trimKey, value: previousRaw ?? null }], result: true };
    });
  }
}

/** Removes a closed stream entirely: its records and trim point, then its catalog entry. */
async function deleteStream(db: Database, entry: StreamEntry): Promise<void> {
  const prefix = recordsPrefixOf(entry);
  const end = successor(prefix);
  for (;;) {
    if (db.isClosed) return;
    const rows = await db.engine.range(prefix, end, { limit: BATCH });
    if (rows.length === 0) break;
    await db.engine.commit(rows.map((row) => ({ key: row.key, value: null })));
  }
  // Its resource-based policy (if any) goes with it.
  await db.engine.commit([
    { key: streamCatalogKey(entry, entry.tableName, entry.label), value: null },
    { key: streamPolicyKey(entry, entry.tableName, entry.label), value: null },
  ]);
}

/**
 * Makes the engine's sequence counter stand past every sequence number
 * already stored (records and trim points): a store written by an openddb
 * whose numbers came from a per-process clock has records but no counter.
 * One commit that takes a number with that floor, and writes nothing else;
 * harmless when the counter is already past it, and safe with other
 * processes running (the counter only rises). Run once at startup.
 */
export async function primeSequenceCounter(db: Database): Promise<void> {
  let highest: bigint | undefined;
  for await (const entry of allStreams(db)) {
    const prefix = recordsPrefixOf(entry);
    for (const seen of [await edgeSequence(db.engine, prefix, 'last'), await trimPoint(db.engine, prefix)]) {
      if (seen !== undefined && (highest === undefined || seen > highest)) highest = seen;
    }
  }
  if (highest === undefined) return;
  await db.engine.commit([], [], { sequence: { count: 1, floor: highest + 1n, writes: () => [] } });
}

/** Primes the sequence counter, then trims streams every `intervalMs`. */
export async function startStreams(db: Database, intervalMs = DEFAULT_TRIM_INTERVAL_MS): Promise<void> {
  await primeSequenceCounter(db);
  db.runPeriodically('trimming streams', intervalMs, () => trimStreams(db), TRIM_LEASE);
}
