/**
 * Black-box tests of Query: key conditions on S, N and B sort keys in
 * DynamoDB's order (not JavaScript's), paging by Limit and by the 1 MB page
 * size forward and backward with nothing lost or repeated, filters,
 * projections, Select, consumed capacity, and DynamoDB's error messages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { queryPages } from './helpers/paging.js';
import { defineTable } from './helpers/tables.js';

type Item = Record<string, AttributeValue>;

/** 9.99E+125 as DynamoDB returns it: plain digits. */
const huge = '999' + '0'.repeat(123);

let server: ServerProcess;
let ddb: DynamoDBClient;
// The durable engine: key order and range reads are checked on the store users keep.
const data = tempDir();

async function createTable(name: string, sortType: 'S' | 'N' | 'B'): Promise<void> {
  await ddb.send(new CreateTableCommand(defineTable(name, `pk:S sk:${sortType}`)));
}

async function putAll(table: string, items: readonly Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const r = await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    assert.deepEqual(r.UnprocessedItems, {});
  }
}


const sortKeysOf = (items: readonly Item[] | undefined, type: 'S' | 'N'): string[] =>
  (items ?? []).map((i) => i.sk![type] as string);
const hex = (items: readonly Item[] | undefined): string[] =>
  (items ?? []).map((i) => Buffer.from(i.sk!.B!).toString('hex'));

before(async () => {
  server = await startServerProcess({ dataDir: data.path });
  ddb = client(server.url);
  await createTable('q_s', 'S');
  await createTable('q_n', 'N');
  await createTable('q_b', 'B');
  await createTable('big', 'N');
});
after(async () => {
  ddb.destroy();
  await server.stop();
  data.remove();
});

describe('Query key conditions and DynamoDB order', () => {
  // Numbers in numeric order, whatever their spelling and exponent.
  const numbers = ['-1E+10', '-100', '-5.5', '-0.001', '0', '0.00001', '0.5', '2', '10', '1.5E+3', '9.99E+125'];
  const canonical = ['-10000000000', '-100', '-5.5', '-0.001', '0', '0.00001', '0.5', '2', '10', '1500', huge];
  // UTF-8 byte order: U+E000..U+FFFF sort before characters outside the
  // BMP, although JavaScript's UTF-16 comparison puts them after.
  const strings = ['A', 'a', 'ab', 'b', 'é', '\ue000', '\uffff', '😀', '😀x'];
  // Unsigned bytes: 0x80 and 0xff sort after 0x7f.
  const bytes = ['00', '0000', '01', '0102', '7f', '80', 'ff', 'ff00'];

  before(async () => {
    // Written in reverse so storage order cannot come from insertion order.
    await putAll('q_n', [...numbers].reverse().map((n) => ({ pk: { S: 'p' }, sk: { N: n } })));
    await putAll('q_s', [...strings].reverse().map((s) => ({ pk: { S: 'p' }, sk: { S: s } })));
    await putAll('q_b', [...bytes].reverse().map((b) => ({ pk: { S: 'p' }, sk: { B: Buffer.from(b, 'hex') } })));
    await putAll('q_s', [{ pk: { S: 'other' }, sk: { S: 'a' } }]);
  });

  const q = async (table: string, extra: string, values: Item, forward = true) =>
    (
      await ddb.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: `pk = :p${extra}`,
          ExpressionAttributeValues: { ':p': { S: 'p' }, ...values },
          ScanIndexForward: forward,
        }),
      )
    ).Items;

  it('orders numbers numerically and compares them exactly', async () => {
    assert.deepEqual(sortKeysOf(await q('q_n', '', {}), 'N'), canonical);
    assert.deepEqual(sortKeysOf(await q('q_n', '', {}, false), 'N'), [...canonical].reverse());
    assert.deepEqual(sortKeysOf(await q('q_n', ' AND sk < :v', { ':v': { N: '-5.5' } }), 'N'), ['-10000000000', '-100']);
    assert.deepEqual(sortKeysOf(await q('q_n', ' AND sk <= :v', { ':v': { N: '-55E-1' } }), 'N'), [
      '-10000000000',
      '-100',
      '-5.5',
    ]);
    assert.deepEqual(sortKeysOf(await q('q_n', ' AND sk > :v', { ':v': { N: '10' } }), 'N'), ['1500', huge]);
    assert.deepEqual(sortKeysOf(await q('q_n', ' AND sk >= :v', { ':v': { N: '1E+1' } }), 'N'), [
      '10',
      '1500',
      huge,
    ]);
    assert.deepEqual(
      sortKeysOf(await q('q_n', ' AND sk BETWEEN :a AND :b', { ':a': { N: '-0.001' }, ':b': { N: '2.0' } }), 'N'),
      ['-0.001', '0', '0.00001', '0.5', '2'],
    );
    assert.deepEqual(sortKeysOf(await q('q_n', ' AND sk = :v', { ':v': { N: '1500.000' } }), 'N'), ['1500']);
    // A value on the left of the comparison means the mirrored operator.
    assert.deepEqual(sortKeysOf(await q('q_n', ' AND :v > sk', { ':v': { N: '-5.5' } }), 'N'), ['-10000000000', '-100']);
  });

  it('orders strings by UTF-8 bytes and matches begins_with exactly', async () => {
    assert.deepEqual(sortKeysOf(await q('q_s', '', {}), 'S'), strings);
    assert.deepEqual(sortKeysOf(await q('q_s', '', {}, false), 'S'), [...strings].reverse());
    assert.deepEqual(sortKeysOf(await q('q_s', ' AND sk > :v', { ':v': { S: '\uffff' } }), 'S'), ['😀', '😀x']);
    assert.deepEqual(sortKeysOf(await q('q_s', ' AND sk < :v', { ':v': { S: '😀' } }), 'S'), strings.slice(0, 7));
    assert.deepEqual(sortKeysOf(await q('q_s', ' AND begins_with(sk, :v)', { ':v': { S: 'a' } }), 'S'), ['a', 'ab']);
    assert.deepEqual(sortKeysOf(await q('q_s', ' AND begins_with(sk, :v)', { ':v': { S: '😀' } }), 'S'), ['😀', '😀x']);
    assert.deepEqual(
      sortKeysOf(await q('q_s', ' AND sk BETWEEN :a AND :b', { ':a': { S: 'b' }, ':b': { S: '\uffff' } }), 'S'),
      ['b', 'é', '\ue000', '\uffff'],
    );
  });

  it('orders binary by unsigned bytes and matches begins_with on bytes', async () => {
    assert.deepEqual(hex(await q('q_b', '', {})), bytes);
    assert.deepEqual(hex(await q('q_b', ' AND sk >= :v', { ':v': { B: Buffer.from('80', 'hex') } })), ['80', 'ff', 'ff00']);
    assert.deepEqual(hex(await q('q_b', ' AND begins_with(sk, :v)', { ':v': { B: Buffer.from('00', 'hex') } })), [
      '00',
      '0000',
    ]);
    assert.deepEqual(hex(await q('q_b', ' AND begins_with(sk, :v)', { ':v': { B: Buffer.from('ff', 'hex') } })), [
      'ff',
      'ff00',
    ]);
    assert.deepEqual(hex(await q('q_b', ' AND sk < :v', { ':v': { B: Buffer.from('01', 'hex') } })), ['00', '0000']);
  });

  it('accepts legacy KeyConditions and QueryFilter', async () => {
    const r = await ddb.send(
      new QueryCommand({
        TableName: 'q_n',
        KeyConditions: {
          pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'p' }] },
          sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '-100' }, { N: '2' }] },
        },
      }),
    );
    assert.deepEqual(sortKeysOf(r.Items, 'N'), ['-100', '-5.5', '-0.001', '0', '0.00001', '0.5', '2']);
    await putAll('q_s', [
      { pk: { S: 'lf' }, sk: { S: '1' }, tag: { S: 'red' } },
      { pk: { S: 'lf' }, sk: { S: '2' }, tag: { S: 'blue' } },
    ]);
    const f = await ddb.send(
      new QueryCommand({
        TableName: 'q_s',
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'lf' }] } },
        QueryFilter: { tag: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'blue' }] } },
      }),
    );
    assert.deepEqual(sortKeysOf(f.Items, 'S'), ['2']);
    assert.equal(f.ScannedCount, 2);
  });

  it('rejects key conditions DynamoDB rejects, with its messages', async () => {
    const bad = (input: Partial<QueryCommandInput>) => ddb.send(new QueryCommand({ TableName: 'q_n', ...input }));
    await expectError(
      bad({ KeyConditionExpression: 'sk = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }),
      'ValidationException',
      'Query condition missed key schema element: pk',
    );
    await expectError(
      bad({
        KeyConditionExpression: 'pk = :p AND colour = :v',
        ExpressionAttributeValues: { ':p': { S: 'p' }, ':v': { N: '1' } },
      }),
      'ValidationException',
      'Query condition missed key schema element: sk',
    );
    await expectError(
      bad({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { N: '1' } } }),
      'ValidationException',
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
    await expectError(
      bad({ KeyConditionExpression: 'pk = :p OR sk = :v', ExpressionAttributeValues: { ':p': { S: 'p' }, ':v': { N: '1' } } }),
      'ValidationException',
      'Invalid operator used in KeyConditionExpression: OR',
    );
    await expectError(
      bad({ KeyConditionExpression: 'pk > :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }),
      'ValidationException',
      'Query key condition not supported',
    );
    await expectError(
      bad({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: '' } } }),
      'ValidationException',
      'One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
    );
    await expectError(bad({}), 'ValidationException', 'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    await expectError(
      bad({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, Limit: 0 }),
      'ValidationException',
      "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await expectError(
      bad({
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'p' }] } },
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'p' } },
      }),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}',
    );
    await expectError(
      bad({
        KeyConditionExpression: 'pk = :p',
        FilterExpression: 'sk > :v',
        ExpressionAttributeValues: { ':p': { S: 'p' }, ':v': { N: '1' } },
      }),
      'ValidationException',
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: sk',
    );
    await expectError(
      bad({ IndexName: 'nope', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }),
      'ValidationException',
      'The table does not have the specified index: nope',
    );
    await expectError(
      ddb.send(
        new QueryCommand({ TableName: 'missing', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }),
      ),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
  });

  it('checks ExclusiveStartKey against the key schema and the key condition', async () => {
    const base = { TableName: 'q_n', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } };
    await expectError(
      ddb.send(new QueryCommand({ ...base, ExclusiveStartKey: { pk: { S: 'p' } } })),
      'ValidationException',
      'The provided starting key is invalid',
    );
    await expectError(
      ddb.send(new QueryCommand({ ...base, ExclusiveStartKey: { pk: { S: 'p' }, sk: { S: 'x' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      ddb.send(new QueryCommand({ ...base, ExclusiveStartKey: { pk: { S: 'q' }, sk: { N: '1' } } })),
      'ValidationException',
      'The provided starting key is outside query boundaries based on provided conditions',
    );
    await expectError(
      ddb.send(
        new QueryCommand({
          ...base,
          KeyConditionExpression: 'pk = :p AND sk > :v',
          ExpressionAttributeValues: { ':p': { S: 'p' }, ':v': { N: '5' } },
          ExclusiveStartKey: { pk: { S: 'p' }, sk: { N: '1' } },
        }),
      ),
      'ValidationException',
      'The provided starting key does not match the range key predicate',
    );
    // A start key that names no stored item still positions the page.
    const r = await ddb.send(new QueryCommand({ ...base, ExclusiveStartKey: { pk: { S: 'p' }, sk: { N: '1' } } }));
    assert.deepEqual(sortKeysOf(r.Items, 'N'), ['2', '10', '1500', huge]);
    const back = await ddb.send(
      new QueryCommand({ ...base, ScanIndexForward: false, ExclusiveStartKey: { pk: { S: 'p' }, sk: { N: '1' } } }),
    );
    assert.deepEqual(sortKeysOf(back.Items, 'N'), ['0.5', '0.00001', '0', '-0.001', '-5.5', '-100', '-10000000000']);
  });
});

describe('Query paging', () => {
  const COUNT = 60;
  // 60 items of ~40 KB: about 2.4 MB, so pages end at the 1 MB mark.
  const payload = 'x'.repeat(40_000);

  before(async () => {
    const items: Item[] = [];
    for (let i = 0; i < COUNT; i++) {
      items.push({ pk: { S: 'big' }, sk: { N: String(i - 30) }, payload: { S: payload }, even: { BOOL: i % 2 === 0 } });
    }
    for (const item of items) await ddb.send(new PutItemCommand({ TableName: 'big', Item: item }));
  });

  const base = { TableName: 'big', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'big' } } };
  const expected = Array.from({ length: COUNT }, (_, i) => String(i - 30));

  it('stops a page at 1 MB read and pages forward to the end, nothing lost or repeated', async () => {
    const pages = await queryPages(ddb, base);
    assert.ok(pages.length >= 3, `expected several pages, got ${pages.length}`);
    const first = pages[0]!;
    // The page takes the item that crosses 1 MB (26 × 40 KB ≥ 1,048,576).
    assert.equal(first.Count, 27);
    assert.deepEqual(first.LastEvaluatedKey, { pk: { S: 'big' }, sk: { N: '-4' } });
    assert.deepEqual(pages.flatMap((p) => sortKeysOf(p.Items, 'N')), expected);
  });

  it('pages backward to the end', async () => {
    const pages = await queryPages(ddb, { ...base, ScanIndexForward: false });
    assert.deepEqual(pages.flatMap((p) => sortKeysOf(p.Items, 'N')), [...expected].reverse());
  });

  it('counts Limit on items evaluated before the filter, and may return empty pages with a key', async () => {
    const pages = await queryPages(ddb, {
      ...base,
      Limit: 7,
      FilterExpression: 'even = :t',
      ExpressionAttributeValues: { ':p': { S: 'big' }, ':t': { BOOL: true } },
      ProjectionExpression: 'sk',
    });
    for (const page of pages.slice(0, -1)) assert.equal(page.ScannedCount, 7);
    const got = pages.flatMap((p) => sortKeysOf(p.Items, 'N'));
    assert.deepEqual(got, expected.filter((_, i) => i % 2 === 0));
    assert.ok(pages.flatMap((p) => p.Items ?? []).every((i) => Object.keys(i).join() === 'sk'));
    // A filter nothing passes still pages through everything, each page empty.
    const none = await queryPages(ddb, {
      ...base,
      Limit: 25,
      FilterExpression: 'even = :f AND even = :t',
      ExpressionAttributeValues: { ':p': { S: 'big' }, ':t': { BOOL: true }, ':f': { BOOL: false } },
    });
    assert.equal(none.length, 3);
    assert.ok(none.every((p) => p.Count === 0 && p.Items!.length === 0));
    assert.ok(none[0]!.LastEvaluatedKey !== undefined);
  });

  it('returns a LastEvaluatedKey when Limit is reached exactly, then an empty last page', async () => {
    const pages = await queryPages(ddb, { ...base, Limit: COUNT });
    assert.equal(pages.length, 3);
    const limited = await ddb.send(
      new QueryCommand({
        ...base,
        KeyConditionExpression: 'pk = :p AND sk >= :v',
        ExpressionAttributeValues: { ':p': { S: 'big' }, ':v': { N: '27' } },
        Limit: 3,
      }),
    );
    assert.equal(limited.Count, 3);
    assert.deepEqual(limited.LastEvaluatedKey, { pk: { S: 'big' }, sk: { N: '29' } });
    const rest = await ddb.send(
      new QueryCommand({
        ...base,
        KeyConditionExpression: 'pk = :p AND sk >= :v',
        ExpressionAttributeValues: { ':p': { S: 'big' }, ':v': { N: '27' } },
        Limit: 3,
        ExclusiveStartKey: limited.LastEvaluatedKey,
      }),
    );
    assert.equal(rest.Count, 0);
    assert.equal(rest.LastEvaluatedKey, undefined);
  });

  it('counts with Select COUNT and reports consumed capacity in 4 KB units', async () => {
    const counted = await queryPages(ddb, { ...base, Select: 'COUNT' });
    assert.equal(
      counted.reduce((n, p) => n + p.Count!, 0),
      COUNT,
    );
    assert.ok(counted.every((p) => p.Items === undefined));
    // Items of 3 bytes of names + 2..3 bytes of numbers: sk 0..4 is 5 items
    // of ~40 KB → ceil(5 × 40,0xx / 4096) = 49 units, halved when eventual.
    const q = (consistent: boolean, mode: 'TOTAL' | 'INDEXES') =>
      ddb.send(
        new QueryCommand({
          ...base,
          KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':p': { S: 'big' }, ':a': { N: '0' }, ':b': { N: '4' } },
          ConsistentRead: consistent,
          ReturnConsumedCapacity: mode,
        }),
      );
    const size = (sk: string) => 'pk'.length + 3 + 'sk'.length + (sk === '0' ? 1 : 2) + 'payload'.length + 40_000 + 'even'.length + 1;
    const bytes = ['0', '1', '2', '3', '4'].reduce((n, sk) => n + size(sk), 0);
    const units = Math.ceil(bytes / 4096);
    assert.deepEqual((await q(true, 'TOTAL')).ConsumedCapacity, { TableName: 'big', CapacityUnits: units });
    assert.deepEqual((await q(false, 'INDEXES')).ConsumedCapacity, {
      TableName: 'big',
      CapacityUnits: units / 2,
      Table: { CapacityUnits: units / 2 },
    });
    const empty = await ddb.send(
      new QueryCommand({
        ...base,
        ExpressionAttributeValues: { ':p': { S: 'nothing' } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(empty.ConsumedCapacity, { TableName: 'big', CapacityUnits: 0.5 });
  });

  it('projects with ProjectionExpression and AttributesToGet, and checks Select', async () => {
    const r = await ddb.send(
      new QueryCommand({
        ...base,
        Limit: 2,
        ProjectionExpression: '#s, even',
        ExpressionAttributeNames: { '#s': 'sk' },
      }),
    );
    assert.deepEqual(r.Items, [
      { sk: { N: '-30' }, even: { BOOL: true } },
      { sk: { N: '-29' }, even: { BOOL: false } },
    ]);
    const legacy = await ddb.send(
      new QueryCommand({
        TableName: 'big',
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'big' }] } },
        AttributesToGet: ['even'],
        Limit: 1,
      }),
    );
    assert.deepEqual(legacy.Items, [{ even: { BOOL: true } }]);
    await expectError(
      ddb.send(new QueryCommand({ ...base, Select: 'SPECIFIC_ATTRIBUTES' })),
      'ValidationException',
      'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES',
    );
    await expectError(
      ddb.send(new QueryCommand({ ...base, Select: 'COUNT', ProjectionExpression: 'sk' })),
      'ValidationException',
      'Cannot specify the ProjectionExpression when choosing to get only the Count',
    );
    await expectError(
      ddb.send(new QueryCommand({ ...base, Select: 'ALL_PROJECTED_ATTRIBUTES' })),
      'ValidationException',
      'ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName',
    );
  });
});
