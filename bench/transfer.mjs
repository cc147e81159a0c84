#!/usr/bin/env node
/**
 * @module Export, import and bulk-load rates (issues 14 and 17).
 *
 * Starts the bundled server on a durable store (`serve --data <tmp>
 * --export-dir <tmp>`), writes N items as gzip DynamoDB JSON objects of
 * 10,000 items each, and times, in items per second:
 * - StartBulkPutItems of them into an existing table (no index),
 * - ImportTable of the same objects into a new table with one GSI,
 * - ExportTableToPointInTime of the bulk-loaded table (when the server has
 *   UpdateContinuousBackups to turn point-in-time recovery on; else skipped),
 * each from the request to the job's terminal status. Prints a table and
 * writes bench/results/transfer.md and .json.
 *
 *   npm run build && node bench/transfer.mjs [--items 100000] [--out transfer]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import {
  CreateTableCommand,
  DescribeBulkOperationCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ImportTableCommand,
  StartBulkPutItemsCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { items: { type: 'string', default: '100000' }, out: { type: 'string', default: 'transfer' } } });
const ITEMS = Number(values.items);
const PER_OBJECT = 10_000;

const work = mkdtempSync(join(tmpdir(), 'transfer-bench-'));
const dataDir = join(work, 'data');
const buckets = join(work, 'buckets');
mkdirSync(join(buckets, 'in', 'items'), { recursive: true });
for (let start = 0; start < ITEMS; start += PER_OBJECT) {
  let text = '';
  for (let i = start; i < Math.min(ITEMS, start + PER_OBJECT); i++) {
    text += JSON.stringify({ Item: { id: { S: `item-${i}` }, g: { S: `g${i % 100}` }, n: { N: String(i) }, body: { S: 'x'.repeat(100) } } }) + '\n';
  }
  writeFileSync(join(buckets, 'in', 'items', `part-${String(start / PER_OBJECT).padStart(4, '0')}.json.gz`), gzipSync(text));
}

const server = spawn(process.execPath, [join(here, '..', 'dist', 'openddb.mjs'), 'serve', '--port', '0', '--data', dataDir, '--export-dir', buckets], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const c = new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

async function until(what, done) {
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rows = [];
function record(name, items, ms, note = '') {
  rows.push({ name, items, seconds: ms / 1000, itemsPerSecond: Math.round(items / (ms / 1000)), note });
  console.log(`${name.padEnd(28)} ${String(items).padStart(8)} items ${(ms / 1000).toFixed(1).padStart(7)} s ${String(Math.round(items / (ms / 1000))).padStart(8)} items/s ${note}`);
}

try {
  await c.send(
    new CreateTableCommand({
      TableName: 'bulk',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  let t = performance.now();
  const bulk = await c.send(
    new StartBulkPutItemsCommand({
      TableName: 'bulk',
      InputS3Configuration: { S3Bucket: 'in', S3KeyPrefix: 'items/', InputFormat: 'DYNAMODB_JSON', InputCompressionType: 'GZIP' },
      OutputS3Configuration: { S3Bucket: 'out', OutputType: ['ERROR'] },
    }),
  );
  const b = await until(
    () => c.send(new DescribeBulkOperationCommand({ BulkOperationArn: bulk.BulkOperationDescription.BulkOperationArn })),
    (d) => !['IN_PROGRESS', 'CANCELLING'].includes(d.BulkOperationDescription.BulkOperationStatus),
  );
  record('StartBulkPutItems (no index)', b.BulkOperationDescription.ProcessedItemCount, performance.now() - t, b.BulkOperationDescription.BulkOperationStatus);

  t = performance.now();
  const imp = await c.send(
    new ImportTableCommand({
      S3BucketSource: { S3Bucket: 'in', S3KeyPrefix: 'items/' },
      InputFormat: 'DYNAMODB_JSON',
      InputCompressionType: 'GZIP',
      TableCreationParameters: {
        TableName: 'imported',
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    }),
  );
  const i = await until(
    () => c.send(new DescribeImportCommand({ ImportArn: imp.ImportTableDescription.ImportArn })),
    (d) => d.ImportTableDescription.ImportStatus !== 'IN_PROGRESS',
  );
  record('ImportTable (one GSI)', i.ImportTableDescription.ImportedItemCount, performance.now() - t, i.ImportTableDescription.ImportStatus);

  let pitr = true;
  try {
    await c.send(new UpdateContinuousBackupsCommand({ TableName: 'bulk', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    // The restorable window opens a moment after enabling (backup/point-in-time).
    await new Promise((r) => setTimeout(r, 500));
  } catch (e) {
    pitr = false;
    console.log(`export skipped: ${e.name}: ${e.message}`);
  }
  if (pitr) {
    for (const format of ['DYNAMODB_JSON', 'ION']) {
      t = performance.now();
      const exp = await c.send(new ExportTableToPointInTimeCommand({ TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/bulk', S3Bucket: 'out', ExportFormat: format }));
      const e = await until(
        () => c.send(new DescribeExportCommand({ ExportArn: exp.ExportDescription.ExportArn })),
        (d) => d.ExportDescription.ExportStatus !== 'IN_PROGRESS',
      );
      record(`Export (${format})`, e.ExportDescription.ItemCount, performance.now() - t, e.ExportDescription.ExportStatus);
    }
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(work, { recursive: true, force: true });
}

const md = [
  `# Transfer rates (${new Date().toISOString()})`,
  '',
  `${ITEMS} items of ~150 bytes, gzip DynamoDB JSON objects of ${PER_OBJECT} items, openddb on disk (LMDB), one server process.`,
  '',
  '| job | items | seconds | items/s | status |',
  '| --- | ---: | ---: | ---: | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.items} | ${r.seconds.toFixed(1)} | ${r.itemsPerSecond} | ${r.note} |`),
  '',
].join('\n');
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', `${values.out}.md`), md);
writeFileSync(join(here, 'results', `${values.out}.json`), JSON.stringify({ items: ITEMS, rows }, null, 2));
console.log(`\n${md}`);
