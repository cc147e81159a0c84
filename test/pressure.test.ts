/**
 * The pressure modes (docs/pressure.md), black-box with the real SDK v3 and
 * boto3: throttling of provisioned tables with the SDKs' retries
 * succeeding, UnprocessedItems/Keys under pressure, the lag mode's
 * consistency rules, faults of every kind seen by the SDK, a seeded run
 * replayed, conflict injection, per-table tags, the admin endpoint and the
 * server flags. One process per server (`workers: 1`): the generator, the
 * buckets and the write history are per process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  TagResourceCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand } from '@aws-sdk/client-dynamodb-streams';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { client, expectError, startServerProcess, tempDir, testWorkers, type ServerProcess } from './helpers/server-process.js';
import { defineTable } from './helpers/tables.js';
import { shardIterator, streamsClient } from './helpers/streams.js';

const run = promisify(execFile);
/**
 * Lags in these tests are long (1.5 s) so that a loaded CI machine still
 * reads within them.
 *
 * The modes' state (generator, buckets, write history) is per process (the
 * admin settings are shared: test/pressure-processes), so these tests run
 * one process; CI's two-worker pass would repeat the default pass.
 */
const skip = testWorkers() !== 1 ? 'one process per server here; the default pass covers it' : false;
let server: ServerProcess;
let ddb: DynamoDBClient;

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
/** An SDK client with its standard retry strategy (the default: 3 attempts) or more attempts. */
function retrying(url: string, maxAttempts = 3, requestTimeout?: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials,
    maxAttempts,
    ...(requestTimeout !== undefined ? { requestHandler: { requestTimeout } } : {}),
  });
}

async function admin(body?: unknown, url = server.url): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/openddb/admin/pressure`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function createTable(name: string, extra: Record<string, unknown> = {}, rcu = 5, wcu = 5): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: rcu, WriteCapacityUnits: wcu },
      ...extra,
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  if (skip) return;
  server = await startServerProcess({ workers: 1 });
  ddb = client(server.url);
});
after(async () => {
  await server?.stop();
});

describe('throttling', { skip }, () => {
  before(async () => {
    assert.equal((await admin({ throttle: true })).status, 200);
  });
  after(async () => {
    await admin({ throttle: false, reset: true });
  });

  it('refuses writes past a provisioned table\'s capacity with DynamoDB\'s error, and the SDK\'s retries then succeed', async () => {
    await createTable('thr1', {}, 5, 5);
    let refused: (Error & { ThrottlingReasons?: { reason: string; resource: string }[] }) | undefined;
    let ok = 0;
    for (let i = 0; i < 12; i++) {
      try {
        await ddb.send(new PutItemCommand({ TableName: 'thr1', Item: { pk: { S: `k${i}` } } }));
        ok++;
      } catch (e) {
        refused = e as typeof refused;
      }
    }
    // A new table holds one second's worth (5 units), plus what accrued while the loop ran.
    assert.ok(ok >= 5 && ok < 12, `${ok} writes admitted`);
    assert.equal(refused?.name, 'ProvisionedThroughputExceededException');
    assert.equal(
      refused?.message,
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    );
    assert.deepEqual(refused?.ThrottlingReasons, [
      { reason: 'TableWriteProvisionedThroughputExceeded', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/thr1' },
    ]);
    // The SDK's standard retry strategy backs off until the bucket refills.
    const patient = retrying(server.url, 10);
    for (let i = 0; i < 8; i++) await patient.send(new PutItemCommand({ TableName: 'thr1', Item: { pk: { S: `r${i}` } } }));
    patient.destroy();
  });

  it('leaves a batch\'s members unprocessed under pressure instead of failing it', async () => {
    await createTable('thr2', {}, 2, 5);
    const requests: WriteRequest[] = Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `b${i}` } } } }));
    const first = await ddb.send(new BatchWriteItemCommand({ RequestItems: { thr2: requests } }));
    const left = first.UnprocessedItems?.thr2 ?? [];
    assert.ok(left.length >= 10 && left.length < 20, `${left.length} unprocessed`);
    let pending: WriteRequest[] = left;
    for (let round = 0; pending.length > 0 && round < 40; round++) {
      await sleep(250);
      const again = await ddb.send(new BatchWriteItemCommand({ RequestItems: { thr2: pending } }));
      pending = again.UnprocessedItems?.thr2 ?? [];
    }
    assert.equal(pending.length, 0);
    // Reads: 2 RCU is 4 eventually consistent keys a second.
    const keys = Array.from({ length: 20 }, (_, i) => ({ pk: { S: `b${i}` } }));
    const got = await ddb.send(new BatchGetItemCommand({ RequestItems: { thr2: { Keys: keys } } }));
    const unprocessedKeys = got.UnprocessedKeys?.thr2?.Keys ?? [];
    assert.ok(unprocessedKeys.length > 0, 'some keys unprocessed');
    assert.equal((got.Responses?.thr2 ?? []).length + unprocessedKeys.length, 20);
  });

  it('fails a batch whose every member is refused', async () => {
    await createTable('thr3', {}, 1, 1);
    await ddb.send(new PutItemCommand({ TableName: 'thr3', Item: { pk: { S: 'x' } } }));
    await expectError(
      ddb.send(new BatchWriteItemCommand({ RequestItems: { thr3: [{ PutRequest: { Item: { pk: { S: 'y' } } } }] } })),
      'ProvisionedThroughputExceededException',
    );
  });

  it('refuses a write when a provisioned GSI\'s capacity is spent, with DynamoDB\'s GSI text', async () => {
    await ddb.send(
      new CreateTableCommand({
        TableName: 'thr5',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 100 },
        GlobalSecondaryIndexes: [
          { IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } },
        ],
      }),
    );
    let refused: (Error & { ThrottlingReasons?: { reason: string; resource: string }[] }) | undefined;
    for (let i = 0; i < 6 && refused === undefined; i++) {
      try {
        await ddb.send(new PutItemCommand({ TableName: 'thr5', Item: { pk: { S: `k${i}` }, g: { S: 'G' } } }));
      } catch (e) {
        refused = e as typeof refused;
      }
    }
    assert.equal(refused?.name, 'ProvisionedThroughputExceededException');
    assert.match(refused!.message, /^The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded/);
    assert.deepEqual(refused?.ThrottlingReasons, [
      { reason: 'IndexWriteProvisionedThroughputExceeded', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/thr5/index/byG' },
    ]);
  });

  it('holds an on-demand table\'s hot key to its partition\'s limit with ThrottlingException', async () => {
    // A share of 1/500 makes the per-key limit 2 WCU here, so a test need not send 1,000 writes a second.
    await admin({ processes: 500 });
    try {
      await createTable('thr6', { BillingMode: 'PAY_PER_REQUEST', ProvisionedThroughput: undefined });
      let refused: (Error & { throttlingReasons?: { reason: string }[] }) | undefined;
      for (let i = 0; i < 10 && refused === undefined; i++) {
        try {
          await ddb.send(new PutItemCommand({ TableName: 'thr6', Item: { pk: { S: 'hot' }, n: { N: String(i) } } }));
        } catch (e) {
          refused = e as typeof refused;
        }
      }
      assert.equal(refused?.name, 'ThrottlingException');
      assert.match(refused!.message, /^Throughput exceeds the current capacity of your table or index/);
      assert.equal(refused?.throttlingReasons?.[0]?.reason, 'TableWriteKeyRangeThroughputExceeded');
      // Another key is not held back by the hot one.
      await ddb.send(new PutItemCommand({ TableName: 'thr6', Item: { pk: { S: 'cold' } } }));
    } finally {
      await admin({ processes: 1 });
    }
  });

  it('leaves tables tagged openddb:throttle=off alone', async () => {
    await createTable('thr4', { Tags: [{ Key: 'openddb:throttle', Value: 'off' }] }, 1, 1);
    for (let i = 0; i < 10; i++) await ddb.send(new PutItemCommand({ TableName: 'thr4', Item: { pk: { S: `k${i}` } } }));
  });
});

describe('lag', { skip }, () => {
  it('an eventually consistent read and a GSI query see a write only after the lag; a strong read at once', async () => {
    await ddb.send(new CreateTableCommand(defineTable('lag1', 'pk:S', { gsi: { byG: 'g:S' }, Tags: [{ Key: 'openddb:lag-ms', Value: '1500' }] })));
    await ddb.send(new PutItemCommand({ TableName: 'lag1', Item: { pk: { S: 'a' }, g: { S: 'G' }, v: { N: '1' } } }));
    const strong = await ddb.send(new GetItemCommand({ TableName: 'lag1', Key: { pk: { S: 'a' } }, ConsistentRead: true }));
    assert.equal(strong.Item?.v?.N, '1');
    const weak = await ddb.send(new GetItemCommand({ TableName: 'lag1', Key: { pk: { S: 'a' } } }));
    assert.equal(weak.Item, undefined);
    const index = await ddb.send(new QueryCommand({ TableName: 'lag1', IndexName: 'byG', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'G' } } }));
    assert.equal(index.Count, 0);
    await sleep(1700);
    assert.equal((await ddb.send(new GetItemCommand({ TableName: 'lag1', Key: { pk: { S: 'a' } } }))).Item?.v?.N, '1');
    const later = await ddb.send(new QueryCommand({ TableName: 'lag1', IndexName: 'byG', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'G' } } }));
    assert.equal(later.Count, 1);
    // An update: the lagged reader sees the old image until the lag has passed.
    await ddb.send(new UpdateItemCommand({ TableName: 'lag1', Key: { pk: { S: 'a' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }));
    assert.equal((await ddb.send(new GetItemCommand({ TableName: 'lag1', Key: { pk: { S: 'a' } } }))).Item?.v?.N, '1');
    assert.equal((await ddb.send(new GetItemCommand({ TableName: 'lag1', Key: { pk: { S: 'a' } }, ConsistentRead: true }))).Item?.v?.N, '2');
    await sleep(1700);
    assert.equal((await ddb.send(new GetItemCommand({ TableName: 'lag1', Key: { pk: { S: 'a' } } }))).Item?.v?.N, '2');
  });
});

describe('lag on a table\'s own reads and its stream', { skip }, () => {
  before(async () => {
    await admin({ lagMs: '1500', seed: 1 });
  });
  after(async () => {
    await admin({ lagMs: null, reset: true });
  });

  it('Query and Scan follow ConsistentRead; a deleted item lingers for lagged readers; stream records appear after the lag', async () => {
    await ddb.send(
      new CreateTableCommand(defineTable('lag2', 'pk:S sk:N', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } })),
    );
    for (let i = 1; i <= 3; i++) await ddb.send(new PutItemCommand({ TableName: 'lag2', Item: { pk: { S: 'p' }, sk: { N: String(i) } } }));
    await sleep(1700);
    await ddb.send(new DeleteItemCommand({ TableName: 'lag2', Key: { pk: { S: 'p' }, sk: { N: '2' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'lag2', Item: { pk: { S: 'p' }, sk: { N: '4' } } }));
    const query = (consistent: boolean, limit?: number) =>
      ddb.send(new QueryCommand({ TableName: 'lag2', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, ConsistentRead: consistent, ...(limit ? { Limit: limit } : {}) }));
    const sks = (out: { Items?: Record<string, { N?: string }>[] }) => (out.Items ?? []).map((i) => i.sk!.N);
    assert.deepEqual(sks(await query(true)), ['1', '3', '4']);
    assert.deepEqual(sks(await query(false)), ['1', '2', '3']);
    // Pages over the lagged view.
    const page = await query(false, 2);
    assert.deepEqual(sks(page), ['1', '2']);
    assert.deepEqual(sks(await ddb.send(new ScanCommand({ TableName: 'lag2' }))), ['1', '2', '3']);
    assert.deepEqual(sks(await ddb.send(new ScanCommand({ TableName: 'lag2', ConsistentRead: true }))), ['1', '3', '4']);
    // TransactGetItems is always strongly consistent.
    const tx = await ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'lag2', Key: { pk: { S: 'p' }, sk: { N: '4' } } } }] }));
    assert.equal(tx.Responses?.[0]?.Item?.sk?.N, '4');

    const streams = streamsClient(server.url);
    const arn = (await ddb.send(new DescribeTableCommand({ TableName: 'lag2' }))).Table!.LatestStreamArn!;
    const records = async () => (await streams.send(new GetRecordsCommand({ ShardIterator: await shardIterator(streams, arn, 'TRIM_HORIZON') }))).Records ?? [];
    assert.deepEqual((await records()).map((r) => r.eventName), ['INSERT', 'INSERT', 'INSERT']);
    await sleep(1700);
    assert.deepEqual(sks(await query(false)), ['1', '3', '4']);
    assert.deepEqual((await records()).map((r) => r.eventName), ['INSERT', 'INSERT', 'INSERT', 'REMOVE', 'INSERT']);
    streams.destroy();
  });
});

describe('contention mode', { skip }, () => {
  before(async () => {
    await admin({ txnMs: '400' });
    await createTable('txn', { BillingMode: 'PAY_PER_REQUEST', ProvisionedThroughput: undefined });
  });
  after(async () => {
    await admin({ txnMs: null });
  });

  it('an ongoing transaction conflicts with another transaction and with a plain write on its items', async () => {
    const put = (pk: string) => ({ Put: { TableName: 'txn', Item: { pk: { S: pk } } } });
    const first = ddb.send(new TransactWriteItemsCommand({ TransactItems: [put('a'), put('b')] }));
    await sleep(100);
    const e = (await expectError(ddb.send(new TransactWriteItemsCommand({ TransactItems: [put('c'), put('b')] })), 'TransactionCanceledException')) as Error & {
      CancellationReasons?: { Code?: string }[];
    };
    assert.deepEqual(e.CancellationReasons?.map((r) => r.Code), ['None', 'TransactionConflict']);
    await expectError(ddb.send(new PutItemCommand({ TableName: 'txn', Item: { pk: { S: 'a' } } })), 'TransactionConflictException', 'Transaction is ongoing for the item');
    await first;
    // Done: the items are free again.
    await ddb.send(new PutItemCommand({ TableName: 'txn', Item: { pk: { S: 'a' } } }));
  });
});

describe('faults', { skip }, () => {
  before(async () => {
    await createTable('flt', { BillingMode: 'PAY_PER_REQUEST', ProvisionedThroughput: undefined });
    await ddb.send(new PutItemCommand({ TableName: 'flt', Item: { pk: { S: 'a' } } }));
  });
  after(async () => {
    await admin({ faults: null, reset: true });
  });
  const get = { TableName: 'flt', Key: { pk: { S: 'a' } } };

  for (const [spec, name, status] of [
    ['500:next=2:GetItem', 'InternalServerError', 500],
    ['503:next=2:GetItem', 'ServiceUnavailable', 503],
  ] as const) {
    it(`${spec}: the client sees ${status}, and the SDK's retries succeed`, async () => {
      assert.equal((await admin({ faults: spec })).status, 200);
      const e = await expectError(ddb.send(new GetItemCommand(get)), name);
      assert.equal(e.$metadata?.httpStatusCode, status);
      const sdk = retrying(server.url);
      assert.ok((await sdk.send(new GetItemCommand(get))).Item);
      sdk.destroy();
      // Spent: the next request is answered.
      assert.ok((await ddb.send(new GetItemCommand(get))).Item);
    });
  }

  it('drop: the connection closes without an answer, and the SDK retries', async () => {
    await admin({ faults: 'drop:next=1:GetItem' });
    await assert.rejects(ddb.send(new GetItemCommand(get)), (e: Error) => /socket hang up|ECONNRESET|closed/i.test(`${e.message} ${(e as { code?: string }).code}`));
    await admin({ faults: 'drop:next=1:GetItem' });
    const sdk = retrying(server.url);
    assert.ok((await sdk.send(new GetItemCommand(get))).Item);
    sdk.destroy();
  });

  it('timeout: the answer is held until the client gives up, and the SDK retries', async () => {
    await admin({ faults: 'timeout=1500:next=1:GetItem' });
    const sdk = retrying(server.url, 3, 300);
    const started = Date.now();
    assert.ok((await sdk.send(new GetItemCommand(get))).Item);
    assert.ok(Date.now() - started >= 300);
    sdk.destroy();
  });

  it('latency: requests take at least the added time', async () => {
    await admin({ faults: 'latency=150:1:GetItem' });
    const started = Date.now();
    await ddb.send(new GetItemCommand(get));
    assert.ok(Date.now() - started >= 150);
    await admin({ faults: null });
  });

  it('a seeded run replays the same fault sequence', async () => {
    const pattern = async (seed: number) => {
      await admin({ faults: '500:0.4:GetItem', seed, reset: true });
      let out = '';
      for (let i = 0; i < 30; i++) {
        try {
          await ddb.send(new GetItemCommand(get));
          out += '.';
        } catch {
          out += 'X';
        }
      }
      return out;
    };
    const a = await pattern(7);
    const b = await pattern(7);
    const c = await pattern(8);
    assert.equal(a, b);
    assert.match(a, /X/);
    assert.match(a, /\./);
    assert.notEqual(a, c);
  });

  it('conflict: a transaction is cancelled with TransactionConflict at the given rate', async () => {
    await admin({ faults: 'conflict:1:TransactWriteItems' });
    const e = (await expectError(
      ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'flt', Item: { pk: { S: 't' } } } }] })),
      'TransactionCanceledException',
    )) as Error & { CancellationReasons?: { Code?: string }[] };
    assert.deepEqual(e.CancellationReasons?.map((r) => r.Code), ['TransactionConflict']);
    await admin({ faults: null });
    await ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'flt', Item: { pk: { S: 't' } } } }] }));
  });

  it('a table\'s openddb:faults tag applies to that table only', async () => {
    await createTable('flt2', { BillingMode: 'PAY_PER_REQUEST', ProvisionedThroughput: undefined });
    await ddb.send(new TagResourceCommand({ ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/flt2', Tags: [{ Key: 'openddb:faults', Value: '503:1:GetItem' }] }));
    await expectError(ddb.send(new GetItemCommand({ TableName: 'flt2', Key: { pk: { S: 'a' } } })), 'ServiceUnavailable');
    assert.ok((await ddb.send(new GetItemCommand(get))).Item);
  });
});

describe('the admin endpoint', { skip }, () => {
  it('answers the settings, changes them, and refuses bad input changing nothing', async () => {
    const before = await admin();
    assert.equal(before.status, 200);
    assert.equal(before.json.throttle, false);
    const bad = await admin({ faults: 'explode:1' });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /unknown kind 'explode'/);
    assert.equal((await admin({ lagMs: 'soon' })).status, 400);
    assert.equal((await admin({ nonsense: 1 })).status, 400);
    const res = await fetch(`${server.url}/openddb/admin/pressure`, { method: 'POST', body: '{' });
    assert.equal(res.status, 400);
    const changed = await admin({ lagMs: '10-20', seed: 3 });
    assert.equal(changed.json.lagMs, '10-20');
    assert.equal(changed.json.seed, 3);
    assert.equal((await admin({ lagMs: null })).json.lagMs, null);
  });
});

describe('the admin endpoint with --auth', { skip }, () => {
  it('refuses an unsigned request', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'auth.json');
    writeFileSync(file, JSON.stringify({ identities: [{ accessKeyId: 'AKIDADMIN', secretAccessKey: 'secret', arn: 'arn:aws:iam::123456789012:user/admin', policies: [] }] }));
    const s = await startServerProcess({ workers: 1, extraArgs: ['--auth', file] });
    try {
      const res = await admin({ throttle: true }, s.url);
      assert.equal(res.status, 403);
      assert.match(String(res.json.error), /signed request/);
      assert.equal((await admin(undefined, s.url)).status, 403);
    } finally {
      await s.stop();
      dir.remove();
    }
  });
});

describe('server flags', { skip }, () => {
  it('--faults and --seed apply from the start; a bad spec refuses to start', async () => {
    const s = await startServerProcess({ workers: 1, extraArgs: ['--faults', '500:next=1:ListTables', '--seed', '1'] });
    try {
      const c = client(s.url);
      await expectError(c.send(new ListTablesCommand({})), 'InternalServerError');
      await c.send(new ListTablesCommand({}));
    } finally {
      await s.stop();
    }
    await assert.rejects(startServerProcess({ workers: 1, extraArgs: ['--faults', 'explode:1'] }), /unknown kind/);
  });
});

describe('boto3', { skip }, () => {
  it('its standard and legacy retry modes ride out throttling and 500s', async (t) => {
    try {
      await run('python3', ['-c', 'import boto3']);
    } catch {
      t.skip('python3 with boto3 is not installed');
      return;
    }
    await createTable('boto', {}, 2, 2);
    await admin({ throttle: true, faults: '500:next=2:GetItem' });
    const script = `
import sys, json, urllib.request, boto3
from botocore.config import Config
url = sys.argv[1]
ddb = boto3.client('dynamodb', endpoint_url=url, config=Config(retries={'mode': 'standard', 'max_attempts': 10}))
for i in range(8):
    ddb.put_item(TableName='boto', Item={'pk': {'S': 'k%d' % i}})
print(ddb.get_item(TableName='boto', Key={'pk': {'S': 'k0'}}, ConsistentRead=True)['Item']['pk']['S'])
urllib.request.urlopen(urllib.request.Request(url + '/openddb/admin/pressure', data=json.dumps({'faults': '500:next=2:GetItem'}).encode(), method='POST'))
legacy = boto3.client('dynamodb', endpoint_url=url, config=Config(retries={'mode': 'legacy', 'max_attempts': 5}))
print(legacy.get_item(TableName='boto', Key={'pk': {'S': 'k1'}}, ConsistentRead=True)['Item']['pk']['S'])
bare = boto3.client('dynamodb', endpoint_url=url, config=Config(retries={'mode': 'legacy', 'total_max_attempts': 1}))
try:
    for i in range(20):
        bare.put_item(TableName='boto', Item={'pk': {'S': 'x%d' % i}})
    print('never throttled')
except bare.exceptions.ProvisionedThroughputExceededException as e:
    print('throttled', e.response['ThrottlingReasons'][0]['reason'])
`;
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' };
    try {
      const { stdout } = await run('python3', ['-c', script, server.url], { env, timeout: 60_000 });
      assert.deepEqual(stdout.trim().split('\n'), ['k0', 'k1', 'throttled TableWriteProvisionedThroughputExceeded']);
    } finally {
      await admin({ throttle: false, faults: null, reset: true });
    }
  });
});
