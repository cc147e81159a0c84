/**
 * Export → import round trips through a whole in-process server: the table
 * exported (DynamoDB JSON and Ion, to a folder and to an S3-compatible
 * server, s3rver) and the export's data files imported into a new table
 * equal the source item for item, indexes included; an export of a past
 * instant equals the table as it was then, and an incremental export holds
 * exactly the items changed between two instants.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import {
  CreateTableCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ImportTableCommand,
  ListExportsCommand,
  QueryCommand,
  ScanCommand,
  BatchWriteItemCommand,
  UpdateContinuousBackupsCommand,
  PutItemCommand,
  DeleteItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { startServer, type RunningServer } from '../server/start-server.js';
import { hashKeyTable } from '../../test/helpers/tables.js';

const ACCOUNT = '123456789012';

function client(url: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
}

async function enablePitr(server: RunningServer, name: string): Promise<void> {
  await client(server.url).send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  // The restorable window opens a moment after enabling (backup/point-in-time PITR_GRACE_MS).
  await new Promise((r) => setTimeout(r, 400));
}

async function until<T>(what: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sampleItem(i: number): Record<string, AttributeValue> {
  return {
    pk: { S: `p${i % 37}` },
    sk: { N: String(i) },
    g: { S: `g${i % 5}` },
    text: { S: `item ${i} ✓ "quoted"` },
    bin: { B: Uint8Array.of(i % 256, 1, 2) },
    flag: { BOOL: i % 2 === 0 },
    nothing: { NULL: true },
    list: { L: [{ N: '1.50' }, { S: 'x' }, { M: { deep: { NS: ['1', '2.5'] } } }] },
    ss: { SS: ['a', `b${i}`] },
    bs: { BS: [Uint8Array.of(1), Uint8Array.of(2, i % 256)] },
  };
}

async function scanAll(c: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const out: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await c.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out.sort((a, b) => Number(a.sk!.N) - Number(b.sk!.N));
}

const ITEMS = 1234;

/** The source table and the imported copy: one key schema, one GSI. */
const TABLE = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'N' as const },
    { AttributeName: 'g', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'ALL' as const } }],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

async function roundTrip(server: RunningServer, bucket: string, format: 'DYNAMODB_JSON' | 'ION', source: string, target: string) {
  const c = client(server.url);
  await c.send(
    new CreateTableCommand({ TableName: source, ...TABLE }),
  );
  for (let i = 0; i < ITEMS; i += 25) {
    const batch = [];
    for (let j = i; j < Math.min(ITEMS, i + 25); j++) batch.push({ PutRequest: { Item: sampleItem(j) } });
    await c.send(new BatchWriteItemCommand({ RequestItems: { [source]: batch } }));
  }
  await enablePitr(server, source);
  const exported = await c.send(
    new ExportTableToPointInTimeCommand({ TableArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${source}`, S3Bucket: bucket, S3Prefix: 'exports/', ExportFormat: format }),
  );
  const arn = exported.ExportDescription!.ExportArn!;
  assert.match(arn, new RegExp(`^arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${source}/export/\\d{14}-[0-9a-f]{8}$`));
  assert.equal(exported.ExportDescription!.ExportStatus, 'IN_PROGRESS');
  const done = await until(
    () => c.send(new DescribeExportCommand({ ExportArn: arn })),
    (d) => d.ExportDescription!.ExportStatus !== 'IN_PROGRESS',
  );
  const d = done.ExportDescription!;
  assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
  assert.equal(d.ItemCount, ITEMS);
  assert.ok((d.BilledSizeBytes ?? 0) > 0);
  const exportId = arn.slice(arn.lastIndexOf('/') + 1);
  assert.equal(d.ExportManifest, `exports/AWSDynamoDB/${exportId}/manifest-summary.json`);
  const listed = await c.send(new ListExportsCommand({ TableArn: d.TableArn }));
  assert.deepEqual(listed.ExportSummaries, [{ ExportArn: arn, ExportStatus: 'COMPLETED', ExportType: 'FULL_EXPORT' }]);

  const imported = await c.send(
    new ImportTableCommand({
      S3BucketSource: { S3Bucket: bucket, S3KeyPrefix: `exports/AWSDynamoDB/${exportId}/data/` },
      InputFormat: format,
      InputCompressionType: 'GZIP',
      TableCreationParameters: { TableName: target, ...TABLE },
    }),
  );
  const importDone = await until(
    () => c.send(new DescribeImportCommand({ ImportArn: imported.ImportTableDescription!.ImportArn! })),
    (x) => x.ImportTableDescription!.ImportStatus !== 'IN_PROGRESS',
  );
  const i = importDone.ImportTableDescription!;
  assert.equal(i.ImportStatus, 'COMPLETED', i.FailureMessage);
  assert.equal(i.ImportedItemCount, ITEMS);
  assert.equal(i.ErrorCount, 0);
  assert.equal((await c.send(new DescribeTableCommand({ TableName: target }))).Table!.TableStatus, 'ACTIVE');
  assert.deepEqual(await scanAll(c, target), await scanAll(c, source));
  // The index came along: the same items under one GSI key.
  const q = async (t: string) => (await c.send(new QueryCommand({ TableName: t, IndexName: 'byG', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'g3' } } }))).Count;
  assert.equal(await q(target), await q(source));
  return exportId;
}

describe('export → import round trip, folder buckets', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openddb-export-'));
    server = await startServer({ inMemory: true, port: 0, exportDir: dir, log: () => {} });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('DynamoDB JSON: DynamoDB\'s layout, manifests and data', async () => {
    const id = await roundTrip(server, 'bucket-a', 'DYNAMODB_JSON', 'src_json', 'dst_json');
    const base = join(dir, 'bucket-a', 'exports', 'AWSDynamoDB', id);
    const summary = JSON.parse(readFileSync(join(base, 'manifest-summary.json'), 'utf8'));
    assert.equal(summary.version, '2020-06-30');
    assert.equal(summary.itemCount, ITEMS);
    assert.equal(summary.outputFormat, 'DYNAMODB_JSON');
    assert.equal(summary.s3Bucket, 'bucket-a');
    assert.equal(summary.manifestFilesS3Key, `exports/AWSDynamoDB/${id}/manifest-files.json`);
    for (const k of ['exportArn', 'startTime', 'endTime', 'tableArn', 'tableId', 'exportTime', 'billedSizeBytes']) assert.ok(k in summary, k);
    const files = readFileSync(join(base, 'manifest-files.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(files.reduce((n: number, f: { itemCount: number }) => n + f.itemCount, 0), ITEMS);
    const first = files[0];
    assert.match(first.dataFileS3Key, new RegExp(`^exports/AWSDynamoDB/${id}/data/[a-z2-7]{26}\\.json\\.gz$`));
    const lines = gunzipSync(readFileSync(join(dir, 'bucket-a', first.dataFileS3Key))).toString('utf8').trim().split('\n');
    assert.ok('Item' in JSON.parse(lines[0]!));
    assert.ok(readdirSync(base).includes('_started'));
    assert.ok(readdirSync(base).includes('manifest-summary.checksum'));
  });

  test('Amazon Ion', async () => {
    const id = await roundTrip(server, 'bucket-b', 'ION', 'src_ion', 'dst_ion');
    const base = join(dir, 'bucket-b', 'exports', 'AWSDynamoDB', id);
    const files = readFileSync(join(base, 'manifest-files.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const text = gunzipSync(readFileSync(join(dir, 'bucket-b', files[0].dataFileS3Key))).toString('utf8');
    assert.match(text, /^\$ion_1_0 \{Item:\{/);
    assert.match(text, /\$dynamodb_SS::\[/);
  });
});

describe('ExportTableToPointInTime: idempotency and errors', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openddb-export-errors-'));
    server = await startServer({ inMemory: true, port: 0, exportDir: dir, log: () => {} });
    const c = client(server.url);
    await c.send(new CreateTableCommand(hashKeyTable('errs')));
    await enablePitr(server, 'errs');
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const tableArn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/errs`;

  async function rejects(p: Promise<unknown>, name: string, message: RegExp): Promise<void> {
    await assert.rejects(p, (e: Error) => {
      assert.equal(e.name, name);
      assert.match(e.message, message);
      return true;
    });
  }

  test('ClientToken: the same request is the same export; other parameters are ExportConflictException', async () => {
    const c = client(server.url);
    const first = await c.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'b1', ClientToken: 'tok' }));
    const again = await c.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'b1', ClientToken: 'tok' }));
    assert.equal(again.ExportDescription!.ExportArn, first.ExportDescription!.ExportArn);
    await rejects(c.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'b2', ClientToken: 'tok' })), 'ExportConflictException', /same client token/);
  });

  test('times: the future and before point-in-time recovery are InvalidExportTimeException; bad parameters', async () => {
    const c = client(server.url);
    await rejects(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'b1', ExportTime: new Date(Date.now() + 3_600_000) })),
      'InvalidExportTimeException',
      /future/,
    );
    await rejects(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'b1', ExportTime: new Date(Date.now() - 3_600_000) })),
      'InvalidExportTimeException',
      /outside the point in time recovery window/,
    );
    await rejects(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'b1', ExportType: 'INCREMENTAL_EXPORT' })),
      'ValidationException',
      /ExportFromTime is required/,
    );
    await rejects(
      c.send(
        new ExportTableToPointInTimeCommand({
          TableArn: tableArn,
          S3Bucket: 'b1',
          ExportType: 'INCREMENTAL_EXPORT',
          IncrementalExportSpecification: { ExportFromTime: new Date(Date.now() - 1000), ExportToTime: new Date(Date.now() - 2000) },
        }),
      ),
      'ValidationException',
      /ExportFromTime must be before ExportToTime/,
    );
    await rejects(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'b1', ExportFormat: 'CSV' as never })),
      'ValidationException',
      /Member must satisfy enum value set: \[DYNAMODB_JSON, ION\]/,
    );
  });

  test('an export of a past instant is the table as it was then; an incremental export holds what changed', async () => {
    const c = client(server.url);
    await c.send(new CreateTableCommand(hashKeyTable('pitr_src')));
    await enablePitr(server, 'pitr_src');
    for (const k of ['a', 'b', 'c']) await c.send(new PutItemCommand({ TableName: 'pitr_src', Item: { pk: { S: k }, v: { N: '1' } } }));
    await new Promise((r) => setTimeout(r, 1100));
    const t1 = new Date();
    await new Promise((r) => setTimeout(r, 1100));
    await c.send(new PutItemCommand({ TableName: 'pitr_src', Item: { pk: { S: 'a' }, v: { N: '2' } } }));
    await c.send(new DeleteItemCommand({ TableName: 'pitr_src', Key: { pk: { S: 'b' } } }));
    await c.send(new PutItemCommand({ TableName: 'pitr_src', Item: { pk: { S: 'd' }, v: { N: '1' } } }));
    // Changed and changed back, created and deleted: the same state (or none) at both ends, listed all the same.
    await c.send(new PutItemCommand({ TableName: 'pitr_src', Item: { pk: { S: 'c' }, v: { N: '9' } } }));
    await c.send(new PutItemCommand({ TableName: 'pitr_src', Item: { pk: { S: 'c' }, v: { N: '1' } } }));
    await c.send(new PutItemCommand({ TableName: 'pitr_src', Item: { pk: { S: 'e' }, v: { N: '1' } } }));
    await c.send(new DeleteItemCommand({ TableName: 'pitr_src', Key: { pk: { S: 'e' } } }));
    await new Promise((r) => setTimeout(r, 1100));
    const t2 = new Date();
    const arn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/pitr_src`;

    const past = await c.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'pitr', ExportTime: t1 }));
    const pastDone = await until(
      () => c.send(new DescribeExportCommand({ ExportArn: past.ExportDescription!.ExportArn! })),
      (d) => d.ExportDescription!.ExportStatus !== 'IN_PROGRESS',
    );
    assert.equal(pastDone.ExportDescription!.ExportStatus, 'COMPLETED', pastDone.ExportDescription!.FailureMessage);
    assert.equal(pastDone.ExportDescription!.ItemCount, 3);
    assert.equal(pastDone.ExportDescription!.ExportTime!.getTime(), t1.getTime());
    const items = dataLines(dir, 'pitr', pastDone.ExportDescription!.ExportManifest!).map((l) => l.Item);
    assert.deepEqual(
      items.map((i) => `${i.pk.S}=${i.v.N}`).sort(),
      ['a=1', 'b=1', 'c=1'],
    );

    const inc = await c.send(
      new ExportTableToPointInTimeCommand({
        TableArn: arn,
        S3Bucket: 'pitr',
        ExportType: 'INCREMENTAL_EXPORT',
        IncrementalExportSpecification: { ExportFromTime: t1, ExportToTime: t2, ExportViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const incDone = await until(
      () => c.send(new DescribeExportCommand({ ExportArn: inc.ExportDescription!.ExportArn! })),
      (d) => d.ExportDescription!.ExportStatus !== 'IN_PROGRESS',
    );
    const d = incDone.ExportDescription!;
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ExportType, 'INCREMENTAL_EXPORT');
    assert.equal(d.IncrementalExportSpecification!.ExportViewType, 'NEW_AND_OLD_IMAGES');
    assert.equal(d.ItemCount, 5);
    const lines = dataLines(dir, 'pitr', d.ExportManifest!);
    const byKey = Object.fromEntries(lines.map((l) => [l.Keys.pk.S, { old: l.OldImage?.v?.N ?? null, new: l.NewImage?.v?.N ?? null }]));
    assert.deepEqual(byKey, {
      a: { old: '1', new: '2' },
      b: { old: '1', new: null },
      c: { old: '1', new: '1' },
      d: { old: null, new: '1' },
      e: { old: null, new: null },
    });
    // Each line's time is its item's last write in the period.
    for (const l of lines) {
      const micros = Number(l.Metadata.WriteTimestampMicros.N);
      assert.ok(micros > t1.getTime() * 1000 && micros < t2.getTime() * 1000 - 500_000, `${l.Keys.pk.S}: ${micros}`);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'pitr', d.ExportManifest!), 'utf8'));
    assert.equal(summary.exportFromTime, t1.toISOString());
    assert.equal(summary.outputView, 'NEW_AND_OLD_IMAGES');
  });
});

 
function dataLines(dir: string, bucket: string, manifestKey: string): any[] {
  const summary = JSON.parse(readFileSync(join(dir, bucket, manifestKey), 'utf8'));
  const files = readFileSync(join(dir, bucket, summary.manifestFilesS3Key), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return files.flatMap((f: { dataFileS3Key: string }) =>
    gunzipSync(readFileSync(join(dir, bucket, f.dataFileS3Key)))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l)),
  );
}

describe('export → import round trip, S3-compatible endpoint (s3rver)', () => {
  let server: RunningServer;
  let s3: { close(): Promise<void> };
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openddb-s3rver-'));
    const S3rver = createRequire(import.meta.url)('s3rver');
    const instance = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'exports-bucket' }] });
    const { port } = await instance.run();
    s3 = instance;
    server = await startServer({ inMemory: true, port: 0, s3Endpoint: `http://127.0.0.1:${port}`, log: () => {} });
  });
  after(async () => {
    await server.close();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('DynamoDB JSON through S3', async () => {
    await roundTrip(server, 'exports-bucket', 'DYNAMODB_JSON', 'src_s3', 'dst_s3');
  });

  test('a bucket that does not exist fails the export with S3NoSuchBucket', async () => {
    const c = client(server.url);
    await c.send(new CreateTableCommand(hashKeyTable('nobucket')));
    await enablePitr(server, 'nobucket');
    const e = await c.send(new ExportTableToPointInTimeCommand({ TableArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/nobucket`, S3Bucket: 'missing-bucket' }));
    const d = await until(
      () => c.send(new DescribeExportCommand({ ExportArn: e.ExportDescription!.ExportArn! })),
      (x) => x.ExportDescription!.ExportStatus !== 'IN_PROGRESS',
    );
    assert.equal(d.ExportDescription!.ExportStatus, 'FAILED');
    assert.equal(d.ExportDescription!.FailureCode, 'S3NoSuchBucket');
  });
});
