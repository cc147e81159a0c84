/**
 * OnDemandThroughput maximums (api/tables/on-demand-throughput), black-box
 * with the SDK v3: CreateTable and UpdateTable for the table and its GSIs,
 * DescribeTable's shape (only the members set), DynamoDB's validation texts,
 * the restores' override, and under `--throttle` the ThrottlingException
 * with a MaxOnDemandThroughputExceeded reason once a maximum is spent.
 * Texts and shapes as recorded against DynamoDB (ack-api-quirks
 * DDB-TABLE-028, -038, -039, -059, -128, -178, -182, -280).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBackupCommand,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  RestoreTableFromBackupCommand,
  UpdateTableCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, testWorkers, type ServerProcess } from './helpers/server-process.js';
import { backupAvailable } from './helpers/backups.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
let n = 0;
const INVALID = 'One or more parameter values were invalid: ';

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
});
after(async () => {
  await server?.stop();
});

function onDemandTable(extra: Partial<CreateTableCommandInput> = {}, gsi?: Record<string, unknown>): CreateTableCommandInput {
  return {
    TableName: `odt${n++}`,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(gsi !== undefined ? [{ AttributeName: 'g', AttributeType: 'S' as const }] : [])],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...(gsi !== undefined
      ? { GlobalSecondaryIndexes: [{ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, ...gsi }] }
      : {}),
    ...extra,
  };
}

async function describe_(name: string) {
  return (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
}

describe('OnDemandThroughput on CreateTable and DescribeTable', () => {
  it('is absent when unset, shows only the members set, for the table and its GSIs', async () => {
    const plain = onDemandTable({}, {});
    await ddb.send(new CreateTableCommand(plain));
    const d = await describe_(plain.TableName!);
    assert.equal(d.OnDemandThroughput, undefined);
    assert.equal(d.GlobalSecondaryIndexes![0]!.OnDemandThroughput, undefined);

    const both = onDemandTable({ OnDemandThroughput: { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 } }, { OnDemandThroughput: { MaxReadRequestUnits: 7 } });
    const created = await ddb.send(new CreateTableCommand(both));
    assert.deepEqual(created.TableDescription!.OnDemandThroughput, { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 });
    const d2 = await describe_(both.TableName!);
    assert.deepEqual(d2.OnDemandThroughput, { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 });
    assert.deepEqual(d2.GlobalSecondaryIndexes![0]!.OnDemandThroughput, { MaxReadRequestUnits: 7 });

    const writeOnly = onDemandTable({ OnDemandThroughput: { MaxWriteRequestUnits: 40000 } });
    await ddb.send(new CreateTableCommand(writeOnly));
    assert.deepEqual((await describe_(writeOnly.TableName!)).OnDemandThroughput, { MaxWriteRequestUnits: 40000 });

    // An empty struct is accepted at create and sets nothing.
    const empty = onDemandTable({ OnDemandThroughput: {} });
    await ddb.send(new CreateTableCommand(empty));
    assert.equal((await describe_(empty.TableName!)).OnDemandThroughput, undefined);
  });

  it("refuses 0, -1 and -2, OnDemandThroughput on a provisioned table, and maximums above the account's per-table quota", async () => {
    for (const value of [0, -1, -2]) {
      await expectError(
        ddb.send(new CreateTableCommand(onDemandTable({ OnDemandThroughput: { MaxReadRequestUnits: value, MaxWriteRequestUnits: value } }))),
        'ValidationException',
        `${INVALID}Requested MaxReadRequestUnits for OnDemandThroughput for table is outside of valid range`,
      );
    }
    await expectError(
      ddb.send(new CreateTableCommand(onDemandTable({ OnDemandThroughput: { MaxWriteRequestUnits: 0 } }))),
      'ValidationException',
      `${INVALID}Requested MaxWriteRequestUnits for OnDemandThroughput for table is outside of valid range`,
    );
    await expectError(
      ddb.send(new CreateTableCommand(onDemandTable({}, { OnDemandThroughput: { MaxReadRequestUnits: -1 } }))),
      'ValidationException',
      `${INVALID}Requested MaxReadRequestUnits for OnDemandThroughput for index : gsi1 is outside of valid range`,
    );
    await expectError(
      ddb.send(
        new CreateTableCommand(
          onDemandTable({ BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 }, OnDemandThroughput: { MaxReadRequestUnits: 5 } }),
        ),
      ),
      'ValidationException',
      `${INVALID}MaxReadRequestUnits for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED.`,
    );
    await expectError(
      ddb.send(new CreateTableCommand(onDemandTable({ OnDemandThroughput: { MaxReadRequestUnits: 40001 } }))),
      'LimitExceededException',
      'Subscriber limit exceeded: Requested MaxReadRequestUnits for OnDemandThroughput for table exceeds TableMaxReadCapacityUnits of the account in region us-east-1',
    );
  });
});

describe('OnDemandThroughput on UpdateTable', () => {
  it('merges member by member; -1 removes a member, echoed as -1 and then left out', async () => {
    const t = onDemandTable({}, {});
    await ddb.send(new CreateTableCommand(t));
    const name = t.TableName!;
    const update = (o: Record<string, number>) => ddb.send(new UpdateTableCommand({ TableName: name, OnDemandThroughput: o }));

    assert.deepEqual((await update({ MaxReadRequestUnits: 1000, MaxWriteRequestUnits: 500 })).TableDescription!.OnDemandThroughput, {
      MaxReadRequestUnits: 1000,
      MaxWriteRequestUnits: 500,
    });
    await update({ MaxReadRequestUnits: 2000 });
    assert.deepEqual((await describe_(name)).OnDemandThroughput, { MaxReadRequestUnits: 2000, MaxWriteRequestUnits: 500 });
    assert.deepEqual((await update({ MaxReadRequestUnits: -1 })).TableDescription!.OnDemandThroughput, { MaxReadRequestUnits: -1, MaxWriteRequestUnits: 500 });
    assert.deepEqual((await describe_(name)).OnDemandThroughput, { MaxWriteRequestUnits: 500 });
    assert.deepEqual((await update({ MaxWriteRequestUnits: -1 })).TableDescription!.OnDemandThroughput, { MaxWriteRequestUnits: -1 });
    assert.equal((await describe_(name)).OnDemandThroughput, undefined);
    assert.deepEqual((await update({ MaxReadRequestUnits: -1, MaxWriteRequestUnits: -1 })).TableDescription!.OnDemandThroughput, {
      MaxReadRequestUnits: -1,
      MaxWriteRequestUnits: -1,
    });

    await expectError(update({ MaxWriteRequestUnits: 0 }), 'ValidationException', `${INVALID}Requested MaxWriteRequestUnits for OnDemandThroughput for table is outside of valid range`);
    await expectError(update({ MaxReadRequestUnits: -2 }), 'ValidationException', `${INVALID}Requested MaxReadRequestUnits for OnDemandThroughput for table is outside of valid range`);
    // DynamoDB answers {} with a 500; openddb refuses it (docs/compatibility.md).
    await expectError(update({}), 'ValidationException', /OnDemandThroughput must specify/);

    // A GSI's own maximums.
    const gsi = await ddb.send(
      new UpdateTableCommand({ TableName: name, GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'gsi1', OnDemandThroughput: { MaxWriteRequestUnits: 30 } } }] }),
    );
    assert.deepEqual(gsi.TableDescription!.GlobalSecondaryIndexes![0]!.OnDemandThroughput, { MaxWriteRequestUnits: 30 });
    assert.deepEqual((await describe_(name)).GlobalSecondaryIndexes![0]!.OnDemandThroughput, { MaxWriteRequestUnits: 30 });
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: name, GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'gsi1', OnDemandThroughput: { MaxWriteRequestUnits: 0 } } }] })),
      'ValidationException',
      `${INVALID}Requested MaxWriteRequestUnits for OnDemandThroughput for index : gsi1 is outside of valid range`,
    );
  });

  it('is refused on a provisioned table; a switch to provisioned drops the maximums, a switch to on demand may set them', async () => {
    const t = onDemandTable({ OnDemandThroughput: { MaxReadRequestUnits: 10 } });
    await ddb.send(new CreateTableCommand(t));
    const name = t.TableName!;
    await ddb.send(new UpdateTableCommand({ TableName: name, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }));
    assert.equal((await describe_(name)).OnDemandThroughput, undefined);
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: name, OnDemandThroughput: { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 100 } })),
      'ValidationException',
      `${INVALID}MaxReadRequestUnits for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED`,
    );
    await ddb.send(new UpdateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', OnDemandThroughput: { MaxWriteRequestUnits: 9 } }));
    assert.deepEqual((await describe_(name)).OnDemandThroughput, { MaxWriteRequestUnits: 9 });
  });
});

describe('OnDemandThroughputOverride on RestoreTableFromBackup', () => {
  it("keeps the source's maximums, or takes the override's, with the restores' texts", async () => {
    const t = onDemandTable({ OnDemandThroughput: { MaxReadRequestUnits: 10 } });
    await ddb.send(new CreateTableCommand(t));
    const backup = (await ddb.send(new CreateBackupCommand({ TableName: t.TableName!, BackupName: 'odt-backup' }))).BackupDetails!.BackupArn!;
    await backupAvailable(ddb, backup);
    const kept = `${t.TableName}-r1`;
    await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: kept, BackupArn: backup }));
    assert.deepEqual((await describe_(kept)).OnDemandThroughput, { MaxReadRequestUnits: 10 });
    const overridden = `${t.TableName}-r2`;
    await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: overridden, BackupArn: backup, OnDemandThroughputOverride: { MaxWriteRequestUnits: 3 } }));
    assert.deepEqual((await describe_(overridden)).OnDemandThroughput, { MaxWriteRequestUnits: 3 });
    await expectError(
      ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: `${t.TableName}-r3`, BackupArn: backup, OnDemandThroughputOverride: { MaxReadRequestUnits: 0 } })),
      'ValidationException',
      'Invalid Request: Requested MaxReadRequestUnits for OnDemandThroughput is outside of valid range',
    );
    await expectError(
      ddb.send(
        new RestoreTableFromBackupCommand({
          TargetTableName: `${t.TableName}-r4`,
          BackupArn: backup,
          BillingModeOverride: 'PROVISIONED',
          ProvisionedThroughputOverride: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
          OnDemandThroughputOverride: { MaxReadRequestUnits: 5 },
        }),
      ),
      'ValidationException',
      'Invalid Request: Cannot override MaxReadRequestUnits for OnDemandThroughput unless BillingModeOverride is PAY_PER_REQUEST',
    );
  });
});

// The buckets are per process (each enforces capacity / processes), so one process here.
describe('OnDemandThroughput maximums under --throttle', { skip: testWorkers() !== 1 ? 'one process: buckets are per process' : false }, () => {
  let throttled: ServerProcess;
  let tdb: DynamoDBClient;
  before(async () => {
    throttled = await startServerProcess({ workers: 1, extraArgs: ['--throttle'] });
    tdb = client(throttled.url);
  });
  after(async () => {
    await throttled?.stop();
  });

  it("throttles a table past its maximum with ThrottlingException naming the table's MaxOnDemandThroughputExceeded; raising it lifts the limit", async () => {
    const t = onDemandTable({ OnDemandThroughput: { MaxWriteRequestUnits: 2 } });
    await tdb.send(new CreateTableCommand(t));
    const name = t.TableName!;
    let refused: (Error & { throttlingReasons?: { reason: string; resource: string }[] }) | undefined;
    for (let i = 0; i < 20 && refused === undefined; i++) {
      try {
        // Distinct keys: the per-key limit (1,000 WCU) never binds; only the table's maximum does.
        await tdb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: `k${i}` } } }));
      } catch (e) {
        refused = e as typeof refused;
      }
    }
    assert.equal(refused?.name, 'ThrottlingException');
    assert.match(refused!.message, /^Throughput exceeds the current capacity of your table or index/);
    assert.deepEqual(refused?.throttlingReasons, [{ reason: 'TableWriteMaxOnDemandThroughputExceeded', resource: `arn:aws:dynamodb:us-east-1:123456789012:table/${name}` }]);
    await tdb.send(new UpdateTableCommand({ TableName: name, OnDemandThroughput: { MaxWriteRequestUnits: -1 } }));
    for (let i = 0; i < 20; i++) await tdb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: `m${i}` } } }));
  });

  it("throttles queries of a GSI past the GSI's maximum with an Index reason", async () => {
    const t = onDemandTable({}, { OnDemandThroughput: { MaxReadRequestUnits: 1 } });
    await tdb.send(new CreateTableCommand(t));
    const name = t.TableName!;
    await tdb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'a' }, g: { S: 'x' } } }));
    let refused: (Error & { throttlingReasons?: { reason: string; resource: string }[] }) | undefined;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      try {
        await tdb.send(new QueryCommand({ TableName: name, IndexName: 'gsi1', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'x' } } }));
      } catch (e) {
        refused = e as typeof refused;
      }
    }
    assert.equal(refused?.name, 'ThrottlingException');
    assert.deepEqual(refused?.throttlingReasons, [
      { reason: 'IndexReadMaxOnDemandThroughputExceeded', resource: `arn:aws:dynamodb:us-east-1:123456789012:table/${name}/index/gsi1` },
    ]);
    // The table itself has no maximum: its own reads go on.
    for (let i = 0; i < 5; i++) await tdb.send(new QueryCommand({ TableName: name, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'a' } } }));
  });
});
