/**
 * @module data/run-item-write
 * Runs one planned item write as a single-item operation (PutItem,
 * UpdateItem, DeleteItem) and shapes its response: Attributes as
 * ReturnValues asks, ConsumedCapacity, ItemCollectionMetrics.
 */
import type { Database } from './database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { itemSize } from '../values/index.js';
import { consumedCapacity, meterCapacity, writeUnits, type CapacityParts, type ReturnConsumedCapacity } from './capacity.js';
import type { ItemAction } from './item-action.js';
import { itemCollectionMetrics } from './item-collection-metrics.js';
import { writeItem, type WriteOutcome } from './item-store.js';
import { writeCapacity } from './write-capacity.js';
import { DynamoError } from '../errors/index.js';
import type { Item } from '../values/types.js';

const CONDITIONAL_CHECK_FAILED = 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException';

export interface WriteResponseOptions {
  readonly ReturnConsumedCapacity?: ReturnConsumedCapacity;
  readonly ReturnItemCollectionMetrics?: string;
}

/**
 * What a write consumed. DynamoDB charges a write that wrote nothing (a
 * failed-to-create update, a delete of a missing item) on the stored
 * item's size, at least one unit.
 */
export function writeCost(table: TableRecord, outcome: WriteOutcome): CapacityParts {
  // Items whose stored JSON fits in 1 KB are at most 1 KB by DynamoDB's
  // measure: one unit, without measuring them (see WriteOutcome.storedBytes).
  // Index entries (vector ones too) have capacity of their own, so only for a table without indexes.
  const bound = outcome.storedBytes;
  if (
    bound !== undefined &&
    bound <= 1024 &&
    table.localIndexes.length === 0 &&
    table.globalIndexes.length === 0 &&
    (table.vectorIndexes === undefined || table.vectorIndexes.length === 0)
  ) {
    return ONE_UNIT;
  }
  if (!outcome.written) return { table: writeUnits(outcome.old === undefined ? 0 : itemSize(outcome.old)) };
  return writeCapacity(table, outcome.old, outcome.next);
}

const ONE_UNIT: CapacityParts = Object.freeze({ table: 1 });

export async function runItemWrite(
  db: Database,
  action: ItemAction,
  options: WriteResponseOptions,
): Promise<Record<string, unknown>> {
  const mode = options.ReturnConsumedCapacity;
  const wantsCapacity = mode === 'TOTAL' || mode === 'INDEXES';
  // The item the last apply() saw: a write refused by its condition still
  // consumes units of that item (at least one), which the metrics count.
  let seen: Item | undefined;
  let outcome: WriteOutcome;
  try {
    outcome = await writeItem(
      db,
      action.table,
      action.key,
      (old) => {
        seen = old;
        return action.apply(old);
      },
      { readOld: action.readsOld || wantsCapacity },
    );
  } catch (e) {
    if (e instanceof DynamoError && e.type === CONDITIONAL_CHECK_FAILED) {
      db.meter.write(action.table.name, writeUnits(seen === undefined ? 0 : itemSize(seen)));
    }
    throw e;
  }
  const out: Record<string, unknown> = {};
  const attributes = action.attributes(outcome);
  if (attributes !== undefined) out.Attributes = attributes;
  // Counted whether or not the client asked. A blind write (no index, no
  // stream, no capacity asked: item-store) does not read the old item, so
  // the metrics count the new item's size only (docs/metrics.md).
  const cost = writeCost(action.table, outcome);
  meterCapacity(db.meter, 'write', action.table.name, cost);
  if (wantsCapacity) out.ConsumedCapacity = consumedCapacity(mode, action.table, cost);
  if (options.ReturnItemCollectionMetrics === 'SIZE') {
    const metrics = await itemCollectionMetrics(db, action.table, action.key);
    if (metrics !== undefined) out.ItemCollectionMetrics = metrics;
  }
  return out;
}
