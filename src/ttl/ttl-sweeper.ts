/**
 * @module ttl/ttl-sweeper
 * Time to live that really deletes. A periodic sweep walks every table with
 * TTL enabled and deletes the items ttl/expiry says have expired. DynamoDB
 * deletes expired items "typically within two days"; openddb within one
 * sweep interval (a second by default).
 *
 * Each deletion goes through the ordinary item write path (data/item-store),
 * so index entries go in the same commit and, on a table with a stream, a
 * REMOVE record marked as a service deletion (userIdentity Service /
 * dynamodb.amazonaws.com), as DynamoDB marks TTL deletions. The delete is
 * conditional on the item still being expired when it commits: a write that
 * extends the item's TTL in the meantime wins, and the item stays.
 *
 * The sweep scans each such table in full, in batches of keys with a yield
 * to the event loop between them, and skips without decoding any item whose
 * stored form does not even contain the TTL attribute as a number. That is
 * proportional to table size each interval: fine for development-sized
 * tables; an expiry index would make it proportional to what expires.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database } from '../data/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { concat, indexPrefix, successor } from '../catalog/key-space.js';
import { keyOf } from '../indexes/index-entries.js';
import { isDynamoError } from '../errors/index.js';
import { decodeItem, writeItem } from '../data/item-store.js';
import type { Item } from '../values/types.js';
import { isExpired } from './expiry.js';

/** Default time between the end of one sweep and the start of the next. */
export const DEFAULT_TTL_INTERVAL_MS = 1000;
/** Items read per batch. */
const BATCH = 500;

/** One sweep over every TTL-enabled table of every region; resolves to the number of items deleted. */
export async function sweepExpiredItems(db: Database): Promise<number> {
  let deleted = 0;
  for (const table of db.catalog.all()) {
    if (db.isClosed) break;
    // Each table through its own region's view, where its name finds it.
    if (table.ttl?.enabled) deleted += await sweepTable(db.inScope(table), table.name, table.id, table.ttl.attributeName);
  }
  return deleted;
}

async function sweepTable(db: Database, tableName: string, tableId: number, attributeName: string): Promise<number> {
  const end = successor(indexPrefix(tableId, 0));
  // Items are stored as their JSON wire form, so a top-level Number TTL
  // attribute always appears as this text (a nested one may too: decoding
  // then tells them apart).
  const needle = Buffer.from(`${JSON.stringify(attributeName)}:{"N":`);
  let from = indexPrefix(tableId, 0);
  let deleted = 0;
  for (;;) {
    // Stop if the table went away, was re-created, or its TTL changed.
    const table = db.catalog.get(tableName);
    if (db.isClosed || table?.id !== tableId || !table.ttl?.enabled || table.ttl.attributeName !== attributeName) break;
    const rows = await db.engine.range(from, end, { limit: BATCH });
    const now = db.clock.now();
    const expired: Item[] = [];
    for (const row of rows) {
      if (Buffer.from(row.value.buffer, row.value.byteOffset, row.value.byteLength).indexOf(needle) < 0) continue;
      const item = decodeItem(row.value);
      if (isExpired(item, attributeName, now)) expired.push(keyOf(table, item));
    }
    // Distinct items: delete them together, so a durable engine can share one flush.
    const results = await Promise.all(expired.map((key) => expire(db, table, key, attributeName)));
    const count = results.filter(Boolean).length;
    if (count > 0) db.meter.ttlDeleted(tableName, count);
    deleted += count;
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < BATCH) break;
    from = concat([last.key, Uint8Array.of(0)]);
    await yieldToEventLoop();
  }
  return deleted;
}

/** Deletes one item if it is still expired; resolves to whether it was deleted. */
async function expire(db: Database, table: TableRecord, key: Item, attributeName: string): Promise<boolean> {
  try {
    const outcome = await writeItem(
      db,
      table,
      key,
      (old) => (old !== undefined && isExpired(old, attributeName, db.clock.now()) ? { next: undefined } : 'unchanged'),
      { readOld: true, byService: true },
    );
    return outcome.written;
  } catch (e) {
    // An item a transaction holds right now (TransactionConflictException):
    // the next sweep takes it.
    if (isDynamoError(e)) return false;
    throw e;
  }
}

/**
 * Sweeps every `intervalMs` until the database closes. A sweep reads whole
 * tables, so on large tables it backs off: the pause after a sweep is at
 * least nine times as long as the sweep took, keeping sweeping to about a
 * tenth of one core however large the tables grow.
 */
export function startTtlSweeper(db: Database, intervalMs = DEFAULT_TTL_INTERVAL_MS): void {
  let notBefore = 0;
  db.runPeriodically('expiring items (TTL)', intervalMs, async () => {
    if (performance.now() < notBefore) return;
    const started = performance.now();
    await sweepExpiredItems(db);
    const finished = performance.now();
    notBefore = finished + SWEEP_BACKOFF_FACTOR * (finished - started);
  });
}

/** Pause after a sweep, in multiples of the sweep's own duration. */
const SWEEP_BACKOFF_FACTOR = 9;
