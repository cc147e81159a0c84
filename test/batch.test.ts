/**
 * Black-box tests of BatchWriteItem and BatchGetItem: several tables in one
 * call, index maintenance, projections, the 16 MB response cap with
 * UnprocessedKeys, consumed capacity, and DynamoDB's validation messages
 * (nothing is written when any request of a batch is invalid).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { defineTable } from './helpers/tables.js';

type Item = Record<string, AttributeValue>;

let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(defineTable('users', 'id:S', { gsi: { 'by-team': { key: 'team:S', projection: 'KEYS_ONLY' } } })));
  await ddb.send(new CreateTableCommand(defineTable('events', 'user:S at:N')));
  await ddb.send(new CreateTableCommand(defineTable('blobs', 'id:N')));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

const get = async (table: string, key: Item) => (await ddb.send(new GetItemCommand({ TableName: table, Key: key }))).Item;

describe('BatchWriteItem', () => {
  it('puts and deletes in several tables at once and keeps indexes in step', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'events', Item: { user: { S: 'ann' }, at: { N: '1' } } }));
    const r = await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          users: [
            { PutRequest: { Item: { id: { S: 'ann' }, team: { S: 'red' }, age: { N: '30' } } } },
            { PutRequest: { Item: { id: { S: 'bob' }, team: { S: 'red' } } } },
            { PutRequest: { Item: { id: { S: 'cy' } } } },
          ],
          events: [
            { PutRequest: { Item: { user: { S: 'ann' }, at: { N: '2' } } } },
            { DeleteRequest: { Key: { user: { S: 'ann' }, at: { N: '1' } } } },
          ],
        },
      }),
    );
    assert.deepEqual(r.UnprocessedItems, {});
    assert.equal((await get('users', { id: { S: 'ann' } }))!.age!.N, '30');
    assert.equal(await get('events', { user: { S: 'ann' }, at: { N: '1' } }), undefined);
    assert.ok(await get('events', { user: { S: 'ann' }, at: { N: '2' } }));
    const team = async () =>
      (
        await ddb.send(
          new QueryCommand({
            TableName: 'users',
            IndexName: 'by-team',
            KeyConditionExpression: 'team = :t',
            ExpressionAttributeValues: { ':t': { S: 'red' } },
          }),
        )
      ).Items!.map((i) => i.id!.S).sort();
    assert.deepEqual(await team(), ['ann', 'bob']);
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          users: [
            { DeleteRequest: { Key: { id: { S: 'bob' } } } },
            { PutRequest: { Item: { id: { S: 'ann' }, team: { S: 'blue' } } } },
            { PutRequest: { Item: { id: { S: 'cy' }, team: { S: 'red' } } } },
          ],
        },
      }),
    );
    assert.deepEqual(await team(), ['cy']);
  });

  it('reports consumed capacity per table, with index writes under INDEXES', async () => {
    const r = await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          users: [
            { PutRequest: { Item: { id: { S: 'cap1' }, team: { S: 'green' }, bio: { S: 'x'.repeat(1500) } } } },
            { PutRequest: { Item: { id: { S: 'cap2' } } } },
          ],
          events: [{ DeleteRequest: { Key: { user: { S: 'nobody' }, at: { N: '1' } } } }],
        },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    const byTable = Object.fromEntries(r.ConsumedCapacity!.map((c) => [c.TableName, c]));
    // cap1: 2 KB units for the table, 1 for its KEYS_ONLY index entry; cap2: 1, no entry.
    assert.deepEqual(byTable.users, {
      TableName: 'users',
      CapacityUnits: 4,
      Table: { CapacityUnits: 3 },
      GlobalSecondaryIndexes: { 'by-team': { CapacityUnits: 1 } },
    });
    assert.deepEqual(byTable.events, { TableName: 'events', CapacityUnits: 1, Table: { CapacityUnits: 1 } });
  });

  it('rejects invalid batches with DynamoDB messages and writes none of them', async () => {
    const valid = { PutRequest: { Item: { id: { S: 'never' } } } };
    const attempt = (items: Record<string, unknown[]>) =>
      ddb.send(new BatchWriteItemCommand({ RequestItems: items as never }));
    await expectError(
      attempt({ users: [valid, { PutRequest: { Item: { id: { N: '1' } } } }] }),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      attempt({ users: [valid, { PutRequest: { Item: { team: { S: 'x' } } } }] }),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      attempt({ users: [valid, { DeleteRequest: { Key: { id: { S: 'never' } } } }] }),
      'ValidationException',
      'Provided list of item keys contains duplicates',
    );
    await expectError(
      attempt({ users: [valid, { PutRequest: { Item: { id: { S: 'x' }, team: { N: '1' } } } }] }),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key team Expected: S Actual: N IndexName: by-team',
    );
    await expectError(
      attempt({ users: [valid, { PutRequest: { Item: { id: { S: 'y' }, big: { S: 'x'.repeat(409_600) } } } }] }),
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
    await expectError(attempt({ users: [valid], missing_table: [valid] }), 'ResourceNotFoundException', 'Requested resource not found');
    await expectError(attempt({}), 'ValidationException', 'The requestItems parameter is required for BatchWriteItem');
    await expectError(
      attempt({ users: [valid, {}] }),
      'ValidationException',
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
    const many = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { id: { S: `${prefix}${i}` } } } }));
    await expectError(
      attempt({ users: many('u', 26) }),
      'ValidationException',
      /^1 validation error detected: Value '\{users=\[WriteRequest\(putRequest=PutRequest\(item=\{id=.*\]\}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 25, Member must have length greater than or equal to 1\]$/s,
    );
    await expectError(
      attempt({ users: many('u', 20), blobs: Array.from({ length: 6 }, (_, i) => ({ PutRequest: { Item: { id: { N: String(i) } } } })) }),
      'ValidationException',
      'Too many items requested for the BatchWriteItem call',
    );
    assert.equal(await get('users', { id: { S: 'never' } }), undefined);
    assert.equal(await get('users', { id: { S: 'u0' } }), undefined);
  });
});

describe('BatchGetItem', () => {
  before(async () => {
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          events: Array.from({ length: 5 }, (_, i) => ({
            PutRequest: { Item: { user: { S: 'gil' }, at: { N: String(i) }, what: { S: `e${i}` }, meta: { M: { ok: { BOOL: i % 2 === 0 } } } } },
          })),
        },
      }),
    );
  });

  it('reads several tables, leaves out missing keys and always returns each table', async () => {
    const r = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          events: { Keys: [0, 2, 9].map((at) => ({ user: { S: 'gil' }, at: { N: String(at) } })), ConsistentRead: true },
          users: { Keys: [{ id: { S: 'nobody-here' } }] },
        },
      }),
    );
    assert.deepEqual(r.Responses!.events!.map((i) => i.what!.S).sort(), ['e0', 'e2']);
    assert.deepEqual(r.Responses!.users, []);
    assert.deepEqual(r.UnprocessedKeys, {});
  });

  it('projects with ProjectionExpression and AttributesToGet, without adding key attributes', async () => {
    const r = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          events: {
            Keys: [{ user: { S: 'gil' }, at: { N: '1' } }],
            ProjectionExpression: '#w, meta.ok',
            ExpressionAttributeNames: { '#w': 'what' },
          },
        },
      }),
    );
    assert.deepEqual(r.Responses!.events, [{ what: { S: 'e1' }, meta: { M: { ok: { BOOL: false } } } }]);
    const legacy = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: { events: { Keys: [{ user: { S: 'gil' }, at: { N: '3' } }], AttributesToGet: ['what'] } },
      }),
    );
    assert.deepEqual(legacy.Responses!.events, [{ what: { S: 'e3' } }]);
  });

  it('charges each key as its own read', async () => {
    const r = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          events: { Keys: [0, 1, 7].map((at) => ({ user: { S: 'gil' }, at: { N: String(at) } })), ConsistentRead: true },
          users: { Keys: [{ id: { S: 'cy' } }] },
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(
      [...r.ConsumedCapacity!].sort((a, b) => a.TableName!.localeCompare(b.TableName!)),
      [
        { TableName: 'events', CapacityUnits: 3 },
        { TableName: 'users', CapacityUnits: 0.5 },
      ],
    );
  });

  it('rejects invalid requests with DynamoDB messages', async () => {
    const attempt = (items: Record<string, KeysAndAttributes>) => ddb.send(new BatchGetItemCommand({ RequestItems: items }));
    await expectError(attempt({}), 'ValidationException', 'The requestItems parameter is required for BatchGetItem');
    await expectError(
      attempt({ users: { Keys: [{ id: { S: 'a' } }, { id: { S: 'a' } }] } }),
      'ValidationException',
      'Provided list of item keys contains duplicates',
    );
    await expectError(
      attempt({ users: { Keys: Array.from({ length: 101 }, (_, i) => ({ id: { S: `k${i}` } })) } }),
      'ValidationException',
      "1 validation error detected: Value at 'RequestItems.users.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
    await expectError(
      attempt({
        users: { Keys: Array.from({ length: 60 }, (_, i) => ({ id: { S: `k${i}` } })) },
        blobs: { Keys: Array.from({ length: 41 }, (_, i) => ({ id: { N: String(i) } })) },
      }),
      'ValidationException',
      'Too many items requested for the BatchGetItem call',
    );
    await expectError(
      attempt({ users: { Keys: [{ id: { S: 'a' }, team: { S: 'b' } }] } }),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(attempt({ missing_table: { Keys: [{ id: { S: 'a' } }] } }), 'ResourceNotFoundException', 'Requested resource not found');
    await expectError(
      attempt({ users: { Keys: [{ id: { S: 'a' } }], ProjectionExpression: 'id', AttributesToGet: ['id'] } }),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
    );
  });

  it('stops at 16 MB of items and returns the rest as UnprocessedKeys', async () => {
    const COUNT = 45;
    const payload = 'z'.repeat(390_000);
    for (let i = 0; i < COUNT; i++) {
      await ddb.send(new PutItemCommand({ TableName: 'blobs', Item: { id: { N: String(i) }, payload: { S: payload } } }));
    }
    const keys = Array.from({ length: COUNT }, (_, i) => ({ id: { N: String(i) } }));
    const first = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: { blobs: { Keys: keys, ProjectionExpression: 'id, payload', ConsistentRead: true } },
      }),
    );
    const got = first.Responses!.blobs!;
    // Each item is 390,008 bytes: 43 fit under 16 MB, the 44th would not.
    assert.equal(got.length, 43);
    const rest = first.UnprocessedKeys!.blobs!;
    assert.equal(rest.Keys!.length, 2);
    assert.equal(rest.ProjectionExpression, 'id, payload');
    assert.equal(rest.ConsistentRead, true);
    const second = await ddb.send(new BatchGetItemCommand({ RequestItems: first.UnprocessedKeys! }));
    assert.deepEqual(second.UnprocessedKeys, {});
    const ids = [...got, ...second.Responses!.blobs!].map((i) => Number(i.id!.N)).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: COUNT }, (_, i) => i));
  });
});
