/**
 * Black-box tests of TransactWriteItems and TransactGetItems through a real
 * server process and the AWS SDK v3: every action kind across tables and
 * indexes, all-or-nothing cancellation with DynamoDB's reasons and
 * messages, the request limits, ClientRequestToken idempotency, consumed
 * capacity, and snapshot reads.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  type TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable, sortedTableWithGsi } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable('tx-a')));
  await ddb.send(new CreateTableCommand(sortedTableWithGsi('tx-b', 'status')));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

async function get(table: string, key: Record<string, { S: string } | { N: string }>) {
  return (await ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

async function cancelled(promise: Promise<unknown>): Promise<TransactionCanceledException> {
  return (await expectError(promise, 'TransactionCanceledException')) as unknown as TransactionCanceledException;
}

describe('TransactWriteItems', () => {
  it('applies Put, Update, Delete and ConditionCheck across tables, indexes included', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'upd' }, n: { N: '1' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'del' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'chk' }, ok: { BOOL: true } } }));
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'tx-b', Item: { pk: { S: 'p' }, sk: { N: '1' }, status: { S: 'open' } } } },
          { Update: { TableName: 'tx-a', Key: { pk: { S: 'upd' } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
          { Delete: { TableName: 'tx-a', Key: { pk: { S: 'del' } }, ConditionExpression: 'attribute_exists(pk)' } },
          { ConditionCheck: { TableName: 'tx-a', Key: { pk: { S: 'chk' } }, ConditionExpression: 'ok = :t', ExpressionAttributeValues: { ':t': { BOOL: true } } } },
        ],
      }),
    );
    assert.equal((await get('tx-b', { pk: { S: 'p' }, sk: { N: '1' } }))?.status?.S, 'open');
    assert.equal((await get('tx-a', { pk: { S: 'upd' } }))?.n?.N, '2');
    assert.equal(await get('tx-a', { pk: { S: 'del' } }), undefined);
    const byStatus = await ddb.send(
      new QueryCommand({
        TableName: 'tx-b',
        IndexName: 'by-status',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'open' } },
      }),
    );
    assert.deepEqual(byStatus.Items?.map((i) => i.pk?.S), ['p']);
  });

  it('cancels everything with one reason per action, in order, and writes nothing', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'locked' }, phase: { S: 'held' } } }));
    const err = await cancelled(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'tx-b', Item: { pk: { S: 'never' }, sk: { N: '1' }, status: { S: 'ghost' } } } },
            {
              Update: {
                TableName: 'tx-a',
                Key: { pk: { S: 'locked' } },
                UpdateExpression: 'SET phase = :free',
                ConditionExpression: 'phase = :free',
                ExpressionAttributeValues: { ':free': { S: 'free' } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              ConditionCheck: {
                TableName: 'tx-a',
                Key: { pk: { S: 'nobody' } },
                ConditionExpression: 'attribute_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      ),
    );
    assert.equal(
      err.message,
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed]',
    );
    const reasons = err.CancellationReasons!;
    assert.deepEqual(reasons[0], { Code: 'None' });
    assert.equal(reasons[1]!.Code, 'ConditionalCheckFailed');
    assert.equal(reasons[1]!.Message, 'The conditional request failed');
    assert.deepEqual(reasons[1]!.Item, { pk: { S: 'locked' }, phase: { S: 'held' } });
    // No stored item: nothing to return even though ALL_OLD was asked for.
    assert.equal(reasons[2]!.Item, undefined);
    assert.equal(await get('tx-b', { pk: { S: 'never' }, sk: { N: '1' } }), undefined);
    const ghost = await ddb.send(
      new QueryCommand({
        TableName: 'tx-b',
        IndexName: 'by-status',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'ghost' } },
      }),
    );
    assert.equal(ghost.Count, 0);
  });

  it('reports an update that fails on the stored item, and a key of the wrong type, as ValidationError', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'text' }, v: { S: 'abc' } } }));
    const bad = await cancelled(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Update: { TableName: 'tx-a', Key: { pk: { S: 'text' } }, UpdateExpression: 'ADD v :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
            { Put: { TableName: 'tx-a', Item: { pk: { S: 'fine' } } } },
          ],
        }),
      ),
    );
    assert.deepEqual(bad.CancellationReasons?.map((r) => r.Code), ['ValidationError', 'None']);
    assert.match(bad.CancellationReasons![0]!.Message!, /incorrect data type/);

    const wrongKey = await cancelled(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Delete: { TableName: 'tx-a', Key: { pk: { N: '1' } } } },
            { Put: { TableName: 'tx-a', Item: { pk: { S: 'fine' } } } },
          ],
        }),
      ),
    );
    assert.deepEqual(wrongKey.CancellationReasons, [
      { Code: 'ValidationError', Message: 'The provided key element does not match the schema' },
      { Code: 'None' },
    ]);
    assert.equal(await get('tx-a', { pk: { S: 'fine' } }), undefined);
  });

  it('rejects malformed requests as a whole, with DynamoDB messages', async () => {
    await expectError(
      ddb.send(new TransactWriteItemsCommand({ TransactItems: [] })),
      'ValidationException',
      "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: 'tx-a', Item: { pk: { S: `x${i}` } } } })),
        }),
      ),
      'ValidationException',
      /^1 validation error detected: Value '\[.+\]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/s,
    );
    await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'tx-a', Item: { pk: { S: 'twice' } } } },
            { ConditionCheck: { TableName: 'tx-a', Key: { pk: { S: 'twice' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      ),
      'ValidationException',
      'Transaction request cannot include multiple operations on one item',
    );
    await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: { TableName: 'tx-a', Item: { pk: { S: 'both' } } },
              Delete: { TableName: 'tx-a', Key: { pk: { S: 'both' } } },
            },
          ],
        }),
      ),
      'ValidationException',
      'TransactItems can only contain one of Check, Put, Update or Delete',
    );
    await expectError(
      ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'no-such-table', Item: { pk: { S: 'x' } } } }] })),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
    await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ ConditionCheck: { TableName: 'tx-a', Key: { pk: { S: 'x' } }, ConditionExpression: 'attribute_exists(' } }],
        }),
      ),
      'ValidationException',
      /^Invalid ConditionExpression: Syntax error/,
    );
  });

  it('allows 100 actions and up to 4 MB of items, and refuses more', async () => {
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: Array.from({ length: 100 }, (_, i) => ({ Put: { TableName: 'tx-a', Item: { pk: { S: `hundred-${i}` } } } })),
      }),
    );
    assert.ok(await get('tx-a', { pk: { S: 'hundred-99' } }));
    const big = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ Put: { TableName: 'tx-a', Item: { pk: { S: `${prefix}-${i}` }, blob: { S: 'x'.repeat(350_000) } } } }));
    await ddb.send(new TransactWriteItemsCommand({ TransactItems: big(11, 'fits') }));
    await expectError(ddb.send(new TransactWriteItemsCommand({ TransactItems: big(12, 'over') })), 'ValidationException');
    assert.equal(await get('tx-a', { pk: { S: 'over-0' } }), undefined);
  });

  it('applies a ClientRequestToken once and refuses it for another request', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'counter' }, n: { N: '0' } } }));
    const request = {
      ClientRequestToken: 'token-once',
      ReturnConsumedCapacity: 'TOTAL' as const,
      TransactItems: [
        { Update: { TableName: 'tx-a', Key: { pk: { S: 'counter' } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
      ],
    };
    const first = await ddb.send(new TransactWriteItemsCommand(request));
    const second = await ddb.send(new TransactWriteItemsCommand(request));
    assert.equal((await get('tx-a', { pk: { S: 'counter' } }))?.n?.N, '1');
    assert.deepEqual(first.ConsumedCapacity, [{ TableName: 'tx-a', CapacityUnits: 2, WriteCapacityUnits: 2 }]);
    // A replay reads instead of writing.
    assert.deepEqual(second.ConsumedCapacity, [{ TableName: 'tx-a', CapacityUnits: 2, ReadCapacityUnits: 2 }]);
    await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          ...request,
          TransactItems: [{ Put: { TableName: 'tx-a', Item: { pk: { S: 'counter' }, n: { N: '100' } } } }],
        }),
      ),
      'IdempotentParameterMismatchException',
    );
    assert.equal((await get('tx-a', { pk: { S: 'counter' } }))?.n?.N, '1');
    await expectError(
      ddb.send(new TransactWriteItemsCommand({ ...request, ClientRequestToken: 'x'.repeat(37) })),
      'ValidationException',
      /at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36/,
    );
  });

  it('counts consumed capacity twice on the table and once per index entry', async () => {
    const out = await ddb.send(
      new TransactWriteItemsCommand({
        ReturnConsumedCapacity: 'INDEXES',
        TransactItems: [
          { Put: { TableName: 'tx-b', Item: { pk: { S: 'cap' }, sk: { N: '1' }, status: { S: 's' } } } },
          { Put: { TableName: 'tx-a', Item: { pk: { S: 'cap' }, blob: { S: 'x'.repeat(1500) } } } },
          { ConditionCheck: { TableName: 'tx-a', Key: { pk: { S: 'counter' } }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    assert.deepEqual(out.ConsumedCapacity, [
      {
        TableName: 'tx-b',
        CapacityUnits: 3,
        WriteCapacityUnits: 3,
        Table: { CapacityUnits: 2, WriteCapacityUnits: 2 },
        GlobalSecondaryIndexes: { 'by-status': { CapacityUnits: 1, WriteCapacityUnits: 1 } },
      },
      { TableName: 'tx-a', CapacityUnits: 6, WriteCapacityUnits: 6, Table: { CapacityUnits: 6, WriteCapacityUnits: 6 } },
    ]);
  });
});

describe('TransactGetItems', () => {
  it('reads items across tables, with projections, missing items and capacity', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'g1' }, a: { S: 'x' }, m: { M: { b: { N: '2' }, c: { N: '3' } } } } }));
    await ddb.send(new PutItemCommand({ TableName: 'tx-b', Item: { pk: { S: 'g2' }, sk: { N: '7' }, status: { S: 'y' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'tx-a', Item: { pk: { S: 'g3' } } }));
    const out = await ddb.send(
      new TransactGetItemsCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [
          { Get: { TableName: 'tx-a', Key: { pk: { S: 'g1' } }, ProjectionExpression: 'm.#b', ExpressionAttributeNames: { '#b': 'b' } } },
          { Get: { TableName: 'tx-b', Key: { pk: { S: 'g2' }, sk: { N: '7' } } } },
          { Get: { TableName: 'tx-a', Key: { pk: { S: 'missing' } } } },
          { Get: { TableName: 'tx-a', Key: { pk: { S: 'g3' } }, ProjectionExpression: 'zzz' } },
        ],
      }),
    );
    assert.deepEqual(out.Responses?.[0], { Item: { m: { M: { b: { N: '2' } } } } });
    assert.equal(out.Responses?.[1]?.Item?.status?.S, 'y');
    assert.deepEqual(out.Responses?.[2], {});
    assert.deepEqual(out.Responses?.[3], {});
    assert.deepEqual(out.ConsumedCapacity, [
      { TableName: 'tx-a', CapacityUnits: 6, ReadCapacityUnits: 6 },
      { TableName: 'tx-b', CapacityUnits: 2, ReadCapacityUnits: 2 },
    ]);
  });

  it('rejects duplicates, bad keys and oversize requests as DynamoDB does', async () => {
    await expectError(
      ddb.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: 'tx-a', Key: { pk: { S: 'd' } } } }, { Get: { TableName: 'tx-a', Key: { pk: { S: 'd' } } } }],
        }),
      ),
      'ValidationException',
      'Transaction request cannot include multiple operations on one item',
    );
    const err = await cancelled(
      ddb.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: 'tx-a', Key: { pk: { S: 'ok' } } } }, { Get: { TableName: 'tx-a', Key: {} } }],
        }),
      ),
    );
    assert.equal(err.message, 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]');
    await expectError(
      ddb.send(
        new TransactGetItemsCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({ Get: { TableName: 'tx-a', Key: { pk: { S: `k${i}` } } } })),
        }),
      ),
      'ValidationException',
      /Member must have length less than or equal to 100$/,
    );
    await expectError(
      ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'tx-a', Key: { pk: { S: 'p' } }, ProjectionExpression: '!!!' } }] })),
      'ValidationException',
      'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"',
    );
  });
});
