/**
 * @module api/items/batch-write-item
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
import { errors } from '../../errors/index.js';
import type { Database } from '../../data/database.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { checkIndexKeyTypes, itemKey, keyOf } from '../../indexes/index-entries.js';
import { checkVectorValues } from '../../indexes/vector-entries.js';
import { item, returnConsumedCapacity, returnItemCollectionMetrics } from '../item-schemas.js';
import { list, map, renderJava, struct, tableNameOrArn } from '../../validate/index.js';
import { MAX_ITEM_SIZE, itemSize, validateKeyValue } from '../../values/index.js';
import type { Item } from '../../values/types.js';
import type { CapacityParts, ReturnConsumedCapacity } from '../../data/capacity.js';
import { consumedCapacity, meterCapacity, writeUnits } from '../../data/capacity.js';
import { itemCollectionMetrics } from '../../data/item-collection-metrics.js';
import { checkAttributeValues, checkKeyParameter } from '../../data/item-keys.js';
import { canWriteBlind, writeBlindItems, writeItem, type WriteOutcome } from '../../data/item-store.js';
import { bytesEqual } from '../../storage/byte-order.js';
import { defineOperation } from '../operation.js';
import { writeCost } from '../../data/run-item-write.js';
import { requireTable } from '../../data/table-lookup.js';
import { addCapacity } from '../../data/write-capacity.js';

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
  /** Where the item is stored (itemKey). */
  readonly storageKey: Uint8Array;
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
      // A per-table list of the wrong length is reported against the whole
      // map, naming every constraint of the list ("Map value must satisfy
      // constraint: [...]"), and counted with the other violations.
      RequestItems: map(
        list(writeRequest, { min: 1, max: MAX_WRITES, nullMember: 'The batch write request list for a table cannot be null or empty' }),
        {
        required: true,
        key: tableNameOrArn(),
        nullValue: 'The batch write request list for a table cannot be null or empty: {key}',
        },
      ),
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
    const mode = input.ReturnConsumedCapacity;
    const wantsCapacity = mode === 'TOTAL' || mode === 'INDEXES';
    // Without capacity to report, a batch whose tables have no index and no
    // stream needs nothing read back and nothing depends on the replaced
    // items: it is written blind, in one commit. (Looked up early without
    // throwing: a missing table is reported after the checks below, as before.)
    const blind =
      !wantsCapacity &&
      tableNames.every((name) => {
        const table = findTable(db, name);
        return table !== undefined && canWriteBlind(table);
      });
    // A blind batch stores each item's JSON, so it is made once, here.
    const jsonOf: (string | undefined)[] = [];
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
          const json = blind ? JSON.stringify(put.Item) : undefined;
          jsonOf[count] = json;
          // An item's size by DynamoDB's rules is at most its JSON's UTF-8
          // bytes (type tags, quotes, escapes and base64 only add), which are
          // at most 3 per UTF-16 unit: a short JSON needs no size walk.
          const surelyFits = json !== undefined && json.length * 3 <= MAX_ITEM_SIZE;
          if (!surelyFits && itemSize(put.Item) > MAX_ITEM_SIZE) {
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
      const indexes = [...table.globalIndexes, ...table.localIndexes];
      for (const request of input.RequestItems[name]!) {
        let write: PlannedWrite;
        if (request.PutRequest !== undefined) {
          const putItem = request.PutRequest.Item;
          checkPutKey(table, putItem);
          if (indexes.length > 0) checkIndexKeyTypes(table, putItem, indexes);
          if (table.vectorIndexes !== undefined && table.vectorIndexes.length > 0) checkVectorValues(table, undefined, putItem);
          const key = keyOf(table, putItem);
          write = { table, key, storageKey: itemKey(table, key), item: putItem };
        } else {
          const key = request.DeleteRequest!.Key;
          checkKeyParameter(table, key);
          write = { table, key, storageKey: itemKey(table, key), item: undefined };
        }
        // Storage keys start with the table's id, so comparing with every
        // earlier write finds exactly this table's duplicates (at most 25
        // writes: cheaper than building a string per key for a Set).
        if (writes.some((earlier) => bytesEqual(earlier.storageKey, write.storageKey))) {
          throw errors.validation('Provided list of item keys contains duplicates');
        }
        writes.push(write);
      }
    }

    // Keys are distinct, so the writes are independent; running them
    // together lets a durable engine share one flush among them. Without
    // capacity to report, a write to a table without indexes need not read
    // the item it replaces.
    let outcomes: WriteOutcome[] = [];
    if (blind) {
      await writeBlindItems(db, writes.map((write, i) => ({ storageKey: write.storageKey, json: jsonOf[i] })));
    } else {
      outcomes = await Promise.all(
        writes.map((write) =>
          writeItem(db, write.table, write.key, () => ({ next: write.item }), { readOld: wantsCapacity }),
        ),
      );
    }

    // The metrics count every write's units, asked for or not. A blind write
    // read no old item: it counts the new item's size (docs/metrics.md), and
    // a JSON of at most 1 KB of UTF-8 is surely one unit.
    for (let i = 0; i < writes.length; i++) {
      const write = writes[i]!;
      const outcome = outcomes[i];
      if (outcome !== undefined) meterCapacity(db.meter, 'write', write.table.name, writeCost(write.table, outcome));
      else if (write.item === undefined || (jsonOf[i]?.length ?? Infinity) * 3 <= 1024) db.meter.write(write.table.name, 1);
      else db.meter.write(write.table.name, writeUnits(itemSize(write.item)));
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

/** The table, or undefined where requireTable would throw. */
function findTable(db: Database, nameOrArn: string): TableRecord | undefined {
  try {
    return requireTable(db, nameOrArn);
  } catch {
    return undefined;
  }
}
