/**
 * Black-box tests of the basic item operations: PutItem, GetItem and
 * DeleteItem, their key checks, value validation and size limits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { defineTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(defineTable('items', 'pk:S sk:N')));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

describe('PutItem / GetItem / DeleteItem', () => {
  it('round-trips every attribute type, with numbers normalised', async () => {
    const item = {
      pk: { S: 'all-types' },
      sk: { N: '1' },
      s: { S: 'héllo 😀' },
      emptyS: { S: '' },
      n: { N: '0001.2300' },
      big: { N: '1E+3' },
      b: { B: new Uint8Array([0, 255, 128]) },
      bool: { BOOL: true },
      nul: { NULL: true },
      m: { M: { inner: { L: [{ S: 'x' }, { N: '-5' }] } } },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2.50'] },
      bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    };
    await ddb.send(new PutItemCommand({ TableName: 'items', Item: item }));
    const got = (await ddb.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'all-types' }, sk: { N: '1' } } })))
      .Item!;
    assert.equal(got.s!.S, 'héllo 😀');
    assert.equal(got.emptyS!.S, '');
    assert.equal(got.n!.N, '1.23');
    assert.equal(got.big!.N, '1000');
    assert.deepEqual([...got.b!.B!], [0, 255, 128]);
    assert.equal(got.bool!.BOOL, true);
    assert.equal(got.nul!.NULL, true);
    assert.equal(got.m!.M!.inner!.L![1]!.N, '-5');
    assert.deepEqual(got.ss!.SS, ['a', 'b']);
    assert.deepEqual([...got.ns!.NS!].sort(), ['1', '2.5']);
  });

  it('overwrites, returns ALL_OLD, deletes, and returns nothing for a missing item', async () => {
    const key = { pk: { S: 'ow' }, sk: { N: '2' } };
    await ddb.send(new PutItemCommand({ TableName: 'items', Item: { ...key, v: { S: 'one' } } }));
    const r = await ddb.send(
      new PutItemCommand({ TableName: 'items', Item: { ...key, v: { S: 'two' } }, ReturnValues: 'ALL_OLD' }),
    );
    assert.equal(r.Attributes!.v!.S, 'one');
    const d = await ddb.send(new DeleteItemCommand({ TableName: 'items', Key: key, ReturnValues: 'ALL_OLD' }));
    assert.equal(d.Attributes!.v!.S, 'two');
    const g = await ddb.send(new GetItemCommand({ TableName: 'items', Key: key }));
    assert.equal(g.Item, undefined);
    const again = await ddb.send(new DeleteItemCommand({ TableName: 'items', Key: key, ReturnValues: 'ALL_OLD' }));
    assert.equal(again.Attributes, undefined);
  });

  it('reports consumed capacity', async () => {
    const r = await ddb.send(
      new PutItemCommand({
        TableName: 'items',
        Item: { pk: { S: 'cap' }, sk: { N: '1' }, blob: { S: 'x'.repeat(1500) } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(r.ConsumedCapacity, { TableName: 'items', CapacityUnits: 2 });
    const g = await ddb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'cap' }, sk: { N: '1' } }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    assert.deepEqual(g.ConsumedCapacity, { TableName: 'items', CapacityUnits: 0.5 });
  });

  it('rejects bad keys with DynamoDB messages and writes nothing', async () => {
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Missing the key sk in the item',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { S: 'x' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: '' }, sk: { N: '1' } } })),
      'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: 'nope', Key: { pk: { S: 'a' } } })),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
    const count = (await ddb.send(new DescribeTableCommand({ TableName: 'items' }))).Table!.ItemCount;
    assert.ok(count !== undefined);
  });

  it('rejects invalid values: empty sets, duplicates, NULL false, bad numbers', async () => {
    const base = { pk: { S: 'bad' }, sk: { N: '1' } };
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { ...base, x: { SS: [] } } })),
      'ValidationException',
      'One or more parameter values were invalid: An string set  may not be empty',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { ...base, x: { SS: ['a', 'a'] } } })),
      'ValidationException',
      'One or more parameter values were invalid: Input collection [a, a] contains duplicates.',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { ...base, x: { NULL: false } } })),
      'ValidationException',
      'One or more parameter values were invalid: Null attribute value types must have the value of true',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { ...base, x: { N: '1'.repeat(39) } } })),
      'ValidationException',
      'Attempting to store more than 38 significant digits in a Number',
    );
    const g = await ddb.send(new GetItemCommand({ TableName: 'items', Key: base }));
    assert.equal(g.Item, undefined);
  });

  it('enforces the 400 KB item size limit', async () => {
    const key = { pk: { S: 'big' }, sk: { N: '1' } };
    // name bytes + value bytes: just over 409,600 in all
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { ...key, d: { S: 'x'.repeat(409_600) } } })),
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
    await ddb.send(new PutItemCommand({ TableName: 'items', Item: { ...key, d: { S: 'x'.repeat(400_000) } } }));
    const g = await ddb.send(new GetItemCommand({ TableName: 'items', Key: key }));
    assert.equal(g.Item!.d!.S!.length, 400_000);
  });

  it('enforces key size limits', async () => {
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'x'.repeat(2049) }, sk: { N: '1' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
    );
    await ddb.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'x'.repeat(2048) }, sk: { N: '1' } } }));
  });
});
