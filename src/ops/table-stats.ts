/**
 * @module ops/table-stats
 * ItemCount and TableSizeBytes. DynamoDB refreshes these about every six
 * hours; openddb counts on demand and caches the answer for a few seconds,
 * which is fresher than DynamoDB and cheap for the tables local use sees.
 * TODO(#4): keep running totals in storage so large tables need no scan.
 */
import type { Database } from '../db/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { allIndexes } from '../catalog/table-record.js';
import { indexPrefix, successor } from '../catalog/key-space.js';
import type { TableStats } from './table-description.js';

const CACHE_MS = 5_000;
const PAGE = 5_000;
// Keyed by the table record itself: a changed definition (say, a new index) is a new record.
const cache = new WeakMap<Database, Map<number, { record: TableRecord; at: number; stats: TableStats }>>();

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
  }
  return { itemCount, sizeBytes };
}

export async function tableStats(db: Database, table: TableRecord): Promise<TableStats> {
  let perDb = cache.get(db);
  if (perDb === undefined) cache.set(db, (perDb = new Map()));
  const hit = perDb.get(table.id);
  const now = db.clock.now();
  if (hit && hit.record === table && now - hit.at < CACHE_MS) return hit.stats;
  const base = await countRange(db, indexPrefix(table.id, 0));
  const indexes = new Map<number, { itemCount: number; sizeBytes: number }>();
  for (const index of allIndexes(table)) indexes.set(index.id, await countRange(db, indexPrefix(table.id, index.id)));
  const stats: TableStats = { itemCount: base.itemCount, sizeBytes: base.sizeBytes, indexes };
  perDb.set(table.id, { record: table, at: now, stats });
  return stats;
}
