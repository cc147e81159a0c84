/**
 * @module data/table-stats
 * ItemCount and TableSizeBytes. DynamoDB refreshes these about every six
 * hours; openddb counts by reading the table and caches the answer. A count
 * is fresh for at least five seconds, and for a hundred times as long as it
 * took to make, so a large table is not re-read on every DescribeTable (the
 * waiters of SDKs and infrastructure tools poll it). A stale count is served
 * at once while a new one is made in the background; the read yields to the
 * event loop between pages, so other requests go on meanwhile.
 * TODO(#4): keep running totals in storage so large tables need no scan.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database } from './database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { allIndexes } from '../catalog/table-record.js';
import { indexPrefix, successor } from '../catalog/key-space.js';

export interface TableStats {
  readonly itemCount: number;
  readonly sizeBytes: number;
  readonly indexes: ReadonlyMap<number, { itemCount: number; sizeBytes: number }>;
}

const MIN_FRESH_MS = 5_000;
/** A count stays fresh this many times as long as it took to make. */
const FRESH_PER_COST = 100;
const PAGE = 5_000;

interface Cached {
  /** The table definition counted: a changed definition (say, a new index) is a new record. */
  readonly record: TableRecord;
  readonly freshUntil: number;
  readonly stats: TableStats;
}

interface PerDatabase {
  readonly counts: Map<number, Cached>;
  /** Keyed by definition, so a count of an older definition is never handed out for a newer one. */
  readonly refreshing: WeakMap<TableRecord, Promise<TableStats>>;
}

const cache = new WeakMap<Database, PerDatabase>();

async function countRange(db: Database, start: Uint8Array): Promise<{ itemCount: number; sizeBytes: number }> {
  const end = successor(start);
  let from = start;
  let itemCount = 0;
  let sizeBytes = 0;
  for (;;) {
    const page = await db.engine.range(from, end, { limit: PAGE });
    for (const e of page) {
      itemCount++;
      sizeBytes += e.value.length;
    }
    if (page.length < PAGE) break;
    const last = page[page.length - 1]!.key;
    from = new Uint8Array(last.length + 1);
    from.set(last);
    await yieldToEventLoop();
  }
  return { itemCount, sizeBytes };
}

async function count(db: Database, table: TableRecord, per: PerDatabase): Promise<TableStats> {
  const started = performance.now();
  const base = await countRange(db, indexPrefix(table.id, 0));
  const indexes = new Map<number, { itemCount: number; sizeBytes: number }>();
  for (const index of [...allIndexes(table), ...(table.vectorIndexes ?? [])]) {
    indexes.set(index.id, await countRange(db, indexPrefix(table.id, index.id)));
  }
  const stats: TableStats = { itemCount: base.itemCount, sizeBytes: base.sizeBytes, indexes };
  const cost = performance.now() - started;
  per.counts.set(table.id, {
    record: table,
    freshUntil: db.clock.now() + Math.max(MIN_FRESH_MS, FRESH_PER_COST * cost),
    stats,
  });
  return stats;
}

/** One count per table at a time; concurrent callers share it. */
function refresh(db: Database, table: TableRecord, per: PerDatabase): Promise<TableStats> {
  const running = per.refreshing.get(table);
  if (running !== undefined) return running;
  const next = count(db, table, per).finally(() => per.refreshing.delete(table));
  per.refreshing.set(table, next);
  return next;
}

export async function tableStats(db: Database, table: TableRecord): Promise<TableStats> {
  let per = cache.get(db.root);
  if (per === undefined) cache.set(db.root, (per = { counts: new Map(), refreshing: new WeakMap() }));
  const hit = per.counts.get(table.id);
  if (hit === undefined || hit.record !== table) return refresh(db, table, per);
  if (db.clock.now() >= hit.freshUntil) {
    db.runInBackground(`counting the items of ${table.name}`, async () => {
      await refresh(db, table, per);
    });
  }
  return hit.stats;
}
