/**
 * Black-box tests of regions: tables live in the region of the request's
 * SigV4 credential scope. Two SDK clients, signing for us-west-1 and
 * us-east-1, share one server whose default region (for requests that name
 * none) is eu-central-1; each sees only its own region's tables, streams,
 * tags, transactions and PartiQL. Also DescribeEndpoints, which must name
 * the address the client reached openddb at, and a data directory written
 * before regions (test/fixtures/legacy-store.json), whose tables belong to
 * the default region.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DynamoDBClient,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeEndpointsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ExecuteStatementCommand,
  GetItemCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TagResourceCommand,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { expectError, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { readAll, shardIterator } from './helpers/streams.js';
import { defineTable } from './helpers/tables.js';
import { openEngine } from '../src/storage/open-engine.js';

const here = dirname(fileURLToPath(import.meta.url));
let server: ServerProcess;
let west: DynamoDBClient;
let east: DynamoDBClient;
let westStreams: DynamoDBStreamsClient;
let eastStreams: DynamoDBStreamsClient;

/** Clients signing for `region`: their credential scope names it, so their tables live there. */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const client = (url: string, region: string) => new DynamoDBClient({ endpoint: url, region, credentials, maxAttempts: 1 });
const streamsClient = (url: string, region: string) => new DynamoDBStreamsClient({ endpoint: url, region, credentials, maxAttempts: 1 });

before(async () => {
  server = await startServerProcess({ extraArgs: ['--region', 'eu-central-1', '--ttl-interval-ms', '50'] });
  west = client(server.url, 'us-west-1');
  east = client(server.url, 'us-east-1');
  westStreams = streamsClient(server.url, 'us-west-1');
  eastStreams = streamsClient(server.url, 'us-east-1');
});
after(async () => {
  for (const c of [west, east, westStreams, eastStreams]) c.destroy();
  await server.stop();
});

function table(name: string, key = 'pk', stream = false) {
  return new CreateTableCommand(defineTable(name, `${key}:S`, stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } : {}));
}

async function tableNames(c: DynamoDBClient): Promise<string[]> {
  return (await c.send(new ListTablesCommand({}))).TableNames!.filter((n) => n.startsWith('regions_'));
}

/** One raw POST: full control of the headers and the URL. */
function raw(
  target: string,
  body: unknown,
  headers: Record<string, string>,
  path = '/',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(server.url);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': `DynamoDB_20120810.${target}`,
          'X-Amz-Date': '20260101T000000Z',
          'Content-Length': String(payload.length),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const signedFor = (credential: string) => ({
  Authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=0123abcd`,
});

describe('Tables live in the region of the credential scope', () => {
  it('keeps same-named tables of two regions apart', async () => {
    const w = await west.send(table('regions_same', 'wk'));
    assert.equal(w.TableDescription!.TableArn, 'arn:aws:dynamodb:us-west-1:123456789012:table/regions_same');
    await expectError(
      east.send(new DescribeTableCommand({ TableName: 'regions_same' })),
      'ResourceNotFoundException',
      'Requested resource not found: Table: regions_same not found',
    );
    await expectError(east.send(new GetItemCommand({ TableName: 'regions_same', Key: { wk: { S: 'a' } } })), 'ResourceNotFoundException');
    await expectError(
      east.send(new PutItemCommand({ TableName: 'regions_same', Item: { wk: { S: 'a' } } })),
      'ResourceNotFoundException',
    );

    // The same name in us-east-1 is another table, with its own key schema and items.
    const e = await east.send(table('regions_same', 'ek'));
    assert.equal(e.TableDescription!.TableArn, 'arn:aws:dynamodb:us-east-1:123456789012:table/regions_same');
    assert.notEqual(e.TableDescription!.TableId, w.TableDescription!.TableId);
    await west.send(new PutItemCommand({ TableName: 'regions_same', Item: { wk: { S: 'a' }, from: { S: 'west' } } }));
    await east.send(new PutItemCommand({ TableName: 'regions_same', Item: { ek: { S: 'a' }, from: { S: 'east' } } }));
    assert.equal((await west.send(new GetItemCommand({ TableName: 'regions_same', Key: { wk: { S: 'a' } } }))).Item!.from!.S, 'west');
    assert.equal((await east.send(new GetItemCommand({ TableName: 'regions_same', Key: { ek: { S: 'a' } } }))).Item!.from!.S, 'east');
    assert.equal((await west.send(new ScanCommand({ TableName: 'regions_same' }))).Count, 1);
    await expectError(
      east.send(new GetItemCommand({ TableName: 'regions_same', Key: { wk: { S: 'a' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );

    // Deleting one leaves the other.
    await west.send(new DeleteTableCommand({ TableName: 'regions_same' }));
    assert.equal((await east.send(new GetItemCommand({ TableName: 'regions_same', Key: { ek: { S: 'a' } } }))).Item!.from!.S, 'east');
    await east.send(new DeleteTableCommand({ TableName: 'regions_same' }));
  });

  it('lists only the region\'s tables', async () => {
    await west.send(table('regions_list_w1'));
    await west.send(table('regions_list_w2'));
    await east.send(table('regions_list_e1'));
    assert.deepEqual(await tableNames(west), ['regions_list_w1', 'regions_list_w2']);
    assert.deepEqual(await tableNames(east), ['regions_list_e1']);
    const page = await west.send(new ListTablesCommand({ ExclusiveStartTableName: 'regions_list_w1' }));
    assert.deepEqual(page.TableNames!.filter((n) => n.startsWith('regions_')), ['regions_list_w2']);
  });

  it('resolves a table ARN in the request\'s region only', async () => {
    const arn = (await west.send(table('regions_arn'))).TableDescription!.TableArn!;
    await west.send(new PutItemCommand({ TableName: arn, Item: { pk: { S: 'k' } } }));
    assert.deepEqual((await west.send(new GetItemCommand({ TableName: arn, Key: { pk: { S: 'k' } } }))).Item, { pk: { S: 'k' } });
    assert.equal((await west.send(new DescribeTableCommand({ TableName: arn }))).Table!.TableArn, arn);
    await expectError(
      east.send(new DescribeTableCommand({ TableName: arn })),
      'ValidationException',
      `1 validation error detected: Invalid AWS region in '${arn}'`,
    );
    await expectError(
      east.send(new GetItemCommand({ TableName: arn, Key: { pk: { S: 'k' } } })),
      'ValidationException',
      `1 validation error detected: Invalid AWS region in '${arn}'`,
    );
  });

  it('tags by ARN in the ARN\'s region, and refuses another region\'s ARN', async () => {
    const arn = (await west.send(table('regions_tags'))).TableDescription!.TableArn!;
    await west.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'west' }] }));
    assert.deepEqual((await west.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags, [{ Key: 'team', Value: 'west' }]);
    // One at a time: a second call started before the first is awaited would reject unhandled.
    for (const call of [
      () => east.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'east' }] })),
      () => east.send(new ListTagsOfResourceCommand({ ResourceArn: arn })),
    ]) {
      await expectError(call(), 'ValidationException', `Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
    }
    assert.deepEqual((await west.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags, [{ Key: 'team', Value: 'west' }]);
    // The same table name in us-east-1 is not there.
    await expectError(
      east.send(new ListTagsOfResourceCommand({ ResourceArn: arn.replace('us-west-1', 'us-east-1') })),
      'ResourceNotFoundException',
    );
  });

  it('runs transactions, batches and PartiQL against the region\'s tables', async () => {
    await west.send(table('regions_tx_a'));
    await west.send(table('regions_tx_b'));
    await west.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'regions_tx_a', Item: { pk: { S: '1' } } } },
          { Put: { TableName: 'regions_tx_b', Item: { pk: { S: '2' } } } },
        ],
      }),
    );
    await expectError(
      east.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'regions_tx_a', Item: { pk: { S: '3' } } } }] })),
      'ResourceNotFoundException',
    );
    await west.send(
      new BatchWriteItemCommand({
        RequestItems: {
          regions_tx_a: [{ PutRequest: { Item: { pk: { S: 'b1' } } } }],
          regions_tx_b: [{ PutRequest: { Item: { pk: { S: 'b2' } } } }],
        },
      }),
    );
    await expectError(
      east.send(new BatchWriteItemCommand({ RequestItems: { regions_tx_a: [{ PutRequest: { Item: { pk: { S: 'x' } } } }] } })),
      'ResourceNotFoundException',
    );
    const got = await west.send(
      new BatchGetItemCommand({
        RequestItems: { regions_tx_a: { Keys: [{ pk: { S: '1' } }, { pk: { S: 'b1' } }] }, regions_tx_b: { Keys: [{ pk: { S: '2' } }] } },
      }),
    );
    assert.equal(got.Responses!.regions_tx_a!.length, 2);
    assert.equal(got.Responses!.regions_tx_b!.length, 1);
    await expectError(
      east.send(new BatchGetItemCommand({ RequestItems: { regions_tx_a: { Keys: [{ pk: { S: '1' } }] } } })),
      'ResourceNotFoundException',
    );

    const selected = await west.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "regions_tx_a" WHERE pk = '1'` }));
    assert.deepEqual(selected.Items, [{ pk: { S: '1' } }]);
    await expectError(
      east.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "regions_tx_a" WHERE pk = '1'` })),
      'ResourceNotFoundException',
    );
    await expectError(
      east.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "regions_tx_a" VALUE {'pk': 'p'}` })),
      'ResourceNotFoundException',
    );
  });

  it('keeps a ClientRequestToken to its region', async () => {
    await west.send(table('regions_token'));
    await east.send(table('regions_token'));
    const put = (c: DynamoDBClient) =>
      c.send(
        new TransactWriteItemsCommand({
          ClientRequestToken: 'regions-token-1',
          TransactItems: [{ Put: { TableName: 'regions_token', Item: { pk: { S: 'same' } } } }],
        }),
      );
    await put(west);
    // The same token and request in another region is a new transaction there, not a replay.
    await put(east);
    assert.ok((await east.send(new GetItemCommand({ TableName: 'regions_token', Key: { pk: { S: 'same' } } }))).Item);
  });

  it('gives each region its own streams', async () => {
    const created = await west.send(table('regions_stream', 'pk', true));
    const arn = created.TableDescription!.LatestStreamArn!;
    assert.match(arn, /^arn:aws:dynamodb:us-west-1:123456789012:table\/regions_stream\/stream\//);
    await east.send(table('regions_stream', 'pk', true));
    await west.send(new PutItemCommand({ TableName: 'regions_stream', Item: { pk: { S: 'w' } } }));

    const westList = (await westStreams.send(new ListStreamsCommand({ TableName: 'regions_stream' }))).Streams!;
    const eastList = (await eastStreams.send(new ListStreamsCommand({ TableName: 'regions_stream' }))).Streams!;
    assert.deepEqual(westList.map((s) => s.StreamArn), [arn]);
    assert.equal(eastList.length, 1);
    assert.match(eastList[0]!.StreamArn!, /^arn:aws:dynamodb:us-east-1:/);
    const allWest = (await westStreams.send(new ListStreamsCommand({}))).Streams!.map((s) => s.StreamArn!);
    assert.ok(allWest.every((a) => a.startsWith('arn:aws:dynamodb:us-west-1:')), allWest.join());

    const described = await westStreams.send(new DescribeStreamCommand({ StreamArn: arn }));
    assert.equal(described.StreamDescription!.StreamArn, arn);
    const records = await readAll(westStreams, await shardIterator(westStreams, arn, 'TRIM_HORIZON'));
    assert.deepEqual(records.map((r) => [r.eventName, r.awsRegion, r.dynamodb!.Keys!.pk!.S]), [['INSERT', 'us-west-1', 'w']]);
    await expectError(
      eastStreams.send(new DescribeStreamCommand({ StreamArn: arn })),
      'ResourceNotFoundException',
      `Requested resource not found: Stream: ${arn} not found`,
    );
  });

  it('sweeps expired items of every region', async () => {
    await west.send(table('regions_ttl'));
    await west.send(new UpdateTimeToLiveCommand({ TableName: 'regions_ttl', TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } }));
    await west.send(new PutItemCommand({ TableName: 'regions_ttl', Item: { pk: { S: 'old' }, exp: { N: String(Math.floor(Date.now() / 1000) - 60) } } }));
    await west.send(new PutItemCommand({ TableName: 'regions_ttl', Item: { pk: { S: 'new' }, exp: { N: '99999999999' } } }));
    const deadline = Date.now() + 5000;
    let keys: string[] = [];
    while (Date.now() < deadline) {
      keys = (await west.send(new ScanCommand({ TableName: 'regions_ttl' }))).Items!.map((i) => i.pk!.S!);
      if (keys.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(keys, ['new']);
  });
});

describe('Requests that name no region', () => {
  it('use --region: a credential without a complete scope', async () => {
    const out = await raw(
      'CreateTable',
      {
        TableName: 'regions_default',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      signedFor('AKIDEXAMPLE'),
    );
    assert.equal(out.status, 200);
    assert.equal((out.json.TableDescription as { TableArn: string }).TableArn, 'arn:aws:dynamodb:eu-central-1:123456789012:table/regions_default');
    const central = client(server.url, 'eu-central-1');
    try {
      assert.deepEqual(await tableNames(central), ['regions_default']);
    } finally {
      central.destroy();
    }
    assert.ok(!(await tableNames(west)).includes('regions_default'));
  });

  it('take the region of a presigned URL\'s X-Amz-Credential', async () => {
    await west.send(table('regions_presigned'));
    const query =
      '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-west-1%2Fdynamodb%2Faws4_request' +
      '&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=0123abcd';
    const out = await raw('DescribeTable', { TableName: 'regions_presigned' }, {}, query);
    assert.equal(out.status, 200);
    assert.equal((out.json.Table as { TableArn: string }).TableArn, 'arn:aws:dynamodb:us-west-1:123456789012:table/regions_presigned');
  });

  it('refuse a credential scope no region could have', async () => {
    const out = await raw('ListTables', {}, signedFor('AKIDEXAMPLE/20260101/us:west/dynamodb/aws4_request'));
    assert.equal(out.status, 400);
    assert.equal(out.json.__type, 'com.amazon.coral.service#InvalidSignatureException');
    assert.equal(out.json.message, "Credential should be scoped to a valid region, not 'us:west'. ");
  });
});

describe('DescribeEndpoints', () => {
  it('names the address the request reached openddb at, not AWS', async () => {
    const out = await west.send(new DescribeEndpointsCommand({}));
    assert.deepEqual(
      out.Endpoints!.map((e) => [e.Address, e.CachePeriodInMinutes]),
      [[new URL(server.url).host, 1440]],
    );
    const viaName = await raw('DescribeEndpoints', {}, { ...signedFor('AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request'), Host: 'ddb.example.test:8123' });
    assert.deepEqual(viaName.json, { Endpoints: [{ Address: 'ddb.example.test:8123', CachePeriodInMinutes: 1440 }] });
  });
});

describe('A data directory written before regions', () => {
  it('keeps its tables, items, indexes, tags, TTL and streams, in the default region', async () => {
    const fixture = JSON.parse(readFileSync(join(here, '..', '..', 'test', 'fixtures', 'legacy-store.json'), 'utf8')) as {
      entries: { key: string; text?: string; base64?: string }[];
    };
    const dir = tempDir();
    try {
      const engine = await openEngine({ dataDir: dir.path });
      await engine.commit(
        fixture.entries.map((e) => ({
          key: Buffer.from(e.key, 'hex'),
          value: e.text !== undefined ? Buffer.from(e.text, 'utf8') : Buffer.from(e.base64!, 'base64'),
        })),
      );
      await engine.close();

      for (const defaultRegion of ['us-east-1', 'eu-west-1']) {
        // The first start moves the tables into its default region; a later
        // start with another default leaves them there.
        const old = await startServerProcess({ dataDir: dir.path, extraArgs: ['--region', defaultRegion] });
        const home = client(old.url, 'us-east-1');
        const away = client(old.url, 'us-west-1');
        const homeStreams = streamsClient(old.url, 'us-east-1');
        try {
          assert.deepEqual((await home.send(new ListTablesCommand({}))).TableNames, ['legacy_orders', 'legacy_plain']);
          assert.deepEqual((await away.send(new ListTablesCommand({}))).TableNames, []);
          const described = (await home.send(new DescribeTableCommand({ TableName: 'legacy_orders' }))).Table!;
          assert.equal(described.TableArn, 'arn:aws:dynamodb:us-east-1:123456789012:table/legacy_orders');
          assert.equal(described.TableId, 'e3f2405d-bb58-45a3-9d12-59ae0e11e33d');
          assert.equal(described.GlobalSecondaryIndexes![0]!.IndexName, 'by_g');
          const items = await home.send(new QueryCommand({ TableName: 'legacy_orders', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }));
          assert.deepEqual(items.Items!.map((i) => i.v!.S), ['item 1', 'item 2', 'item 3']);
          const byIndex = await home.send(
            new QueryCommand({ TableName: 'legacy_orders', IndexName: 'by_g', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'x' } } }),
          );
          assert.equal(byIndex.Count, 3);
          assert.deepEqual((await home.send(new GetItemCommand({ TableName: 'legacy_plain', Key: { id: { S: 'one' } } }))).Item, { id: { S: 'one' }, n: { N: '1' } });
          assert.deepEqual((await home.send(new ListTagsOfResourceCommand({ ResourceArn: described.TableArn }))).Tags, [{ Key: 'team', Value: 'legacy' }]);
          assert.equal(
            (await home.send(new DescribeTimeToLiveCommand({ TableName: 'legacy_orders' }))).TimeToLiveDescription!.AttributeName,
            'expires',
          );
          const streamsOut = (await homeStreams.send(new ListStreamsCommand({}))).Streams!;
          assert.deepEqual(streamsOut.map((s) => s.StreamArn), [described.LatestStreamArn]);
          assert.match(described.LatestStreamArn!, /^arn:aws:dynamodb:us-east-1:123456789012:table\/legacy_orders\/stream\//);
          const stream = await homeStreams.send(new DescribeStreamCommand({ StreamArn: described.LatestStreamArn! }));
          assert.equal(stream.StreamDescription!.StreamStatus, 'ENABLED');
          // Still writable, in its region only.
          await home.send(new PutItemCommand({ TableName: 'legacy_plain', Item: { id: { S: defaultRegion } } }));
          await expectError(away.send(new GetItemCommand({ TableName: 'legacy_plain', Key: { id: { S: 'one' } } })), 'ResourceNotFoundException');
        } finally {
          home.destroy();
          away.destroy();
          homeStreams.destroy();
          await old.stop();
        }
      }
    } finally {
      dir.remove();
    }
  });
});
