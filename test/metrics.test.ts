/**
 * Black-box tests of the operator's endpoints: GET /metrics scraped and
 * parsed as Prometheus text (test/helpers/prometheus-text), its values
 * checked against the requests made with the real SDK; /health and
 * /health/ready; and the structured log lines for errors and slow requests
 * (--log-level, --slow-ms).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, tempDir, testWorkers, type ServerProcess } from './helpers/server-process.js';
import { createGlobalIndex, hashKeyTable, indexedTable } from './helpers/tables.js';
import { parsePrometheusText, valueOf, type Labels, type MetricFamily } from './helpers/prometheus-text.js';
import { readAll, shardIterator, streamsClient } from './helpers/streams.js';

const P = 'openddb_dynamodb_';
const PLAIN = 'metrics-plain';
const INDEXED = 'metrics-indexed';

type Scrape = Map<string, MetricFamily>;

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

/** How much a sample grew while `work` ran. */
async function growth(url: string, work: () => Promise<unknown>, name: string, labels: Labels = {}): Promise<number> {
  const before = valueOf(await scrape(url), name, labels);
  await work();
  return valueOf(await scrape(url), name, labels) - before;
}

/** Log lines the server wrote that are JSON objects. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('metrics, health and logs (durable store, --log-level info)', () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  const dir = tempDir('openddb-metrics-');

  before(async () => {
    server = await startServerProcess({ dataDir: dir.path, extraArgs: ['--log-level', 'info', '--ttl-interval-ms', '100'] });
    ddb = client(server.url);
    await ddb.send(new CreateTableCommand(hashKeyTable(PLAIN)));
    await ddb.send(new CreateTableCommand(indexedTable(INDEXED)));
  });
  after(async () => {
    ddb.destroy();
    await server.stop();
    dir.remove();
  });

  // Metrics are per process: with --workers, /metrics answers for the worker
  // the scrape's connection reached, which need not be the one that served
  // the requests counted (or that holds the TTL lease).
  const perProcess = testWorkers() > 1 && 'metrics are per worker process: the scrape may reach another worker';
  describe('GET /metrics', { skip: perProcess }, () => {
    it('is valid Prometheus text with the CloudWatch metrics and the process ones', async () => {
      const m = await scrape(server.url);
      for (const name of [
        'successful_request_latency_seconds',
        'consumed_read_capacity_units_total',
        'consumed_write_capacity_units_total',
        'returned_item_count_total',
        'returned_bytes_total',
        'returned_records_count_total',
        'conditional_check_failed_requests_total',
        'transaction_conflict_total',
        'user_errors_total',
        'system_errors_total',
        'throttled_requests_total',
        'time_to_live_deleted_item_count_total',
        'online_index_percentage_progress',
      ]) {
        assert.ok(m.has(P + name), `missing ${P + name}`);
      }
      assert.equal(m.get(`${P}successful_request_latency_seconds`)!.type, 'histogram');
      assert.equal(m.get(`${P}consumed_read_capacity_units_total`)!.type, 'counter');
      assert.ok(valueOf(m, 'openddb_process_resident_memory_bytes') > 1e6);
      assert.ok(valueOf(m, 'openddb_storage_size_bytes') > 0, 'data.mdb has a size');
      assert.ok(valueOf(m, 'openddb_http_open_connections') >= 1, 'the scrape itself is a connection');
      assert.ok(valueOf(m, 'openddb_storage_commit_latency_seconds_count') >= 2, 'two CreateTable commits at least');
      assert.ok(m.has('openddb_event_loop_lag_seconds'));
    });

    it('times successful requests per table and operation', async () => {
      const labels = { table: PLAIN, operation: 'PutItem' };
      const n = await growth(
        server.url,
        async () => {
          for (let i = 0; i < 3; i++) await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: `lat${i}` } } }));
        },
        `${P}successful_request_latency_seconds_count`,
        labels,
      );
      assert.equal(n, 3);
      const m = await scrape(server.url);
      assert.ok(valueOf(m, `${P}successful_request_latency_seconds_sum`, labels) > 0);
      // No throttling exists: the series is there, at zero.
      assert.equal(valueOf(m, `${P}throttled_requests_total`, labels), 0);
      assert.ok(m.get(`${P}throttled_requests_total`)!.samples.some((s) => s.labels.table === PLAIN));
    });

    it('counts write units whether or not the client asks for them', async () => {
      const units = await growth(
        server.url,
        async () => {
          await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: 'w1' } } }));
          // 2,500 bytes: three 1 KB units.
          await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: 'w2' }, d: { S: 'x'.repeat(2494) } } }));
        },
        `${P}consumed_write_capacity_units_total`,
        { table: PLAIN },
      );
      assert.equal(units, 4);
    });

    it('counts read units as DynamoDB bills them, with no ReturnConsumedCapacity', async () => {
      await ddb.send(new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: 'r-big' }, d: { S: 'y'.repeat(9000) } } }));
      const units = await growth(
        server.url,
        async () => {
          await ddb.send(new GetItemCommand({ TableName: PLAIN, Key: { pk: { S: 'w1' } } })); // 0.5
          await ddb.send(new GetItemCommand({ TableName: PLAIN, Key: { pk: { S: 'w1' } }, ConsistentRead: true })); // 1
          await ddb.send(new GetItemCommand({ TableName: PLAIN, Key: { pk: { S: 'missing' } }, ConsistentRead: true })); // 1
          await ddb.send(new GetItemCommand({ TableName: PLAIN, Key: { pk: { S: 'r-big' } }, ConsistentRead: true })); // 3
        },
        `${P}consumed_read_capacity_units_total`,
        { table: PLAIN },
      );
      assert.equal(units, 5.5);
    });

    it('counts what ReturnConsumedCapacity reports, and GSI units under the index', async () => {
      const before = await scrape(server.url);
      const out = await ddb.send(
        new PutItemCommand({
          TableName: INDEXED,
          Item: { pk: { S: 'a' }, sk: { S: '1' }, lsk: { S: 'l' }, gk: { S: 'g' } },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      const after = await scrape(server.url);
      const cc = out.ConsumedCapacity!;
      const table = cc.Table!.CapacityUnits! + cc.LocalSecondaryIndexes!.lsi!.CapacityUnits!;
      const gsi = cc.GlobalSecondaryIndexes!.gsi!.CapacityUnits!;
      assert.ok(gsi > 0);
      const grew = (labels: Labels) =>
        valueOf(after, `${P}consumed_write_capacity_units_total`, labels) - valueOf(before, `${P}consumed_write_capacity_units_total`, labels);
      assert.equal(grew({ table: INDEXED, global_secondary_index: 'gsi' }), gsi);
      // The table's series (no index label) holds the table's and its LSIs' units.
      const tableSeries = after.get(`${P}consumed_write_capacity_units_total`)!.samples.find(
        (s) => s.labels.table === INDEXED && s.labels.global_secondary_index === undefined,
      )!;
      const tableBefore = before.get(`${P}consumed_write_capacity_units_total`)!.samples.find(
        (s) => s.labels.table === INDEXED && s.labels.global_secondary_index === undefined,
      )?.value ?? 0;
      assert.equal(tableSeries.value - tableBefore, table);

      const read = await growth(
        server.url,
        () => ddb.send(new QueryCommand({ TableName: INDEXED, IndexName: 'gsi', KeyConditionExpression: 'gk = :g', ExpressionAttributeValues: { ':g': { S: 'g' } } })),
        `${P}consumed_read_capacity_units_total`,
        { table: INDEXED, global_secondary_index: 'gsi' },
      );
      assert.equal(read, 0.5);
    });

    it('counts items returned by Query and Scan, and their read units', async () => {
      const before = await scrape(server.url);
      const q = await ddb.send(
        new QueryCommand({ TableName: PLAIN, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'w1' } } }),
      );
      const s = await ddb.send(new ScanCommand({ TableName: PLAIN, ReturnConsumedCapacity: 'TOTAL' }));
      const after = await scrape(server.url);
      const grew = (name: string, labels: Labels) => valueOf(after, name, labels) - valueOf(before, name, labels);
      assert.equal(grew(`${P}returned_item_count_total`, { table: PLAIN, operation: 'Query' }), q.Count);
      assert.equal(grew(`${P}returned_item_count_total`, { table: PLAIN, operation: 'Scan' }), s.Count);
      assert.ok(s.Count! >= 6);
      assert.equal(grew(`${P}consumed_read_capacity_units_total`, { table: PLAIN }), 0.5 + s.ConsumedCapacity!.CapacityUnits!);
    });

    it('counts batch and transaction capacity', async () => {
      const writes = await growth(
        server.url,
        async () => {
          await ddb.send(
            new BatchWriteItemCommand({
              RequestItems: { [PLAIN]: [{ PutRequest: { Item: { pk: { S: 'b1' } } } }, { PutRequest: { Item: { pk: { S: 'b2' } } } }] },
            }),
          );
          // A transactional write costs twice a plain one.
          await ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: PLAIN, Item: { pk: { S: 't1' } } } }] }));
        },
        `${P}consumed_write_capacity_units_total`,
        { table: PLAIN },
      );
      assert.equal(writes, 4);
      const reads = await growth(
        server.url,
        () => ddb.send(new BatchGetItemCommand({ RequestItems: { [PLAIN]: { Keys: [{ pk: { S: 'b1' } }, { pk: { S: 'b2' } }] } } })),
        `${P}consumed_read_capacity_units_total`,
        { table: PLAIN },
      );
      assert.equal(reads, 1);
    });

    it('counts conditional check failures apart from user errors', async () => {
      const before = await scrape(server.url);
      await expectError(
        ddb.send(new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: 'w1' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
        'ConditionalCheckFailedException',
      );
      await expectError(ddb.send(new GetItemCommand({ TableName: 'metrics-no-such-table', Key: { pk: { S: 'x' } } })), 'ResourceNotFoundException');
      const after = await scrape(server.url);
      const grew = (name: string, labels: Labels = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
      assert.equal(grew(`${P}conditional_check_failed_requests_total`, { table: PLAIN }), 1);
      // The refused write still consumed a unit (the stored item is small), as DynamoDB charges it.
      assert.equal(grew(`${P}consumed_write_capacity_units_total`, { table: PLAIN }), 1);
      assert.equal(grew(`${P}user_errors_total`), 1);
      // A table that does not exist gets no series.
      assert.ok(!after.get(`${P}successful_request_latency_seconds`)!.samples.some((s) => s.labels.table === 'metrics-no-such-table'));
    });

    it('counts system errors (HTTP 500) per operation', async () => {
      // A body that claims gzip but is not: DynamoDB answers 500.
      const n = await growth(
        server.url,
        async () => {
          const res = await fetch(server.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'content-encoding': 'gzip',
              'x-amz-target': 'DynamoDB_20120810.ListTables',
              authorization: 'AWS4-HMAC-SHA256 Credential=AKIDSECRETLESS/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc',
            },
            body: Buffer.from('not gzip at all'),
          });
          assert.equal(res.status, 500);
        },
        `${P}system_errors_total`,
      );
      assert.equal(n, 1);
    });

    it('counts TTL deletions', async () => {
      const table = 'metrics-ttl';
      await ddb.send(new CreateTableCommand(hashKeyTable(table)));
      await ddb.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } }));
      await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'old' }, exp: { N: String(Math.floor(Date.now() / 1000) - 10) } } }));
      await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'new' }, exp: { N: '99999999999' } } }));
      await waitFor(
        async () => valueOf(await scrape(server.url), `${P}time_to_live_deleted_item_count_total`, { table }) === 1,
        'the TTL deletion to be counted',
      );
    });

    it('counts stream records written and read, and the reader lag', async () => {
      const table = 'metrics-stream';
      const created = await ddb.send(
        new CreateTableCommand({ ...hashKeyTable(table), StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
      );
      const arn = created.TableDescription!.LatestStreamArn!;
      await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 's1' } } }));
      await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 's2' } } }));
      const streams = streamsClient(server.url);
      try {
        const records = await readAll(streams, await shardIterator(streams, arn, 'TRIM_HORIZON'));
        assert.equal(records.length, 2);
      } finally {
        streams.destroy();
      }
      const m = await scrape(server.url);
      assert.equal(valueOf(m, 'openddb_stream_records_written_total', { table }), 2);
      assert.equal(valueOf(m, `${P}returned_records_count_total`, { table, operation: 'GetRecords' }), 2);
      assert.ok(valueOf(m, `${P}returned_bytes_total`, { table, operation: 'GetRecords' }) > 0);
      assert.ok(valueOf(m, 'openddb_stream_reader_lag_seconds', { table }) >= 0);
      assert.ok(m.get('openddb_stream_reader_lag_seconds')!.samples.some((s) => s.labels.table === table));
    });

    it('reports a GSI backfill reaching 100 percent', async () => {
      await ddb.send(new UpdateTableCommand({ TableName: PLAIN, ...createGlobalIndex('by-pk', { key: 'pk:S', projection: 'KEYS_ONLY' }) }));
      await waitFor(
        async () =>
          valueOf(await scrape(server.url), `${P}online_index_percentage_progress`, { table: PLAIN, global_secondary_index: 'by-pk' }) === 100,
        'the backfill to finish',
      );
    });
  });

  describe('GET /health and /health/ready', () => {
    it('answers liveness with JSON', async () => {
      const res = await fetch(`${server.url}/health`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = (await res.json()) as { status: string; uptimeSeconds: number };
      assert.equal(body.status, 'ok');
      assert.ok(body.uptimeSeconds > 0);
    });

    it('answers readiness after reading storage', async () => {
      const res = await fetch(`${server.url}/health/ready`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { status: string; storage: { ok: boolean; ms: number } };
      assert.equal(body.status, 'ready');
      assert.equal(body.storage.ok, true);
      assert.ok(body.storage.ms >= 0);
    });

    it('keeps DynamoDB health line on GET /', async () => {
      const res = await fetch(`${server.url}/`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'healthy: dynamodb.us-east-1.amazonaws.com ');
    });

    it('still refuses other GET paths as DynamoDB does', async () => {
      const res = await fetch(`${server.url}/metricsx`);
      assert.equal(res.status, 404);
    });
  });

  // These read the lines of requests made under GET /metrics.
  describe('log lines', { skip: perProcess }, () => {
    it('writes one JSON line per client error at info, without values or credentials', async () => {
      const secret = 'top-secret-item-value';
      const err = await expectError(
        ddb.send(new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: 'w1' }, v: { S: secret } }, ConditionExpression: 'attribute_not_exists(pk)' })),
        'ConditionalCheckFailedException',
      );
      const requestId = (err as { $metadata?: { requestId?: string } }).$metadata!.requestId!;
      await waitFor(async () => logLines(server).some((l) => l.requestId === requestId), 'the log line');
      const lines = logLines(server).filter((l) => l.requestId === requestId);
      assert.equal(lines.length, 1);
      const line = lines[0]!;
      assert.equal(line.level, 'info');
      assert.equal(line.operation, 'PutItem');
      assert.equal(line.table, PLAIN);
      assert.equal(line.status, 400);
      assert.equal(line.errorType, 'ConditionalCheckFailedException');
      assert.equal(typeof line.durationMs, 'number');
      assert.ok(!Number.isNaN(Date.parse(line.time as string)));
      assert.ok(!server.output().includes(secret));
      assert.ok(!server.output().includes('AKIDSECRETLESS'), 'the 500 above was logged without its Authorization');
      // A successful request is not logged at info (it was not slow).
      assert.ok(!logLines(server).some((l) => l.status === 200));
    });

    it('writes an error line for a 500', () => {
      const line = logLines(server).find((l) => l.status === 500);
      assert.ok(line, 'a 500 line');
      assert.equal(line.level, 'error');
      // The body failed before its target was read: no operation to name.
      assert.equal(line.errorType, 'InternalFailure');
    });
  });
});

describe('slow requests (--slow-ms 0, default level warn)', () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  before(async () => {
    server = await startServerProcess({ extraArgs: ['--slow-ms', '0'] });
    ddb = client(server.url);
  });
  after(async () => {
    ddb.destroy();
    await server.stop();
  });

  it('logs every request as slow at warn, with its request id', async () => {
    const out = await ddb.send(new CreateTableCommand(hashKeyTable(PLAIN)));
    const requestId = out.$metadata.requestId!;
    await waitFor(async () => logLines(server).some((l) => l.requestId === requestId), 'the slow-request line');
    const line = logLines(server).find((l) => l.requestId === requestId)!;
    assert.equal(line.level, 'warn');
    assert.equal(line.msg, 'slow request');
    assert.equal(line.operation, 'CreateTable');
    assert.equal(line.table, PLAIN);
    assert.equal(line.status, 200);
  });

  it('does not log client errors at the default level unless slow', async () => {
    // Gzip a valid body to show compressed requests are timed too.
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'content-encoding': 'gzip', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: gzipSync('{}'),
    });
    assert.equal(res.status, 400); // no Authorization header
    const requestId = res.headers.get('x-amzn-requestid');
    await waitFor(async () => logLines(server).some((l) => l.requestId === requestId), 'the line');
    assert.equal(logLines(server).find((l) => l.requestId === requestId)!.level, 'warn');
  });
});

describe('flags', () => {
  it('refuses an unknown --log-level and a bad --slow-ms', async () => {
    await assert.rejects(startServerProcess({ extraArgs: ['--log-level', 'loud'] }), /--log-level must be one of error, warn, info, debug/);
    await assert.rejects(startServerProcess({ extraArgs: ['--slow-ms', 'soon'] }), /--slow-ms must be a number/);
  });
});

describe('/metrics with --auth', () => {
  // A non-loopback address of this machine, to reach the server as another machine would.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
  let dir: { path: string; remove(): void };
  before(() => {
    dir = tempDir('openddb-metrics-auth-');
    writeFileSync(join(dir.path, 'auth.json'), JSON.stringify({
      identities: [{ accessKeyId: 'AKIDM', secretAccessKey: 'm-secret', arn: 'arn:aws:iam::111122223333:user/m', policies: [] }],
    }));
  });
  after(() => dir.remove());

  for (const open of [false, true]) {
    it(`answers this machine's clients${open ? ', and with --public-metrics every client' : ' only'}`, { skip: external === undefined && 'this machine has no non-loopback IPv4 address' }, async () => {
      const server = await startServerProcess({
        extraArgs: ['--host', '0.0.0.0', '--auth', join(dir.path, 'auth.json'), ...(open ? ['--public-metrics'] : [])],
      });
      try {
        const port = new URL(server.url).port;
        assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200);
        const remote = await fetch(`http://${external}:${port}/metrics`);
        assert.equal(remote.status, open ? 200 : 403);
        if (!open) assert.match(((await remote.json()) as { message: string }).message, /--public-metrics/);
        // Health stays open: it says nothing about the data.
        assert.equal((await fetch(`http://${external}:${port}/health`)).status, 200);
      } finally {
        await server.stop();
      }
    });
  }
});
