/**
 * @module data/item-collection-metrics
 * ReturnItemCollectionMetrics=SIZE: for a table with local secondary
 * indexes, the written item's collection (every item sharing its partition
 * key, plus their local index entries) and an estimate of its size as a
 * [lower, upper] range in GB, as DynamoDB answers. Tables without local
 * indexes have no item collections, and DynamoDB returns nothing for them.
 */
import type { Database } from './database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { partitionPrefix, successor } from '../catalog/key-space.js';
import type { Item } from '../values/types.js';

const PAGE = 1000;
const GB = 1024 ** 3;

export interface ItemCollectionMetrics {
  readonly ItemCollectionKey: Item;
  readonly SizeEstimateRangeGB: readonly [number, number];
}

/** Bytes stored under one prefix, read a page at a time. */
async function storedBytes(db: Database, start: Uint8Array): Promise<number> {
  const end = successor(start);
  let from = start;
  let bytes = 0;
  for (;;) {
    const page = await db.engine.range(from, end, { limit: PAGE });
    for (const entry of page) bytes += entry.key.length + entry.value.length;
    if (page.length < PAGE) return bytes;
    const last = page[page.length - 1]!.key;
    from = new Uint8Array(last.length + 1);
    from.set(last);
  }
}

export async function itemCollectionMetrics(
  db: Database,
  table: TableRecord,
  key: Item,
): Promise<ItemCollectionMetrics | undefined> {
  if (table.localIndexes.length === 0) return undefined;
  const hashName = table.keySchema.hash;
  const hashValue = key[hashName]!;
  let bytes = await storedBytes(db, partitionPrefix(table.id, 0, hashValue));
  for (const index of table.localIndexes) bytes += await storedBytes(db, partitionPrefix(table.id, index.id, hashValue));
  const lower = Math.floor(bytes / GB);
  return { ItemCollectionKey: { [hashName]: hashValue }, SizeEstimateRangeGB: [lower, lower + 1] };
}
