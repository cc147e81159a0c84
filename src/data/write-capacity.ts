/**
 * @module data/write-capacity
 * Write capacity of one item write, split as ReturnConsumedCapacity=INDEXES
 * reports it: the table's units (1 KB units of the larger of the old and new
 * item) and each secondary index's (an index entry written or deleted costs
 * units of its projected size; a changed index key deletes one entry and
 * writes another).
 */
import type { IndexRecord, TableRecord } from '../catalog/table-record.js';
import { indexEntryKey, isLocal, projectForIndex } from '../indexes/index-entries.js';
import { itemSize } from '../values/index.js';
import type { Item } from '../values/types.js';
import type { CapacityParts } from './capacity.js';
import { writeUnits } from './capacity.js';
import { bytesEqual } from '../storage/byte-order.js';
import { vectorIndexWrites } from '../indexes/vector-entries.js';

/**
 * The bytes a write replicates into each vector index whose entry it
 * changes (VectorWriteRequestBytes, VectorSearchMonitoring): the entry's key
 * and value written, or the key deleted; a write that leaves the entry as it
 * was costs nothing there.
 */
function vectorBytes(table: TableRecord, old: Item | undefined, next: Item | undefined): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  let total = 0;
  let first: string | undefined;
  for (const index of table.vectorIndexes ?? []) {
    let bytes = 0;
    for (const write of vectorIndexWrites(table, old, next, [index]).writes) bytes += write.key.length + (write.value?.length ?? 0);
    if (bytes > 0) (out ??= {})[index.name] = bytes;
    total += bytes;
    first ??= bytes > 0 ? index.name : undefined;
  }
  // DynamoDB meters at least 1 KB per write, once however many vector indexes it touches (AWS's agent toolkit, "Cost"): the rest is shown on the first.
  if (out !== undefined && first !== undefined && total < MIN_VECTOR_WRITE_BYTES) out[first] = out[first]! + MIN_VECTOR_WRITE_BYTES - total;
  return out;
}

const MIN_VECTOR_WRITE_BYTES = 1024;

function indexUnits(table: TableRecord, index: IndexRecord, old: Item | undefined, next: Item | undefined): number {
  const oldKey = old && indexEntryKey(table, index, old);
  const newKey = next && indexEntryKey(table, index, next);
  const size = (item: Item) => itemSize(projectForIndex(table, index, item));
  if (oldKey === undefined && newKey === undefined) return 0;
  if (oldKey === undefined) return writeUnits(size(next!));
  if (newKey === undefined) return writeUnits(size(old!));
  if (bytesEqual(oldKey, newKey)) return writeUnits(Math.max(size(old!), size(next!)));
  return writeUnits(size(old!)) + writeUnits(size(next!));
}

/** The capacity one write of `key`'s item from `old` to `next` consumes (either may be absent). */
export function writeCapacity(table: TableRecord, old: Item | undefined, next: Item | undefined): CapacityParts {
  const tableUnits = writeUnits(Math.max(old ? itemSize(old) : 0, next ? itemSize(next) : 0));
  const vectors = table.vectorIndexes === undefined ? undefined : vectorBytes(table, old, next);
  // Most tables have no index: every write's units are counted (the metrics), so skip the empty maps.
  if (table.localIndexes.length === 0 && table.globalIndexes.length === 0) {
    return vectors === undefined ? { table: tableUnits } : { table: tableUnits, vectorIndexes: vectors };
  }
  const localIndexes: Record<string, number> = {};
  const globalIndexes: Record<string, number> = {};
  for (const index of [...table.localIndexes, ...table.globalIndexes]) {
    const units = indexUnits(table, index, old, next);
    if (units === 0) continue;
    if (isLocal(table, index)) localIndexes[index.name] = units;
    else globalIndexes[index.name] = units;
  }
  return { table: tableUnits, localIndexes, globalIndexes, ...(vectors === undefined ? {} : { vectorIndexes: vectors }) };
}

/**
 * The bytes a bulk put of `item` writes (BulkOperationUsage): the item in the
 * table, its projected entry in each secondary index it has keys for, and
 * each vector index's entry bytes as VectorWriteRequestBytes meters them.
 * In the shape of CapacityParts, in bytes instead of units, so addCapacity
 * sums a run's puts.
 */
export function bulkPutBytes(table: TableRecord, item: Item): CapacityParts {
  const localIndexes: Record<string, number> = {};
  const globalIndexes: Record<string, number> = {};
  for (const index of [...table.localIndexes, ...table.globalIndexes]) {
    if (indexEntryKey(table, index, item) === undefined) continue;
    const bytes = itemSize(projectForIndex(table, index, item));
    if (isLocal(table, index)) localIndexes[index.name] = bytes;
    else globalIndexes[index.name] = bytes;
  }
  const vectors = table.vectorIndexes === undefined ? undefined : vectorBytes(table, undefined, item);
  return { table: itemSize(item), localIndexes, globalIndexes, ...(vectors === undefined ? {} : { vectorIndexes: vectors }) };
}

/** Adds capacity parts together (a batch's writes to one table). */
export function addCapacity(a: CapacityParts, b: CapacityParts): CapacityParts {
  const merge = (x: Readonly<Record<string, number>> = {}, y: Readonly<Record<string, number>> = {}) => {
    const out: Record<string, number> = { ...x };
    for (const [name, units] of Object.entries(y)) out[name] = (out[name] ?? 0) + units;
    return out;
  };
  return {
    table: a.table + b.table,
    localIndexes: merge(a.localIndexes, b.localIndexes),
    globalIndexes: merge(a.globalIndexes, b.globalIndexes),
    ...(a.vectorIndexes === undefined && b.vectorIndexes === undefined ? {} : { vectorIndexes: merge(a.vectorIndexes, b.vectorIndexes) }),
  };
}
