/**
 * Black-box tests of conditional PutItem and DeleteItem: ConditionExpression,
 * the legacy Expected (+ ConditionalOperator), ReturnValues,
 * ReturnValuesOnConditionCheckFailure, and DynamoDB's messages for requests
 * that mix or misuse them. A failed request must leave the item as it was.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
const TABLE = 'conds';

type Item = Record<string, AttributeValue>;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable(TABLE)));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

const key = (pk: string): Item => ({ pk: { S: pk } });

async function get(pk: string): Promise<Item | undefined> {
  return (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: key(pk), ConsistentRead: true }))).Item;
}

async function put(item: Item): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: item }));
}

describe('PutItem with ConditionExpression', () => {
  it('creates only when attribute_not_exists holds, and a failure changes nothing', async () => {
    const item = { ...key('c1'), v: { S: 'first' } };
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    const err = await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key('c1'), v: { S: 'second' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    assert.equal((err as Error & { Item?: unknown }).Item, undefined);
    assert.deepEqual(await get('c1'), item);
  });

  it('compares with placeholders and returns ALL_OLD on success', async () => {
    await put({ ...key('c2'), n: { N: '5' }, s: { S: 'hello' } });
    const r = await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...key('c2'), n: { N: '6' } },
        ConditionExpression: '#n < :max AND begins_with(s, :p)',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':max': { N: '10' }, ':p': { S: 'he' } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    assert.deepEqual(r.Attributes, { ...key('c2'), n: { N: '5' }, s: { S: 'hello' } });
    assert.deepEqual(await get('c2'), { ...key('c2'), n: { N: '6' } });
  });

  it('returns the stored item inside the error with ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
    const stored = { ...key('c3'), v: { S: 'kept' } };
    await put(stored);
    const err = await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key('c3'), v: { S: 'lost' } },
          ConditionExpression: 'v = :x',
          ExpressionAttributeValues: { ':x': { S: 'other' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
      'ConditionalCheckFailedException',
    );
    assert.deepEqual((err as Error & { Item?: unknown }).Item, stored);
    // With NONE, or on a missing item, there is nothing to return.
    const none = await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key('c3'), v: { S: 'lost' } },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'NONE',
        }),
      ),
      'ConditionalCheckFailedException',
    );
    assert.equal((none as Error & { Item?: unknown }).Item, undefined);
    const missing = await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key('c3-missing'), v: { S: 'x' } },
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
      'ConditionalCheckFailedException',
    );
    assert.equal((missing as Error & { Item?: unknown }).Item, undefined);
    assert.deepEqual(await get('c3'), stored);
    assert.equal(await get('c3-missing'), undefined);
  });

  it('rejects ReturnValues other than NONE and ALL_OLD', async () => {
    for (const rv of ['ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW'] as const) {
      await expectError(
        ddb.send(new PutItemCommand({ TableName: TABLE, Item: key('rv'), ReturnValues: rv })),
        'ValidationException',
        'ReturnValues can only be ALL_OLD or NONE',
      );
    }
    await expectError(
      ddb.send(new PutItemCommand({ TableName: TABLE, Item: key('rv'), ReturnValues: 'bogus' as 'NONE' })),
      'ValidationException',
      "1 validation error detected: Value 'bogus' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
    );
    assert.equal(await get('rv'), undefined);
  });

  it('reports expression errors with DynamoDB messages and writes nothing', async () => {
    const cases: [Partial<ConstructorParameters<typeof PutItemCommand>[0]>, string][] = [
      [
        { Expected: { pk: { Exists: false } }, ConditionExpression: 'attribute_not_exists(pk)' },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}',
      ],
      [
        { ExpressionAttributeValues: { ':v': { S: 'unused' } } },
        'ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null',
      ],
      [{ ExpressionAttributeNames: { '#n': 'n' } }, 'ExpressionAttributeNames can only be specified when using expressions'],
      [{ ConditionExpression: '' }, 'Invalid ConditionExpression: The expression can not be empty;'],
      [
        { ConditionExpression: 'a = :v' },
        'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v',
      ],
      [
        { ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':v': { S: 'x' } } },
        'Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}',
      ],
      [
        { ConditionExpression: 'attribute_exists(#a)', ExpressionAttributeNames: { '#a': 'a', '#b': 'b' } },
        'Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}',
      ],
      [
        { ConditionExpression: 'size = :v', ExpressionAttributeValues: { ':v': { N: '1' } } },
        'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: size',
      ],
    ];
    for (const [extra, message] of cases) {
      await expectError(
        ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('bad-expr') }, ...extra })),
        'ValidationException',
        message,
      );
    }
    assert.equal(await get('bad-expr'), undefined);
  });

  it('checks the request before the table: a bad expression on a missing table is a ValidationException', async () => {
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'no-such-table', Item: key('x'), ConditionExpression: 'a = :v' })),
      'ValidationException',
      'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'no-such-table', Item: key('x'), ConditionExpression: 'attribute_exists(a)' })),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
  });
});

describe('PutItem with the legacy Expected', () => {
  it('Exists false / Exists true with Value / ComparisonOperator', async () => {
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('e1'), v: { N: '1' } }, Expected: { pk: { Exists: false } } }));
    await expectError(
      ddb.send(new PutItemCommand({ TableName: TABLE, Item: key('e1'), Expected: { pk: { Exists: false } } })),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    await ddb.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...key('e1'), v: { N: '2' } }, Expected: { v: { Value: { N: '1' } } } }),
    );
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...key('e1'), v: { N: '3' } },
        Expected: { v: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '1' }, { N: '2' }] } },
      }),
    );
    await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key('e1'), v: { N: '4' } },
          Expected: { v: { ComparisonOperator: 'LT', AttributeValueList: [{ N: '3' }] } },
        }),
      ),
      'ConditionalCheckFailedException',
    );
    assert.deepEqual(await get('e1'), { ...key('e1'), v: { N: '3' } });
  });

  it('combines entries with ConditionalOperator AND (default) and OR', async () => {
    await put({ ...key('e2'), a: { S: 'x' }, b: { S: 'y' } });
    const expected = { a: { Value: { S: 'x' } }, b: { Value: { S: 'wrong' } } };
    await expectError(
      ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('e2'), c: { S: '1' } }, Expected: expected })),
      'ConditionalCheckFailedException',
    );
    await ddb.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...key('e2'), c: { S: '2' } }, Expected: expected, ConditionalOperator: 'OR' }),
    );
    assert.deepEqual(await get('e2'), { ...key('e2'), c: { S: '2' } });
  });

  it('NOT_CONTAINS is false on a missing attribute, unlike NOT contains()', async () => {
    await put({ ...key('e3') });
    await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key('e3'), x: { S: '1' } },
          Expected: { tags: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ S: 'a' }] } },
        }),
      ),
      'ConditionalCheckFailedException',
    );
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...key('e3'), x: { S: '2' } },
        ConditionExpression: 'NOT contains(tags, :a)',
        ExpressionAttributeValues: { ':a': { S: 'a' } },
      }),
    );
    assert.deepEqual(await get('e3'), { ...key('e3'), x: { S: '2' } });
  });

  it('rejects malformed Expected entries with DynamoDB messages', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ a: {} }, 'One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a'],
      [{ a: { Exists: true } }, 'One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a'],
      [
        { a: { Exists: false, Value: { S: 'x' } } },
        'One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a',
      ],
      [
        { a: { Exists: true, ComparisonOperator: 'EQ', Value: { S: 'x' } } },
        'One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a',
      ],
      [
        { a: { ComparisonOperator: 'EQ' } },
        'One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a',
      ],
      [
        { a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '1' }] } },
        'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator',
      ],
      [
        { a: { AttributeValueList: [{ N: '1' }] } },
        'One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a',
      ],
    ];
    for (const [expected, message] of cases) {
      await expectError(
        ddb.send(new PutItemCommand({ TableName: TABLE, Item: key('bad-expected'), Expected: expected as never })),
        'ValidationException',
        message,
      );
    }
    await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: key('bad-expected'),
          Expected: { a: { ComparisonOperator: 'bogus' as 'EQ', AttributeValueList: [{ N: '1' }] } },
        }),
      ),
      'ValidationException',
      /^1 validation error detected: Value 'bogus' at 'expected\.a\.member\.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: \[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS\]$/,
    );
    assert.equal(await get('bad-expected'), undefined);
  });
});

describe('DeleteItem', () => {
  it('deletes only when the condition holds', async () => {
    const stored = { ...key('d1'), state: { S: 'active' } };
    await put(stored);
    const err = await expectError(
      ddb.send(
        new DeleteItemCommand({
          TableName: TABLE,
          Key: key('d1'),
          ConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':s': { S: 'retired' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    assert.deepEqual((err as Error & { Item?: unknown }).Item, stored);
    assert.deepEqual(await get('d1'), stored);
    const r = await ddb.send(
      new DeleteItemCommand({
        TableName: TABLE,
        Key: key('d1'),
        Expected: { state: { Value: { S: 'active' } } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    assert.deepEqual(r.Attributes, stored);
    assert.equal(await get('d1'), undefined);
  });

  it('fails attribute_exists on a missing item and rejects ReturnValues it does not support', async () => {
    await expectError(
      ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: key('d2'), ConditionExpression: 'attribute_exists(pk)' })),
      'ConditionalCheckFailedException',
    );
    await expectError(
      ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: key('d2'), ReturnValues: 'ALL_NEW' })),
      'ValidationException',
      'ReturnValues can only be ALL_OLD or NONE',
    );
    await expectError(
      ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { ...key('d2'), extra: { S: 'x' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
  });
});
