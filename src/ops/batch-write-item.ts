/**
 * @module ops/batch-write-item
 * BatchWriteItem: up to 25 puts and deletes over several tables. Every
 * request is checked before any is written; then each is written with the
 * same read-modify-write commit as PutItem and DeleteItem, so an item and
 * its index entries change together. As in DynamoDB, the batch as a whole
 * is not atomic: the writes run concurrently, each commits on its own, and
 * a failure part-way leaves the others written. (A batch that needs no
 * reads at all — no indexes, no stream, no capacity asked — is written in
 * one commit, which a bulk load benefits from.) openddb never throttles,
 * so UnprocessedItems is always empty (but always present, as `{}`).
 */
import { errors } from '../errors/index.js';
import type { TableRecord } from '../catalog/table-record.js';
import { checkIndexKeyTypes, itemKey, keyOf } from '../indexes/index-entries.js';
import { item, returnConsumedCapacity, returnItemCollectionMetrics } from './item-schemas.js';
import { list, map, renderJava, struct, tableNameOrArn } from '../validate/index.js';
import { MAX_ITEM_SIZE, itemSize, validateKeyValue } from '../values/index.js';
import type { Item } from '../values/types.js';
import type { CapacityParts, ReturnConsumedCapacity } from './capacity.js';
import { consumedCapacity } from './capacity.js';
import { itemCollectionMetrics } from './item-collection-metrics.js';
import { checkAttributeValues, checkKeyParameter } from './item-keys.js';
import { canWriteBlind, writeBlindItems, writeItem, type WriteOutcome } from './item-store.js';
import { defineOperation } from './operation.js';
import { writeCost } from './run-item-write.js';
import { requireTable } from './table-lookup.js';
import { addCapacity } from './write-capacity.js';

interface WriteRequest {
  PutRequest?: { Item: Item };
  DeleteRequest?: { Key: Item };
}

interface BatchWriteItemInput {
  RequestItems: Record<string, WriteRequest[]>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnItemCollectionMetrics?: 'SIZE' | 'NONE';
}

/** One checked request, ready to write. */
interface PlannedWrite {
  readonly table: TableRecord;
  readonly key: Item;
  /** The item to put, or undefined to delete. */
  readonly item: Item | undefined;
}

const MAX_WRITES = 25;

const writeRequest = struct(
  {
    PutRequest: struct({ Item: item({ required: true }) }, { javaName: 'PutRequest' }),
    DeleteRequest: struct({ Key: item({ required: true }) }, { javaName: 'DeleteRequest' }),
  },
  { javaName: 'WriteRequest' },
);

const requestItemsShape = map(list(writeRequest));

export const batchWriteItem = defineOperation<BatchWriteItemInput>({
  name: 'BatchWriteItem',
  schema: {
    members: {
      // The per-table list length is checked in run(): DynamoDB's message
      // names every constraint of the list, not just the one it broke.
      RequestItems: map(list(writeRequest), { required: true, key: tableNameOrArn() }),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      ReturnItemCollectionMetrics: returnItemCollectionMetrics(),
    },
  },
  async run({ db }, input) {
    const tableNames = Object.keys(input.RequestItems);
    if (tableNames.some((name) => input.RequestItems[name]!.length < 1 || input.RequestItems[name]!.length > MAX_WRITES)) {
      throw errors.validation(
        `1 validation error detected: Value '${renderJava(input.RequestItems, requestItemsShape)}' at 'requestItems' ` +
          `failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to ${MAX_WRITES}, ` +
          'Member must have length greater than or equal to 1]',
      );
    }
    if (tableNames.length === 0) throw errors.validation('The requestItems parameter is required for BatchWriteItem');
    let count = 0;
    for (const name of tableNames) {
      for (const request of input.RequestItems[name]!) {
        const put = request.PutRequest;
        const del = request.DeleteRequest;
        // A request must be exactly one of the two; DynamoDB words this as
        // for an AttributeValue (dynalite's DynamoDB-verified test).
        if ((put === undefined) === (del === undefined)) {
          throw errors.validation(
            'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
          );
        }
        if (put !== undefined) {
          checkAttributeValues(put.Item);
          if (itemSize(put.Item) > MAX_ITEM_SIZE) {
            throw errors.validation('Item size has exceeded the maximum allowed size');
          }
        } else {
          checkAttributeValues(del!.Key);
        }
        count++;
      }
    }
    if (count > MAX_WRITES) throw errors.validation('Too many items requested for the BatchWriteItem call');

    const writes: PlannedWrite[] = [];
    for (const name of tableNames) {
      const table = requireTable(db, name);
      const seen = new Set<string>();
      for (const request of input.RequestItems[name]!) {
        let write: PlannedWrite;
        if (request.PutRequest !== undefined) {
          const putItem = request.PutRequest.Item;
          checkPutKey(table, putItem);
          checkIndexKeyTypes(table, putItem, [...table.globalIndexes, ...table.localIndexes]);
          write = { table, key: keyOf(table, putItem), item: putItem };
        } else {
          const key = request.DeleteRequest!.Key;
          checkKeyParameter(table, key);
          write = { table, key, item: undefined };
        }
        const id = Buffer.from(itemKey(table, write.key)).toString('latin1');
        if (seen.has(id)) throw errors.validation('Provided list of item keys contains duplicates');
        seen.add(id);
        writes.push(write);
      }
    }

    const mode = input.ReturnConsumedCapacity;
    const wantsCapacity = mode === 'TOTAL' || mode === 'INDEXES';
    // Keys are distinct, so the writes are independent; running them
    // together lets a durable engine share one flush among them. Without
    // capacity to report, a write to a table without indexes need not read
    // the item it replaces.
    let outcomes: WriteOutcome[] = [];
    if (!wantsCapacity && writes.every((write) => canWriteBlind(write.table))) {
      // Nothing to read back and nothing depends on the replaced items: the
      // whole batch is one commit.
      await writeBlindItems(db, writes.map((write) => ({ table: write.table, key: write.key, next: write.item })));
    } else {
      outcomes = await Promise.all(
        writes.map((write) =>
          writeItem(db, write.table, write.key, () => ({ next: write.item }), { readOld: wantsCapacity }),
        ),
      );
    }

    const out: Record<string, unknown> = { UnprocessedItems: {} };
    if (wantsCapacity) {
      const perTable = new Map<string, { table: TableRecord; parts: CapacityParts }>();
      writes.forEach((write, i) => {
        const parts = writeCost(write.table, outcomes[i]!);
        const sum = perTable.get(write.table.name);
        perTable.set(write.table.name, { table: write.table, parts: sum ? addCapacity(sum.parts, parts) : parts });
      });
      out.ConsumedCapacity = [...perTable.values()].map(({ table, parts }) => consumedCapacity(mode, table, parts));
    }
    if (input.ReturnItemCollectionMetrics === 'SIZE') {
      // Item collections exist only in tables with local secondary indexes.
      const metrics: Record<string, unknown[]> = {};
      for (const write of writes) {
        const collection = await itemCollectionMetrics(db, write.table, write.key);
        if (collection !== undefined) (metrics[write.table.name] ??= []).push(collection);
      }
      out.ItemCollectionMetrics = metrics;
    }
    return out;
  },
});

/**
 * A put's key attributes. Unlike PutItem, BatchWriteItem words a missing or
 * mistyped key as a key mismatch (dynalite's DynamoDB-verified tests).
 */
function checkPutKey(table: TableRecord, putItem: Item): void {
  const { hash, range } = table.keySchema;
  for (const [name, role] of [
    [hash, 'hash'],
    [range, 'range'],
  ] as const) {
    if (name === undefined) continue;
    const message = validateKeyValue(name, putItem[name], table.attributeDefinitions[name]!, role, 'key');
    if (message !== undefined) throw errors.validation(message);
  }
}
