/**
 * Black-box tests of GetItem's projections: ProjectionExpression (nested
 * paths, list elements, missing paths), the legacy AttributesToGet, and
 * DynamoDB's messages for the ways a projection can be wrong.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type GetItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
const TABLE = 'reads';

type Item = Record<string, AttributeValue>;

const KEY: Item = { pk: { S: 'r1' } };
const ITEM: Item = {
  ...KEY,
  a: { M: { b: { L: [{ N: '2' }, { N: '4' }, { M: { x: { S: 'hi' }, y: { S: 'yo' } } }] }, c: { N: '5' } } },
  s: { S: 'hello' },
  n: { N: '7' },
};

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable(TABLE)));
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: ITEM }));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

async function read(input: Omit<GetItemCommandInput, 'TableName' | 'Key'>): Promise<Item | undefined> {
  return (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: KEY, ...input }))).Item;
}

describe('GetItem projections', () => {
  it('returns the whole item without a projection', async () => {
    assert.deepEqual(await read({}), ITEM);
    assert.deepEqual(await read({ ConsistentRead: true }), ITEM);
  });

  it('projects nested paths inside their nesting, list elements packed in index order', async () => {
    assert.deepEqual(await read({ ProjectionExpression: 'a.b[2].y, s' }), {
      a: { M: { b: { L: [{ M: { y: { S: 'yo' } } }] } } },
      s: { S: 'hello' },
    });
    assert.deepEqual(await read({ ProjectionExpression: 'a.b[1], a.b[0], #c', ExpressionAttributeNames: { '#c': 'n' } }), {
      a: { M: { b: { L: [{ N: '2' }, { N: '4' }] } } },
      n: { N: '7' },
    });
    // The key is not added unless asked for.
    assert.deepEqual(await read({ ProjectionExpression: 's' }), { s: { S: 'hello' } });
  });

  it('answers an empty Item when the item holds none of the paths', async () => {
    assert.deepEqual(await read({ ProjectionExpression: 'nope1, a.b[9], a.c.d' }), {});
  });

  it('returns no Item for a missing key, with or without a projection', async () => {
    const r = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'absent' } }, ProjectionExpression: 's' }));
    assert.equal(r.Item, undefined);
  });

  it('supports the legacy AttributesToGet (top-level names only, missing ones skipped)', async () => {
    assert.deepEqual(await read({ AttributesToGet: ['s', 'nope1', 'pk'] }), { s: { S: 'hello' }, pk: { S: 'r1' } });
  });

  it('rejects bad projections with DynamoDB messages', async () => {
    const cases: [Omit<GetItemCommandInput, 'TableName' | 'Key'>, string][] = [
      [
        { ProjectionExpression: 's', AttributesToGet: ['s'] },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
      ],
      [{ ExpressionAttributeNames: { '#a': 's' } }, 'ExpressionAttributeNames can only be specified when using expressions'],
      [{ AttributesToGet: ['s', 's'] }, 'One or more parameter values were invalid: Duplicate value in attribute name: s'],
      [{ ProjectionExpression: '!!! INVALID !!!' }, 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'],
      [{ ProjectionExpression: '' }, 'Invalid ProjectionExpression: The expression can not be empty;'],
      [
        { ProjectionExpression: 's, s' },
        'Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [s], path two: [s]',
      ],
      [
        { ProjectionExpression: '#a', ExpressionAttributeNames: { '#a': 's', '#b': 'n' } },
        'Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}',
      ],
      [
        { ProjectionExpression: '#k.x', ExpressionAttributeNames: { '#k': 'pk' } },
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
      ],
    ];
    for (const [input, message] of cases) await expectError(read(input), 'ValidationException', message);
  });
});
