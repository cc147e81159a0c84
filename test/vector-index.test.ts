/**
 * Black-box tests of vector indexes and SearchVectors (issue 17) through the
 * AWS SDK v3: CreateTable/UpdateTable/DescribeTable with VectorIndexes, the
 * index kept by every write path, DynamoDB's score order for each distance
 * function on corpora whose nearest neighbours are known analytically, an
 * exact match with brute force on a random corpus, SearchConditionExpression
 * filters, projections, every validation error, backfill over existing
 * items, and two processes on one store seeing each other's vectors and
 * finishing the erase of an index whose deleter was killed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  SearchVectorsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type SearchVectorsCommandInput,
  type VectorIndex,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, tempDir, testStorage, type ServerProcess } from './helpers/server-process.js';
import { openStorage } from '../src/storage/open-engine.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
});

after(async () => {
  ddb.destroy();
  await server.stop();
});

let tableCount = 0;
const uniqueName = (base: string) => `${base}-${process.pid}-${tableCount++}`;

const vec = (values: readonly number[]): AttributeValue => ({ L: values.map((n) => ({ N: String(n) })) });
const searchVector = (values: readonly number[]): AttributeValue[] => values.map((n) => ({ N: String(n) }));

function vectorIndex(over: Partial<VectorIndex> = {}): VectorIndex {
  return {
    IndexName: 'vidx',
    VectorAttribute: { AttributeName: 'v' },
    Dimensions: 4,
    DistanceFunction: 'EUCLIDEAN',
    Projection: { ProjectionType: 'ALL' },
    ...over,
  };
}

async function createTable(over: Partial<CreateTableCommandInput> = {}): Promise<string> {
  const name = over.TableName ?? uniqueName('vec');
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      VectorIndexes: [vectorIndex()],
      ...over,
    }),
  );
  return name;
}

async function search(input: Partial<SearchVectorsCommandInput> & { TableName: string; SearchVector: AttributeValue[] }) {
  const out = await ddb.send(new SearchVectorsCommand({ IndexName: 'vidx', TopK: 5, ...input }));
  return out.SearchResults ?? [];
}

const keysOf = (results: { Item?: Record<string, AttributeValue> }[]) => results.map((r) => r.Item!.pk!.S);

/** Brute force in double precision over float32 values: DynamoDB's scores. */
function score(distance: string, q: readonly number[], v: readonly number[]): number {
  const a = q.map(Math.fround);
  const b = v.map(Math.fround);
  if (distance === 'EUCLIDEAN') return Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  if (distance === 'DOT_PRODUCT') return dot;
  const na = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const nb = Math.sqrt(b.reduce((s, x) => s + x * x, 0));
  return 1 - dot / (na * nb);
}

function bruteForce(distance: string, q: readonly number[], corpus: ReadonlyMap<string, readonly number[]>, k: number): string[] {
  const scored = [...corpus].map(([key, v]) => ({ key, s: score(distance, q, v) }));
  scored.sort((x, y) => (distance === 'DOT_PRODUCT' ? y.s - x.s : x.s - y.s));
  return scored.slice(0, k).map((x) => x.key);
}

async function waitActive(table: string, indexName: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const d = await ddb.send(new DescribeTableCommand({ TableName: table }));
    const index = d.Table!.VectorIndexes?.find((v) => v.IndexName === indexName);
    if (index?.IndexStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`index ${indexName} did not become ACTIVE`);
}

describe('SearchVectors: nearest neighbours known analytically', () => {
  it('EUCLIDEAN: points on a line, the closest first, scores are distances', async () => {
    const table = await createTable();
    for (let i = 0; i < 20; i++) await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `p${i}` }, v: vec([i, 0, 0, 0]) } }));
    const results = await search({ TableName: table, SearchVector: searchVector([7.25, 0, 0, 0]) });
    assert.deepEqual(keysOf(results), ['p7', 'p8', 'p6', 'p9', 'p5']);
    assert.deepEqual(results.map((r) => r.Score), [0.25, 0.75, 1.25, 1.75, 2.25]);
  });

  it('COSINE: directions on a circle, magnitude ignored, scores 1 − cosine', async () => {
    const table = await createTable({ VectorIndexes: [vectorIndex({ Dimensions: 2, DistanceFunction: 'COSINE' })] });
    const deg = Math.PI / 180;
    for (let i = 0; i < 18; i++) {
      const r = i + 1; // different lengths: cosine must not care
      await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `a${i * 10}` }, v: vec([r * Math.cos(i * 10 * deg), r * Math.sin(i * 10 * deg)]) } }));
    }
    const results = await search({ TableName: table, SearchVector: searchVector([Math.cos(33 * deg), Math.sin(33 * deg)]), TopK: 4 });
    assert.deepEqual(keysOf(results), ['a30', 'a40', 'a20', 'a50']);
    for (const [r, angle] of results.map((r, i) => [r, [3, 7, 13, 17][i]!] as const)) {
      assert.ok(Math.abs(r.Score! - (1 - Math.cos(angle * deg))) < 1e-6, `score ${r.Score} for ${angle}°`);
    }
    // The opposite direction scores 2, the same direction 0.
    const opposite = await search({ TableName: table, SearchVector: searchVector([-1, 0]), TopK: 1 });
    assert.ok(Math.abs(opposite[0]!.Score! - (1 - Math.cos(10 * deg))) < 1e-6);
    assert.equal(opposite[0]!.Item!.pk!.S, 'a170');
  });

  it('DOT_PRODUCT: the largest dot product first', async () => {
    const table = await createTable({ VectorIndexes: [vectorIndex({ Dimensions: 3, DistanceFunction: 'DOT_PRODUCT' })] });
    for (let i = -5; i < 15; i++) await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `d${i}` }, v: vec([i, 100, -100]) } }));
    const results = await search({ TableName: table, SearchVector: searchVector([2, 0.5, 0.5]), TopK: 3 });
    assert.deepEqual(keysOf(results), ['d14', 'd13', 'd12']);
    assert.deepEqual(results.map((r) => r.Score), [28, 26, 24]);
  });

  for (const distance of ['EUCLIDEAN', 'COSINE', 'DOT_PRODUCT'] as const) {
    it(`${distance}: equals brute force on a random corpus`, async () => {
      const table = await createTable({ VectorIndexes: [vectorIndex({ Dimensions: 8, DistanceFunction: distance })] });
      const corpus = new Map<string, number[]>();
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
      const requests = [];
      for (let i = 0; i < 300; i++) {
        const v = Array.from({ length: 8 }, () => Math.round(random() * 1000) / 1000);
        corpus.set(`r${i}`, v);
        requests.push({ PutRequest: { Item: { pk: { S: `r${i}` }, v: vec(v) } } });
      }
      for (let i = 0; i < requests.length; i += 25) {
        await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(i, i + 25) } }));
      }
      for (let q = 0; q < 5; q++) {
        const query = Array.from({ length: 8 }, () => Math.round(random() * 1000) / 1000);
        const results = await search({ TableName: table, SearchVector: searchVector(query), TopK: 10 });
        assert.deepEqual(keysOf(results), bruteForce(distance, query, corpus, 10));
        for (const r of results) assert.ok(Math.abs(r.Score! - score(distance, query, corpus.get(r.Item!.pk!.S!)!)) < 1e-9);
      }
    });
  }
});

describe('SearchVectors: filters and projections', () => {
  let table: string;
  before(async () => {
    table = await createTable({
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'cat', AttributeType: 'S' },
        { AttributeName: 'color', AttributeType: 'S' },
        { AttributeName: 'year', AttributeType: 'N' },
      ],
      VectorIndexes: [
        vectorIndex({
          Dimensions: 2,
          SearchSchema: [
            { AttributeName: 'cat', SearchSchemaElementType: 'HASH' },
            { AttributeName: 'color', SearchSchemaElementType: 'INLINE_FILTER' },
            { AttributeName: 'year', SearchSchemaElementType: 'INLINE_FILTER' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['title'] },
        }),
      ],
    });
    for (let i = 0; i < 40; i++) {
      const item: Record<string, AttributeValue> = {
        pk: { S: `i${i}` },
        cat: { S: i % 2 === 0 ? 'even' : 'odd' },
        year: { N: String(2020 + (i % 3)) },
        title: { S: `title ${i}` },
        other: { S: 'not projected' },
        v: vec([i, 1]),
      };
      if (i % 4 !== 3) item.color = { S: i % 4 === 0 ? 'red' : 'blue' };
      await ddb.send(new PutItemCommand({ TableName: table, Item: item }));
    }
    // No HASH value: not in the index.
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'nocat' }, v: vec([10, 1]) } }));
  });

  it('the HASH equality limits the search to one partition', async () => {
    const results = await search({
      TableName: table,
      SearchVector: searchVector([10.1, 1]),
      SearchConditionExpression: 'cat = :c',
      ExpressionAttributeValues: { ':c': { S: 'odd' } },
    });
    assert.deepEqual(keysOf(results), ['i11', 'i9', 'i13', 'i7', 'i15']);
  });

  it('INLINE_FILTER equalities narrow further (AND, either side of =, numbers by value)', async () => {
    const results = await search({
      TableName: table,
      SearchVector: searchVector([10, 1]),
      SearchConditionExpression: ':c = #c AND color = :red AND #y = :y',
      ExpressionAttributeNames: { '#c': 'cat', '#y': 'year' },
      ExpressionAttributeValues: { ':c': { S: 'even' }, ':red': { S: 'red' }, ':y': { N: '2020.0' } },
      TopK: 10,
    });
    // even, i % 4 === 0 (red), i % 3 === 0 (2020): i = 0, 12, 24, 36
    assert.deepEqual(keysOf(results), ['i12', 'i0', 'i24', 'i36']);
  });

  it('an item without a filter attribute is indexed but matches no equality on it', async () => {
    const all = await search({ TableName: table, SearchVector: searchVector([3.5, 1]), SearchConditionExpression: 'cat = :c', ExpressionAttributeValues: { ':c': { S: 'odd' } }, TopK: 1 });
    assert.deepEqual(keysOf(all), ['i3']);
    const blue = await search({
      TableName: table,
      SearchVector: searchVector([3.5, 1]),
      SearchConditionExpression: 'cat = :c AND color = :b',
      ExpressionAttributeValues: { ':c': { S: 'odd' }, ':b': { S: 'blue' } },
      TopK: 1,
    });
    assert.deepEqual(keysOf(blue), ['i5']);
  });

  it('returns the projected attributes: keys, SearchSchema and NonKeyAttributes; the vector only when asked', async () => {
    const even = { SearchConditionExpression: 'cat = :c', ExpressionAttributeValues: { ':c': { S: 'even' } }, TopK: 1 };
    const [first] = await search({ TableName: table, SearchVector: searchVector([0, 1]), ...even });
    assert.deepEqual(first!.Item, { pk: { S: 'i0' }, cat: { S: 'even' }, color: { S: 'red' }, year: { N: '2020' }, title: { S: 'title 0' } });
    const [withVector] = await search({ TableName: table, SearchVector: searchVector([0, 1]), ...even, ProjectionExpression: 'pk, v' });
    assert.deepEqual(withVector!.Item, { pk: { S: 'i0' }, v: vec([0, 1]) });
  });

  it('ProjectionExpression picks among the projected attributes; others are absent', async () => {
    const [first] = await search({
      TableName: table,
      SearchVector: searchVector([0, 1]),
      SearchConditionExpression: 'cat = :c',
      ExpressionAttributeValues: { ':c': { S: 'even' } },
      ProjectionExpression: 'title, #o',
      ExpressionAttributeNames: { '#o': 'other' },
      TopK: 1,
    });
    assert.deepEqual(first!.Item, { title: { S: 'title 0' } });
    assert.equal(first!.Score, 0);
  });

  it('ConsumedCapacity reports VectorSearchRequestBytes when asked', async () => {
    const base = { TableName: table, IndexName: 'vidx', SearchVector: searchVector([0, 1]), SearchConditionExpression: 'cat = :c', ExpressionAttributeValues: { ':c': { S: 'even' } }, TopK: 3 };
    const total = await ddb.send(new SearchVectorsCommand({ ...base, ReturnConsumedCapacity: 'TOTAL' }));
    // At least 1 KB a request, as DynamoDB meters it.
    assert.equal(total.ConsumedCapacity?.VectorSearchRequestBytes, 1024);
    const none = await ddb.send(new SearchVectorsCommand({ ...base, ReturnConsumedCapacity: 'NONE' }));
    assert.equal(none.ConsumedCapacity, undefined);
  });

  it('refuses searches DynamoDB refuses', async () => {
    const v = searchVector([0, 1]);
    const odd = { ':c': { S: 'odd' } };
    await expectError(search({ TableName: table, SearchVector: v }), 'ValidationException', 'SearchConditionExpression must be provided when SearchSchema has a HASH key');
    await expectError(
      search({ TableName: table, SearchVector: v, SearchConditionExpression: 'color = :c', ExpressionAttributeValues: { ':c': { S: 'red' } } }),
      'ValidationException',
      'SearchConditionExpression must be provided when SearchSchema has a HASH key',
    );
    await expectError(
      search({ TableName: table, SearchVector: v, SearchConditionExpression: 'cat < :c', ExpressionAttributeValues: odd }),
      'ValidationException',
      'Invalid SearchConditionExpression: Invalid comparator used in SearchConditionExpression',
    );
    await expectError(
      search({ TableName: table, SearchVector: v, SearchConditionExpression: 'cat IN (:c)', ExpressionAttributeValues: odd }),
      'ValidationException',
      'Invalid SearchConditionExpression: Invalid comparator used in SearchConditionExpression',
    );
    await expectError(
      search({ TableName: table, SearchVector: v, SearchConditionExpression: 'cat = :c OR cat = :c', ExpressionAttributeValues: odd }),
      'ValidationException',
      /^Invalid SearchConditionExpression: /,
    );
    await expectError(
      search({ TableName: table, SearchVector: v, SearchConditionExpression: 'cat = :c AND title = :c', ExpressionAttributeValues: odd }),
      'ValidationException',
      'Invalid SearchConditionExpression: Attribute title is not in the SearchSchema of index vidx',
    );
    await expectError(
      search({ TableName: table, SearchVector: v, SearchConditionExpression: 'cat = :c', ExpressionAttributeValues: { ':c': { N: '1' } } }),
      'ValidationException',
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
    await expectError(
      search({ TableName: table, SearchVector: v, SearchConditionExpression: 'cat = :c', ExpressionAttributeValues: { ':c': { S: 'x' }, ':unused': { S: 'y' } } }),
      'ValidationException',
      /unused in expressions: keys: \{:unused\}/,
    );
    for (const TopK of [0, 101]) {
      await expectError(
        search({ TableName: table, SearchVector: v, TopK }),
        'ValidationException',
        `Provided TopK value '${TopK}' is out of valid range. The value must be between 1 and 100 inclusive`,
      );
    }
    await expectError(
      search({ TableName: table, SearchVector: searchVector([1, 2, 3]), SearchConditionExpression: 'cat = :c', ExpressionAttributeValues: odd }),
      'ValidationException',
      'Input search vector dimension 3 does not match vector index dimension 2',
    );
    await expectError(
      search({ TableName: table, SearchVector: [{ N: '1' }, { S: 'x' }], SearchConditionExpression: 'cat = :c', ExpressionAttributeValues: odd }),
      'ValidationException',
      'One or more parameter values were invalid: Invalid type for parameter SearchVector[1], value type: S, valid types: N',
    );
    await expectError(search({ TableName: table, IndexName: 'nope', SearchVector: v }), 'ValidationException', 'The table does not have the specified index: nope');
    // Query and Scan do not read vector indexes.
    await expectError(
      ddb.send(new QueryCommand({ TableName: table, IndexName: 'vidx', KeyConditionExpression: 'cat = :c', ExpressionAttributeValues: odd })),
      'ValidationException',
      'Query operation not supported on this index type.',
    );
    await expectError(ddb.send(new ScanCommand({ TableName: table, IndexName: 'vidx' })), 'ValidationException', 'Scan operation not supported on this index type.');
    await expectError(search({ TableName: 'no-such-table', SearchVector: v }), 'ResourceNotFoundException');
  });
});

describe('vector index maintenance on writes', () => {
  it('refuses vectors an index cannot take, on every write path', async () => {
    const table = await createTable();
    const put = (v: AttributeValue) => ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'x' }, v } }));
    await expectError(put(vec([1, 2, 3])), 'ValidationException', 'One or more parameter values were invalid: Invalid size for parameter v, Expected: 4, Actual: 3. IndexName: vidx');
    await expectError(put({ S: 'text' }), 'ValidationException', 'One or more parameter values were invalid: Invalid type for parameter v, value type: S, valid types: L of N. IndexName: vidx');
    await expectError(put({ NS: ['1', '2', '3', '4'] }), 'ValidationException', /value type: NS, valid types: L of N/);
    await expectError(put({ L: [{ N: '1' }, { S: '2' }, { N: '3' }, { N: '4' }] }), 'ValidationException', /Invalid type for parameter v\[1\], value type: S, valid types: N/);
    await expectError(put(vec([1, 2, 3, 1e39])), 'ValidationException', /outside the range of a 32-bit floating point number/);
    await expectError(
      ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: { S: 'b' }, v: vec([1]) } } }] } })),
      'ValidationException',
      /Invalid size for parameter v, Expected: 4, Actual: \d+/,
    );
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'u' }, v: vec([1, 1, 1, 1]) } }));
    await expectError(
      ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'u' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': vec([1]) } })),
      'ValidationException',
      /Invalid size for parameter v, Expected: 4, Actual: \d+/,
    );
    await expectError(
      ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: { pk: { S: 't' }, v: { S: 'no' } } } }] })),
      'ValidationException',
      /Invalid type for parameter v/,
    );
    // Nothing of the refused writes reached the index.
    const results = await search({ TableName: table, SearchVector: searchVector([0, 0, 0, 0]), TopK: 10 });
    assert.deepEqual(keysOf(results), ['u']);
  });

  it('follows puts, updates, deletes and transactions; an item without a vector is not indexed', async () => {
    const table = await createTable();
    const q = searchVector([0, 0, 0, 0]);
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, v: vec([1, 0, 0, 0]) } }));
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'b' }, v: vec([2, 0, 0, 0]) } }));
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'novec' }, other: { S: 'x' } } }));
    assert.deepEqual(keysOf(await search({ TableName: table, SearchVector: q })), ['a', 'b']);
    await ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': vec([3, 0, 0, 0]) } }));
    assert.deepEqual(keysOf(await search({ TableName: table, SearchVector: q })), ['b', 'a']);
    await ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'b' } }, UpdateExpression: 'REMOVE v' }));
    assert.deepEqual(keysOf(await search({ TableName: table, SearchVector: q })), ['a']);
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: { S: 'c' }, v: vec([0.5, 0, 0, 0]) } } },
          { Delete: { TableName: table, Key: { pk: { S: 'a' } } } },
        ],
      }),
    );
    assert.deepEqual(keysOf(await search({ TableName: table, SearchVector: q })), ['c']);
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'c' } } }));
    assert.deepEqual(await search({ TableName: table, SearchVector: q }), []);
  });

  it('write ConsumedCapacity (INDEXES) reports VectorWriteRequestBytes when the entry changes', async () => {
    const table = await createTable({ VectorIndexes: [vectorIndex({ Projection: { ProjectionType: 'KEYS_ONLY' } })] });
    const put = await ddb.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, v: vec([1, 2, 3, 4]) }, ReturnConsumedCapacity: 'INDEXES' }),
    );
    // The entry is a few dozen bytes; DynamoDB meters at least 1 KB a write.
    assert.equal(put.ConsumedCapacity?.VectorIndexes?.vidx?.VectorWriteRequestBytes, 1024);
    assert.equal(put.ConsumedCapacity?.CapacityUnits, 1);
    // An attribute the index does not hold: nothing replicated to it.
    const update = await ddb.send(
      new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, UpdateExpression: 'SET note = :o', ExpressionAttributeValues: { ':o': { S: 'x' } }, ReturnConsumedCapacity: 'INDEXES' }),
    );
    assert.equal(update.ConsumedCapacity?.VectorIndexes, undefined);
  });
});

describe('CreateTable and UpdateTable with vector indexes', () => {
  it('DescribeTable reports each vector index', async () => {
    const table = await createTable({
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'cat', AttributeType: 'S' },
      ],
      VectorIndexes: [vectorIndex({ SearchSchema: [{ AttributeName: 'cat', SearchSchemaElementType: 'HASH' }], DistanceFunction: 'COSINE' })],
    });
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, cat: { S: 'c' }, v: vec([1, 2, 3, 4]) } }));
    const d = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    const [index] = d.VectorIndexes!;
    assert.equal(index!.IndexName, 'vidx');
    assert.deepEqual(index!.SearchSchema, [{ AttributeName: 'cat', SearchSchemaElementType: 'HASH' }]);
    assert.deepEqual(index!.VectorAttribute, { AttributeName: 'v' });
    assert.equal(index!.Dimensions, 4);
    assert.equal(index!.DistanceFunction, 'COSINE');
    assert.deepEqual(index!.Projection, { ProjectionType: 'ALL' });
    assert.equal(index!.IndexStatus, 'ACTIVE');
    assert.equal(index!.IndexArn, `${d.TableArn}/index/vidx`);
    assert.equal(typeof index!.IndexSizeBytes, 'number');
    assert.equal(typeof index!.ItemCount, 'number');
    assert.deepEqual(
      d.AttributeDefinitions!.map((a) => a.AttributeName).sort(),
      ['cat', 'pk'],
    );
  });

  it('refuses definitions DynamoDB refuses', async () => {
    const defs = [{ AttributeName: 'pk', AttributeType: 'S' as const }];
    const create = (over: Partial<CreateTableCommandInput>) => createTable({ AttributeDefinitions: defs, ...over });
    await expectError(
      create({ BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }),
      'ValidationException',
      'One or more parameter values were invalid: Vector indexes are only supported for PAY_PER_REQUEST tables',
    );
    await expectError(
      create({ VectorIndexes: [vectorIndex({ Dimensions: 4097 })] }),
      'ValidationException',
      'One or more parameter values were invalid: Number of dimensions must be between 1 and 4096 inclusive.',
    );
    await expectError(create({ VectorIndexes: [vectorIndex({ Dimensions: 0 })] }), 'ValidationException', /Member must have value greater than or equal to 1/);
    await expectError(
      create({ VectorIndexes: [vectorIndex({ DistanceFunction: 'MANHATTAN' as 'COSINE' })] }),
      'ValidationException',
      /Member must satisfy enum value set: \[COSINE, DOT_PRODUCT, EUCLIDEAN\]/,
    );
    await expectError(
      create({ VectorIndexes: [vectorIndex({ SearchSchema: [{ AttributeName: 'cat', SearchSchemaElementType: 'HASH' }] })] }),
      'ValidationException',
      'One or more parameter values were invalid: One element in SearchSchema is not defined in attribute definitions',
    );
    await expectError(
      create({ VectorIndexes: [vectorIndex(), vectorIndex({ IndexName: 'vidx2', Dimensions: 8 })] }),
      'ValidationException',
      "One or more parameter values were invalid: Conflicting attribute definition for 'v'. All VectorIndexes on the same vector attribute must use the same dimensions.",
    );
    await expectError(create({ VectorIndexes: [vectorIndex(), vectorIndex()] }), 'ValidationException', 'One or more parameter values were invalid: Duplicate index name: vidx');
    const many = Array.from({ length: 19 }, (_, i) => `f${i}`);
    await expectError(
      create({
        AttributeDefinitions: [...defs, ...many.map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const }))],
        VectorIndexes: [vectorIndex({ SearchSchema: many.map((AttributeName) => ({ AttributeName, SearchSchemaElementType: 'INLINE_FILTER' as const })) })],
      }),
      'ValidationException',
      'One or more parameter values were invalid: SearchSchema of index vidx has 19 INLINE_FILTER elements, the limit is 18',
    );
    await expectError(
      create({ AttributeDefinitions: [...defs, { AttributeName: 'extra', AttributeType: 'S' }] }),
      'ValidationException',
      /Some AttributeDefinitions are not used/,
    );
    await expectError(
      create({ VectorIndexes: Array.from({ length: 6 }, (_, i) => vectorIndex({ IndexName: `vidx${i}` })) }),
      'LimitExceededException',
      'One or more parameter values were invalid: VectorIndex count exceeds the per-table limit of 5',
    );
    await expectError(create({ VectorIndexes: [] }), 'ValidationException', 'One or more parameter values were invalid: List of VectorIndexes is empty');
    await expectError(
      create({ VectorIndexes: [vectorIndex({ Projection: { ProjectionType: 'INCLUDE' } })] }),
      'ValidationException',
      'One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified',
    );
  });

  it('UpdateTable creates a vector index with a backfill over existing items, and deletes it', async () => {
    const table = await createTable({ VectorIndexes: undefined });
    const corpus = new Map<string, number[]>();
    const requests = [];
    for (let i = 0; i < 600; i++) {
      const key = `k${i}`;
      let v: AttributeValue;
      if (i % 50 === 7) v = vec([1, 2]); // wrong dimension: left out
      else if (i % 50 === 8) v = { S: 'not a vector' }; // wrong type: left out
      else {
        const values = [i % 17, i % 13, i % 7, (i * 7) % 11];
        corpus.set(key, values);
        v = vec(values);
      }
      requests.push({ PutRequest: { Item: { pk: { S: key }, v } } });
    }
    for (let i = 0; i < requests.length; i += 25) await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(i, i + 25) } }));

    const answer = await ddb.send(new UpdateTableCommand({ TableName: table, VectorIndexUpdates: [{ Create: vectorIndex() }] }));
    assert.equal(answer.TableDescription!.VectorIndexes![0]!.IndexStatus, 'CREATING');
    await waitActive(table, 'vidx');
    const query = [5.5, 3.5, 2.5, 4.5];
    const results = await search({ TableName: table, SearchVector: searchVector(query), TopK: 20 });
    const expected = bruteForce('EUCLIDEAN', query, corpus, 20);
    // Ties are possible in this corpus: compare scores, then the set of keys at each score.
    assert.deepEqual(results.map((r) => r.Score), expected.map((k) => score('EUCLIDEAN', query, corpus.get(k)!)));
    let d = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    assert.equal(d.VectorIndexes![0]!.ItemCount, corpus.size);

    // A second create or delete while none is running; Delete of an unknown index.
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: table, VectorIndexUpdates: [{ Delete: { IndexName: 'nope' } }] })),
      'ResourceNotFoundException',
      'Requested resource not found: Index: nope not found',
    );
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: table, VectorIndexUpdates: [{ Create: vectorIndex({ IndexName: 'vidx2' }) }, { Delete: { IndexName: 'vidx' } }] })),
      'LimitExceededException',
      'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table',
    );
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: table, VectorIndexUpdates: [{ Create: vectorIndex() }] })),
      'ValidationException',
      'One or more parameter values were invalid: Duplicate index name: vidx',
    );
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: table, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } })),
      'ValidationException',
      'One or more parameter values were invalid: Vector indexes are only supported for PAY_PER_REQUEST tables',
    );
    const deleted = await ddb.send(new UpdateTableCommand({ TableName: table, VectorIndexUpdates: [{ Delete: { IndexName: 'vidx' } }] }));
    assert.equal(deleted.TableDescription!.VectorIndexes![0]!.IndexStatus, 'DELETING');
    d = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    assert.equal(d.VectorIndexes, undefined);
    await expectError(search({ TableName: table, SearchVector: searchVector(query) }), 'ValidationException', 'The table does not have the specified index: vidx');
    // Writes no longer check vectors.
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'free' }, v: { S: 'anything' } } }));
  });

  it('UpdateTable needs the SearchSchema attributes in its own AttributeDefinitions', async () => {
    const table = await createTable({ VectorIndexes: undefined });
    const create = vectorIndex({ SearchSchema: [{ AttributeName: 'cat', SearchSchemaElementType: 'INLINE_FILTER' }] });
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: table, VectorIndexUpdates: [{ Create: create }] })),
      'ValidationException',
      'One or more parameter values were invalid: One element in SearchSchema is not defined in attribute definitions',
    );
    await ddb.send(new UpdateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: 'cat', AttributeType: 'S' }], VectorIndexUpdates: [{ Create: create }] }));
    await waitActive(table, 'vidx');
    const d = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    assert.deepEqual(d.AttributeDefinitions!.map((a) => a.AttributeName).sort(), ['cat', 'pk']);
    await expectError(
      ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, cat: { N: '1' }, v: vec([1, 2, 3, 4]) } })),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key cat Expected: S Actual: N IndexName: vidx',
    );
  });
});

describe('two processes on one store', () => {
  const dir = tempDir('openddb-vectors-');
  const servers: ServerProcess[] = [];
  const clients: DynamoDBClient[] = [];
  let storageLocation: string | undefined;
  before(async () => {
    // One LMDB directory, or (in CI's PostgreSQL pass) one PostgreSQL schema.
    let shared: { dataDir: string } | { storageInArgs: true; extraArgs: string[] } = { dataDir: dir.path };
    if (testStorage() === 'postgres') {
      const url = new URL(process.env.OPENDDB_TEST_POSTGRES!);
      url.searchParams.set('schema', `vec_${process.pid}`);
      storageLocation = url.toString();
      shared = { storageInArgs: true, extraArgs: ['--storage', storageLocation] };
    }
    for (let i = 0; i < 2; i++) {
      const s = await startServerProcess({ ...shared, workers: 1 });
      servers.push(s);
      clients.push(client(s.url));
    }
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    dir.remove();
  });

  it("each sees the other's vectors at once, after its own search structure was built", async () => {
    const [a, b] = clients as [DynamoDBClient, DynamoDBClient];
    const table = uniqueName('vec2');
    await a.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        VectorIndexes: [vectorIndex({ Dimensions: 2 })],
      }),
    );
    const searchOn = async (c: DynamoDBClient) =>
      keysOf((await c.send(new SearchVectorsCommand({ TableName: table, IndexName: 'vidx', SearchVector: searchVector([0, 0]), TopK: 10 }))).SearchResults ?? []);
    await a.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'x' }, v: vec([5, 0]) } }));
    assert.deepEqual(await searchOn(b), ['x']); // B builds its structure
    assert.deepEqual(await searchOn(a), ['x']); // and A its own
    await a.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'y' }, v: vec([1, 0]) } }));
    assert.deepEqual(await searchOn(b), ['y', 'x']);
    await b.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'x' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': vec([0.5, 0]) } }));
    assert.deepEqual(await searchOn(a), ['x', 'y']);
    await b.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'y' } } }));
    assert.deepEqual(await searchOn(a), ['x']);
    // Interleaved writes through both, then both agree.
    for (let i = 0; i < 40; i++) {
      await clients[i % 2]!.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `m${i}` }, v: vec([i + 1, 1]) } }));
    }
    const [fromA, fromB] = [await searchOn(a), await searchOn(b)];
    assert.deepEqual(fromA, fromB);
    assert.deepEqual(fromA, ['x', 'm0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
  });

  // Last in this group: it kills the first server.
  it('a vector index deleted through a process killed at once is erased by the other', async () => {
    const [a] = clients as [DynamoDBClient, DynamoDBClient];
    const table = uniqueName('vecdel');
    await a.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        VectorIndexes: [vectorIndex({ Dimensions: 2, Projection: { ProjectionType: 'KEYS_ONLY' } })],
      }),
    );
    const ITEMS = 3000;
    for (let i = 0; i < ITEMS; i += 25) {
      const requests = Array.from({ length: 25 }, (_, k) => ({ PutRequest: { Item: { pk: { S: `d${i + k}` }, v: vec([i + k, 1]) } } }));
      await a.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
    }
    // The store itself, read beside the servers: items and index entries (0x10 …), erase markers (0x41 …).
    const store = await openStorage(servers[0]!.dataDir ?? storageLocation!);
    try {
      const count = async (first: number) => (await store.range(Uint8Array.of(first), Uint8Array.of(first + 1))).length;
      const before = await count(0x10);
      await a.send(new UpdateTableCommand({ TableName: table, VectorIndexUpdates: [{ Delete: { IndexName: 'vidx' } }] }));
      // Process A dies before or while it erases (its erase runs in the background); B must do the rest.
      await servers[0]!.kill();
      const deadline = Date.now() + 30_000;
      while ((await count(0x41)) > 0 || (await count(0x10)) > before - ITEMS) {
        if (Date.now() > deadline) assert.fail(`not erased: ${await count(0x10)} data keys, ${await count(0x41)} markers`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Exactly the index's entries went: the items stay.
      assert.equal(await count(0x10), before - ITEMS);
    } finally {
      await store.close();
    }
  });
});
