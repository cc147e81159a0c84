/**
 * @module data/index-backfill
 * Backfilling a global secondary index added by UpdateTable. Writers start
 * maintaining the index as soon as it is in the catalog (status CREATING);
 * the backfill then walks the base table and writes each item's entry in a
 * commit that expects the item unchanged, so it never writes a stale entry
 * over a newer one. When done the index becomes ACTIVE.
 */
import { compareAndSet } from '../storage/compare-and-set.js';
import type { KvWrite } from '../storage/engine.js';
import type { Database } from './database.js';
import { indexPrefix, successor } from '../catalog/key-space.js';
import { indexWrites } from '../indexes/index-entries.js';
import { decodeItem } from './item-store.js';
import { tableStats } from './table-stats.js';

const PAGE = 256;
/**
 * Writes that read the table's definition before the index was added may
 * still be in flight; give them time to land before walking the table.
 */
const GRACE_MS = 50;

export async function backfillIndex(db: Database, tableName: string, indexId: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
  if (!(await setBackfilling(db, tableName, indexId, true))) return;
  const first = db.catalog.get(tableName);
  if (first === undefined) return;
  const end = successor(indexPrefix(first.id, 0));
  let from = indexPrefix(first.id, 0);
  // OnlineIndexPercentageProgress: items walked over the table's (cached) item count.
  const indexName = first.globalIndexes.find((g) => g.id === indexId)?.name ?? '';
  const total = (await tableStats(db, first)).itemCount;
  let done = 0;
  db.meter.backfillProgress(tableName, indexName, 0);
  for (;;) {
    // Another process may have changed or deleted the table meanwhile.
    await db.catalog.refresh();
    const table = db.catalog.get(tableName);
    const index = table?.globalIndexes.find((g) => g.id === indexId);
    if (table === undefined || table.id !== first.id || index === undefined) return;
    // Each page's entries commit expecting its items unchanged; an item that
    // changed under us makes the page be read again (storage/compare-and-set).
    let pageSize = 0;
    const last = await compareAndSet(db.engine, async () => {
      const page = await db.engine.range(from, end, { limit: PAGE });
      if (page.length === 0) return { done: undefined };
      pageSize = page.length;
      const writes: KvWrite[] = [];
      for (const entry of page) writes.push(...indexWrites(table, [index], undefined, decodeItem(entry.value)));
      return { writes, expectations: page.map((e) => ({ key: e.key, value: e.value })), result: page[page.length - 1]!.key };
    });
    if (last === undefined) break;
    done += pageSize;
    db.meter.backfillProgress(tableName, indexName, total === 0 ? 99 : Math.min(99, (100 * done) / total));
    from = new Uint8Array(last.length + 1);
    from.set(last);
  }
  for (;;) {
    const table = db.catalog.get(tableName);
    if (table === undefined || table.id !== first.id) return;
    if (!table.globalIndexes.some((g) => g.id === indexId)) return;
    const next = {
      ...table,
      globalIndexes: table.globalIndexes.map((g) => {
        if (g.id !== indexId) return g;
        const { backfilling: _b, ...rest } = g;
        return { ...rest, status: 'ACTIVE' as const };
      }),
    };
    if (await db.catalog.replace(table, next)) {
      db.meter.backfillProgress(tableName, indexName, 100);
      return;
    }
  }
}

async function setBackfilling(db: Database, tableName: string, indexId: number, value: boolean): Promise<boolean> {
  for (;;) {
    const table = db.catalog.get(tableName);
    if (table === undefined || !table.globalIndexes.some((g) => g.id === indexId)) return false;
    const next = {
      ...table,
      globalIndexes: table.globalIndexes.map((g) => (g.id === indexId ? { ...g, backfilling: value } : g)),
    };
    if (await db.catalog.replace(table, next)) return true;
  }
}
