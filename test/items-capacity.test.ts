/**
 * Black-box tests of ReturnConsumedCapacity and ReturnItemCollectionMetrics
 * on the single-item operations, with DynamoDB's arithmetic: a write costs
 * one unit per started KB of the larger of the old and new item, each index
 * entry written or deleted costs its own units, and a read costs one unit
 * per started 4 KB (half when eventually consistent). Item sizes follow
 * DynamoDB's rules: attribute name bytes plus value bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable, indexedTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
const PLAIN = 'cap';
const INDEXED = 'cap-idx';

type Item = Record<string, AttributeValue>;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable(PLAIN)));
  await ddb.send(new CreateTableCommand(indexedTable(INDEXED)));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

/** An item of exactly `size` bytes by DynamoDB's rules: "pk" + 1-char key (3) + "d" + filler. */
function sized(pk: string, size: number): Item {
  assert.equal(pk.length, 1);
  return { pk: { S: pk }, d: { S: 'x'.repeat(size - 4) } };
}

describe('write capacity', () => {
  it('PutItem: one unit per started KB of the larger of old and new item', async () => {
    const cap = async (item: Item) =>
      (await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: item, ReturnConsumedCapacity: 'TOTAL' }))).ConsumedCapacity;
    assert.deepEqual(await cap(sized('a', 1024)), { TableName: PLAIN, CapacityUnits: 1 });
    assert.deepEqual(await cap(sized('b', 1025)), { TableName: PLAIN, CapacityUnits: 2 });
    // Overwriting a 3 KB item with a small one is charged on the old item.
    await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: sized('c', 3000) }));
    assert.deepEqual(await cap(sized('c', 10)), { TableName: PLAIN, CapacityUnits: 3 });
  });

  it('UpdateItem and DeleteItem: charged on the larger item; a no-op costs one unit', async () => {
    await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: sized('u', 2500) }));
    const u = await ddb.send(
      new UpdateItemCommand({
        TableName: PLAIN,
        Key: { pk: { S: 'u' } },
        UpdateExpression: 'SET d = :s',
        ExpressionAttributeValues: { ':s': { S: 'short' } },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    assert.deepEqual(u.ConsumedCapacity, { TableName: PLAIN, CapacityUnits: 3, Table: { CapacityUnits: 3 } });
    await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: sized('e', 5000) }));
    const d = await ddb.send(new DeleteItemCommand({ TableName: PLAIN, Key: { pk: { S: 'e' } }, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(d.ConsumedCapacity, { TableName: PLAIN, CapacityUnits: 5 });
    const missing = await ddb.send(
      new DeleteItemCommand({ TableName: PLAIN, Key: { pk: { S: 'e' } }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    assert.deepEqual(missing.ConsumedCapacity, { TableName: PLAIN, CapacityUnits: 1 });
  });

  it('INDEXES splits the units between the table and each index written', async () => {
    const key = { pk: { S: 'p' }, sk: { S: 's' } };
    // 3 (pk) + 3 (sk) + 4 (lsk) + 3 (gk) + 1 + 2000 (d) = 2014 bytes.
    const item = { ...key, lsk: { S: 'l' }, gk: { S: 'g' }, d: { S: 'x'.repeat(2000) } };
    const put = await ddb.send(new PutItemCommand({ TableName: INDEXED, Item: item, ReturnConsumedCapacity: 'INDEXES' }));
    assert.deepEqual(put.ConsumedCapacity, {
      TableName: INDEXED,
      CapacityUnits: 5,
      Table: { CapacityUnits: 2 },
      LocalSecondaryIndexes: { lsi: { CapacityUnits: 2 } }, // ALL: the whole item
      GlobalSecondaryIndexes: { gsi: { CapacityUnits: 1 } }, // KEYS_ONLY: 9 bytes
    });
    // Moving the item to another GSI key deletes one entry and writes another.
    const moved = await ddb.send(
      new UpdateItemCommand({
        TableName: INDEXED,
        Key: key,
        UpdateExpression: 'SET gk = :g',
        ExpressionAttributeValues: { ':g': { S: 'gg' } },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    assert.deepEqual(moved.ConsumedCapacity, {
      TableName: INDEXED,
      CapacityUnits: 6,
      Table: { CapacityUnits: 2 },
      LocalSecondaryIndexes: { lsi: { CapacityUnits: 2 } },
      GlobalSecondaryIndexes: { gsi: { CapacityUnits: 2 } },
    });
    const total = await ddb.send(new DeleteItemCommand({ TableName: INDEXED, Key: key, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(total.ConsumedCapacity, { TableName: INDEXED, CapacityUnits: 5 });
  });
});

describe('read capacity', () => {
  it('GetItem: one unit per started 4 KB when consistent, half otherwise, charged on the whole item', async () => {
    await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: sized('r', 4096) }));
    await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: sized('s', 4097) }));
    const units = async (pk: string, consistent: boolean, projection?: string) =>
      (
        await ddb.send(
          new GetItemCommand({
            TableName: PLAIN,
            Key: { pk: { S: pk } },
            ConsistentRead: consistent,
            ReturnConsumedCapacity: 'TOTAL',
            ...(projection ? { ProjectionExpression: projection } : {}),
          }),
        )
      ).ConsumedCapacity?.CapacityUnits;
    assert.equal(await units('r', true), 1);
    assert.equal(await units('r', false), 0.5);
    assert.equal(await units('s', true), 2);
    assert.equal(await units('s', false), 1);
    assert.equal(await units('s', true, 'pk'), 2);
    assert.equal(await units('nothing-here', true), 1);
    assert.equal(await units('nothing-here', false), 0.5);
    const indexes = await ddb.send(
      new GetItemCommand({ TableName: PLAIN, Key: { pk: { S: 'r' } }, ReturnConsumedCapacity: 'INDEXES' }),
    );
    assert.deepEqual(indexes.ConsumedCapacity, { TableName: PLAIN, CapacityUnits: 0.5, Table: { CapacityUnits: 0.5 } });
  });
});

describe('ReturnItemCollectionMetrics', () => {
  it('answers ItemCollectionKey and a size range for tables with local indexes only', async () => {
    const key = { pk: { S: 'icm' }, sk: { S: 'a' } };
    const put = await ddb.send(
      new PutItemCommand({ TableName: INDEXED, Item: { ...key, lsk: { S: 'l' } }, ReturnItemCollectionMetrics: 'SIZE' }),
    );
    assert.deepEqual(put.ItemCollectionMetrics, { ItemCollectionKey: { pk: { S: 'icm' } }, SizeEstimateRangeGB: [0, 1] });
    const upd = await ddb.send(
      new UpdateItemCommand({ TableName: INDEXED, Key: key, UpdateExpression: 'REMOVE lsk', ReturnItemCollectionMetrics: 'SIZE' }),
    );
    assert.deepEqual(upd.ItemCollectionMetrics?.ItemCollectionKey, { pk: { S: 'icm' } });
    const none = await ddb.send(
      new PutItemCommand({ TableName: INDEXED, Item: { ...key }, ReturnItemCollectionMetrics: 'NONE' }),
    );
    assert.equal(none.ItemCollectionMetrics, undefined);
    const plain = await ddb.send(
      new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: 'icm' } }, ReturnItemCollectionMetrics: 'SIZE' }),
    );
    assert.equal(plain.ItemCollectionMetrics, undefined);
  });
});
