/**
 * Export, import and bulk operations through a server process and the AWS
 * SDK v3 (issues 14 and 17): inputs in every format and compression with a
 * few bad rows, a bulk load cancelled midway and run again, a server killed
 * mid-job, and every error. The export → import round trip, which needs
 * point-in-time recovery on, is src/transfer/transfer-round-trip.test.ts.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  CancelBulkOperationCommand,
  CreateTableCommand,
  DescribeBulkOperationCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  ExportTableToPointInTimeCommand,
  GetItemCommand,
  ImportTableCommand,
  ListBulkOperationsCommand,
  ListExportsCommand,
  ListImportsCommand,
  QueryCommand,
  ScanCommand,
  StartBulkPutItemsCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type ScanCommandOutput,
  type ImportTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { CLI, client, expectError, startServerProcess, tempDir, variantPass, type ServerProcess } from './helpers/server-process.js';
import { defineTable, hashKeyTable } from './helpers/tables.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist/test/ → the sources' test/fixtures.
const FIXTURES = join(here, '..', '..', 'test', 'fixtures', 'transfer');
const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table';

async function until<T>(what: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function put(dir: string, bucket: string, key: string, body: string | Uint8Array): void {
  const file = join(dir, bucket, key);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
}

async function count(c: DynamoDBClient, table: string): Promise<number> {
  let n = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page: ScanCommandOutput = await c.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    n += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return n;
}

function importInput(table: string, prefix: string, extra: Partial<ImportTableCommandInput> = {}): ImportTableCommandInput {
  return {
    S3BucketSource: { S3Bucket: 'in', S3KeyPrefix: prefix },
    InputFormat: 'DYNAMODB_JSON',
    TableCreationParameters: {
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'g', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    ...extra,
  };
}

async function importAndWait(c: DynamoDBClient, input: ImportTableCommandInput) {
  const started = await c.send(new ImportTableCommand(input));
  assert.equal(started.ImportTableDescription!.ImportStatus, 'IN_PROGRESS');
  const done = await until(
    () => c.send(new DescribeImportCommand({ ImportArn: started.ImportTableDescription!.ImportArn! })),
    (d) => d.ImportTableDescription!.ImportStatus !== 'IN_PROGRESS',
  );
  return done.ImportTableDescription!;
}

describe('without --s3-endpoint or --export-dir', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    await server.stop();
  });
  test('every transfer operation says how to enable it', async () => {
    const c = client(server.url);
    const how = /needs a place for its S3 buckets: start openddb with --s3-endpoint URL .* or --export-dir DIR/;
    await expectError(c.send(new ListExportsCommand({})), 'ValidationException', how);
    await expectError(c.send(new ListImportsCommand({})), 'ValidationException', how);
    await expectError(c.send(new ListBulkOperationsCommand({})), 'ValidationException', how);
    await expectError(c.send(new ImportTableCommand(importInput('t_none', ''))), 'ValidationException', /^ImportTable needs/);
    await expectError(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: `${ARN}/x`, S3Bucket: 'bucket' })),
      'ValidationException',
      /^ExportTableToPointInTime needs/,
    );
  });
});

describe('ImportTable from a folder', () => {
  let server: ServerProcess;
  let dir: { path: string; remove(): void };
  let c: DynamoDBClient;
  before(async () => {
    dir = tempDir('openddb-import-');
    server = await startServerProcess({ extraArgs: ['--export-dir', dir.path] });
    c = client(server.url);
  });
  after(async () => {
    await server.stop();
    dir.remove();
  });

  test('DynamoDB JSON, gzip, over several objects, with bad rows counted and logged', async () => {
    let a = '';
    for (let i = 0; i < 300; i++) a += JSON.stringify({ Item: { pk: { S: `a${i}` }, g: { S: `g${i % 3}` }, n: { N: String(i) } } }) + '\n';
    a += 'this is not JSON\n';
    a += JSON.stringify({ Item: { nokey: { S: 'x' } } }) + '\n';
    a += JSON.stringify({ Item: { pk: { S: 'bad-number' }, n: { N: 'twelve' } } }) + '\n';
    a += JSON.stringify({ Item: { pk: { S: 'wrong-index-type' }, g: { N: '1' } } }) + '\n';
    put(dir.path, 'in', 'json/part-1.json.gz', gzipSync(a));
    put(dir.path, 'in', 'json/part-2.json.gz', gzipSync(JSON.stringify({ Item: { pk: { S: 'b0' }, g: { S: 'g0' } } }) + '\n'));
    const d = await importAndWait(c, importInput('t_json', 'json/', { InputCompressionType: 'GZIP' }));
    assert.equal(d.ImportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ProcessedItemCount, 305);
    assert.equal(d.ImportedItemCount, 301);
    assert.equal(d.ErrorCount, 4);
    assert.ok(d.ProcessedSizeBytes! > 0);
    assert.ok(d.EndTime instanceof Date);
    assert.equal(await count(c, 't_json'), 301);
    assert.equal((await c.send(new DescribeTableCommand({ TableName: 't_json' }))).Table!.TableStatus, 'ACTIVE');
    const byG = await c.send(new QueryCommand({ TableName: 't_json', IndexName: 'byG', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'g0' } } }));
    assert.equal(byG.Count, 101);
    // DynamoDB writes bad rows to CloudWatch Logs; openddb to its log.
    assert.match(server.output(), /s3:\/\/in\/json\/part-1\.json\.gz line 301: /);
    assert.match(server.output(), /line 302: One or more parameter values were invalid: Missing the key pk in the item/);
  });

  test('CSV with a header line, and with HeaderList and another delimiter; keys typed, the rest strings', async () => {
    put(dir.path, 'in', 'csv1/data.csv', 'pk,g,price,note\np1,g1,10,hello\np2,g2,20,\n"p3","g1","30","with, comma"\n,g1,5,no key\n');
    const d1 = await importAndWait(c, importInput('t_csv1', 'csv1/', { InputFormat: 'CSV' }));
    assert.equal(d1.ImportStatus, 'COMPLETED', d1.FailureMessage);
    assert.equal(d1.ImportedItemCount, 3);
    assert.equal(d1.ErrorCount, 1);
    const p1 = await c.send(new GetItemCommand({ TableName: 't_csv1', Key: { pk: { S: 'p1' } } }));
    assert.deepEqual(p1.Item, { pk: { S: 'p1' }, g: { S: 'g1' }, price: { S: '10' }, note: { S: 'hello' } });
    const p2 = await c.send(new GetItemCommand({ TableName: 't_csv1', Key: { pk: { S: 'p2' } } }));
    assert.deepEqual(p2.Item, { pk: { S: 'p2' }, g: { S: 'g2' }, price: { S: '20' } });

    put(dir.path, 'in', 'csv2/data.tsv.gz', gzipSync('7\tx\n8\ty\n9\tz\textra\n'));
    const input = importInput('t_csv2', 'csv2/', {
      InputFormat: 'CSV',
      InputCompressionType: 'GZIP',
      InputFormatOptions: { Csv: { Delimiter: '\t', HeaderList: ['id', 'name'] } },
    });
    input.TableCreationParameters = {
      TableName: 't_csv2',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    };
    const d2 = await importAndWait(c, input);
    assert.equal(d2.ImportedItemCount, 2);
    assert.equal(d2.ErrorCount, 1);
    const seven = await c.send(new GetItemCommand({ TableName: 't_csv2', Key: { id: { N: '7' } } }));
    assert.deepEqual(seven.Item, { id: { N: '7' }, name: { S: 'x' } });
  });

  test('Amazon Ion, with sets, numbers and blobs; a bad line counted', async () => {
    put(
      dir.path,
      'in',
      'ion/data.ion',
      [
        '$ion_1_0 {Item:{pk:"i1",g:"g1",n:6d2,f:1.50,b:{{AQI=}},ss:$dynamodb_SS::["a","b"],ns:$dynamodb_NS::[1,2.5],l:[1,"x",null],m:{t:true}}}',
        '$ion_1_0 {Item:{pk:"i2",g:"g2"}}',
        '$ion_1_0 {Item:{pk:"i3", unclosed',
        '$ion_1_0 {NotItem:{pk:"i4"}}',
      ].join('\n'),
    );
    const d = await importAndWait(c, importInput('t_ion', 'ion/', { InputFormat: 'ION' }));
    assert.equal(d.ImportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ImportedItemCount, 2);
    assert.equal(d.ErrorCount, 2);
    const i1 = await c.send(new GetItemCommand({ TableName: 't_ion', Key: { pk: { S: 'i1' } } }));
    assert.deepEqual(i1.Item, {
      pk: { S: 'i1' },
      g: { S: 'g1' },
      n: { N: '600' },
      f: { N: '1.5' },
      b: { B: Uint8Array.of(1, 2) },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2.5'] },
      l: { L: [{ N: '1' }, { S: 'x' }, { NULL: true }] },
      m: { M: { t: { BOOL: true } } },
    });
  });

  test('zstd', async () => {
    mkdirSync(join(dir.path, 'in', 'zstd'), { recursive: true });
    copyFileSync(join(FIXTURES, 'items.json.zst'), join(dir.path, 'in', 'zstd', 'items.json.zst'));
    const d = await importAndWait(c, importInput('t_zstd', 'zstd/', { InputCompressionType: 'ZSTD' }));
    assert.equal(d.ImportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ImportedItemCount, 20);
    assert.equal(d.ErrorCount, 1);
    const z3 = await c.send(new GetItemCommand({ TableName: 't_zstd', Key: { pk: { S: 'z3' } } }));
    assert.deepEqual(z3.Item, { pk: { S: 'z3' }, v: { N: '4.5' } });
  });

  test('an input that cannot be decompressed fails the import and leaves no table', async () => {
    put(dir.path, 'in', 'notgz/x.json.gz', 'plain text, not gzip');
    const d = await importAndWait(c, importInput('t_notgz', 'notgz/', { InputCompressionType: 'GZIP' }));
    assert.equal(d.ImportStatus, 'FAILED');
    assert.equal(d.FailureCode, 'InvalidInput');
    await until(
      () => c.send(new DescribeTableCommand({ TableName: 't_notgz' })).then(() => 'exists', (e: Error) => e.name),
      (v) => v === 'ResourceNotFoundException',
    );
  });

  test('no objects under the prefix: FAILED', async () => {
    const d = await importAndWait(c, importInput('t_empty', 'nothing-here/'));
    assert.equal(d.ImportStatus, 'FAILED');
    assert.match(d.FailureMessage!, /No objects were found under s3:\/\/in\/nothing-here\//);
  });

  test('ClientToken: the same request again is the same import; other parameters are ImportConflictException', async () => {
    put(dir.path, 'in', 'tok/a.json', JSON.stringify({ Item: { pk: { S: 'x' } } }) + '\n');
    const input = importInput('t_tok', 'tok/', { ClientToken: 'token-1' });
    const first = await c.send(new ImportTableCommand(input));
    const again = await c.send(new ImportTableCommand(input));
    assert.equal(again.ImportTableDescription!.ImportArn, first.ImportTableDescription!.ImportArn);
    assert.equal(again.ImportTableDescription!.ClientToken, 'token-1');
    await expectError(
      c.send(new ImportTableCommand({ ...input, InputFormat: 'ION' })),
      'ImportConflictException',
      /conflict when importing from the specified S3 source/,
    );
    const listed = await c.send(new ListImportsCommand({ TableArn: `${ARN}/t_tok` }));
    assert.deepEqual(listed.ImportSummaryList!.map((s) => s.ImportArn), [first.ImportTableDescription!.ImportArn]);
  });

  test('errors: an existing table, an unknown import, bad parameters', async () => {
    await c.send(new CreateTableCommand(hashKeyTable('t_exists')));
    await expectError(c.send(new ImportTableCommand(importInput('t_exists', 'json/'))), 'ResourceInUseException');
    await expectError(
      c.send(new DescribeImportCommand({ ImportArn: `${ARN}/t_exists/import/01234567890123-abcdef01` })),
      'ImportNotFoundException',
    );
    await expectError(
      c.send(new ImportTableCommand(importInput('t_bad', 'json/', { InputFormat: 'XML' as never }))),
      'ValidationException',
      /Member must satisfy enum value set: \[DYNAMODB_JSON, ION, CSV\]/,
    );
    await expectError(
      c.send(new ImportTableCommand(importInput('t_bad2', 'json/', { InputFormatOptions: { Csv: { Delimiter: ',' } } }))),
      'ValidationException',
      /only valid with InputFormat CSV/,
    );
    // Nothing was created by the refused requests.
    await expectError(c.send(new DescribeTableCommand({ TableName: 't_bad2' })), 'ResourceNotFoundException');
  });

  test('openddb import and openddb export follow the job to its end (plain lines off a terminal)', { skip: variantPass() }, async () => {
    put(dir.path, 'in', 'cli/a.csv', 'id,name\n1,one\n2,two\n');
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--endpoint', server.url], { encoding: 'utf8' });
    const imported = run(['import', '--table', 't_cli', '--bucket', 'in', '--prefix', 'cli/', '--key', 'id:N', '--format', 'CSV']);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stderr, /import COMPLETED: 2 items imported, 0 bad records/);
    assert.match(imported.stdout, /^arn:aws:dynamodb:us-east-1:123456789012:table\/t_cli\/import\/\d{14}-[0-9a-f]{8}\n$/);
    assert.equal(await count(c, 't_cli'), 2);
    const exported = run(['export', '--table', 't_cli', '--bucket', 'out']);
    assert.equal(exported.status, 1);
    assert.match(exported.stderr, /PointInTimeRecoveryUnavailableException: Point in time recovery is not enabled for table 't_cli'/);
    assert.equal(run(['import', '--table', 'x']).status, 2);
    await c.send(new UpdateContinuousBackupsCommand({ TableName: 't_cli', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    await new Promise((r) => setTimeout(r, 400));
    const again = run(['export', '--table', 't_cli', '--bucket', 'out', '--prefix', 'cli']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /export COMPLETED: 2 items, manifest s3:\/\/out\/cli\/AWSDynamoDB\/\d{14}-[0-9a-f]{8}\/manifest-summary\.json/);
    assert.ok(existsSync(join(dir.path, 'out', 'cli', 'AWSDynamoDB')));
  });

  test('export errors', async () => {
    await expectError(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: `${ARN}/no_such_table`, S3Bucket: 'out' })),
      'TableNotFoundException',
    );
    await expectError(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: 't_exists', S3Bucket: 'out' })),
      'ValidationException',
      'Invalid TableArn: t_exists',
    );
    await expectError(
      c.send(new ExportTableToPointInTimeCommand({ TableArn: `${ARN}/t_exists`, S3Bucket: 'out' })),
      'PointInTimeRecoveryUnavailableException',
      "Point in time recovery is not enabled for table 't_exists'",
    );
    await expectError(c.send(new DescribeExportCommand({ ExportArn: `${ARN}/t_exists/export/01234567890123-abcdef01` })), 'ExportNotFoundException');
  });
});

const BULK_ITEMS = 10_000;
const BAD = [17, 4_321, 9_998];

/** 10,000 records in two gzip objects, three of them bad. */
function writeBulkInput(root: string, prefix: string): void {
  for (let part = 0; part < 2; part++) {
    let text = '';
    for (let i = part * (BULK_ITEMS / 2); i < (part + 1) * (BULK_ITEMS / 2); i++) {
      if (i === BAD[0]) text += '{"Item": broken\n';
      else if (i === BAD[1]) text += JSON.stringify({ Item: { id: { N: 'x' } } }) + '\n';
      else if (i === BAD[2]) text += JSON.stringify({ Item: { other: { S: 'no key' } } }) + '\n';
      else text += JSON.stringify({ Item: { id: { S: `item-${i}` }, n: { N: String(i) }, pad: { S: 'x'.repeat(40) } } }) + '\n';
    }
    put(root, 'bulk', `${prefix}/part-${part}.json.gz`, gzipSync(text));
  }
}

async function createBulkTable(c: DynamoDBClient, name: string): Promise<void> {
  await c.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

function bulkInput(table: string, prefix: string, extra: Record<string, unknown> = {}) {
  return {
    TableName: table,
    InputS3Configuration: { S3Bucket: 'bulk', S3KeyPrefix: `${prefix}/`, InputFormat: 'DYNAMODB_JSON' as const, InputCompressionType: 'GZIP' as const },
    OutputS3Configuration: { S3Bucket: 'bulk', S3KeyPrefix: `out-${table}`, OutputType: ['ERROR' as const, 'CONDITION_CHECK_FAILURE' as const] },
    ...extra,
  };
}

async function waitBulk(c: DynamoDBClient, arn: string, done = (s: string) => s !== 'IN_PROGRESS' && s !== 'CANCELLING') {
  const d = await until(() => c.send(new DescribeBulkOperationCommand({ BulkOperationArn: arn })), (x) => done(x.BulkOperationDescription!.BulkOperationStatus!), 60_000);
  return d.BulkOperationDescription!;
}

describe('bulk operations (StartBulkPutItems)', () => {
  let server: ServerProcess;
  let dir: { path: string; remove(): void };
  let c: DynamoDBClient;
  before(async () => {
    dir = tempDir('openddb-bulk-');
    server = await startServerProcess({ extraArgs: ['--export-dir', dir.path] });
    c = client(server.url);
  });
  after(async () => {
    await server.stop();
    dir.remove();
  });

  test('10,000 items with bad records: cancelled midway, then run again to the end', { skip: variantPass() }, async () => {
    writeBulkInput(dir.path, 'ten-k');
    await createBulkTable(c, 'bulk10k');
    // At 1,024 write units a second (one unit per item) the run takes ~10 s: time to cancel it midway.
    const started = await c.send(new StartBulkPutItemsCommand(bulkInput('bulk10k', 'ten-k', { MaxWriteRequestUnits: 1024 })));
    const arn = started.BulkOperationDescription!.BulkOperationArn!;
    assert.match(arn, /^arn:aws:dynamodb:us-east-1:123456789012:table\/bulk10k\/bulk-operation\/\d{14}-[0-9a-f]{8}$/);
    await until(() => c.send(new DescribeBulkOperationCommand({ BulkOperationArn: arn })), (d) => (d.BulkOperationDescription!.ProcessedItemCount ?? 0) >= 1000);
    const cancel = await c.send(new CancelBulkOperationCommand({ BulkOperationArn: arn }));
    assert.deepEqual({ arn: cancel.BulkOperationArn, status: cancel.BulkOperationStatus }, { arn, status: 'CANCELLING' });
    const cancelled = await waitBulk(c, arn);
    assert.equal(cancelled.BulkOperationStatus, 'CANCELLED');
    assert.ok(cancelled.FailureCode);
    assert.ok(cancelled.ProcessedItemCount! > 0 && cancelled.ProcessedItemCount! < BULK_ITEMS, String(cancelled.ProcessedItemCount));
    assert.ok(cancelled.EndTime instanceof Date);
    const partial = await count(c, 'bulk10k');
    assert.ok(partial > 0 && partial < BULK_ITEMS - BAD.length, String(partial));
    await expectError(c.send(new CancelBulkOperationCommand({ BulkOperationArn: arn })), 'ValidationException', /status is CANCELLED/);

    const again = await c.send(new StartBulkPutItemsCommand(bulkInput('bulk10k', 'ten-k')));
    const done = await waitBulk(c, again.BulkOperationDescription!.BulkOperationArn!);
    assert.equal(done.BulkOperationStatus, 'COMPLETED_WITH_ERRORS');
    assert.equal(done.ProcessedItemCount, BULK_ITEMS);
    assert.equal(done.FailedItemCount, BAD.length);
    assert.equal(done.ProcessedInputBytes, done.TotalInputBytes);
    assert.ok(done.BulkOperationUsage![0]!.BulkPutBytes! > 0);
    assert.equal(await count(c, 'bulk10k'), BULK_ITEMS - BAD.length);
    // The failed records went to the output location.
    const id = again.BulkOperationDescription!.BulkOperationArn!.split('/').pop()!;
    const errorDir = join(dir.path, 'bulk', 'out-bulk10k', 'AWSDynamoDB', 'BulkOperations', id, 'ERROR');
    const reported = readdirSync(errorDir).flatMap((f) => readFileSync(join(errorDir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    assert.equal(reported.length, BAD.length);
    assert.deepEqual(reported.map((r) => r.Line).sort((a, b) => a - b), [BAD[0]! + 1, BAD[1]! + 1, BAD[2]! - BULK_ITEMS / 2 + 1].sort((a, b) => a - b));
    assert.ok(existsSync(join(dir.path, 'bulk', 'out-bulk10k', 'AWSDynamoDB', 'BulkOperations', id, 'manifest.json')));
    const listed = await c.send(new ListBulkOperationsCommand({}));
    const statuses = Object.fromEntries(listed.BulkOperationsSummaryList!.map((s) => [s.BulkOperationArn, s.BulkOperationStatus]));
    assert.equal(statuses[arn], 'CANCELLED');
    assert.equal(statuses[again.BulkOperationDescription!.BulkOperationArn!], 'COMPLETED_WITH_ERRORS');
  });

  test('per-item conditions, Ion input, streams and indexes through the normal write path', async () => {
    await c.send(new CreateTableCommand(defineTable('bulkcond', 'id:S', { gsi: { byG: 'g:S' } })));
    put(dir.path, 'bulk', 'cond/a.json', JSON.stringify({ Item: { id: { S: 'keep' }, g: { S: 'old' } } }) + '\n');
    const first = await c.send(new StartBulkPutItemsCommand({ ...bulkInput('bulkcond', 'cond'), InputS3Configuration: { S3Bucket: 'bulk', S3KeyPrefix: 'cond/', InputFormat: 'DYNAMODB_JSON' } }));
    assert.equal((await waitBulk(c, first.BulkOperationDescription!.BulkOperationArn!)).BulkOperationStatus, 'COMPLETED');
    put(
      dir.path,
      'bulk',
      'cond2/a.json',
      [
        JSON.stringify({ Item: { id: { S: 'keep' }, g: { S: 'new' } }, ConditionExpression: 'attribute_not_exists(id)' }),
        JSON.stringify({ Item: { id: { S: 'fresh' }, g: { S: 'new' } }, ConditionExpression: 'attribute_not_exists(id)' }),
      ].join('\n'),
    );
    const second = await c.send(new StartBulkPutItemsCommand({ ...bulkInput('bulkcond', 'cond2'), InputS3Configuration: { S3Bucket: 'bulk', S3KeyPrefix: 'cond2/', InputFormat: 'DYNAMODB_JSON' } }));
    const d = await waitBulk(c, second.BulkOperationDescription!.BulkOperationArn!);
    // A false condition is not a failure.
    assert.equal(d.BulkOperationStatus, 'COMPLETED');
    assert.equal(d.FailedItemCount, 0);
    assert.equal(d.ProcessedItemCount, 2);
    // Only `fresh` was written: 11 bytes (id+"fresh", g+"new") in the table and 11 in the ALL-projected index.
    assert.deepEqual(d.BulkOperationUsage, [{ TableName: 'bulkcond', BulkPutBytes: 22, Table: { BulkPutBytes: 11 }, GlobalSecondaryIndexes: { byG: { BulkPutBytes: 11 } } }]);
    const kept = await c.send(new GetItemCommand({ TableName: 'bulkcond', Key: { id: { S: 'keep' } } }));
    assert.equal(kept.Item!.g!.S, 'old');
    const byG = await c.send(new QueryCommand({ TableName: 'bulkcond', IndexName: 'byG', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'new' } } }));
    assert.deepEqual(byG.Items!.map((i) => i.id!.S), ['fresh']);
    const id = second.BulkOperationDescription!.BulkOperationArn!.split('/').pop()!;
    const condDir = join(dir.path, 'bulk', 'out-bulkcond', 'AWSDynamoDB', 'BulkOperations', id, 'CONDITION_CHECK_FAILURE');
    const [record] = readdirSync(condDir).map((f) => JSON.parse(readFileSync(join(condDir, f), 'utf8').trim()));
    assert.deepEqual(record.Item, { id: { S: 'keep' }, g: { S: 'new' } });
    assert.deepEqual(record.ExistingItem, { id: { S: 'keep' }, g: { S: 'old' } });

    put(dir.path, 'bulk', 'ion/a.ion', '$ion_1_0 {Item:{id:"ion-1",g:"ion",n:2.50}}\n$ion_1_0 {Item:{id:"ion-2",g:"ion"}}\n');
    const ion = await c.send(new StartBulkPutItemsCommand({ ...bulkInput('bulkcond', 'ion'), InputS3Configuration: { S3Bucket: 'bulk', S3KeyPrefix: 'ion/', InputFormat: 'ION' } }));
    assert.equal((await waitBulk(c, ion.BulkOperationDescription!.BulkOperationArn!)).BulkOperationStatus, 'COMPLETED');
    const ion1 = await c.send(new GetItemCommand({ TableName: 'bulkcond', Key: { id: { S: 'ion-1' } } }));
    assert.deepEqual(ion1.Item, { id: { S: 'ion-1' }, g: { S: 'ion' }, n: { N: '2.5' } });
  });

  test('ClientToken idempotency and errors', async () => {
    await createBulkTable(c, 'bulkerr');
    put(dir.path, 'bulk', 'small/a.json', JSON.stringify({ Item: { id: { S: 'a' } } }) + '\n');
    const input = { ...bulkInput('bulkerr', 'small'), InputS3Configuration: { S3Bucket: 'bulk', S3KeyPrefix: 'small/', InputFormat: 'DYNAMODB_JSON' as const }, ClientToken: 'bulk-token' };
    const first = await c.send(new StartBulkPutItemsCommand(input));
    const again = await c.send(new StartBulkPutItemsCommand(input));
    assert.equal(again.BulkOperationDescription!.BulkOperationArn, first.BulkOperationDescription!.BulkOperationArn);
    await expectError(c.send(new StartBulkPutItemsCommand({ ...input, MaxWriteRequestUnits: 5000 })), 'IdempotentParameterMismatchException');
    await expectError(c.send(new StartBulkPutItemsCommand(bulkInput('no_such_table', 'small'))), 'ResourceNotFoundException');
    await expectError(
      c.send(new StartBulkPutItemsCommand(bulkInput('bulkerr', 'small', { MaxWriteRequestUnits: 10 }))),
      'ValidationException',
      /Member must have value greater than or equal to 1024/,
    );
    const unknown = `${ARN}/bulkerr/bulk-operation/01234567890123-abcdef01`;
    await expectError(c.send(new DescribeBulkOperationCommand({ BulkOperationArn: unknown })), 'ResourceNotFoundException');
    await expectError(c.send(new CancelBulkOperationCommand({ BulkOperationArn: unknown })), 'ResourceNotFoundException');
    const missing = await c.send(new StartBulkPutItemsCommand(bulkInput('bulkerr', 'nothing')));
    const failed = await waitBulk(c, missing.BulkOperationDescription!.BulkOperationArn!);
    assert.equal(failed.BulkOperationStatus, 'FAILED');
    assert.match(failed.FailureMessage!, /No objects were found/);
  });
});

describe('a job survives its server being killed', () => {
  test('a bulk load resumes from its checkpoint after kill -9 and counts every record once', { skip: variantPass() }, async () => {
    const data = tempDir('openddb-bulk-data-');
    const buckets = tempDir('openddb-bulk-buckets-');
    try {
      writeBulkInput(buckets.path, 'restart');
      let server = await startServerProcess({ dataDir: data.path, extraArgs: ['--export-dir', buckets.path] });
      let c = client(server.url);
      await createBulkTable(c, 'bulkrestart');
      const started = await c.send(new StartBulkPutItemsCommand(bulkInput('bulkrestart', 'restart', { MaxWriteRequestUnits: 1024 })));
      const arn = started.BulkOperationDescription!.BulkOperationArn!;
      await until(() => c.send(new DescribeBulkOperationCommand({ BulkOperationArn: arn })), (d) => (d.BulkOperationDescription!.ProcessedItemCount ?? 0) >= 1500);
      await server.kill();
      server = await startServerProcess({ dataDir: data.path, extraArgs: ['--export-dir', buckets.path] });
      c = client(server.url);
      try {
        const done = await waitBulk(c, arn);
        assert.equal(done.BulkOperationStatus, 'COMPLETED_WITH_ERRORS');
        assert.equal(done.ProcessedItemCount, BULK_ITEMS);
        assert.equal(done.FailedItemCount, BAD.length);
        assert.equal(await count(c, 'bulkrestart'), BULK_ITEMS - BAD.length);
      } finally {
        await server.stop();
      }
    } finally {
      data.remove();
      buckets.remove();
    }
  });
});
