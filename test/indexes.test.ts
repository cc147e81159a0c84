/**
 * Black-box tests of secondary indexes through Query and Scan: LSIs
 * (strongly consistent, projections, fetching unprojected attributes from
 * the table) and GSIs (any key attributes, sparse, ties on index keys paged
 * without loss, projections enforced), index entries following item
 * writes, and an index still backfilling.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { queryPages } from './helpers/paging.js';
import { createGlobalIndex, defineTable, waitForIndexes } from './helpers/tables.js';

type Item = Record<string, AttributeValue>;

let server: ServerProcess;
let ddb: DynamoDBClient;

/** customer c0..c3, 12 orders each; many share a product and price, so GSI keys tie. */
const orders: Item[] = [];
for (let c = 0; c < 4; c++) {
  for (let o = 0; o < 12; o++) {
    const item: Item = {
      customer: { S: `c${c}` },
      orderId: { S: `o${String(o).padStart(2, '0')}` },
      createdAt: { N: String(o % 4) },
      status: { S: o % 3 === 0 ? 'open' : 'done' },
      amount: { N: String(10 * o + c) },
      note: { S: `note ${c}/${o}` },
      market: { S: c % 2 === 0 ? 'eu' : 'us' },
    };
    // Sparse: every third order has no product, so it is not in by-product.
    if (o % 3 !== 2) {
      item.product = { S: o % 2 === 0 ? 'pen' : 'ink' };
      item.price = { N: o < 6 ? '5' : '7' };
    }
    orders.push(item);
  }
}


const keyOf = (i: Item) => `${i.customer!.S}/${i.orderId!.S}`;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(
    new CreateTableCommand(
      defineTable('orders', 'customer:S orderId:S', {
        lsi: {
          'by-date': { key: 'customer:S createdAt:N', projection: ['amount'] },
          'by-status': { key: 'customer:S status:S', projection: 'KEYS_ONLY' },
        },
        gsi: {
          'by-product': 'product:S price:N',
          'by-market': { key: 'market:S', projection: 'KEYS_ONLY' },
        },
      }),
    ),
  );
  for (const Item of orders) await ddb.send(new PutItemCommand({ TableName: 'orders', Item }));
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

describe('local secondary indexes', () => {
  const byDate = {
    TableName: 'orders',
    IndexName: 'by-date',
    KeyConditionExpression: 'customer = :c',
    ExpressionAttributeValues: { ':c': { S: 'c1' } },
  };

  it('orders by the index key, ties by the table key, and pages through ties', async () => {
    const expected = orders
      .filter((i) => i.customer!.S === 'c1')
      .sort((a, b) => Number(a.createdAt!.N) - Number(b.createdAt!.N) || a.orderId!.S!.localeCompare(b.orderId!.S!))
      .map(keyOf);
    const whole = await ddb.send(new QueryCommand({ ...byDate, ConsistentRead: true }));
    assert.deepEqual(whole.Items!.map(keyOf), expected);
    const pages = await queryPages(ddb, { ...byDate, Limit: 5 });
    assert.deepEqual(pages.flatMap((p) => p.Items!.map(keyOf)), expected);
    assert.deepEqual(Object.keys(pages[0]!.LastEvaluatedKey!).sort(), ['createdAt', 'customer', 'orderId']);
    const back = await queryPages(ddb, { ...byDate, Limit: 4, ScanIndexForward: false });
    assert.deepEqual(back.flatMap((p) => p.Items!.map(keyOf)), [...expected].reverse());
  });

  it('returns the projected attributes by default and fetches the rest from the table when asked', async () => {
    const q = (extra: Partial<QueryCommandInput>) =>
      ddb.send(
        new QueryCommand({
          ...byDate,
          KeyConditionExpression: 'customer = :c AND createdAt = :d',
          ExpressionAttributeValues: { ':c': { S: 'c1' }, ':d': { N: '0' } },
          ...extra,
        }),
      );
    const projected = await q({});
    assert.deepEqual(Object.keys(projected.Items![0]!).sort(), ['amount', 'createdAt', 'customer', 'orderId']);
    const full = await q({ Select: 'ALL_ATTRIBUTES' });
    assert.deepEqual(full.Items, orders.filter((i) => i.customer!.S === 'c1' && i.createdAt!.N === '0'));
    const some = await q({ ProjectionExpression: 'note, amount' });
    assert.deepEqual(some.Items!.map((i) => Object.keys(i).sort().join()), ['amount,note', 'amount,note', 'amount,note']);
    assert.equal(some.Items![0]!.note!.S, 'note 1/0');
    const cap = await q({ Select: 'ALL_ATTRIBUTES', ReturnConsumedCapacity: 'INDEXES', ConsistentRead: true });
    assert.deepEqual(cap.ConsumedCapacity, {
      TableName: 'orders',
      CapacityUnits: 2,
      Table: { CapacityUnits: 1 },
      LocalSecondaryIndexes: { 'by-date': { CapacityUnits: 1 } },
    });
  });

  it('refuses filters on unprojected attributes and on the index key', async () => {
    await expectError(
      ddb.send(
        new QueryCommand({
          ...byDate,
          FilterExpression: 'note = :n',
          ExpressionAttributeValues: { ':c': { S: 'c1' }, ':n': { S: 'x' } },
          Select: 'ALL_ATTRIBUTES',
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Secondary index by-date does not project one or more filter attributes: [note]',
    );
    await expectError(
      ddb.send(
        new QueryCommand({
          ...byDate,
          FilterExpression: 'createdAt = :n',
          ExpressionAttributeValues: { ':c': { S: 'c1' }, ':n': { N: '1' } },
        }),
      ),
      'ValidationException',
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: createdAt',
    );
    // The table's sort key is projected and not part of the index key: it may be filtered on.
    const r = await ddb.send(
      new QueryCommand({
        ...byDate,
        FilterExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':c': { S: 'c1' }, ':o': { S: 'o05' } },
      }),
    );
    assert.deepEqual(r.Items!.map(keyOf), ['c1/o05']);
  });

  it('queries a KEYS_ONLY LSI on its sort key', async () => {
    const r = await ddb.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'by-status',
        KeyConditionExpression: 'customer = :c AND #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':c': { S: 'c2' }, ':s': { S: 'open' } },
      }),
    );
    assert.deepEqual(r.Items!.map(keyOf), ['c2/o00', 'c2/o03', 'c2/o06', 'c2/o09']);
    assert.deepEqual(Object.keys(r.Items![0]!).sort(), ['customer', 'orderId', 'status']);
  });
});

describe('global secondary indexes', () => {
  const inPen = (price: string) =>
    orders
      .filter((i) => i.product?.S === 'pen' && i.price!.N === price)
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
      .map(keyOf);

  it('is sparse, orders by index key then table key, and pages through ties forward and back', async () => {
    const base = {
      TableName: 'orders',
      IndexName: 'by-product',
      KeyConditionExpression: 'product = :p',
      ExpressionAttributeValues: { ':p': { S: 'pen' } },
    };
    const expected = [...inPen('5'), ...inPen('7')];
    assert.equal(expected.length, orders.filter((i) => i.product?.S === 'pen').length);
    const forward = await queryPages(ddb, { ...base, Limit: 3 });
    assert.deepEqual(forward.flatMap((p) => p.Items!.map(keyOf)), expected);
    assert.deepEqual(Object.keys(forward[0]!.LastEvaluatedKey!).sort(), ['customer', 'orderId', 'price', 'product']);
    const backward = await queryPages(ddb, { ...base, Limit: 5, ScanIndexForward: false });
    assert.deepEqual(backward.flatMap((p) => p.Items!.map(keyOf)), [...expected].reverse());
    const range = await ddb.send(
      new QueryCommand({
        ...base,
        KeyConditionExpression: 'product = :p AND price > :v',
        ExpressionAttributeValues: { ':p': { S: 'pen' }, ':v': { N: '5' } },
      }),
    );
    assert.deepEqual(range.Items!.map(keyOf), inPen('7'));
    // All attributes are projected: items come back whole.
    assert.deepEqual(range.Items![0], orders.find((i) => keyOf(i) === inPen('7')[0]));
  });

  it('enforces a KEYS_ONLY projection and refuses consistent reads', async () => {
    const base = {
      TableName: 'orders',
      IndexName: 'by-market',
      KeyConditionExpression: 'market = :r',
      ExpressionAttributeValues: { ':r': { S: 'us' } },
    };
    const r = await ddb.send(new QueryCommand(base));
    assert.equal(r.Count, 24);
    assert.ok(r.Items!.every((i) => Object.keys(i).sort().join() === 'customer,market,orderId'));
    await expectError(
      ddb.send(new QueryCommand({ ...base, ProjectionExpression: 'note, amount, customer' })),
      'ValidationException',
      'One or more parameter values were invalid: Global secondary index by-market does not project [note, amount]',
    );
    await expectError(
      ddb.send(new QueryCommand({ ...base, Select: 'ALL_ATTRIBUTES' })),
      'ValidationException',
      'One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by-market because its projection type is not ALL',
    );
    await expectError(
      ddb.send(new QueryCommand({ ...base, ConsistentRead: true })),
      'ValidationException',
      'Consistent reads are not supported on global secondary indexes',
    );
    const cap = await ddb.send(new QueryCommand({ ...base, ReturnConsumedCapacity: 'INDEXES' }));
    assert.deepEqual(cap.ConsumedCapacity, {
      TableName: 'orders',
      CapacityUnits: 0.5,
      Table: { CapacityUnits: 0 },
      GlobalSecondaryIndexes: { 'by-market': { CapacityUnits: 0.5 } },
    });
  });

  it('scans an index, whole or in segments, with its projection', async () => {
    const whole = await ddb.send(new ScanCommand({ TableName: 'orders', IndexName: 'by-product' }));
    assert.equal(whole.Count, orders.filter((i) => i.product !== undefined).length);
    const keysOnly = await ddb.send(new ScanCommand({ TableName: 'orders', IndexName: 'by-market', Limit: 100 }));
    assert.equal(keysOnly.Count, orders.length);
    assert.ok(keysOnly.Items!.every((i) => i.note === undefined));
    const segments = await Promise.all(
      [0, 1, 2].map((Segment) => ddb.send(new ScanCommand({ TableName: 'orders', IndexName: 'by-product', Segment, TotalSegments: 3 }))),
    );
    const all = segments.flatMap((s) => s.Items!.map(keyOf));
    assert.equal(new Set(all).size, whole.Count);
    assert.equal(all.length, whole.Count);
  });

  it('moves and removes index entries as items change, in the same write', async () => {
    const key = { customer: { S: 'c9' }, orderId: { S: 'o99' } };
    const query = async (product: string) =>
      (
        await ddb.send(
          new QueryCommand({
            TableName: 'orders',
            IndexName: 'by-product',
            KeyConditionExpression: 'product = :p',
            ExpressionAttributeValues: { ':p': { S: product } },
          }),
        )
      ).Items!.map(keyOf);
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { ...key, product: { S: 'cap' }, price: { N: '1' } } }));
    assert.deepEqual(await query('cap'), ['c9/o99']);
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { ...key, product: { S: 'hat' }, price: { N: '1' } } }));
    assert.deepEqual(await query('cap'), []);
    assert.deepEqual(await query('hat'), ['c9/o99']);
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { ...key, product: { S: 'hat' } } }));
    assert.deepEqual(await query('hat'), [], 'an item without the index sort key leaves the index');
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { ...key, product: { S: 'hat' }, price: { N: '2' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'orders', Key: key }));
    assert.deepEqual(await query('hat'), []);
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'orders', Item: { ...key, price: { S: 'cheap' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key price Expected: N Actual: S IndexName: by-product',
    );
  });

  it('cannot be read while it backfills, and holds every item once it is active', async () => {
    const sent = Date.now();
    await ddb.send(new UpdateTableCommand({ TableName: 'orders', ...createGlobalIndex('by-note', { key: 'note:S', projection: 'KEYS_ONLY' }) }));
    const q = () =>
      ddb.send(
        new QueryCommand({
          TableName: 'orders',
          IndexName: 'by-note',
          KeyConditionExpression: 'note = :n',
          ExpressionAttributeValues: { ':n': { S: 'note 3/11' } },
        }),
      );
    try {
      await expectError(q(), 'ValidationException', 'Cannot read from backfilling global secondary index');
    } catch (e) {
      // A backfill this small may finish before a loaded machine sends the
      // next request; it cannot finish sooner than its 50 ms grace period
      // (data/index-backfill), so an answer before then means the index was
      // readable while CREATING.
      if (Date.now() - sent < 50) throw e;
    }
    await waitForIndexes(ddb, 'orders');
    assert.deepEqual((await q()).Items!.map(keyOf), ['c3/o11']);
  });
});
