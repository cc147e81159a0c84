/**
 * Black-box tests of background work shared by independent server
 * processes on one data directory (two `openddb serve --data DIR` on two
 * ports): each piece runs once, through a lease in the store, and another
 * process finishes what a killed one started.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { client, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { readAll, shardIterator, streamsClient } from './helpers/streams.js';
import { createGlobalIndex, hashKeyTable } from './helpers/tables.js';

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('background work with two processes on one data directory', () => {
  const dir = tempDir();
  let a: ServerProcess;
  let b: ServerProcess;
  let ddbA: DynamoDBClient;
  let ddbB: DynamoDBClient;
  let streams: DynamoDBStreamsClient;

  before(async () => {
    const args = ['--ttl-interval-ms', '20'];
    a = await startServerProcess({ dataDir: dir.path, workers: 1, extraArgs: args });
    b = await startServerProcess({ dataDir: dir.path, workers: 1, extraArgs: args });
    ddbA = client(a.url);
    ddbB = client(b.url);
    streams = streamsClient(b.url);
  });
  after(async () => {
    ddbA.destroy();
    ddbB.destroy();
    streams.destroy();
    await Promise.all([a.stop(), b.stop()]);
    dir.remove();
  });

  it('TTL deletes each expired item exactly once: one REMOVE record per item', async () => {
    const created = await ddbA.send(
      new CreateTableCommand(hashKeyTable('sessions', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } })),
    );
    await ddbB.send(
      new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }),
    );
    const expired = String(Math.floor(Date.now() / 1000) - 60);
    const keys = Array.from({ length: 400 }, (_, i) => `s${i}`);
    // Written through both processes, 16 at a time, while both sweep.
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(
        keys.slice(i, i + 16).map((pk, j) =>
          (j % 2 === 0 ? ddbA : ddbB).send(new PutItemCommand({ TableName: 'sessions', Item: { pk: { S: pk }, expiresAt: { N: expired } } })),
        ),
      );
    }
    await until('every item expired', async () => {
      const out = await ddbA.send(new ScanCommand({ TableName: 'sessions', Select: 'COUNT', ConsistentRead: true }));
      return out.Count === 0;
    });
    const records = await readAll(streams, await shardIterator(streams, created.TableDescription!.LatestStreamArn!, 'TRIM_HORIZON'));
    const removes = records.filter((r) => r.eventName === 'REMOVE').map((r) => r.dynamodb!.Keys!.pk!.S!);
    assert.equal(removes.length, keys.length, 'one REMOVE record per item, no more');
    assert.deepEqual([...new Set(removes)].sort(), [...keys].sort());
    assert.equal(records.filter((r) => r.eventName === 'INSERT').length, keys.length);
  });

  it('a backfill whose process is killed finishes in the other process', async () => {
    await ddbA.send(new CreateTableCommand(hashKeyTable('orders')));
    const count = 20_000;
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < count; i += 25) {
      const items = Array.from({ length: 25 }, (_, j) => ({
        PutRequest: { Item: { pk: { S: `o${i + j}` }, customer: { S: `c${(i + j) % 50}` }, note: { S: 'n'.repeat(100) } } },
      }));
      batches.push((i % 50 === 0 ? ddbA : ddbB).send(new BatchWriteItemCommand({ RequestItems: { orders: items } })));
      if (batches.length === 16) await Promise.all(batches.splice(0));
    }
    await Promise.all(batches);

    await ddbA.send(
      new UpdateTableCommand({ TableName: 'orders', ...createGlobalIndex('byCustomer', { key: 'customer:S', projection: 'KEYS_ONLY' }) }),
    );
    const status = async (ddb: DynamoDBClient) => {
      const out = await ddb.send(new DescribeTableCommand({ TableName: 'orders' }));
      const index = out.Table!.GlobalSecondaryIndexes!.find((g) => g.IndexName === 'byCustomer')!;
      return { status: index.IndexStatus, backfilling: index.Backfilling === true };
    };
    // Kill the process that runs the backfill as soon as it has started.
    await until('the backfill started', async () => (await status(ddbA)).backfilling, 10_000);
    await a.kill();
    const afterKill = await status(ddbB);
    assert.equal(afterKill.status, 'CREATING', `the backfill must still be running when its process dies (raise the item count): ${JSON.stringify(afterKill)}`);

    await until('the index is ACTIVE', async () => (await status(ddbB)).status === 'ACTIVE', 120_000);
    // B's backfill supervisor may have taken the backfill's lease before A
    // did (a loaded machine can delay A's first step past B's one-second
    // check); then A's death took nothing from B. Otherwise B took over
    // from A and says so. Either way every entry must be there (below).
    if (/taking over the backfill of index \d+ on orders/.test(b.output())) {
      assert.match(b.output(), new RegExp(`taking over the backfill of index \\d+ on orders from process ${a.child.pid} on \\S+ \\(it is gone\\)`));
    }
    let found = 0;
    for (let c = 0; c < 50; c++) {
      let start: QueryCommandOutput['LastEvaluatedKey'];
      do {
        const out: QueryCommandOutput = await ddbB.send(
          new QueryCommand({
            TableName: 'orders',
            IndexName: 'byCustomer',
            KeyConditionExpression: 'customer = :c',
            ExpressionAttributeValues: { ':c': { S: `c${c}` } },
            Select: 'COUNT',
            ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
          }),
        );
        found += out.Count!;
        start = out.LastEvaluatedKey;
      } while (start !== undefined);
    }
    assert.equal(found, count, 'every item is in the index');
  });
});
