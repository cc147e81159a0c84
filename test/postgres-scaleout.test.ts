/**
 * Black-box tests of openddb's scale-out shape (issue 12): THREE
 * independently started `openddb serve` processes over one PostgreSQL
 * database must behave as one DynamoDB endpoint — counters, conditional
 * puts and transactions racing across them stay exact, a table change made
 * through one is seen by the others on their next request, and a stream
 * read through one holds every change made through all three. Then the
 * faults a fleet meets: one server killed with SIGKILL under write load,
 * and PostgreSQL itself restarted under load (immediate stop: WAL replay).
 * No acknowledged write may be lost, nothing half-applied may be visible,
 * and the servers that are left keep serving and reconnect by themselves.
 *
 * The test starts its own throw-away cluster (test/helpers/postgres-cluster)
 * and names the storage itself, so CI's variant passes (other front end,
 * workers, PostgreSQL for every server) change nothing here: it runs in the
 * default pass only. It skips only when no PostgreSQL server binaries exist,
 * and under CI that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type DynamoDBClient,
  type TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient, _Record } from '@aws-sdk/client-dynamodb-streams';
import { postgresUnavailable, startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { CLI, client, expectError, startServerProcess, variantPass, type ServerProcess } from './helpers/server-process.js';
import { pool, tally } from './helpers/races.js';
import { startFleet, type ServerFleet } from './helpers/server-fleet.js';
import { readAll, shardIterator } from './helpers/streams.js';
import { hashKeyTable } from './helpers/tables.js';

const unavailable = postgresUnavailable();
if (unavailable !== undefined && process.env.CI === 'true') {
  throw new Error(`CI must test the PostgreSQL scale-out, but ${unavailable}`);
}
const skip = variantPass() || unavailable || false;

let cluster: PostgresCluster | undefined;

before(async () => {
  if (skip === false) cluster = await startPostgresCluster();
});

after(() => cluster?.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('three openddb servers on one PostgreSQL database', { skip }, () => {
  let fleet: ServerFleet;
  let ddbs: DynamoDBClient[];
  let streamClients: DynamoDBStreamsClient[];
  let via: (i: number) => DynamoDBClient;

  before(async () => {
    // All three at once: they race to create the schema (an advisory lock orders them).
    fleet = await startFleet(3, { postgresUrl: cluster!.createDatabase('scaleout') }, { together: true });
    ({ ddbs, streamClients, via } = fleet);
  });

  after(() => fleet.stop());

  it('a table created, changed and deleted through one is usable as such through the others at once', async () => {
    const [a, b, c] = [ddbs[0]!, ddbs[1]!, ddbs[2]!];
    await a.send(new CreateTableCommand(hashKeyTable('catalog')));
    // The other servers' very next requests see it.
    await b.send(new PutItemCommand({ TableName: 'catalog', Item: { pk: { S: 'one' }, g: { S: 'x' } } }));
    const read = await c.send(new GetItemCommand({ TableName: 'catalog', Key: { pk: { S: 'one' } } }));
    assert.equal(read.Item?.g?.S, 'x');
    assert.equal((await c.send(new DescribeTableCommand({ TableName: 'catalog' }))).Table?.TableStatus, 'ACTIVE');

    await c.send(
      new UpdateTableCommand({
        TableName: 'catalog',
        AttributeDefinitions: [{ AttributeName: 'g', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: 'by-g', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    // Written through a the moment c changed the table: a maintains the new index and writes the stream record.
    await a.send(new PutItemCommand({ TableName: 'catalog', Item: { pk: { S: 'two' }, g: { S: 'y' } } }));
    for (let i = 0; ; i++) {
      const described = await b.send(new DescribeTableCommand({ TableName: 'catalog' }));
      if (described.Table?.GlobalSecondaryIndexes?.[0]?.IndexStatus === 'ACTIVE') break;
      assert.ok(i < 400, 'the index never became ACTIVE');
      await sleep(25);
    }
    for (const [g, pk] of [
      ['x', 'one'],
      ['y', 'two'],
    ] as const) {
      const out = await b.send(
        new QueryCommand({ TableName: 'catalog', IndexName: 'by-g', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: g } } }),
      );
      assert.deepEqual(out.Items?.map((item) => item.pk?.S), [pk]);
    }
    const arn = (await b.send(new DescribeTableCommand({ TableName: 'catalog' }))).Table!.LatestStreamArn!;
    const records = await readAll(streamClients[1]!, await shardIterator(streamClients[1]!, arn, 'TRIM_HORIZON'));
    assert.deepEqual(records.map((r) => r.dynamodb?.Keys?.pk?.S), ['two']);

    await b.send(new DeleteTableCommand({ TableName: 'catalog' }));
    await expectError(c.send(new GetItemCommand({ TableName: 'catalog', Key: { pk: { S: 'one' } } })), 'ResourceNotFoundException');
    await expectError(a.send(new PutItemCommand({ TableName: 'catalog', Item: { pk: { S: 'late' } } })), 'ResourceNotFoundException');
    // Created again through another: a new, empty table for all three.
    await c.send(new CreateTableCommand(hashKeyTable('catalog')));
    for (const ddb of ddbs) {
      assert.equal((await ddb.send(new GetItemCommand({ TableName: 'catalog', Key: { pk: { S: 'one' } } }))).Item, undefined);
    }
  });

  it('10,000 concurrent ADDs spread over the three sum exactly', async () => {
    await ddbs[1]!.send(new CreateTableCommand(hashKeyTable('counter')));
    // Four hot counters, 2,500 ADDs each: every one contended from all
    // three servers (one key's writers queue on its lock, so four keys keep
    // the test's time in bounds on a small machine).
    const counters = 4;
    const results = await pool(10_000, 96, (i) =>
      via(i).send(
        new UpdateItemCommand({
          TableName: 'counter',
          Key: { pk: { S: `total-${i % counters}` } },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      ),
    );
    assert.deepEqual(tally(results), { ok: 10_000 });
    for (const reader of ddbs) {
      let sum = 0;
      for (let c = 0; c < counters; c++) {
        const out = await reader.send(new GetItemCommand({ TableName: 'counter', Key: { pk: { S: `total-${c}` } }, ConsistentRead: true }));
        assert.equal(out.Item?.n?.N, String(10_000 / counters), `counter ${c}`);
        sum += Number(out.Item?.n?.N);
      }
      assert.equal(sum, 10_000);
    }
  });

  it('50 racing attribute_not_exists puts of one key over the three: exactly one winner', async () => {
    await ddbs[2]!.send(new CreateTableCommand(hashKeyTable('race')));
    for (let round = 0; round < 3; round++) {
      const pk = `race-${round}`;
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          via(i + round).send(
            new PutItemCommand({ TableName: 'race', Item: { pk: { S: pk }, writer: { N: String(i) } }, ConditionExpression: 'attribute_not_exists(pk)' }),
          ),
        ),
      );
      assert.deepEqual(tally(results), { ok: 1, ConditionalCheckFailedException: 49 });
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      for (const reader of ddbs) {
        const stored = await reader.send(new GetItemCommand({ TableName: 'race', Key: { pk: { S: pk } }, ConsistentRead: true }));
        assert.equal(stored.Item?.writer?.N, String(winner));
      }
    }
  });

  it('opposite-order transactions through different servers only ever conflict: no lost update, no 500', async () => {
    await ddbs[0]!.send(new CreateTableCommand(hashKeyTable('txn')));
    const add = (pk: string, n: number) => ({
      Update: { TableName: 'txn', Key: { pk: { S: pk } }, UpdateExpression: 'ADD n :v', ExpressionAttributeValues: { ':v': { N: String(n) } } },
    });
    // Server s writes a then b, server s+1 writes b then a: the orders a
    // per-key lock taken in request order would deadlock on.
    const forward = new TransactWriteItemsCommand({ TransactItems: [add('a', 1), add('b', 1)] });
    const backward = new TransactWriteItemsCommand({ TransactItems: [add('b', 1), add('a', 1)] });
    const perServer = 120;
    const results = (await Promise.all(ddbs.map((ddb, s) => pool(perServer, 2, () => ddb.send(s % 2 === 0 ? forward : backward))))).flat();
    let committed = 0;
    let conflicts = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') {
        committed++;
        continue;
      }
      const error = r.reason as TransactionCanceledException;
      assert.equal(error.name, 'TransactionCanceledException', `unexpected ${error.name}: ${error.message}`);
      assert.equal(error.$metadata.httpStatusCode, 400);
      assert.ok(
        error.CancellationReasons?.some((reason) => reason.Code === 'TransactionConflict'),
        `cancelled without a TransactionConflict: ${JSON.stringify(error.CancellationReasons)}`,
      );
      assert.ok(
        error.CancellationReasons?.every((reason) => reason.Code === 'TransactionConflict' || reason.Code === 'None'),
        `a reason other than a conflict: ${JSON.stringify(error.CancellationReasons)}`,
      );
      conflicts++;
    }
    assert.equal(committed + conflicts, perServer * 3);
    assert.ok(committed > 0, 'no transaction ever committed');
    // Both items count every committed transaction exactly once: all or nothing, nothing lost.
    for (const pk of ['a', 'b']) {
      const out = await via(1).send(new GetItemCommand({ TableName: 'txn', Key: { pk: { S: pk } }, ConsistentRead: true }));
      assert.equal(out.Item?.n?.N, String(committed), `item ${pk}`);
    }
  });

  it('a stream read through one server has every change made through all three, once, in order per item', async () => {
    await ddbs[0]!.send(
      new CreateTableCommand({ ...hashKeyTable('stream'), StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
    );
    const arn = (await ddbs[2]!.send(new DescribeTableCommand({ TableName: 'stream' }))).Table!.LatestStreamArn!;
    const items = 40;
    const versions = 12;
    // Each item's versions are written one after another, each through the
    // next server; the items run concurrently.
    const results = await pool(items, items, async (i) => {
      for (let v = 1; v <= versions; v++) {
        const item = { pk: { S: `item-${i}` }, v: { N: String(v) } };
        if (v % 4 === 0) await via(i + v).send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'stream', Item: item } }] }));
        else await via(i + v).send(new PutItemCommand({ TableName: 'stream', Item: item }));
      }
    });
    assert.deepEqual(tally(results), { ok: items });
    const records: _Record[] = await readAll(streamClients[1]!, await shardIterator(streamClients[1]!, arn, 'TRIM_HORIZON'));
    assert.equal(records.length, items * versions);
    const perItem = new Map<string, number[]>();
    for (const record of records) {
      const pk = record.dynamodb!.Keys!.pk!.S!;
      perItem.set(pk, [...(perItem.get(pk) ?? []), Number(record.dynamodb!.NewImage!.v!.N)]);
    }
    const expected = Array.from({ length: versions }, (_, v) => v + 1);
    for (let i = 0; i < items; i++) assert.deepEqual(perItem.get(`item-${i}`), expected, `item-${i}'s changes`);
    const sequences = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    for (let i = 1; i < sequences.length; i++) assert.ok(sequences[i]! > sequences[i - 1]!, `sequence ${i} does not increase`);
  });
});

/**
 * The load the fault tests put on the servers: each writer puts a fresh key
 * (its value names it) and, every third write, a transaction of two items
 * that must be seen together, through the server it is given. Only writes
 * whose response arrived count as acknowledged.
 */
class WriteLoad {
  readonly acknowledged = new Set<string>();
  readonly acknowledgedPairs = new Set<string>();
  readonly failures = new Map<string, number>();
  #stop = false;
  #writers: Promise<void>[] = [];

  start(targets: () => readonly DynamoDBClient[], writersPerTarget: number, tag: string): void {
    for (let w = 0; w < writersPerTarget * 3; w++) this.#writers.push(this.#writer(targets, w, `${tag}-${w}`));
  }

  async #writer(targets: () => readonly DynamoDBClient[], w: number, name: string): Promise<void> {
    for (let i = 0; !this.#stop; i++) {
      const list = targets();
      const ddb = list[(w + i) % list.length]!;
      const key = `${name}-${i}`;
      try {
        if (i % 3 === 2) {
          await ddb.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: { TableName: 'faults', Item: { pk: { S: `${key}-x` }, pair: { S: key }, g: { S: 'all' } } } },
                { Put: { TableName: 'faults', Item: { pk: { S: `${key}-y` }, pair: { S: key }, g: { S: 'all' } } } },
              ],
            }),
          );
          this.acknowledgedPairs.add(key);
        } else {
          await ddb.send(new PutItemCommand({ TableName: 'faults', Item: { pk: { S: key }, value: { S: key }, g: { S: 'all' } } }));
          this.acknowledged.add(key);
        }
      } catch (error) {
        const name = (error as Error).name;
        this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
        await sleep(20);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#writers);
  }
}

/** Every item of the table, read through `ddb`. */
async function scanAll(ddb: DynamoDBClient, indexName?: string): Promise<Record<string, { S?: string }>[]> {
  const items: Record<string, { S?: string }>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({ TableName: 'faults', ConsistentRead: indexName === undefined, ExclusiveStartKey: start, ...(indexName ? { IndexName: indexName } : {}) }),
    );
    items.push(...((page.Items ?? []) as Record<string, { S?: string }>[]));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return items;
}

/** Nothing acknowledged is missing; no transaction is visible by halves; table and index agree. */
async function assertWhole(ddb: DynamoDBClient, load: WriteLoad): Promise<void> {
  const items = await scanAll(ddb);
  const keys = new Set(items.map((item) => item.pk!.S!));
  for (const key of load.acknowledged) assert.ok(keys.has(key), `acknowledged put ${key} is lost`);
  for (const key of load.acknowledgedPairs) assert.ok(keys.has(`${key}-x`) && keys.has(`${key}-y`), `acknowledged transaction ${key} is lost`);
  const halves = new Map<string, number>();
  for (const item of items) if (item.pair?.S !== undefined) halves.set(item.pair.S, (halves.get(item.pair.S) ?? 0) + 1);
  for (const [pair, count] of halves) assert.equal(count, 2, `transaction ${pair} is visible by halves`);
  const indexed = await scanAll(ddb, 'by-g');
  assert.deepEqual(new Set(indexed.map((item) => item.pk!.S!)), keys, 'the index and the table differ');
}

/** Resolves once `ddb` answers a write, trying for up to `ms`. */
async function serving(ddb: DynamoDBClient, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await ddb.send(new PutItemCommand({ TableName: 'faults', Item: { pk: { S: 'probe' }, g: { S: 'all' } } }));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

describe('faults under write load: three servers on one PostgreSQL database', { skip }, () => {
  let fleet: ServerFleet;
  let servers: ServerProcess[];
  let ddbs: DynamoDBClient[];

  before(async () => {
    fleet = await startFleet(3, { postgresUrl: cluster!.createDatabase('faults') }, { together: true });
    ({ servers, ddbs } = fleet);
    await ddbs[0]!.send(new CreateTableCommand(hashKeyTable('faults', { gsi: { 'by-g': { key: 'g:S pk:S', projection: 'KEYS_ONLY' } } })));
  });

  after(() => fleet.stop());

  it('one server killed with SIGKILL under write load: nothing acknowledged lost, nothing half-applied, the others keep serving', async () => {
    const load = new WriteLoad();
    let targets: readonly DynamoDBClient[] = ddbs;
    load.start(() => targets, 6, 'kill');
    await sleep(700);
    await servers[2]!.kill();
    const before = load.acknowledged.size + load.acknowledgedPairs.size;
    await sleep(700);
    // The survivors served on through the kill, without a pause.
    const during = load.acknowledged.size + load.acknowledgedPairs.size - before;
    targets = ddbs.slice(0, 2);
    await sleep(300);
    await load.stop();
    assert.ok(during > 20, `only ${during} writes were acknowledged in the 700 ms after the kill`);
    for (const name of load.failures.keys()) {
      // Only the killed server's requests may fail, and only as a lost connection (not a DynamoDB error).
      assert.ok(!/Exception$|InternalServerError|ServiceUnavailable/.test(name), `a write failed with ${name}`);
    }
    assert.ok(load.failures.size > 0, 'no request was in flight on the killed server');
    await assertWhole(ddbs[0]!, load);
    await assertWhole(ddbs[1]!, load);
    // A replacement joins the database and serves at once, the killed server's writes included.
    await fleet.replace(2);
    await assertWhole(ddbs[2]!, load);
  });

  it('PostgreSQL restarted under write load: requests in flight fail as a service error, the servers reconnect, nothing acknowledged is lost', async () => {
    const load = new WriteLoad();
    load.start(() => ddbs, 6, 'restart');
    await sleep(700);
    // An immediate stop, as a crash: no checkpoint, so the restart replays the WAL.
    await cluster!.restartInBackground();
    // Every server serves again by itself: no restart of openddb, no operator.
    await Promise.all(ddbs.map((ddb) => serving(ddb, 20_000)));
    const before = load.acknowledged.size + load.acknowledgedPairs.size;
    await sleep(700);
    await load.stop();
    assert.ok(load.acknowledged.size + load.acknowledgedPairs.size > before, 'the load made no progress after the restart');
    assert.ok(load.failures.size > 0, 'the restart failed no request: it did not happen under load');
    for (const name of load.failures.keys()) {
      // What DynamoDB answers when its storage fails a request: retryable 500s.
      assert.ok(['InternalServerError', 'ServiceUnavailable'].includes(name), `a write failed with ${name}`);
    }
    for (const ddb of ddbs) await assertWhole(ddb, load);
  });
});

describe('--storage-pool-size', { skip }, () => {
  it('bounds the connections a server opens to the database, under load; bad values and non-database storage are refused', async () => {
    const url = cluster!.createDatabase('pool_size');
    const server = await startServerProcess({ storageInArgs: true, workers: 1, extraArgs: ['--storage', url, '--storage-pool-size', '3'] });
    const ddb = client(server.url);
    try {
      await ddb.send(new CreateTableCommand(hashKeyTable('pooled')));
      // 64 requests in flight, reads and writes mixed: more than 3 connections' worth.
      const results = await pool(600, 64, async (i) => {
        const Key = { pk: { S: `k${i % 50}` } };
        if (i % 2 === 0) await ddb.send(new PutItemCommand({ TableName: 'pooled', Item: { ...Key, n: { N: String(i) } } }));
        else await ddb.send(new GetItemCommand({ TableName: 'pooled', Key }));
      });
      assert.deepEqual(tally(results), { ok: 600 });
      const inspector = new pg.Client({ connectionString: url });
      await inspector.connect();
      const found = await inspector.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'pool_size' AND pid <> pg_backend_pid()");
      await inspector.end();
      const connections = Number(found.rows[0]!.n);
      assert.ok(connections >= 1 && connections <= 3, `${connections} connections`);
    } finally {
      ddb.destroy();
      await server.stop();
    }
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 15_000 });
    for (const bad of ['0', '-1', '2.5', 'ten', '100000']) {
      const out = run('--storage', url, `--storage-pool-size=${bad}`);
      assert.equal(out.status, 2, bad);
      assert.match(out.stderr, /--storage-pool-size must be a whole number from 1 to 1000/);
    }
    const memory = run('--in-memory', '--storage-pool-size', '4');
    assert.equal(memory.status, 2);
    assert.match(memory.stderr, /--storage-pool-size applies to a database: use it with --storage postgres:\/\//);
  });
});
