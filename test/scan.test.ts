/**
 * Black-box tests of Scan: paging through a table larger than one page,
 * parallel scans whose segments return every item exactly once and keep
 * their items when others are deleted, filters (expression and legacy),
 * projections, Select and DynamoDB's error messages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  ScanCommand,
  type DynamoDBClient,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { scanPages } from './helpers/paging.js';
import { defineTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

const COUNT = 300;
const padding = 'p'.repeat(8_000);

async function writeAll(table: string, requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    const r = await ddb.send(
      new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(i, i + 25) as never } }),
    );
    assert.deepEqual(r.UnprocessedItems, {});
  }
}


const ids = (pages: readonly ScanCommandOutput[]): string[] => pages.flatMap((p) => (p.Items ?? []).map((i) => i.id!.S!));

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(defineTable('scanned', 'id:S')));
  // 300 items of ~8 KB: 2.4 MB in all, so a scan takes several pages.
  const puts = Array.from({ length: COUNT }, (_, i) => ({
    PutRequest: {
      Item: { id: { S: `item-${String(i).padStart(4, '0')}` }, n: { N: String(i) }, padding: { S: padding } },
    },
  }));
  await writeAll('scanned', puts);
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

describe('Scan', () => {
  it('pages through more than 1 MB, returning every item exactly once in a stable order', async () => {
    const pages = await scanPages(ddb, { TableName: 'scanned', ProjectionExpression: 'id' });
    assert.ok(pages.length >= 3, `expected several pages, got ${pages.length}`);
    // Each full page stops at the item that crosses 1 MB of items read.
    const size = 'id'.length + 9 + 'n'.length + 2 + 'padding'.length + padding.length;
    assert.ok(Math.abs(pages[0]!.ScannedCount! - Math.ceil((1024 * 1024) / size)) <= 1);
    const seen = ids(pages);
    assert.equal(seen.length, COUNT);
    assert.equal(new Set(seen).size, COUNT);
    const again = ids(await scanPages(ddb, { TableName: 'scanned', ProjectionExpression: 'id', Limit: 37 }));
    assert.deepEqual(again, seen);
  });

  it('filters after reading: Limit counts items read, Count items returned', async () => {
    const pages = await scanPages(ddb, {
      TableName: 'scanned',
      Limit: 50,
      FilterExpression: 'n < :v',
      ExpressionAttributeValues: { ':v': { N: '10' } },
      ProjectionExpression: 'id, n',
    });
    assert.equal(pages.length, Math.ceil(COUNT / 50) + 1);
    assert.equal(
      pages.reduce((n, p) => n + p.ScannedCount!, 0),
      COUNT,
    );
    assert.equal(ids(pages).length, 10);
    assert.ok(pages.some((p) => p.Count === 0 && p.LastEvaluatedKey !== undefined));
  });

  it('accepts the legacy ScanFilter and AttributesToGet', async () => {
    const pages = await scanPages(ddb, {
      TableName: 'scanned',
      ScanFilter: {
        n: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '5' }, { N: '7' }] },
        id: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'item-' }] },
      },
      ConditionalOperator: 'AND',
      AttributesToGet: ['n'],
    });
    const got = pages.flatMap((p) => (p.Items ?? []).map((i) => i.n!.N!)).sort();
    assert.deepEqual(got, ['5', '6', '7']);
    assert.ok(pages.flatMap((p) => p.Items ?? []).every((i) => Object.keys(i).join() === 'n'));
  });

  it('counts with Select COUNT', async () => {
    const pages = await scanPages(ddb, { TableName: 'scanned', Select: 'COUNT' });
    assert.equal(
      pages.reduce((n, p) => n + p.Count!, 0),
      COUNT,
    );
    assert.ok(pages.every((p) => p.Items === undefined));
  });

  it('splits the table into segments that return every item exactly once', async () => {
    for (const total of [1, 3, 8]) {
      const perSegment = await Promise.all(
        Array.from({ length: total }, async (_, segment) =>
          ids(await scanPages(ddb, { TableName: 'scanned', Segment: segment, TotalSegments: total, ProjectionExpression: 'id' })),
        ),
      );
      const all = perSegment.flat();
      assert.equal(all.length, COUNT, `TotalSegments ${total}`);
      assert.equal(new Set(all).size, COUNT, `TotalSegments ${total}`);
      if (total === 8) assert.ok(perSegment.every((s) => s.length > 0 && s.length < COUNT));
    }
  });

  it('keeps each item in its segment when other items are deleted', async () => {
    const total = 4;
    const segmentOf = async () => {
      const map = new Map<string, number>();
      for (let segment = 0; segment < total; segment++) {
        for (const id of ids(await scanPages(ddb, { TableName: 'scanned', Segment: segment, TotalSegments: total, ProjectionExpression: 'id' }))) {
          map.set(id, segment);
        }
      }
      return map;
    };
    const before = await segmentOf();
    const doomed = [...before.keys()].filter((_, i) => i % 3 === 0);
    await writeAll(
      'scanned',
      doomed.map((id) => ({ DeleteRequest: { Key: { id: { S: id } } } })),
    );
    const afterDelete = await segmentOf();
    assert.equal(afterDelete.size, COUNT - doomed.length);
    for (const [id, segment] of afterDelete) assert.equal(segment, before.get(id), id);
    // Put them back for the other tests.
    await writeAll(
      'scanned',
      doomed.map((id) => ({
        PutRequest: { Item: { id: { S: id }, n: { N: String(Number(id.slice(5))) }, padding: { S: padding } } },
      })),
    );
  });

  it('rejects a start key from another segment and bad segment parameters', async () => {
    const first = await ddb.send(
      new ScanCommand({ TableName: 'scanned', Segment: 0, TotalSegments: 4, Limit: 1, ProjectionExpression: 'id' }),
    );
    await expectError(
      ddb.send(
        new ScanCommand({ TableName: 'scanned', Segment: 3, TotalSegments: 4, ExclusiveStartKey: first.LastEvaluatedKey }),
      ),
      'ValidationException',
      'The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 4 Segment: 3',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', Segment: 0 })),
      'ValidationException',
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', TotalSegments: 2 })),
      'ValidationException',
      'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', Segment: 2, TotalSegments: 2 })),
      'ValidationException',
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', Segment: 0, TotalSegments: 1_000_001 })),
      'ValidationException',
      "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000",
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', Limit: 0 })),
      'ValidationException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('rejects a malformed start key and mixed parameters with DynamoDB messages', async () => {
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', ExclusiveStartKey: { id: { N: '1' } } })),
      'ValidationException',
      'The provided starting key is invalid: The provided key element does not match the schema',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', ExclusiveStartKey: { id: { S: 'a' }, x: { S: 'b' } } })),
      'ValidationException',
      'The provided starting key is invalid: The provided key element does not match the schema',
    );
    await expectError(
      ddb.send(
        new ScanCommand({
          TableName: 'scanned',
          ScanFilter: { n: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: '1' }] } },
          FilterExpression: 'n = :v',
          ExpressionAttributeValues: { ':v': { N: '1' } },
        }),
      ),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', ExpressionAttributeValues: { ':v': { N: '1' } } })),
      'ValidationException',
      'ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: 'scanned', Select: 'ALL_ATTRIBUTES', ProjectionExpression: 'id' })),
      'ValidationException',
      'Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES',
    );
  });

  it('reports consumed capacity for the items read, not those returned', async () => {
    const r = await ddb.send(
      new ScanCommand({
        TableName: 'scanned',
        Limit: 10,
        FilterExpression: 'n < :v',
        ExpressionAttributeValues: { ':v': { N: '0' } },
        ReturnConsumedCapacity: 'TOTAL',
        ConsistentRead: true,
      }),
    );
    assert.equal(r.Count, 0);
    assert.equal(r.ScannedCount, 10);
    const bytes = (r.ScannedCount ?? 0) * ('id'.length + 9 + 'padding'.length + padding.length + 'n'.length);
    // Each n is 1..3 digits: 2..3 bytes, so the total is within 30 bytes of this.
    assert.ok([Math.ceil((bytes + 20) / 4096), Math.ceil((bytes + 30) / 4096)].includes(r.ConsumedCapacity!.CapacityUnits!));
  });
});
