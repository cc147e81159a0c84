/**
 * Black-box tests of global secondary indexes with multi-attribute keys
 * (up to 4 HASH then up to 4 RANGE attributes, DynamoDB's November 2025
 * feature): CreateTable and UpdateTable validation, DescribeTable, the
 * sparse index, Query's rules for the HASH and RANGE attributes and their
 * error texts, ordering, paging, Scan and parallel Scan, projections,
 * backfill and deletion, PartiQL SELECT on the index, streams, and a
 * restart of a durable store. Error texts for the multi-attribute rules are
 * DynamoDB's as recorded against it (RANGE rule) and DynamoDB Local 3.3's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  ExecuteStatementCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { readAll, shardIterator, streamsClient } from './helpers/streams.js';
import { createGlobalIndex, defineTable, hashKeyTable, waitForIndexes } from './helpers/tables.js';

type Item = Record<string, AttributeValue>;

let server: ServerProcess;
let ddb: DynamoDBClient;

const bin = (...bytes: number[]) => Uint8Array.from(bytes);

function keySchema(spec: string): { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[] {
  return spec.split(' ').map((part) => {
    const [name, role] = part.split(':') as [string, string];
    return { AttributeName: name, KeyType: role === 'H' ? 'HASH' : 'RANGE' };
  });
}

/** The table most tests here read: two global indexes with multi-attribute keys. */
const matchesTable = defineTable('matches', 'pk:S', {
  gsi: {
    'by-event': { key: 'tournament:S area:S / round:S seq:N tag:B', projection: 'KEYS_ONLY' },
    'by-player': { key: 'player:S / score:N played:S', projection: ['note'] },
  },
});

const matches: Item[] = [
  { pk: { S: 'm1' }, tournament: { S: 'w24' }, area: { S: 'eu' }, round: { S: 'final' }, seq: { N: '1' }, tag: { B: bin(0) } },
  { pk: { S: 'm2' }, tournament: { S: 'w24' }, area: { S: 'eu' }, round: { S: 'final' }, seq: { N: '2' }, tag: { B: bin(0) } },
  { pk: { S: 'm3' }, tournament: { S: 'w24' }, area: { S: 'eu' }, round: { S: 'final' }, seq: { N: '2' }, tag: { B: bin(0, 0) } },
  { pk: { S: 'm4' }, tournament: { S: 'w24' }, area: { S: 'eu' }, round: { S: 'semi' }, seq: { N: '-5' }, tag: { B: bin(1) } },
  { pk: { S: 'm5' }, tournament: { S: 'w24' }, area: { S: 'eu' }, round: { S: 'fin' }, seq: { N: '10' }, tag: { B: bin(0) } },
  { pk: { S: 'm6' }, tournament: { S: 'w24' }, area: { S: 'us' }, round: { S: 'final' }, seq: { N: '1' }, tag: { B: bin(0) } },
  // ("w2", "4eu") must stay a partition of its own.
  { pk: { S: 'm7' }, tournament: { S: 'w2' }, area: { S: '4eu' }, round: { S: 'final' }, seq: { N: '1' }, tag: { B: bin(0) } },
  // Missing tag: not in by-event.
  { pk: { S: 'm8' }, tournament: { S: 'w24' }, area: { S: 'eu' }, round: { S: 'final' }, seq: { N: '3' } },
  // Missing area: not in by-event.
  { pk: { S: 'm9' }, tournament: { S: 'w24' }, round: { S: 'final' }, seq: { N: '3' }, tag: { B: bin(0) } },
  {
    pk: { S: 'p1' },
    player: { S: 'ann' },
    score: { N: '10' },
    played: { S: '2025-01-02' },
    note: { S: 'n1' },
    secret: { S: 's' },
  },
  { pk: { S: 'p2' }, player: { S: 'ann' }, score: { N: '10' }, played: { S: '2025-01-01' }, note: { S: 'n2' } },
  { pk: { S: 'p3' }, player: { S: 'ann' }, score: { N: '9.5' }, played: { S: '2025-01-03' } },
  { pk: { S: 'p4' }, player: { S: 'ann' }, score: { N: '100' }, played: { S: '2024-12-31' } },
];

const EVENT = { ':t': { S: 'w24' }, ':r': { S: 'eu' } };

async function query(input: Partial<QueryCommandInput>): Promise<string[]> {
  const out = await ddb.send(new QueryCommand({ TableName: 'matches', IndexName: 'by-event', ...input }));
  return (out.Items ?? []).map((item) => item.pk!.S!);
}

/** Every page of a query, one item per page; the keys in the order read. */
async function pagedKeys(input: QueryCommandInput | ScanCommandInput, scan = false): Promise<string[]> {
  const keys: string[] = [];
  let start: Item | undefined;
  for (let i = 0; ; i++) {
    assert.ok(i < 100);
    const out = scan
      ? await ddb.send(new ScanCommand({ ...(input as ScanCommandInput), Limit: 1, ExclusiveStartKey: start }))
      : await ddb.send(new QueryCommand({ ...(input as QueryCommandInput), Limit: 1, ExclusiveStartKey: start }));
    keys.push(...(out.Items ?? []).map((item) => item.pk!.S!));
    start = out.LastEvaluatedKey;
    if (start === undefined) return keys;
  }
}

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(matchesTable));
  for (const item of matches) await ddb.send(new PutItemCommand({ TableName: 'matches', Item: item }));
});

after(async () => {
  ddb?.destroy();
  await server?.stop();
});

describe('CreateTable with a multi-attribute GSI key', () => {
  it('accepts HASH attributes then RANGE attributes, each with its own type, and describes them as given', async () => {
    const described = await ddb.send(new DescribeTableCommand({ TableName: 'matches' }));
    const gsis = Object.fromEntries(described.Table!.GlobalSecondaryIndexes!.map((g) => [g.IndexName, g.KeySchema]));
    assert.deepEqual(gsis['by-event'], keySchema('tournament:H area:H round:R seq:R tag:R'));
    assert.deepEqual(gsis['by-player'], keySchema('player:H score:R played:R'));
    assert.deepEqual(described.Table!.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
  });

  it('accepts 4 HASH and 4 RANGE attributes, and HASH attributes alone', async () => {
    const names = 'abcdefgh'.split('');
    const out = await ddb.send(
      new CreateTableCommand({
        TableName: 'widest',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: ['pk', ...names].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
        GlobalSecondaryIndexes: [
          { IndexName: 'wide', KeySchema: keySchema('a:H b:H c:H d:H e:R f:R g:R h:R'), Projection: { ProjectionType: 'ALL' } },
          { IndexName: 'two-hash', KeySchema: keySchema('a:H b:H'), Projection: { ProjectionType: 'ALL' } },
        ],
      }),
    );
    assert.deepEqual(out.TableDescription!.GlobalSecondaryIndexes![0]!.KeySchema, keySchema('a:H b:H c:H d:H e:R f:R g:R h:R'));
    assert.deepEqual(out.TableDescription!.GlobalSecondaryIndexes![1]!.KeySchema, keySchema('a:H b:H'));
  });

  const refused: [string, string, string][] = [
    [
      'a RANGE before a HASH',
      'a:H b:R c:H',
      'Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second',
    ],
    ['a RANGE first', 'b:R a:H', 'Invalid KeySchema: The first KeySchemaElement is not a HASH key type'],
    ['5 HASH attributes', 'a:H b:H c:H d:H e:H', 'Too many partition keys. GSI can have at most 4 partition keys'],
    ['5 RANGE attributes', 'a:H b:R c:R d:R e:R f:R', 'Too many sort keys. GSI can have at most 4 sort keys'],
    ['a duplicate attribute', 'a:H b:H a:R', 'Two keys can not have the same name'],
    ['two HASH entries of one name', 'a:H a:H', 'Both the Hash Key and the Range Key element in the KeySchema have the same name'],
    [
      'an undefined attribute',
      'a:H b:H z:R',
      'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [a, b, z], AttributeDefinitions: [pk, a, b, c, d, e, f]',
    ],
  ];
  for (const [what, spec, message] of refused) {
    it(`refuses ${what}`, async () => {
      await expectError(
        ddb.send(
          new CreateTableCommand({
            TableName: 'refused',
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: ['pk', 'a', 'b', 'c', 'd', 'e', 'f'].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
            GlobalSecondaryIndexes: [{ IndexName: 'gsi', KeySchema: keySchema(spec), Projection: { ProjectionType: 'ALL' } }],
          }),
        ),
        'ValidationException',
        message,
      );
    });
  }

  it('counts every key attribute as used, and names them when a definition is not', async () => {
    await expectError(
      ddb.send(
        new CreateTableCommand({
          TableName: 'refused',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: ['pk', 'a', 'b', 'c', 'x'].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
          GlobalSecondaryIndexes: [{ IndexName: 'gsi', KeySchema: keySchema('a:H b:H c:R'), Projection: { ProjectionType: 'ALL' } }],
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [pk, a, b, c, x], keys used: [pk, a, b, c]',
    );
  });

  it('keeps tables and local indexes to one HASH and one RANGE attribute', async () => {
    const defs = ['a', 'b', 'c', 'd'].map((n) => ({ AttributeName: n, AttributeType: 'S' as const }));
    await expectError(
      ddb.send(new CreateTableCommand({ TableName: 'refused', BillingMode: 'PAY_PER_REQUEST', KeySchema: keySchema('a:H b:H'), AttributeDefinitions: defs.slice(0, 2) })),
      'ValidationException',
      'Invalid KeySchema: The second KeySchemaElement is not a RANGE key type',
    );
    await expectError(
      ddb.send(new CreateTableCommand({ TableName: 'refused', BillingMode: 'PAY_PER_REQUEST', KeySchema: keySchema('a:H b:R c:R'), AttributeDefinitions: defs.slice(0, 3) })),
      'ValidationException',
      /at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2$/,
    );
    await expectError(
      ddb.send(
        new CreateTableCommand({
          TableName: 'refused',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keySchema('a:H b:R'),
          AttributeDefinitions: defs,
          LocalSecondaryIndexes: [{ IndexName: 'lsi', KeySchema: keySchema('a:H c:R d:R'), Projection: { ProjectionType: 'ALL' } }],
        }),
      ),
      'ValidationException',
      /at 'localSecondaryIndexes.1.member.keySchema' failed to satisfy constraint: Member must have length less than or equal to 2$/,
    );
  });
});

describe('Writes to a table with a multi-attribute GSI key', () => {
  it('index an item only when it has every key attribute of the index', async () => {
    const all = await ddb.send(new ScanCommand({ TableName: 'matches', IndexName: 'by-event' }));
    assert.deepEqual(all.Items!.map((i) => i.pk!.S!).sort(), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  });

  it('refuse a wrong type or an empty value for any key attribute of the index', async () => {
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'matches', Item: { pk: { S: 'x' }, area: { N: '1' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key area Expected: S Actual: N IndexName: by-event',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'matches', Item: { pk: { S: 'x' }, played: { S: '' } } })),
      'ValidationException',
      'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-player, IndexKey: played',
    );
    await expectError(
      ddb.send(
        new UpdateItemCommand({
          TableName: 'matches',
          Key: { pk: { S: 'm1' } },
          UpdateExpression: 'SET seq = :s',
          ExpressionAttributeValues: { ':s': { S: 'one' } },
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key seq Expected: N Actual: S IndexName: by-event',
    );
  });

  it('refuse a key over the size limits counted over all HASH or all RANGE attributes together', async () => {
    await expectError(
      ddb.send(
        new PutItemCommand({
          TableName: 'matches',
          Item: { pk: { S: 'big' }, tournament: { S: 't'.repeat(2047) }, area: { S: 'ab' }, round: { S: 'r' }, seq: { N: '1' }, tag: { B: bin(0) } },
        }),
      ),
      'ValidationException',
      'Aggregate size for HASH key attributes tournament, area of index by-event has exceeded limit 2048 bytes, with actual size 2049 bytes',
    );
    // Exactly at the limit is fine; an item missing a key attribute is not held to it.
    await ddb.send(
      new PutItemCommand({
        TableName: 'matches',
        Item: { pk: { S: 'big' }, tournament: { S: 't'.repeat(2047) }, area: { S: 'a' }, round: { S: 'r'.repeat(1000) }, seq: { N: '1' } },
      }),
    );
    await expectError(
      ddb.send(
        new UpdateItemCommand({
          TableName: 'matches',
          Key: { pk: { S: 'big' } },
          UpdateExpression: 'SET tag = :b',
          ExpressionAttributeValues: { ':b': { B: new Uint8Array(30) } },
        }),
      ),
      'ValidationException',
      'Aggregate size for RANGE key attributes round, seq, tag of index by-event has exceeded limit 1024 bytes, with actual size 1032 bytes',
    );
    await ddb.send(new DeleteItemCommand({ TableName: 'matches', Key: { pk: { S: 'big' } } }));
  });

  it('move the index entry when any key attribute changes, and drop it when one goes', async () => {
    const key = { pk: { S: 'mv' } };
    const at = (round: string) =>
      query({
        KeyConditionExpression: 'tournament = :t AND area = :r AND round = :round',
        ExpressionAttributeValues: { ...EVENT, ':round': { S: round } },
      });
    await ddb.send(
      new PutItemCommand({
        TableName: 'matches',
        Item: { ...key, tournament: { S: 'w24' }, area: { S: 'eu' }, round: { S: 'quarter' }, seq: { N: '1' }, tag: { B: bin(9) } },
      }),
    );
    assert.deepEqual(await at('quarter'), ['mv']);
    await ddb.send(
      new UpdateItemCommand({ TableName: 'matches', Key: key, UpdateExpression: 'SET round = :q', ExpressionAttributeValues: { ':q': { S: 'eighth' } } }),
    );
    assert.deepEqual(await at('quarter'), []);
    assert.deepEqual(await at('eighth'), ['mv']);
    await ddb.send(new UpdateItemCommand({ TableName: 'matches', Key: key, UpdateExpression: 'REMOVE tag' }));
    assert.deepEqual(await at('eighth'), []);
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 'matches',
              Key: key,
              UpdateExpression: 'SET tag = :b',
              ExpressionAttributeValues: { ':b': { B: bin(9) } },
            },
          },
        ],
      }),
    );
    assert.deepEqual(await at('eighth'), ['mv']);
    await ddb.send(new DeleteItemCommand({ TableName: 'matches', Key: key }));
    assert.deepEqual(await at('eighth'), []);
  });
});

describe('Query on a multi-attribute GSI key', () => {
  const KCE = 'tournament = :t AND area = :r';

  it('reads one partition (every HASH value together) in the order of the RANGE attributes, both ways', async () => {
    const forward = await query({ KeyConditionExpression: KCE, ExpressionAttributeValues: EVENT });
    // fin < final < semi; then seq numerically; then tag bytewise; ties by table key.
    assert.deepEqual(forward, ['m5', 'm1', 'm2', 'm3', 'm4']);
    const backward = await query({ KeyConditionExpression: KCE, ExpressionAttributeValues: EVENT, ScanIndexForward: false });
    assert.deepEqual(backward, ['m4', 'm3', 'm2', 'm1', 'm5']);
    assert.deepEqual(
      await query({ KeyConditionExpression: KCE, ExpressionAttributeValues: { ':t': { S: 'w2' }, ':r': { S: '4eu' } } }),
      ['m7'],
    );
    assert.deepEqual(
      await query({ KeyConditionExpression: 'area = :r AND tournament = :t', ExpressionAttributeValues: { ...EVENT, ':r': { S: 'us' } } }),
      ['m6'],
    );
  });

  it('narrows by equalities on leading RANGE attributes and one condition on the last one named', async () => {
    const values = { ...EVENT, ':f': { S: 'final' }, ':one': { N: '1' }, ':two': { N: '2' }, ':z': { B: bin(0) } };
    const q = (condition: string) =>
      query({
        KeyConditionExpression: `${KCE} AND ${condition}`,
        ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([k]) => `${KCE} ${condition}`.includes(k))),
      });
    assert.deepEqual(await q('round = :f'), ['m1', 'm2', 'm3']);
    assert.deepEqual(await q('round > :f'), ['m4']);
    assert.deepEqual(await q('round <= :f'), ['m5', 'm1', 'm2', 'm3']);
    assert.deepEqual(await q('begins_with(round, :f)'), ['m1', 'm2', 'm3']);
    assert.deepEqual(await q('round = :f AND seq = :two'), ['m2', 'm3']);
    assert.deepEqual(await q('round = :f AND seq > :one'), ['m2', 'm3']);
    assert.deepEqual(await q('round = :f AND seq BETWEEN :one AND :two'), ['m1', 'm2', 'm3']);
    assert.deepEqual(await q('round = :f AND seq = :two AND tag = :z'), ['m2']);
    assert.deepEqual(await q('round = :f AND seq = :two AND tag > :z'), ['m3']);
    assert.deepEqual(await q('seq = :two AND round = :f AND begins_with(tag, :z)'), ['m2', 'm3']);
  });

  it('accepts legacy KeyConditions under the same rules', async () => {
    const EQ = (value: AttributeValue) => ({ ComparisonOperator: 'EQ' as const, AttributeValueList: [value] });
    assert.deepEqual(
      await query({
        KeyConditions: {
          tournament: EQ({ S: 'w24' }),
          area: EQ({ S: 'eu' }),
          round: EQ({ S: 'final' }),
          seq: { ComparisonOperator: 'GE', AttributeValueList: [{ N: '2' }] },
        },
      }),
      ['m2', 'm3'],
    );
    await expectError(
      query({ KeyConditions: { tournament: EQ({ S: 'w24' }), area: EQ({ S: 'eu' }), seq: EQ({ N: '1' }) } }),
      'ValidationException',
      'RANGE key attributes round must have equality conditions specified in the query because a condition is present on key attribute seq',
    );
  });

  const refused: [string, string, Item, string][] = [
    ['a missing HASH attribute', 'tournament = :t', { ':t': { S: 'w24' } }, 'HASH key attributes area must have equality conditions specified in the query'],
    ['every HASH attribute missing', 'round = :f', { ':f': { S: 'final' } }, 'HASH key attributes tournament, area must have equality conditions specified in the query'],
    ['a range condition on a HASH attribute', 'tournament = :t AND area > :r', EVENT, 'HASH key attributes area must have equality conditions specified in the query'],
    [
      'a skipped RANGE attribute',
      `${KCE} AND seq = :s`,
      { ...EVENT, ':s': { N: '1' } },
      'RANGE key attributes round must have equality conditions specified in the query because a condition is present on key attribute seq',
    ],
    [
      'two skipped RANGE attributes',
      `${KCE} AND tag = :b`,
      { ...EVENT, ':b': { B: bin(0) } },
      'RANGE key attributes round, seq must have equality conditions specified in the query because a condition is present on key attribute tag',
    ],
    [
      'a range condition before the last RANGE attribute named',
      `${KCE} AND round > :f AND seq = :s`,
      { ...EVENT, ':f': { S: 'final' }, ':s': { N: '1' } },
      'RANGE key attributes round must have equality conditions specified in the query because a condition is present on key attribute seq',
    ],
    ['a condition on a non-key attribute', `${KCE} AND pk = :p`, { ...EVENT, ':p': { S: 'm1' } }, 'Query condition missed key schema element: round'],
    [
      'more conditions than the key has attributes',
      `${KCE} AND round = :f AND seq = :s AND tag = :b AND pk = :p`,
      { ...EVENT, ':f': { S: 'final' }, ':s': { N: '1' }, ':b': { B: bin(0) }, ':p': { S: 'm1' } },
      'Query key condition not supported',
    ],
    [
      'a value of the wrong type',
      `${KCE} AND round = :f AND seq = :s`,
      { ...EVENT, ':f': { S: 'final' }, ':s': { S: '1' } },
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    ],
    [
      'an empty string value',
      'tournament = :t AND area = :e',
      { ':t': { S: 'w24' }, ':e': { S: '' } },
      'One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: area',
    ],
  ];
  for (const [what, condition, values, message] of refused) {
    it(`refuses ${what}`, async () => {
      await expectError(query({ KeyConditionExpression: condition, ExpressionAttributeValues: values }), 'ValidationException', message);
    });
  }

  it('refuses a filter on any key attribute of the index, but not on the table key', async () => {
    await expectError(
      query({ KeyConditionExpression: KCE, ExpressionAttributeValues: { ...EVENT, ':s': { N: '1' } }, FilterExpression: 'seq = :s' }),
      'ValidationException',
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: seq',
    );
    await expectError(
      query({
        KeyConditions: { tournament: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'w24' }] }, area: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'eu' }] } },
        QueryFilter: { tag: { ComparisonOperator: 'EQ', AttributeValueList: [{ B: bin(0) }] } },
      }),
      'ValidationException',
      'QueryFilter can only contain non-primary key attributes: Primary key attribute: tag',
    );
    assert.deepEqual(
      await query({ KeyConditionExpression: KCE, ExpressionAttributeValues: { ...EVENT, ':p': { S: 'm2' } }, FilterExpression: 'pk > :p' }),
      ['m5', 'm3', 'm4'],
    );
  });

  it('pages with a LastEvaluatedKey carrying every key attribute of the index and the table, both ways', async () => {
    const first = await ddb.send(
      new QueryCommand({ TableName: 'matches', IndexName: 'by-event', KeyConditionExpression: KCE, ExpressionAttributeValues: EVENT, Limit: 2 }),
    );
    assert.deepEqual(Object.keys(first.LastEvaluatedKey!).sort(), ['area', 'pk', 'round', 'seq', 'tag', 'tournament']);
    const input: QueryCommandInput = { TableName: 'matches', IndexName: 'by-event', KeyConditionExpression: KCE, ExpressionAttributeValues: EVENT };
    assert.deepEqual(await pagedKeys(input), ['m5', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(await pagedKeys({ ...input, ScanIndexForward: false }), ['m4', 'm3', 'm2', 'm1', 'm5']);
    const narrowed: QueryCommandInput = {
      ...input,
      KeyConditionExpression: `${KCE} AND round = :f AND seq >= :s`,
      ExpressionAttributeValues: { ...EVENT, ':f': { S: 'final' }, ':s': { N: '2' } },
    };
    assert.deepEqual(await pagedKeys(narrowed), ['m2', 'm3']);
  });

  it('checks an ExclusiveStartKey against every key attribute', async () => {
    const start: Item = matches[1]!;
    const input = { KeyConditionExpression: KCE, ExpressionAttributeValues: EVENT };
    assert.deepEqual(await query({ ...input, ExclusiveStartKey: start }), ['m3', 'm4']);
    const { seq: _seq, ...withoutSeq } = start;
    await expectError(query({ ...input, ExclusiveStartKey: withoutSeq }), 'ValidationException', 'The provided starting key is invalid');
    await expectError(
      query({ ...input, ExclusiveStartKey: { ...start, seq: { S: '2' } } }),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      query({ ...input, ExclusiveStartKey: { ...start, area: { S: 'us' } } }),
      'ValidationException',
      'The provided starting key is outside query boundaries based on provided conditions',
    );
    await expectError(
      query({
        KeyConditionExpression: `${KCE} AND round = :f AND seq = :s`,
        ExpressionAttributeValues: { ...EVENT, ':f': { S: 'final' }, ':s': { N: '2' } },
        ExclusiveStartKey: { ...start, round: { S: 'semi' } },
      }),
      'ValidationException',
      'The provided starting key does not match the range key predicate',
    );
  });

  it('returns KEYS_ONLY entries with every key attribute of the index and the table, and only those', async () => {
    const out = await ddb.send(
      new QueryCommand({ TableName: 'matches', IndexName: 'by-event', KeyConditionExpression: KCE, ExpressionAttributeValues: EVENT, Limit: 1 }),
    );
    assert.deepEqual(out.Items, [matches[4]]);
    await expectError(
      query({ KeyConditionExpression: KCE, ExpressionAttributeValues: EVENT, Select: 'ALL_ATTRIBUTES' }),
      'ValidationException',
      'One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by-event because its projection type is not ALL',
    );
    const player = await ddb.send(
      new QueryCommand({
        TableName: 'matches',
        IndexName: 'by-player',
        KeyConditionExpression: 'player = :p AND score = :s',
        ExpressionAttributeValues: { ':p': { S: 'ann' }, ':s': { N: '10' } },
      }),
    );
    assert.deepEqual(player.Items, [
      { pk: { S: 'p2' }, player: { S: 'ann' }, score: { N: '10' }, played: { S: '2025-01-01' }, note: { S: 'n2' } },
      { pk: { S: 'p1' }, player: { S: 'ann' }, score: { N: '10' }, played: { S: '2025-01-02' }, note: { S: 'n1' } },
    ]);
  });
});

describe('Scan of a multi-attribute GSI', () => {
  it('reads every indexed entry once, whole or in parallel segments, one page at a time', async () => {
    const whole = await pagedKeys({ TableName: 'matches', IndexName: 'by-event' }, true);
    assert.deepEqual([...whole].sort(), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    const segments: string[] = [];
    for (let segment = 0; segment < 4; segment++) {
      segments.push(...(await pagedKeys({ TableName: 'matches', IndexName: 'by-event', Segment: segment, TotalSegments: 4 }, true)));
    }
    assert.deepEqual(segments.sort(), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  });

  it('checks an ExclusiveStartKey against the segment of its partition', async () => {
    const first = await ddb.send(new ScanCommand({ TableName: 'matches', IndexName: 'by-event', Limit: 1 }));
    const key = first.LastEvaluatedKey!;
    let refusedBySome = false;
    for (let segment = 0; segment < 4; segment++) {
      try {
        await ddb.send(new ScanCommand({ TableName: 'matches', IndexName: 'by-event', Segment: segment, TotalSegments: 4, ExclusiveStartKey: key }));
      } catch (e) {
        assert.match((e as Error).message, /^The provided starting key is invalid: Invalid ExclusiveStartKey/);
        refusedBySome = true;
      }
    }
    assert.ok(refusedBySome);
  });
});

describe('UpdateTable with a multi-attribute GSI key', () => {
  it('backfills a new index over existing items, leaving out items without every key attribute, with a wrong type or too large a key', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('later')));
    const items: Item[] = [];
    for (let i = 0; i < 30; i++) {
      items.push({ pk: { S: `i${i}` }, g: { S: `g${i % 3}` }, h: { N: String(i % 2) }, r: { N: String(i) } });
    }
    items.push({ pk: { S: 'no-h' }, g: { S: 'g0' }, r: { N: '1' } });
    items.push({ pk: { S: 'too-big' }, g: { S: 'g'.repeat(2047) }, h: { N: '1' }, r: { N: '1' } });
    items.push({ pk: { S: 'wrong-type' }, g: { S: 'g0' }, h: { S: '0' }, r: { N: '1' } });
    for (const item of items) await ddb.send(new PutItemCommand({ TableName: 'later', Item: item }));
    const updated = await ddb.send(new UpdateTableCommand({ TableName: 'later', ...createGlobalIndex('by-gh', 'g:S h:N / r:N') }));
    assert.deepEqual(updated.TableDescription!.GlobalSecondaryIndexes![0]!.KeySchema, keySchema('g:H h:H r:R'));
    await waitForIndexes(ddb, 'later');
    const out = await ddb.send(
      new QueryCommand({
        TableName: 'later',
        IndexName: 'by-gh',
        KeyConditionExpression: 'g = :g AND h = :h AND r > :r',
        ExpressionAttributeValues: { ':g': { S: 'g0' }, ':h': { N: '1' }, ':r': { N: '10' } },
        ScanIndexForward: false,
      }),
    );
    assert.deepEqual(out.Items!.map((i) => i.pk!.S), ['i27', 'i21', 'i15']);
    const scanned = await ddb.send(new ScanCommand({ TableName: 'later', IndexName: 'by-gh', Select: 'COUNT' }));
    assert.equal(scanned.Count, 30);
  });

  it('refuses a bad multi-attribute key schema with the CreateTable texts', async () => {
    await expectError(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'later',
          AttributeDefinitions: [
            { AttributeName: 'g', AttributeType: 'S' },
            { AttributeName: 'r', AttributeType: 'N' },
          ],
          GlobalSecondaryIndexUpdates: [
            { Create: { IndexName: 'bad', KeySchema: keySchema('g:H r:R g:H'), Projection: { ProjectionType: 'ALL' } } },
          ],
        }),
      ),
      'ValidationException',
      'Two keys can not have the same name',
    );
  });

  it('deletes the index with its entries', async () => {
    await ddb.send(new UpdateTableCommand({ TableName: 'later', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by-gh' } }] }));
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'later', IndexName: 'by-gh' })),
      'ValidationException',
      'The table does not have the specified index: by-gh',
    );
    const d = await ddb.send(new DescribeTableCommand({ TableName: 'later' }));
    assert.equal(d.Table!.GlobalSecondaryIndexes, undefined);
    assert.deepEqual(d.Table!.AttributeDefinitions, [{ AttributeName: 'pk', AttributeType: 'S' }]);
  });
});

describe('PartiQL SELECT on a multi-attribute GSI', () => {
  const select = async (statement: string, parameters: AttributeValue[] = []) => {
    const out = await ddb.send(new ExecuteStatementCommand({ Statement: statement, Parameters: parameters.length > 0 ? parameters : undefined }));
    return (out.Items ?? []).map((item) => item.pk!.S!);
  };

  it('reads the partition every HASH equality names, in RANGE order, narrowed by the RANGE conditions', async () => {
    assert.deepEqual(await select(`SELECT pk FROM "matches"."by-event" WHERE tournament = 'w24' AND area = 'eu'`), [
      'm5',
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
    assert.deepEqual(
      await select(`SELECT pk FROM "matches"."by-event" WHERE tournament = ? AND area = ? AND round = 'final' AND seq >= 2 ORDER BY round DESC`, [
        { S: 'w24' },
        { S: 'eu' },
      ]),
      ['m3', 'm2'],
    );
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const out = await ddb.send(
        new ExecuteStatementCommand({
          Statement: `SELECT pk FROM "matches"."by-event" WHERE tournament = 'w24' AND area = 'eu' ORDER BY round DESC`,
          Limit: 2,
          NextToken: token,
        }),
      );
      pages.push((out.Items ?? []).map((item) => item.pk!.S!));
      token = out.NextToken;
    } while (token !== undefined && pages.length < 10);
    assert.deepEqual(pages.flat(), ['m4', 'm3', 'm2', 'm1', 'm5']);
    // Without every HASH attribute it is a Scan, filtered by the whole WHERE clause.
    assert.deepEqual((await select(`SELECT pk FROM "matches"."by-event" WHERE area = 'us'`)).sort(), ['m6']);
  });
});

describe('Streams of a table with a multi-attribute GSI', () => {
  it('record item changes with the table key, whatever the index key', async () => {
    await ddb.send(
      new CreateTableCommand({
        ...matchesTable,
        TableName: 'streamed',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    await ddb.send(new PutItemCommand({ TableName: 'streamed', Item: matches[0]! }));
    await ddb.send(
      new UpdateItemCommand({ TableName: 'streamed', Key: { pk: { S: 'm1' } }, UpdateExpression: 'SET seq = :s', ExpressionAttributeValues: { ':s': { N: '7' } } }),
    );
    const streams = streamsClient(server.url);
    try {
      const d = await ddb.send(new DescribeTableCommand({ TableName: 'streamed' }));
      const records = await readAll(streams, await shardIterator(streams, d.Table!.LatestStreamArn!, 'TRIM_HORIZON'));
      assert.deepEqual(
        records.map((r) => [r.eventName, r.dynamodb!.Keys, r.dynamodb!.NewImage?.seq]),
        [
          ['INSERT', { pk: { S: 'm1' } }, { N: '1' }],
          ['MODIFY', { pk: { S: 'm1' } }, { N: '7' }],
        ],
      );
    } finally {
      streams.destroy();
    }
    const moved = await ddb.send(
      new QueryCommand({
        TableName: 'streamed',
        IndexName: 'by-event',
        KeyConditionExpression: 'tournament = :t AND area = :r AND round = :f AND seq = :s',
        ExpressionAttributeValues: { ...EVENT, ':f': { S: 'final' }, ':s': { N: '7' } },
      }),
    );
    assert.deepEqual(moved.Items!.map((i) => i.pk!.S), ['m1']);
  });
});

describe('A durable store with a multi-attribute GSI', () => {
  it('keeps the index definition and its entries across a restart', async () => {
    const dir = tempDir();
    let durable = await startServerProcess({ dataDir: dir.path });
    let db = client(durable.url);
    try {
      await db.send(new CreateTableCommand(matchesTable));
      for (const item of matches) await db.send(new PutItemCommand({ TableName: 'matches', Item: item }));
      db.destroy();
      await durable.stop();
      durable = await startServerProcess({ dataDir: dir.path });
      db = client(durable.url);
      const d = await db.send(new DescribeTableCommand({ TableName: 'matches' }));
      assert.deepEqual(d.Table!.GlobalSecondaryIndexes!.find((g) => g.IndexName === 'by-event')!.KeySchema, keySchema('tournament:H area:H round:R seq:R tag:R'));
      const out = await db.send(
        new QueryCommand({ TableName: 'matches', IndexName: 'by-event', KeyConditionExpression: 'tournament = :t AND area = :r', ExpressionAttributeValues: EVENT }),
      );
      assert.deepEqual(out.Items!.map((i) => i.pk!.S), ['m5', 'm1', 'm2', 'm3', 'm4']);
    } finally {
      db.destroy();
      await durable.stop();
      dir.remove();
    }
  });
});
