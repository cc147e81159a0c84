/**
 * @module test/legacy-and-limits
 * Legacy conditions as DynamoDB answers them — EQ and NE of every type in
 * QueryFilter, ScanFilter and Expected; ConditionalOperator only with two
 * or more conditions; empty Expected and filter maps standing for none —
 * and TransactWriteItems' limits: the 4 MB payload and key size faults as
 * ValidationError cancellation reasons.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { defineTable, hashKeyTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

const TABLE = 'll_items';
const RANGE_TABLE = 'll_range';

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable(TABLE)));
  await ddb.send(new CreateTableCommand(defineTable(RANGE_TABLE, 'pk:S sk:S')));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

const values: Record<string, AttributeValue> = {
  l: { L: [{ S: 'x' }, { N: '1' }] },
  m: { M: { a: { N: '1' }, b: { BOOL: false } } },
  b: { BOOL: true },
  n: { NULL: true },
};
const other: Record<string, AttributeValue> = {
  l: { L: [{ S: 'x' }] },
  m: { M: { a: { N: '2' } } },
  b: { BOOL: false },
  n: { NULL: true },
};

describe('legacy EQ and NE take every attribute type', () => {
  before(async () => {
    await ddb.send(new PutItemCommand({ TableName: RANGE_TABLE, Item: { pk: { S: 'eq' }, sk: { S: '1' }, ...values } }));
  });

  for (const name of Object.keys(values)) {
    it(`compares ${Object.keys(values[name]!)[0]} values in ScanFilter, QueryFilter and Expected`, async () => {
      const scan = async (op: 'EQ' | 'NE', v: AttributeValue) =>
        (await ddb.send(new ScanCommand({ TableName: RANGE_TABLE, ScanFilter: { [name]: { ComparisonOperator: op, AttributeValueList: [v] } } })))
          .Count;
      assert.equal(await scan('EQ', values[name]!), 1);
      assert.equal(await scan('NE', values[name]!), 0);
      if (name !== 'n') {
        assert.equal(await scan('EQ', other[name]!), 0);
        assert.equal(await scan('NE', other[name]!), 1);
      }
      const query = await ddb.send(
        new QueryCommand({
          TableName: RANGE_TABLE,
          KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'eq' }] } },
          QueryFilter: { [name]: { ComparisonOperator: 'EQ', AttributeValueList: [values[name]!] } },
        }),
      );
      assert.equal(query.Count, 1);
      await ddb.send(
        new PutItemCommand({
          TableName: RANGE_TABLE,
          Item: { pk: { S: 'eq' }, sk: { S: '1' }, ...values },
          Expected: { [name]: { ComparisonOperator: 'EQ', AttributeValueList: [values[name]!] } },
        }),
      );
      if (name !== 'n') {
        await expectError(
          ddb.send(
            new PutItemCommand({
              TableName: RANGE_TABLE,
              Item: { pk: { S: 'eq' }, sk: { S: '1' }, ...values },
              Expected: { [name]: { ComparisonOperator: 'EQ', AttributeValueList: [other[name]!] } },
            }),
          ),
          'ConditionalCheckFailedException',
        );
      }
    });
  }

  it('still refuses order comparisons of BOOL, and a key condition of the wrong type', async () => {
    await expectError(
      ddb.send(new ScanCommand({ TableName: RANGE_TABLE, ScanFilter: { b: { ComparisonOperator: 'LT', AttributeValueList: [{ BOOL: true }] } } })),
      'ValidationException',
      'One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type',
    );
    await expectError(
      ddb.send(
        new QueryCommand({
          TableName: RANGE_TABLE,
          KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ L: [] }] } },
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
  });
});

describe('ConditionalOperator and empty legacy maps', () => {
  const without = 'ConditionalOperator cannot be used without Filter or Expected';
  const single = 'ConditionalOperator can only be used when Filter or Expected has two or more elements';
  const cond = (v: string) => ({ ComparisonOperator: 'EQ' as const, AttributeValueList: [{ S: v }] });
  const mixing = (legacy: string, expr: string) =>
    `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${legacy}} Expression parameters: {${expr}}`;

  it('needs Expected or a filter with two or more conditions', async () => {
    await expectError(ddb.send(new ScanCommand({ TableName: TABLE, ConditionalOperator: 'AND' })), 'ValidationException', without);
    await expectError(ddb.send(new ScanCommand({ TableName: TABLE, ConditionalOperator: 'OR', ScanFilter: {} })), 'ValidationException', without);
    await expectError(
      ddb.send(new ScanCommand({ TableName: TABLE, ConditionalOperator: 'OR', ScanFilter: { a: cond('x') } })),
      'ValidationException',
      single,
    );
    await expectError(ddb.send(new QueryCommand({ TableName: TABLE, ConditionalOperator: 'AND' })), 'ValidationException', without);
    await expectError(
      ddb.send(
        new QueryCommand({
          TableName: TABLE,
          ConditionalOperator: 'AND',
          KeyConditions: { pk: cond('k') },
          QueryFilter: { a: cond('x') },
        }),
      ),
      'ValidationException',
      single,
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'co' } }, ConditionalOperator: 'AND' })),
      'ValidationException',
      without,
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'co' } }, ConditionalOperator: 'AND', Expected: { a: cond('x') } })),
      'ValidationException',
      single,
    );
    await expectError(
      ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: 'co' } }, ConditionalOperator: 'OR', Expected: {} })),
      'ValidationException',
      without,
    );
    await expectError(
      ddb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: { S: 'co' } },
          ConditionalOperator: 'AND',
          AttributeUpdates: { a: { Action: 'PUT', Value: { S: 'v' } } },
        }),
      ),
      'ValidationException',
      without,
    );
    const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'co' } } }));
    assert.equal(got.Item, undefined, 'refused writes wrote nothing');

    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: 'co' }, a: { S: 'x' } },
        ConditionalOperator: 'OR',
        Expected: { a: { Exists: false }, b: cond('y') },
      }),
    );
    const scanned = await ddb.send(
      new ScanCommand({ TableName: TABLE, ConditionalOperator: 'OR', ScanFilter: { a: cond('x'), b: cond('y') } }),
    );
    assert.equal(scanned.Count, 1);
  });

  it('counts as a non-expression parameter', async () => {
    await expectError(
      ddb.send(new ScanCommand({ TableName: TABLE, ConditionalOperator: 'AND', ProjectionExpression: 'a' })),
      'ValidationException',
      mixing('ConditionalOperator', 'ProjectionExpression'),
    );
    await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'co2' } },
          ConditionalOperator: 'AND',
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
      'ValidationException',
      mixing('ConditionalOperator', 'ConditionExpression'),
    );
    await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'co2' } },
          Expected: { a: cond('x') },
          ConditionalOperator: 'AND',
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
      'ValidationException',
      mixing('Expected, ConditionalOperator', 'ConditionExpression'),
    );
    await expectError(
      ddb.send(
        new DeleteItemCommand({
          TableName: TABLE,
          Key: { pk: { S: 'co2' } },
          ConditionalOperator: 'AND',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
      'ValidationException',
      mixing('ConditionalOperator', 'ConditionExpression'),
    );
    await expectError(
      ddb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: { S: 'co2' } },
          ConditionalOperator: 'AND',
          UpdateExpression: 'SET a = :v',
          ExpressionAttributeValues: { ':v': { S: 'x' } },
        }),
      ),
      'ValidationException',
      mixing('ConditionalOperator', 'UpdateExpression'),
    );
  });

  it('reads an empty Expected or filter map as no conditions', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: 'empty' } },
        Expected: {},
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'empty' } },
          Expected: {},
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
      'ConditionalCheckFailedException',
    );
    const scanned = await ddb.send(
      new ScanCommand({
        TableName: TABLE,
        ScanFilter: {},
        FilterExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'empty' } },
      }),
    );
    assert.equal(scanned.Count, 1);
    const queried = await ddb.send(
      new QueryCommand({
        TableName: TABLE,
        QueryFilter: {},
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'empty' } },
      }),
    );
    assert.equal(queried.Count, 1);
    // An Expected entry with nothing in it still needs its Value.
    await expectError(
      ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'empty' } }, Expected: { a: {} } })),
      'ValidationException',
      'One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a',
    );
  });
});

describe('TransactWriteItems limits', () => {
  it('refuses more than 4 MB of items, naming the payload size', async () => {
    const big = 'x'.repeat(390 * 1024);
    const puts = Array.from({ length: 11 }, (_, i) => ({
      Put: { TableName: TABLE, Item: { pk: { S: `big${i}` }, d: { S: big } } },
    }));
    // pk "bigN" (5 or 6 bytes with its name) + "d" and its value.
    const payload = puts.reduce((n, _p, i) => n + 2 + `big${i}`.length + 1 + big.length, 0);
    const said = `Transaction payload size cannot exceed 4MB. Payload Size: ${payload}`;
    await expectError(
      ddb.send(new TransactWriteItemsCommand({ TransactItems: puts })),
      'ValidationException',
      `Transaction payload size cannot exceed 4MB. Payload Size: : ${said}`,
    );
    const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'big0' } } }));
    assert.equal(got.Item, undefined);
    await ddb.send(new TransactWriteItemsCommand({ TransactItems: puts.slice(0, 10) }));
  });

  it('cancels with a ValidationError reason for an oversized table key', async () => {
    const reasonsOf = (e: Error) => (e as unknown as { CancellationReasons: unknown[] }).CancellationReasons;
    const put = await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: { S: 'k'.repeat(2049) } } } },
            { Put: { TableName: TABLE, Item: { pk: { S: 'fine' } } } },
          ],
        }),
      ),
      'TransactionCanceledException',
      'Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError, None]',
    );
    assert.deepEqual(reasonsOf(put), [
      {
        Code: 'ValidationError',
        Message: 'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
      },
      { Code: 'None' },
    ]);
    const del = await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Delete: { TableName: RANGE_TABLE, Key: { pk: { S: 'a' }, sk: { S: 's'.repeat(1025) } } } }],
        }),
      ),
      'TransactionCanceledException',
    );
    assert.deepEqual(reasonsOf(del), [
      {
        Code: 'ValidationError',
        Message: 'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
      },
    ]);
    const get = await expectError(
      ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: TABLE, Key: { pk: { S: 'k'.repeat(2049) } } } }] })),
      'TransactionCanceledException',
    );
    assert.equal((reasonsOf(get)[0] as { Code: string }).Code, 'ValidationError');
    const fine = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'fine' } } }));
    assert.equal(fine.Item, undefined, 'the cancelled transaction wrote nothing');
  });
});
