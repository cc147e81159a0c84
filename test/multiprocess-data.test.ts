/**
 * Black-box tests of several openddb processes on one data directory
 * (docs/architecture.md, "Many processes"): two independently started
 * `openddb serve` processes, on different ports, with the same --data, must
 * behave as one database. A table, index, TTL or stream setting made
 * through one is seen by the other on its next request; conditional writes,
 * counters and transactions race correctly across them; a transaction's
 * ClientRequestToken binds on both; stream records written through both get
 * unique, increasing sequence numbers, each change exactly once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, type DynamoDBStreamsClient, type GetRecordsCommandOutput, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { expectError, tempDir } from './helpers/server-process.js';
import { pool, tally } from './helpers/races.js';
import { startFleet, type ServerFleet } from './helpers/server-fleet.js';
import { readAll, shardIterator } from './helpers/streams.js';
import { createGlobalIndex, hashKeyTable } from './helpers/tables.js';

const dir = tempDir('openddb-multiprocess-');
let fleet: ServerFleet;
let ddbs: DynamoDBClient[];
let streamClients: DynamoDBStreamsClient[];
let via: (i: number) => DynamoDBClient;

before(async () => {
  // A directory name with a dot, as mktemp and `--data ./my.db` make (issue 10).
  fleet = await startFleet(2, { dataDir: join(dir.path, 'shared.db') });
  ({ ddbs, streamClients, via } = fleet);
});

after(async () => {
  await fleet.stop();
  dir.remove();
});

describe('two server processes on one data directory', () => {
  it('a table, an index, a TTL setting and a stream made through one are seen by the other at once', async () => {
    const [a, b] = [ddbs[0]!, ddbs[1]!];
    await a.send(new CreateTableCommand(hashKeyTable('shared-catalog')));
    // The other process's very next request sees it.
    await b.send(new PutItemCommand({ TableName: 'shared-catalog', Item: { pk: { S: 'one' }, g: { S: 'x' } } }));
    const described = await b.send(new DescribeTableCommand({ TableName: 'shared-catalog' }));
    assert.equal(described.Table?.TableStatus, 'ACTIVE');

    await a.send(new UpdateTableCommand({ TableName: 'shared-catalog', ...createGlobalIndex('by-g', 'g:S') }));
    const withIndex = await b.send(new DescribeTableCommand({ TableName: 'shared-catalog' }));
    assert.deepEqual(withIndex.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName), ['by-g']);
    // Written through b once the index exists: b maintains the index.
    await b.send(new PutItemCommand({ TableName: 'shared-catalog', Item: { pk: { S: 'two' }, g: { S: 'y' } } }));
    for (let i = 0; ; i++) {
      const status = (await b.send(new DescribeTableCommand({ TableName: 'shared-catalog' }))).Table?.GlobalSecondaryIndexes?.[0]
        ?.IndexStatus;
      if (status === 'ACTIVE') break;
      assert.ok(i < 200, `index still ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const [g, pk] of [
      ['x', 'one'],
      ['y', 'two'],
    ] as const) {
      const out = await b.send(
        new QueryCommand({
          TableName: 'shared-catalog',
          IndexName: 'by-g',
          KeyConditionExpression: 'g = :g',
          ExpressionAttributeValues: { ':g': { S: g } },
        }),
      );
      assert.deepEqual(out.Items?.map((item) => item.pk?.S), [pk]);
    }

    await b.send(
      new UpdateTimeToLiveCommand({ TableName: 'shared-catalog', TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true } }),
    );
    const ttl = await a.send(new DescribeTimeToLiveCommand({ TableName: 'shared-catalog' }));
    assert.deepEqual(ttl.TimeToLiveDescription, { TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });

    await a.send(
      new UpdateTableCommand({ TableName: 'shared-catalog', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
    );
    const streamed = await b.send(new DescribeTableCommand({ TableName: 'shared-catalog' }));
    assert.equal(streamed.Table?.StreamSpecification?.StreamEnabled, true);
    // b writes the stream record a enabled.
    await b.send(new PutItemCommand({ TableName: 'shared-catalog', Item: { pk: { S: 'three' }, g: { S: 'z' } } }));
    const records = await readAll(streamClients[0]!, await shardIterator(streamClients[0]!, streamed.Table!.LatestStreamArn!, 'TRIM_HORIZON'));
    assert.deepEqual(records.map((r) => r.dynamodb?.Keys?.pk?.S), ['three']);

    await b.send(new DeleteTableCommand({ TableName: 'shared-catalog' }));
    await expectError(a.send(new GetItemCommand({ TableName: 'shared-catalog', Key: { pk: { S: 'one' } } })), 'ResourceNotFoundException');
    // And created again through the other, it is a new, empty table for both.
    await a.send(new CreateTableCommand(hashKeyTable('shared-catalog')));
    const again = await b.send(new GetItemCommand({ TableName: 'shared-catalog', Key: { pk: { S: 'one' } } }));
    assert.equal(again.Item, undefined);
  });

  it('50 concurrent attribute_not_exists puts of one key spread over both: exactly one wins', async () => {
    await ddbs[0]!.send(new CreateTableCommand(hashKeyTable('shared-race')));
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        via(i).send(
          new PutItemCommand({
            TableName: 'shared-race',
            Item: { pk: { S: 'race' }, writer: { N: String(i) } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
    assert.deepEqual(tally(results), { ok: 1, ConditionalCheckFailedException: 49 });
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    const stored = await via(1).send(new GetItemCommand({ TableName: 'shared-race', Key: { pk: { S: 'race' } }, ConsistentRead: true }));
    assert.equal(stored.Item?.writer?.N, String(winner));
  });

  it('10,000 ADDs spread over both sum exactly', async () => {
    await ddbs[1]!.send(new CreateTableCommand(hashKeyTable('shared-counter')));
    const results = await pool(10_000, 64, (i) =>
      via(i).send(
        new UpdateItemCommand({
          TableName: 'shared-counter',
          Key: { pk: { S: 'total' } },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      ),
    );
    assert.deepEqual(tally(results), { ok: 10_000 });
    for (const reader of ddbs) {
      const out = await reader.send(new GetItemCommand({ TableName: 'shared-counter', Key: { pk: { S: 'total' } }, ConsistentRead: true }));
      assert.equal(out.Item?.n?.N, '10000');
    }
  });

  it('transactions on the same items from both: each commits or is cancelled with TransactionConflict, none lost', async () => {
    await ddbs[0]!.send(new CreateTableCommand(hashKeyTable('shared-txn')));
    const transfer = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Update: {
            TableName: 'shared-txn',
            Key: { pk: { S: 'account' } },
            UpdateExpression: 'ADD balance :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        },
        {
          Update: {
            TableName: 'shared-txn',
            Key: { pk: { S: 'ledger' } },
            UpdateExpression: 'ADD entries :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        },
      ],
    });
    // One transaction at a time per process: in-process holds never meet,
    // so every conflict is one between the two processes.
    const perProcess = 150;
    const results = (
      await Promise.all(ddbs.map((ddb) => pool(perProcess, 1, () => ddb.send(transfer))))
    ).flat();
    let committed = 0;
    let conflicts = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') {
        committed++;
        continue;
      }
      const error = r.reason as TransactionCanceledException;
      assert.equal(error.name, 'TransactionCanceledException', `unexpected ${error.name}: ${error.message}`);
      assert.ok(
        error.CancellationReasons?.some((reason) => reason.Code === 'TransactionConflict'),
        `cancelled without a TransactionConflict: ${JSON.stringify(error.CancellationReasons)}`,
      );
      conflicts++;
    }
    assert.ok(committed > 0);
    assert.ok(conflicts > 0, 'two processes hammering one item never overlapped: the cross-process conflict went unseen');
    const read = async (pk: string, name: string): Promise<string | undefined> =>
      (await via(1).send(new GetItemCommand({ TableName: 'shared-txn', Key: { pk: { S: pk } }, ConsistentRead: true }))).Item?.[name]?.N;
    // All or nothing, and nothing lost: both items counted every commit exactly once.
    assert.equal(await read('account', 'balance'), String(committed));
    assert.equal(await read('ledger', 'entries'), String(committed));
  });

  it('a plain write racing transactions from the other process stays correct', async () => {
    await ddbs[1]!.send(new CreateTableCommand(hashKeyTable('shared-mixed')));
    const add = (n: string) => ({
      TableName: 'shared-mixed',
      Key: { pk: { S: 'counter' } },
      UpdateExpression: 'ADD n :v',
      ExpressionAttributeValues: { ':v': { N: n } },
    });
    const [transactions, plain] = await Promise.all([
      pool(150, 4, () => ddbs[0]!.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: add('1000') }] }))),
      pool(150, 4, () => ddbs[1]!.send(new UpdateItemCommand(add('1')))),
    ]);
    for (const r of [...transactions, ...plain]) {
      if (r.status === 'rejected') {
        assert.ok(
          ['TransactionCanceledException', 'TransactionConflictException'].includes((r.reason as Error).name),
          `unexpected ${(r.reason as Error).name}: ${(r.reason as Error).message}`,
        );
      }
    }
    const ok = (rs: PromiseSettledResult<unknown>[]) => rs.filter((r) => r.status === 'fulfilled').length;
    const out = await ddbs[0]!.send(new GetItemCommand({ TableName: 'shared-mixed', Key: { pk: { S: 'counter' } }, ConsistentRead: true }));
    assert.equal(out.Item?.n?.N, String(ok(transactions) * 1000 + ok(plain)));
  });

  it('a ClientRequestToken used through one process binds on the other', async () => {
    await ddbs[1]!.send(new CreateTableCommand(hashKeyTable('shared-token')));
    const request = (amount: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: 'token-shared-by-two-processes',
        TransactItems: [
          {
            Update: {
              TableName: 'shared-token',
              Key: { pk: { S: 'once' } },
              UpdateExpression: 'ADD n :v',
              ExpressionAttributeValues: { ':v': { N: amount } },
            },
          },
        ],
      });
    await ddbs[0]!.send(request('1'));
    // Replayed on the other process: succeeds without applying again.
    await ddbs[1]!.send(request('1'));
    await ddbs[0]!.send(request('1'));
    const out = await ddbs[1]!.send(new GetItemCommand({ TableName: 'shared-token', Key: { pk: { S: 'once' } }, ConsistentRead: true }));
    assert.equal(out.Item?.n?.N, '1');
    await expectError(
      ddbs[1]!.send(request('2')),
      'IdempotentParameterMismatchException',
      'Request with the same client token was previously made with different parameters.',
    );
    // The same token sent to both at once: applied once.
    const racedRequest = new TransactWriteItemsCommand({
      ClientRequestToken: 'token-raced-on-two-processes',
      TransactItems: [
        {
          Update: {
            TableName: 'shared-token',
            Key: { pk: { S: 'raced' } },
            UpdateExpression: 'ADD n :v',
            ExpressionAttributeValues: { ':v': { N: '1' } },
          },
        },
      ],
    });
    const raced = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => via(i).send(racedRequest)));
    for (const r of raced) {
      // In-process duplicates may be refused while the first is under way.
      if (r.status === 'rejected') assert.equal((r.reason as Error).name, 'TransactionInProgressException');
    }
    assert.ok(raced.some((r) => r.status === 'fulfilled'));
    const racedItem = await ddbs[0]!.send(new GetItemCommand({ TableName: 'shared-token', Key: { pk: { S: 'raced' } }, ConsistentRead: true }));
    assert.equal(racedItem.Item?.n?.N, '1');
  });

  it('stream records of writes through both: unique increasing sequence numbers, every change exactly once', async () => {
    await ddbs[0]!.send(
      new CreateTableCommand({
        ...hashKeyTable('shared-stream'),
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    const arn = (await ddbs[1]!.send(new DescribeTableCommand({ TableName: 'shared-stream' }))).Table!.LatestStreamArn!;
    // A consumer tails the shard through one process while both write: a
    // record committed after it looked must never be skipped.
    let writing = true;
    const tail = (async () => {
      const seen: _Record[] = [];
      let iterator: string | undefined = await shardIterator(streamClients[0]!, arn, 'TRIM_HORIZON');
      for (let last = false; iterator !== undefined; ) {
        const page: GetRecordsCommandOutput = await streamClients[0]!.send(new GetRecordsCommand({ ShardIterator: iterator }));
        seen.push(...(page.Records ?? []));
        iterator = page.NextShardIterator;
        if (last && (page.Records ?? []).length === 0) break;
        if (!writing) last = true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return seen;
    })();
    const writes = 600;
    const item = (i: number) => ({ pk: { S: `k${i}` }, v: { N: String(i) } });
    const results = await pool(writes, 48, async (i) => {
      if (i % 3 === 2) {
        await via(i).send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'shared-stream', Item: item(i) } }] }));
      } else {
        await via(i).send(new PutItemCommand({ TableName: 'shared-stream', Item: item(i) }));
      }
    });
    writing = false;
    assert.deepEqual(tally(results), { ok: writes });
    const tailed = await tail;
    for (const streams of streamClients) {
      const records = await readAll(streams, await shardIterator(streams, arn, 'TRIM_HORIZON'));
      assert.deepEqual(
        tailed.map((r) => r.dynamodb!.SequenceNumber),
        records.map((r) => r.dynamodb!.SequenceNumber),
        'the tailing consumer saw a different sequence of records',
      );
      const keys = records.map((r) => r.dynamodb!.Keys!.pk!.S!);
      assert.equal(keys.length, writes);
      assert.equal(new Set(keys).size, writes, 'a change appears twice');
      const sequences = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
      for (const n of records.map((r) => r.dynamodb!.SequenceNumber!)) assert.match(n, /^[0-9]{21}$/);
      for (let i = 1; i < sequences.length; i++) assert.ok(sequences[i]! > sequences[i - 1]!, `sequence ${i} does not increase`);
    }
  });
});
