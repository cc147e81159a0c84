/**
 * Black-box tests of the control plane: CreateTable, DescribeTable,
 * ListTables, UpdateTable, DeleteTable, tags, TTL settings and the account
 * reads infrastructure tools make.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeEndpointsCommand,
  DescribeLimitsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { createGlobalIndex, defineTable, hashKeyTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

describe('CreateTable', () => {
  it('creates a table and DescribeTable shows it ACTIVE with its full description', async () => {
    const created = await ddb.send(
      new CreateTableCommand(
        defineTable('ct_full', 'pk:S sk:N', {
          lsi: { lsi1: { key: 'pk:S lsk:S', projection: 'KEYS_ONLY' } },
          gsi: { gsi1: { key: 'gpk:B', projection: ['a', 'b'], throughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 } } },
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 6 },
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
          Tags: [{ Key: 'env', Value: 'test' }],
          DeletionProtectionEnabled: false,
        }),
      ),
    );
    const d = created.TableDescription!;
    assert.equal(d.TableName, 'ct_full');
    assert.equal(d.TableStatus, 'CREATING');
    assert.match(d.TableArn!, /^arn:aws:dynamodb:us-east-1:\d{12}:table\/ct_full$/);
    assert.match(d.TableId!, /^[0-9a-f-]{36}$/);
    assert.ok(d.CreationDateTime instanceof Date);
    assert.equal(d.ProvisionedThroughput!.ReadCapacityUnits, 5);
    assert.equal(d.ProvisionedThroughput!.WriteCapacityUnits, 6);
    assert.equal(d.StreamSpecification!.StreamViewType, 'NEW_AND_OLD_IMAGES');
    assert.ok(d.LatestStreamArn!.startsWith(`${d.TableArn}/stream/`));

    const described = (await ddb.send(new DescribeTableCommand({ TableName: 'ct_full' }))).Table!;
    assert.equal(described.TableStatus, 'ACTIVE');
    assert.equal(described.ItemCount, 0);
    assert.equal(described.TableSizeBytes, 0);
    assert.deepEqual(described.KeySchema, [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    assert.equal(described.LocalSecondaryIndexes![0]!.IndexName, 'lsi1');
    assert.equal(described.LocalSecondaryIndexes![0]!.IndexArn, `${d.TableArn}/index/lsi1`);
    const gsi = described.GlobalSecondaryIndexes![0]!;
    assert.equal(gsi.IndexStatus, 'ACTIVE');
    assert.deepEqual(gsi.Projection, { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a', 'b'] });
    assert.equal(gsi.ProvisionedThroughput!.WriteCapacityUnits, 4);
    assert.equal(described.DeletionProtectionEnabled, false);
  });

  it('refuses a table that already exists', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('ct_dup')));
    await expectError(ddb.send(new CreateTableCommand(hashKeyTable('ct_dup'))), 'ResourceInUseException', 'Table already exists: ct_dup');
  });

  it('reports constraint violations with DynamoDB messages', async () => {
    await expectError(
      ddb.send(new CreateTableCommand(hashKeyTable('ab'))),
      'ValidationException',
      "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
    await expectError(
      ddb.send(new CreateTableCommand({ ...hashKeyTable('ct_badkey'), KeySchema: [{ AttributeName: 'pk', KeyType: 'INVALID' as 'HASH' }] })),
      'ValidationException',
      "1 validation error detected: Value 'INVALID' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
    );
    await expectError(
      ddb.send(new CreateTableCommand(hashKeyTable('ct_badtype', { AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'X' as 'S' }] }))),
      'ValidationException',
      "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]",
    );
  });

  it('checks key schema against attribute definitions both ways', async () => {
    await expectError(
      ddb.send(new CreateTableCommand(hashKeyTable('ct_undef', { AttributeDefinitions: [{ AttributeName: 'x', AttributeType: 'S' }] }))),
      'ValidationException',
      'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [x]',
    );
    await expectError(
      ddb.send(
        new CreateTableCommand(
          hashKeyTable('ct_extra', {
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: 'unused', AttributeType: 'S' },
            ],
          }),
        ),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  });

  it('checks billing mode against provisioned throughput', async () => {
    await expectError(
      ddb.send(new CreateTableCommand(hashKeyTable('ct_ppr', { BillingMode: 'PAY_PER_REQUEST', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }))),
      'ValidationException',
      'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    );
    await expectError(
      ddb.send(new CreateTableCommand(hashKeyTable('ct_prov', { BillingMode: 'PROVISIONED' }))),
      'ValidationException',
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    );
  });

  it('rejects a local index on a table without a range key, and duplicate index names', async () => {
    await expectError(
      ddb.send(new CreateTableCommand(hashKeyTable('ct_lsi', { lsi: { lsi: 'pk:S l:S' } }))),
      'ValidationException',
      'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
    );
    const gsi = (name: string) => ({
      IndexName: name,
      KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' as const }],
      Projection: { ProjectionType: 'ALL' as const },
    });
    await expectError(
      ddb.send(
        new CreateTableCommand({
          ...hashKeyTable('ct_gsidup', { gsi: { same: 'g:S' } }),
          GlobalSecondaryIndexes: [gsi('same'), gsi('same')],
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Duplicate index name: same',
    );
  });
});

describe('ListTables', () => {
  it('pages through tables in name order', async () => {
    for (const n of ['lt_c', 'lt_a', 'lt_b']) await ddb.send(new CreateTableCommand(hashKeyTable(n)));
    const all = (await ddb.send(new ListTablesCommand({}))).TableNames!;
    assert.deepEqual([...all].sort(), all);
    const first = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: 'lt_', Limit: 2 }));
    assert.deepEqual(first.TableNames, ['lt_a', 'lt_b']);
    assert.equal(first.LastEvaluatedTableName, 'lt_b');
    const second = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: 'lt_b', Limit: 1 }));
    assert.deepEqual(second.TableNames, ['lt_c']);
    await expectError(
      ddb.send(new ListTablesCommand({ Limit: 101 })),
      'ValidationException',
      "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
  });
});

describe('DeleteTable', () => {
  it('deletes a table; its data does not leak into a re-created table of the same name', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('dt_a')));
    await ddb.send(new PutItemCommand({ TableName: 'dt_a', Item: { pk: { S: 'x' } } }));
    const res = await ddb.send(new DeleteTableCommand({ TableName: 'dt_a' }));
    assert.equal(res.TableDescription!.TableStatus, 'DELETING');
    await expectError(
      ddb.send(new DescribeTableCommand({ TableName: 'dt_a' })),
      'ResourceNotFoundException',
      'Requested resource not found: Table: dt_a not found',
    );
    await ddb.send(new CreateTableCommand(hashKeyTable('dt_a')));
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'dt_a' }))).Table!;
    assert.equal(d.ItemCount, 0);
  });

  it('honours deletion protection', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('dt_protected', { DeletionProtectionEnabled: true })));
    await expectError(ddb.send(new DeleteTableCommand({ TableName: 'dt_protected' })), 'ValidationException');
    await ddb.send(new UpdateTableCommand({ TableName: 'dt_protected', DeletionProtectionEnabled: false }));
    await ddb.send(new DeleteTableCommand({ TableName: 'dt_protected' }));
  });

  it('reports a missing table', async () => {
    await expectError(ddb.send(new DeleteTableCommand({ TableName: 'dt_none' })), 'ResourceNotFoundException');
  });
});

describe('UpdateTable', () => {
  it('changes throughput and billing mode', async () => {
    await ddb.send(
      new CreateTableCommand(
        hashKeyTable('ut_a', { BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
      ),
    );
    const r = await ddb.send(
      new UpdateTableCommand({ TableName: 'ut_a', ProvisionedThroughput: { ReadCapacityUnits: 20, WriteCapacityUnits: 15 } }),
    );
    assert.equal(r.TableDescription!.ProvisionedThroughput!.ReadCapacityUnits, 20);
    assert.ok(r.TableDescription!.ProvisionedThroughput!.LastIncreaseDateTime instanceof Date);
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: 'ut_a', ProvisionedThroughput: { ReadCapacityUnits: 20, WriteCapacityUnits: 15 } })),
      'ValidationException',
      /^The provisioned throughput for the table will not change/,
    );
    await ddb.send(new UpdateTableCommand({ TableName: 'ut_a', BillingMode: 'PAY_PER_REQUEST' }));
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ut_a' }))).Table!;
    assert.equal(d.BillingModeSummary!.BillingMode, 'PAY_PER_REQUEST');
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: 'ut_a' })),
      'ValidationException',
      /^At least one of ProvisionedThroughput, BillingMode/,
    );
  });

  it('adds a GSI that backfills and becomes ACTIVE, and deletes it', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('ut_gsi')));
    for (let i = 0; i < 20; i++) {
      await ddb.send(new PutItemCommand({ TableName: 'ut_gsi', Item: { pk: { S: `k${i}` }, g: { S: `g${i % 3}` } } }));
    }
    const r = await ddb.send(new UpdateTableCommand({ TableName: 'ut_gsi', ...createGlobalIndex('byG', 'g:S') }));
    assert.equal(r.TableDescription!.GlobalSecondaryIndexes![0]!.IndexStatus, 'CREATING');
    let status: string | undefined;
    for (let i = 0; i < 100 && status !== 'ACTIVE'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ut_gsi' }))).Table!;
      status = d.GlobalSecondaryIndexes![0]!.IndexStatus;
      if (status === 'ACTIVE') assert.equal(d.GlobalSecondaryIndexes![0]!.ItemCount, 20);
    }
    assert.equal(status, 'ACTIVE');
    await expectError(
      ddb.send(
        new UpdateTableCommand({ TableName: 'ut_gsi', ...createGlobalIndex('byG', 'g:S') }),
      ),
      'ValidationException',
    );
    await ddb.send(new UpdateTableCommand({ TableName: 'ut_gsi', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byG' } }] }));
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ut_gsi' }))).Table!;
    assert.equal(d.GlobalSecondaryIndexes, undefined);
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: 'ut_gsi', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byG' } }] })),
      'ResourceNotFoundException',
    );
  });
});

describe('Tags', () => {
  it('tags, lists and untags a table', async () => {
    const arn = (await ddb.send(new CreateTableCommand(hashKeyTable('tag_a')))).TableDescription!.TableArn!;
    await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    let tags = (await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags!;
    assert.deepEqual(tags.map((t) => t.Key).sort(), ['a', 'b']);
    await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['a'] }));
    tags = (await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags!;
    assert.deepEqual(tags, [{ Key: 'b', Value: '2' }]);
    await expectError(
      ddb.send(new TagResourceCommand({ ResourceArn: 'not-an-arn', Tags: [{ Key: 'a', Value: '1' }] })),
      'ValidationException',
    );
    await expectError(
      ddb.send(new ListTagsOfResourceCommand({ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/nope' })),
      'AccessDeniedException',
    );
  });
});

describe('TimeToLive settings', () => {
  it('enables, describes and refuses a repeated enable', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('ttl_a')));
    assert.equal(
      (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'ttl_a' }))).TimeToLiveDescription!.TimeToLiveStatus,
      'DISABLED',
    );
    const r = await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: 'ttl_a', TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } }),
    );
    assert.deepEqual(r.TimeToLiveSpecification, { Enabled: true, AttributeName: 'exp' });
    const d = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'ttl_a' }))).TimeToLiveDescription!;
    assert.equal(d.TimeToLiveStatus, 'ENABLED');
    assert.equal(d.AttributeName, 'exp');
    await expectError(
      ddb.send(new UpdateTimeToLiveCommand({ TableName: 'ttl_a', TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } })),
      'ValidationException',
      'TimeToLive is already enabled',
    );
    await expectError(
      ddb.send(new UpdateTimeToLiveCommand({ TableName: 'ttl_none', TimeToLiveSpecification: { Enabled: true, AttributeName: 'x' } })),
      'ResourceNotFoundException',
    );
  });
});

describe('account reads', () => {
  it('answers DescribeLimits, DescribeEndpoints and DescribeContinuousBackups', async () => {
    const limits = await ddb.send(new DescribeLimitsCommand({}));
    assert.ok(limits.TableMaxReadCapacityUnits! > 0);
    const endpoints = await ddb.send(new DescribeEndpointsCommand({}));
    assert.equal(endpoints.Endpoints!.length, 1);
    await ddb.send(new CreateTableCommand(hashKeyTable('cb_a')));
    const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'cb_a' }));
    assert.equal(backups.ContinuousBackupsDescription!.PointInTimeRecoveryDescription!.PointInTimeRecoveryStatus, 'DISABLED');
    await expectError(ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'cb_none' })), 'TableNotFoundException');
  });
});
