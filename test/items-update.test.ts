/**
 * Black-box tests of UpdateItem: UpdateExpression and the legacy
 * AttributeUpdates, upserts, every ReturnValues mode, conditions, the rules
 * on key and index key attributes, the item size limit, and DynamoDB's
 * messages for each mistake. A failed update must leave the item as it was.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable, indexedTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
const TABLE = 'upd';
const INDEXED = 'upd-idx';

type Item = Record<string, AttributeValue>;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable(TABLE)));
  await ddb.send(new CreateTableCommand(indexedTable(INDEXED, 'gr')));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

const key = (pk: string): Item => ({ pk: { S: pk } });
const ikey = (pk: string): Item => ({ pk: { S: pk }, sk: { S: 's' } });

async function get(pk: string, table = TABLE): Promise<Item | undefined> {
  const k = table === TABLE ? key(pk) : ikey(pk);
  return (await ddb.send(new GetItemCommand({ TableName: table, Key: k, ConsistentRead: true }))).Item;
}

async function put(item: Item, table = TABLE): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: table, Item: item }));
}

function update(input: Omit<UpdateItemCommandInput, 'TableName'> & { TableName?: string }) {
  return ddb.send(new UpdateItemCommand({ TableName: TABLE, ...input }));
}

describe('UpdateItem expressions', () => {
  it('applies SET, REMOVE, ADD and DELETE to an existing item', async () => {
    await put({
      ...key('u1'),
      a: { N: '1' },
      gone: { S: 'x' },
      tags: { SS: ['a', 'b', 'c'] },
      m: { M: { deep: { L: [{ N: '1' }, { N: '2' }] } } },
    });
    await update({
      Key: key('u1'),
      UpdateExpression:
        'SET b = a + :two, m.deep[5] = :three, c = if_not_exists(c, :zero), l = list_append(:l, :l) REMOVE gone ADD a :two DELETE tags :bc',
      ExpressionAttributeValues: {
        ':two': { N: '2' },
        ':three': { N: '3' },
        ':zero': { N: '0' },
        ':l': { L: [{ S: 'z' }] },
        ':bc': { SS: ['b', 'c'] },
      },
    });
    assert.deepEqual(await get('u1'), {
      ...key('u1'),
      a: { N: '3' },
      b: { N: '3' },
      c: { N: '0' },
      l: { L: [{ S: 'z' }, { S: 'z' }] },
      tags: { SS: ['a'] },
      m: { M: { deep: { L: [{ N: '1' }, { N: '2' }, { N: '3' }] } } },
    });
  });

  it('creates the item when it does not exist (upsert) and returns ALL_NEW', async () => {
    const r = await update({
      Key: key('u2'),
      UpdateExpression: 'SET v = :v ADD n :one',
      ExpressionAttributeValues: { ':v': { S: 'new' }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    });
    assert.deepEqual(r.Attributes, { ...key('u2'), v: { S: 'new' }, n: { N: '1' } });
    assert.deepEqual(await get('u2'), r.Attributes);
  });

  it('does not create an item when all the update does is remove', async () => {
    const r = await update({ Key: key('u3'), UpdateExpression: 'REMOVE a, b.c', ReturnValues: 'ALL_NEW' });
    assert.equal(r.Attributes, undefined);
    assert.equal(await get('u3'), undefined);
    await update({
      Key: key('u3'),
      UpdateExpression: 'DELETE s :s',
      ExpressionAttributeValues: { ':s': { SS: ['x'] } },
    });
    assert.equal(await get('u3'), undefined);
  });

  it('creates a key-only item when given no update at all', async () => {
    const r = await update({ Key: key('u4'), ReturnValues: 'ALL_NEW' });
    assert.deepEqual(r.Attributes, key('u4'));
    assert.deepEqual(await get('u4'), key('u4'));
  });

  it('answers every ReturnValues mode, nested paths included', async () => {
    const start = { ...key('rv'), a: { M: { b: { S: 'dog' }, c: { L: [{ N: '1' }, { N: '2' }, { N: '3' }] } } }, d: { S: 'cat' } };
    await put(start);
    const set = (rv: UpdateItemCommandInput['ReturnValues'], expr: string, values?: Item) =>
      update({ Key: key('rv'), UpdateExpression: expr, ...(values ? { ExpressionAttributeValues: values } : {}), ReturnValues: rv });

    assert.equal((await set('NONE', 'SET d = :v', { ':v': { S: 'cow' } })).Attributes, undefined);
    assert.deepEqual((await set('ALL_OLD', 'SET a.b = :v', { ':v': { S: 'hi' } })).Attributes, {
      ...start,
      d: { S: 'cow' },
    });
    assert.deepEqual((await set('UPDATED_OLD', 'SET a.b = :v', { ':v': { S: 'yo' } })).Attributes, {
      a: { M: { b: { S: 'hi' } } },
    });
    assert.deepEqual((await set('UPDATED_OLD', 'SET a.c[1] = :v, a.b = :w', { ':v': { N: '7' }, ':w': { S: 'x' } })).Attributes, {
      a: { M: { b: { S: 'yo' }, c: { L: [{ N: '2' }] } } },
    });
    assert.deepEqual((await set('UPDATED_NEW', 'SET a.c[1] = :v', { ':v': { N: '4' } })).Attributes, {
      a: { M: { c: { L: [{ N: '4' }] } } },
    });
    // A new attribute has no old value; a removed one has no new value.
    assert.equal((await set('UPDATED_OLD', 'SET brand_new = :v', { ':v': { N: '1' } })).Attributes, undefined);
    assert.equal((await set('UPDATED_NEW', 'REMOVE brand_new')).Attributes, undefined);
    assert.deepEqual((await set('UPDATED_NEW', 'SET d = :v REMOVE a.b', { ':v': { S: 'owl' } })).Attributes, {
      d: { S: 'owl' },
    });
    assert.deepEqual((await set('ALL_NEW', 'ADD n :one', { ':one': { N: '1' } })).Attributes, {
      ...key('rv'),
      a: { M: { c: { L: [{ N: '1' }, { N: '4' }, { N: '3' }] } } },
      d: { S: 'owl' },
      n: { N: '1' },
    });
  });
});

describe('UpdateItem conditions', () => {
  it('a failed condition changes nothing and can return the stored item', async () => {
    const stored = { ...key('c1'), v: { N: '1' } };
    await put(stored);
    const err = await expectError(
      update({
        Key: key('c1'),
        UpdateExpression: 'SET v = :two',
        ConditionExpression: 'v = :zero',
        ExpressionAttributeValues: { ':two': { N: '2' }, ':zero': { N: '0' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    assert.deepEqual((err as Error & { Item?: unknown }).Item, stored);
    assert.deepEqual(await get('c1'), stored);
    // The condition is checked before the update runs: a broken update does not mask it.
    await expectError(
      update({ Key: key('c1'), UpdateExpression: 'SET v = nope1', ConditionExpression: 'attribute_not_exists(pk)' }),
      'ConditionalCheckFailedException',
    );
  });

  it('attribute_not_exists on an upsert creates once, then fails', async () => {
    const create = () =>
      update({
        Key: key('c2'),
        UpdateExpression: 'SET v = :v',
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: { ':v': { S: 'first' } },
      });
    await create();
    await expectError(create(), 'ConditionalCheckFailedException');
    assert.deepEqual(await get('c2'), { ...key('c2'), v: { S: 'first' } });
  });

  it('supports the legacy Expected with AttributeUpdates', async () => {
    await put({ ...key('c3'), n: { N: '10' } });
    await update({
      Key: key('c3'),
      AttributeUpdates: { n: { Action: 'ADD', Value: { N: '5' } } },
      Expected: { n: { ComparisonOperator: 'GE', AttributeValueList: [{ N: '10' }] } },
    });
    await expectError(
      update({
        Key: key('c3'),
        AttributeUpdates: { n: { Action: 'ADD', Value: { N: '5' } } },
        Expected: { n: { Value: { N: '10' } } },
      }),
      'ConditionalCheckFailedException',
    );
    assert.deepEqual(await get('c3'), { ...key('c3'), n: { N: '15' } });
  });
});

describe('UpdateItem with the legacy AttributeUpdates', () => {
  it('PUT, ADD (numbers, sets, lists) and DELETE (sets, attributes)', async () => {
    await put({ ...key('l1'), n: { N: '1' }, ss: { SS: ['a', 'b'] }, l: { L: [{ S: 'x' }] }, old: { S: 'bye' } });
    const r = await update({
      Key: key('l1'),
      AttributeUpdates: {
        v: { Value: { S: 'put' } },
        n: { Action: 'ADD', Value: { N: '2.5' } },
        ss: { Action: 'DELETE', Value: { SS: ['a'] } },
        ns: { Action: 'ADD', Value: { NS: ['1', '2'] } },
        l: { Action: 'ADD', Value: { L: [{ S: 'y' }] } },
        old: { Action: 'DELETE' },
      },
      ReturnValues: 'UPDATED_NEW',
    });
    const expected = {
      v: { S: 'put' },
      n: { N: '3.5' },
      ss: { SS: ['b'] },
      ns: { NS: ['1', '2'] },
      l: { L: [{ S: 'x' }, { S: 'y' }] },
    };
    assert.deepEqual(r.Attributes, expected);
    assert.deepEqual(await get('l1'), { ...key('l1'), ...expected });
  });

  it('rejects malformed updates with DynamoDB messages, before and after reading the item', async () => {
    const stored = { ...key('l2'), s: { S: 'text' } };
    await put(stored);
    const cases: [UpdateItemCommandInput['AttributeUpdates'], string][] = [
      [{ a: { Action: 'PUT' } }, 'One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified'],
      [{ a: { Action: 'DELETE', Value: { S: 'x' } } }, 'One or more parameter values were invalid: DELETE action with value is not supported for the type S'],
      [{ a: { Action: 'ADD', Value: { S: 'x' } } }, 'One or more parameter values were invalid: ADD action is not supported for the type S'],
      [{ s: { Action: 'ADD', Value: { N: '1' } } }, 'Type mismatch for attribute to update'],
      [{ pk: { Value: { S: 'other' } } }, 'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key'],
    ];
    for (const [updates, message] of cases) {
      await expectError(update({ Key: key('l2'), AttributeUpdates: updates }), 'ValidationException', message);
    }
    assert.deepEqual(await get('l2'), stored);
  });
});

describe('UpdateItem validation', () => {
  it('reports request errors with DynamoDB messages and changes nothing', async () => {
    const stored = { ...key('v1'), s: { S: 'text' }, n: { N: '1' } };
    await put(stored);
    const cases: [Omit<UpdateItemCommandInput, 'TableName' | 'Key'>, string][] = [
      [
        { UpdateExpression: 'SET a = :v', AttributeUpdates: { a: { Value: { S: 'x' } } }, ExpressionAttributeValues: { ':v': { S: 'x' } } },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}',
      ],
      [
        { ExpressionAttributeValues: { ':v': { S: 'x' } } },
        'ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null',
      ],
      [{ UpdateExpression: '' }, 'Invalid UpdateExpression: The expression can not be empty;'],
      [{ UpdateExpression: 'SET pk = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, 'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key'],
      [{ UpdateExpression: 'SET a = b' }, 'The provided expression refers to an attribute that does not exist in the item'],
      [{ UpdateExpression: 'SET a = s + :one', ExpressionAttributeValues: { ':one': { N: '1' } } }, 'An operand in the update expression has an incorrect data type'],
      [{ UpdateExpression: 'ADD s :one', ExpressionAttributeValues: { ':one': { N: '1' } } }, 'An operand in the update expression has an incorrect data type'],
      [{ UpdateExpression: 'SET s.x = :one', ExpressionAttributeValues: { ':one': { N: '1' } } }, 'The document path provided in the update expression is invalid for update'],
      [{ UpdateExpression: 'SET a = :v, a = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]'],
    ];
    for (const [input, message] of cases) {
      await expectError(update({ Key: key('v1'), ...input }), 'ValidationException', message);
    }
    assert.deepEqual(await get('v1'), stored);
  });

  it('enforces the 400 KB limit on the updated item', async () => {
    const stored = { ...key('v2'), big: { S: 'x'.repeat(300_000) } };
    await put(stored);
    await expectError(
      update({ Key: key('v2'), UpdateExpression: 'SET more = :v', ExpressionAttributeValues: { ':v': { S: 'y'.repeat(200_000) } } }),
      'ValidationException',
      'Item size to update has exceeded the maximum allowed size',
    );
    assert.deepEqual(await get('v2'), stored);
  });

  it('checks index key attributes: sort key, types known up front, types the item reveals, nested paths', async () => {
    const stored = { ...ikey('i1'), num: { N: '5' }, m: { M: {} } };
    await put(stored, INDEXED);
    const u = (input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>) => update({ TableName: INDEXED, Key: ikey('i1'), ...input });
    await expectError(
      u({ UpdateExpression: 'SET sk = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }),
      'ValidationException',
      'One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key',
    );
    await expectError(
      u({ UpdateExpression: 'SET gk = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key gk Expected: S Actual: N IndexName: gsi',
    );
    await expectError(
      u({ UpdateExpression: 'SET lsk = num + :v', ExpressionAttributeValues: { ':v': { N: '1' } } }),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key lsk Expected: S Actual: N IndexName: lsi',
    );
    await expectError(
      u({ UpdateExpression: 'SET gk = num' }),
      'ValidationException',
      'The update expression attempted to update the secondary index key to unsupported type',
    );
    await expectError(
      u({ UpdateExpression: 'SET gk.x = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }),
      'ValidationException',
      "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: gk",
    );
    await expectError(
      u({ UpdateExpression: 'SET gk = :v', ExpressionAttributeValues: { ':v': { S: '' } } }),
      'ValidationException',
      'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: gsi, IndexKey: gk',
    );
    assert.deepEqual(await get('i1', INDEXED), stored);
  });

  it('keeps secondary indexes in step with the updated item', async () => {
    await put({ ...ikey('i2'), gk: { S: 'g1' }, gr: { N: '1' } }, INDEXED);
    const inGsi = async (gk: string) =>
      (
        await ddb.send(
          new QueryCommand({
            TableName: INDEXED,
            IndexName: 'gsi',
            KeyConditionExpression: 'gk = :g',
            ExpressionAttributeValues: { ':g': { S: gk } },
          }),
        )
      ).Items ?? [];
    assert.equal((await inGsi('g1')).length, 1);
    await update({
      TableName: INDEXED,
      Key: ikey('i2'),
      UpdateExpression: 'SET gk = :g ADD gr :one',
      ExpressionAttributeValues: { ':g': { S: 'g2' }, ':one': { N: '1' } },
    });
    assert.equal((await inGsi('g1')).length, 0);
    assert.deepEqual(await inGsi('g2'), [{ ...ikey('i2'), gk: { S: 'g2' }, gr: { N: '2' } }]);
    await update({ TableName: INDEXED, Key: ikey('i2'), UpdateExpression: 'REMOVE gr' });
    assert.equal((await inGsi('g2')).length, 0);
  });
});
