/**
 * Black-box tests (AWS SDK v3) of vector indexes travelling where
 * DynamoDB's do (issue 17): a backup keeps their definitions
 * (DescribeBackup's SourceTableFeatureDetails.VectorIndexes), and a table
 * restored from it, to a point in time, or from the SYSTEM backup of a
 * deleted table comes back with them, rebuilt by a backfill from the
 * restored items ("the index definition is restored and rebuilt from
 * base-table data"), so SearchVectors answers exactly as on the source;
 * VectorIndexOverride keeps some or none; an export holds the vector
 * attribute as ordinary item data, and ImportTable with
 * TableCreationParameters.VectorIndexes makes a searchable table of it;
 * stream records carry the vector attribute as an ordinary attribute.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateBackupCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeBackupCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  ExportTableToPointInTimeCommand,
  ImportTableCommand,
  ListBackupsCommand,
  PutItemCommand,
  RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand,
  SearchVectorsCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type VectorIndex,
} from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand } from '@aws-sdk/client-dynamodb-streams';
import { client, expectError, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { backupAvailable, putAll, until } from './helpers/backups.js';
import { shardIterator, streamsClient } from './helpers/streams.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
const exportDir = tempDir('openddb-vector-export-');

before(async () => {
  server = await startServerProcess({ extraArgs: ['--export-dir', exportDir.path] });
  ddb = client(server.url);
});

after(async () => {
  ddb.destroy();
  await server.stop();
  exportDir.remove();
});

const INDEX: VectorIndex = {
  IndexName: 'byMeaning',
  VectorAttribute: { AttributeName: 'v' },
  SearchSchema: [
    { AttributeName: 'cat', SearchSchemaElementType: 'HASH' },
    { AttributeName: 'color', SearchSchemaElementType: 'INLINE_FILTER' },
  ],
  Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['title'] },
  Dimensions: 4,
  DistanceFunction: 'COSINE',
};
const FLAT: VectorIndex = {
  IndexName: 'flat',
  VectorAttribute: { AttributeName: 'v' },
  Projection: { ProjectionType: 'KEYS_ONLY' },
  Dimensions: 4,
  DistanceFunction: 'EUCLIDEAN',
};

function definition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'cat', AttributeType: 'S' },
      { AttributeName: 'color', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    VectorIndexes: [INDEX, FLAT],
  };
}

/** A deterministic pseudo-random vector (no ties between items). */
function vectorOf(i: number, salt = 0): number[] {
  let x = (i + 1) * 2654435761 + salt * 40503;
  return Array.from({ length: 4 }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return Math.round(((x / 2147483648) * 2 - 1) * 1000) / 1000;
  });
}

function item(i: number, salt = 0): Record<string, AttributeValue> {
  return {
    pk: { S: `item${i}` },
    cat: { S: i % 2 === 0 ? 'even' : 'odd' },
    color: { S: ['red', 'green', 'blue'][i % 3]! },
    title: { S: `title ${i}` },
    other: { N: String(i) },
    v: { L: vectorOf(i, salt).map((n) => ({ N: String(n) })) },
  };
}

const QUERIES = [vectorOf(1000), vectorOf(1001), [1, 0, 0, 0], [0, -1, 0.5, 0]];

/** Every answer of both indexes to a fixed set of searches: keys, scores and projected items. */
async function answers(table: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const SearchVector = q.map((n) => ({ N: String(n) }));
    for (const cat of ['even', 'odd']) {
      const hashed = await ddb.send(
        new SearchVectorsCommand({
          TableName: table,
          IndexName: 'byMeaning',
          SearchVector,
          TopK: 7,
          SearchConditionExpression: 'cat = :c',
          ExpressionAttributeValues: { ':c': { S: cat } },
        }),
      );
      out.push(hashed.SearchResults);
      const filtered = await ddb.send(
        new SearchVectorsCommand({
          TableName: table,
          IndexName: 'byMeaning',
          SearchVector,
          TopK: 3,
          SearchConditionExpression: 'cat = :c AND color = :k',
          ExpressionAttributeValues: { ':c': { S: cat }, ':k': { S: 'blue' } },
        }),
      );
      out.push(filtered.SearchResults);
    }
    out.push((await ddb.send(new SearchVectorsCommand({ TableName: table, IndexName: 'flat', SearchVector, TopK: 10 }))).SearchResults);
  }
  return out;
}

/** Waits until the table and each of its vector indexes are ACTIVE, not backfilling. */
async function searchable(table: string): Promise<void> {
  await until(
    `${table} and its vector indexes are ACTIVE`,
    async () => {
      const t = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
      const ready = t.TableStatus === 'ACTIVE' && (t.VectorIndexes ?? []).every((v) => v.IndexStatus === 'ACTIVE' && v.Backfilling !== true);
      return ready ? true : undefined;
    },
    30_000,
  );
}

async function enablePitr(table: string): Promise<void> {
  await ddb.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  // The restorable window opens a moment after enabling.
  await new Promise((resolve) => setTimeout(resolve, 400));
}

const items = (from: number, to: number, salt = 0) => Array.from({ length: to - from }, (_, k) => item(from + k, salt));

describe('backups and restores', () => {
  it('RestoreTableFromBackup brings the vector indexes back, backfilled, with the same answers', async () => {
    await ddb.send(new CreateTableCommand(definition('vt_src')));
    await putAll(ddb, 'vt_src', items(0, 120));
    const expected = await answers('vt_src');
    const backup = await ddb.send(new CreateBackupCommand({ TableName: 'vt_src', BackupName: 'vt_backup' }));
    const arn = backup.BackupDetails!.BackupArn!;
    await backupAvailable(ddb, arn);
    // Later writes are not in the backup.
    await putAll(ddb, 'vt_src', items(0, 40, 1));

    const described = await ddb.send(new DescribeBackupCommand({ BackupArn: arn }));
    assert.deepEqual(described.BackupDescription!.SourceTableFeatureDetails!.VectorIndexes, [INDEX, FLAT]);

    const restored = await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: 'vt_restored', BackupArn: arn }));
    const shown = restored.TableDescription!.VectorIndexes!;
    assert.deepEqual(
      shown.map((v) => [v.IndexName, v.IndexStatus, v.Dimensions, v.DistanceFunction]),
      [
        ['byMeaning', 'CREATING', 4, 'COSINE'],
        ['flat', 'CREATING', 4, 'EUCLIDEAN'],
      ],
    );
    await searchable('vt_restored');
    assert.deepEqual(await answers('vt_restored'), expected);
    const counts = (await ddb.send(new DescribeTableCommand({ TableName: 'vt_restored' }))).Table!.VectorIndexes!.map((v) => v.ItemCount);
    assert.deepEqual(counts, [120, 120]);
    // The restored index is kept by writes like any other.
    await ddb.send(new DeleteItemCommand({ TableName: 'vt_restored', Key: { pk: { S: 'item0' } } }));
    const after = await ddb.send(
      new SearchVectorsCommand({ TableName: 'vt_restored', IndexName: 'flat', SearchVector: vectorOf(0).map((n) => ({ N: String(n) })), TopK: 1 }),
    );
    assert.notEqual(after.SearchResults![0]!.Item!.pk!.S, 'item0');
  });

  it('VectorIndexOverride keeps those it names, unchanged, or none', async () => {
    const backups = await ddb.send(new ListBackupsCommand({ TableName: 'vt_src' }));
    const arn = backups.BackupSummaries![0]!.BackupArn!;
    await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: 'vt_only_flat', BackupArn: arn, VectorIndexOverride: [FLAT] }));
    await searchable('vt_only_flat');
    const t = (await ddb.send(new DescribeTableCommand({ TableName: 'vt_only_flat' }))).Table!;
    assert.deepEqual(
      t.VectorIndexes!.map((v) => v.IndexName),
      ['flat'],
    );
    // The SearchSchema attributes of the index left out are no longer key-like definitions.
    assert.deepEqual(t.AttributeDefinitions!.map((d) => d.AttributeName), ['pk']);
    await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: 'vt_none', BackupArn: arn, VectorIndexOverride: [] }));
    const none = (await ddb.send(new DescribeTableCommand({ TableName: 'vt_none' }))).Table!;
    assert.equal(none.VectorIndexes, undefined);

    await expectError(
      ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: 'vt_bad', BackupArn: arn, VectorIndexOverride: [{ ...FLAT, Dimensions: 8 }] })),
      'ValidationException',
      /VectorIndexOverride does not match the source table's definition of vector index flat/,
    );
    await expectError(
      ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: 'vt_bad', BackupArn: arn, VectorIndexOverride: [{ ...FLAT, IndexName: 'nope' }] })),
      'ValidationException',
      /source table does not have: nope/,
    );
    await expectError(
      ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: 'vt_bad', BackupArn: arn, BillingModeOverride: 'PROVISIONED', ProvisionedThroughputOverride: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } })),
      'ValidationException',
      /Vector indexes are only supported for PAY_PER_REQUEST tables/,
    );
    await expectError(ddb.send(new DescribeTableCommand({ TableName: 'vt_bad' })), 'ResourceNotFoundException');
  });

  it('RestoreTableToPointInTime rebuilds them from the items as they were then', async () => {
    await ddb.send(new CreateTableCommand(definition('vt_pitr')));
    await enablePitr('vt_pitr');
    await putAll(ddb, 'vt_pitr', items(0, 80));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const instant = new Date();
    const expected = await answers('vt_pitr');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // After the instant: new vectors for half the items, and deletes.
    await putAll(ddb, 'vt_pitr', items(0, 40, 2));
    for (let i = 40; i < 50; i++) await ddb.send(new DeleteItemCommand({ TableName: 'vt_pitr', Key: { pk: { S: `item${i}` } } }));
    assert.notDeepEqual(await answers('vt_pitr'), expected);

    await ddb.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'vt_pitr', TargetTableName: 'vt_pitr_then', RestoreDateTime: instant }));
    await searchable('vt_pitr_then');
    assert.deepEqual(await answers('vt_pitr_then'), expected);
  });

  it('a deleted table restored from its SYSTEM backup is searchable again', async () => {
    await ddb.send(new CreateTableCommand(definition('vt_oops')));
    await enablePitr('vt_oops');
    await putAll(ddb, 'vt_oops', items(0, 60));
    const expected = await answers('vt_oops');
    await ddb.send(new DeleteTableCommand({ TableName: 'vt_oops' }));
    const listed = await ddb.send(new ListBackupsCommand({ TableName: 'vt_oops', BackupType: 'SYSTEM' }));
    const arn = listed.BackupSummaries![0]!.BackupArn!;
    const described = await ddb.send(new DescribeBackupCommand({ BackupArn: arn }));
    assert.deepEqual(described.BackupDescription!.SourceTableFeatureDetails!.VectorIndexes, [INDEX, FLAT]);
    await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: 'vt_oops', BackupArn: arn }));
    await searchable('vt_oops');
    assert.deepEqual(await answers('vt_oops'), expected);
  });
});

describe('export, import and streams', () => {
  it('an export holds the vectors as item data; ImportTable with VectorIndexes makes them searchable', async () => {
    await ddb.send(new CreateTableCommand(definition('vt_exp')));
    await enablePitr('vt_exp');
    await putAll(ddb, 'vt_exp', items(0, 90));
    const expected = await answers('vt_exp');
    const started = await ddb.send(
      new ExportTableToPointInTimeCommand({ TableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/vt_exp`, S3Bucket: 'vec', S3Prefix: 'x/' }),
    );
    const exportArn = started.ExportDescription!.ExportArn!;
    const done = await until('the export completes', async () => {
      const d = (await ddb.send(new DescribeExportCommand({ ExportArn: exportArn }))).ExportDescription!;
      return d.ExportStatus === 'IN_PROGRESS' ? undefined : d;
    });
    assert.equal(done.ExportStatus, 'COMPLETED');
    const id = exportArn.split('/').pop()!;
    const dataDir = join(exportDir.path, 'vec', 'x', 'AWSDynamoDB', id, 'data');
    const lines = readdirSync(dataDir).flatMap((f) => gunzipSync(readFileSync(join(dataDir, f))).toString('utf8').trim().split('\n'));
    const exported = lines.map((l) => (JSON.parse(l) as { Item: Record<string, AttributeValue> }).Item);
    assert.equal(exported.length, 90);
    const seven = exported.find((e) => e.pk!.S === 'item7')!;
    assert.deepEqual(seven, item(7));

    const { TableName: _name, ...parameters } = definition('vt_imp');
    const imported = await ddb.send(
      new ImportTableCommand({
        S3BucketSource: { S3Bucket: 'vec', S3KeyPrefix: `x/AWSDynamoDB/${id}/data/` },
        InputFormat: 'DYNAMODB_JSON',
        InputCompressionType: 'GZIP',
        TableCreationParameters: { TableName: 'vt_imp', ...parameters } as never,
      }),
    );
    const finished = await until('the import completes', async () => {
      const d = (await ddb.send(new DescribeImportCommand({ ImportArn: imported.ImportTableDescription!.ImportArn! }))).ImportTableDescription!;
      return d.ImportStatus === 'IN_PROGRESS' ? undefined : d;
    });
    assert.equal(finished.ImportStatus, 'COMPLETED');
    assert.equal(finished.ImportedItemCount, 90);
    assert.deepEqual(
      (finished.TableCreationParameters as { VectorIndexes?: VectorIndex[] }).VectorIndexes?.map((v) => v.IndexName),
      ['byMeaning', 'flat'],
    );
    await searchable('vt_imp');
    assert.deepEqual(await answers('vt_imp'), expected);
  });

  it('stream records carry the vector attribute as an ordinary attribute', async () => {
    const created = await ddb.send(
      new CreateTableCommand({ ...definition('vt_stream'), StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }),
    );
    const streamArn = created.TableDescription!.LatestStreamArn!;
    await ddb.send(new PutItemCommand({ TableName: 'vt_stream', Item: item(1) }));
    await ddb.send(new PutItemCommand({ TableName: 'vt_stream', Item: item(1, 5) }));
    const streams = streamsClient(server.url);
    try {
      const iterator = await shardIterator(streams, streamArn, 'TRIM_HORIZON');
      const records = (await streams.send(new GetRecordsCommand({ ShardIterator: iterator }))).Records!;
      assert.equal(records.length, 2);
      assert.deepEqual(records[0]!.dynamodb!.NewImage!.v, item(1).v);
      assert.deepEqual(records[1]!.dynamodb!.OldImage!.v, item(1).v);
      assert.deepEqual(records[1]!.dynamodb!.NewImage!.v, item(1, 5).v);
    } finally {
      streams.destroy();
    }
  });
});
