/**
 * Black-box tests of point-in-time recovery: UpdateContinuousBackups,
 * DescribeContinuousBackups and RestoreTableToPointInTime, restoring to
 * instants recorded while writers kept writing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  RestoreTableToPointInTimeCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable, indexedTable, sortedTableWithGsi } from './helpers/tables.js';
import { putAll, scanAll, tableActive, until } from './helpers/backups.js';

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function enable(table: string, days?: number) {
  return ddb.send(
    new UpdateContinuousBackupsCommand({
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, ...(days === undefined ? {} : { RecoveryPeriodInDays: days }) },
    }),
  );
}

describe('UpdateContinuousBackups and DescribeContinuousBackups', () => {
  it('turns point-in-time recovery on and off, with its window and period', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('pitr_cfg')));
    const off = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'pitr_cfg' }));
    assert.equal(off.ContinuousBackupsDescription!.ContinuousBackupsStatus, 'ENABLED');
    assert.deepEqual(off.ContinuousBackupsDescription!.PointInTimeRecoveryDescription, { PointInTimeRecoveryStatus: 'DISABLED' });
    const before = Date.now();
    const on = (await enable('pitr_cfg')).ContinuousBackupsDescription!.PointInTimeRecoveryDescription!;
    assert.equal(on.PointInTimeRecoveryStatus, 'ENABLED');
    assert.equal(on.RecoveryPeriodInDays, 35);
    assert.ok(on.EarliestRestorableDateTime!.getTime() >= before);
    await sleep(400);
    const described = (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'pitr_cfg' }))).ContinuousBackupsDescription!
      .PointInTimeRecoveryDescription!;
    // Latest is now, not five minutes ago: a local drill need not wait.
    assert.ok(Math.abs(described.LatestRestorableDateTime!.getTime() - Date.now()) < 2000);
    assert.ok(described.EarliestRestorableDateTime!.getTime() < described.LatestRestorableDateTime!.getTime());
    const seven = (await enable('pitr_cfg', 7)).ContinuousBackupsDescription!.PointInTimeRecoveryDescription!;
    assert.equal(seven.RecoveryPeriodInDays, 7);
    // Changing the period keeps the window's start.
    assert.equal(seven.EarliestRestorableDateTime!.getTime(), on.EarliestRestorableDateTime!.getTime());
    await expectError(enable('pitr_cfg', 36), 'ValidationException', /recoveryPeriodInDays/);
    await expectError(enable('pitr_cfg', 0), 'ValidationException');
    await expectError(enable('pitr_none'), 'TableNotFoundException', 'Table not found: pitr_none');
    await expectError(ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'pitr_none' })), 'TableNotFoundException');
    const disabled = await ddb.send(
      new UpdateContinuousBackupsCommand({ TableName: 'pitr_cfg', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }),
    );
    assert.deepEqual(disabled.ContinuousBackupsDescription!.PointInTimeRecoveryDescription, { PointInTimeRecoveryStatus: 'DISABLED' });
  });
});

interface Op {
  readonly key: string;
  /** undefined: a delete. */
  readonly value: string | undefined;
  readonly start: number;
  readonly ack: number;
}

describe('RestoreTableToPointInTime', () => {
  // Without an index, a put that needs nothing back reads the old item inside its commit (data/item-store writeLoggedBlind);
  // with one, the old item is read first, as index maintenance needs it.
  for (const indexed of [true, false]) {
    it(`restores the table as it was at each of several instants while writers write (${indexed ? 'with' : 'without'} an index)`, async () => {
      const table = indexed ? 'pitr_busy' : 'pitr_busy_plain';
      const keyed = {
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }, { AttributeName: 'sk', AttributeType: 'S' as const }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }],
      };
      await ddb.send(new CreateTableCommand(indexed ? indexedTable(table) : { ...hashKeyTable(table), ...keyed }));
      await enable(table);
      await sleep(300);
      const ops: Op[][] = [[], [], []];
      let stop = false;
      const writers = ops.map(async (log, w) => {
        for (let n = 0; !stop; n++) {
          const key = `w${w}-${n % 6}`;
          const start = Date.now();
          let value: string | undefined;
          if (n % 5 === 4) {
            await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: key }, sk: { S: 's' } } }));
          } else {
            value = `${w}.${n}`;
            await ddb.send(
              new PutItemCommand({ TableName: table, Item: { pk: { S: key }, sk: { S: 's' }, gk: { S: `g${n % 3}` }, v: { S: value } } }),
            );
          }
          log.push({ key, value, start, ack: Date.now() });
        }
      });
      const instants: number[] = [];
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        instants.push(Date.now());
      }
      await sleep(50);
      stop = true;
      await Promise.all(writers);
      for (const [i, t] of instants.entries()) {
        const target = `${table}_${i}`;
        const restored = await ddb.send(
          new RestoreTableToPointInTimeCommand({ SourceTableName: table, TargetTableName: target, RestoreDateTime: new Date(t) }),
        );
        assert.equal(restored.TableDescription!.RestoreSummary!.RestoreDateTime!.getTime(), t);
        assert.equal(restored.TableDescription!.RestoreSummary!.SourceTableArn, `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`);
        await tableActive(ddb, target);
        const got = new Map(
          (await scanAll(ddb, target)).map((text) => {
            const item = Object.fromEntries(JSON.parse(text) as [string, { S: string }][]);
            return [item.pk!.S, item.v!.S] as const;
          }),
        );
        // Per key: the writes acknowledged before t are in, those begun after
        // it are not; the one write in flight at t (at most one per writer) may be either.
        const keys = new Set(ops.flat().map((op) => op.key));
        for (const key of keys) {
          const history = ops.flat().filter((op) => op.key === key);
          const done = history.filter((op) => op.ack < t);
          const before = done.length === 0 ? undefined : done[done.length - 1]!.value;
          const inFlight = history.find((op) => op.start <= t && op.ack >= t);
          const allowed = inFlight === undefined ? [before] : [before, inFlight.value];
          assert.ok(allowed.includes(got.get(key)), `${target}: ${key} is ${got.get(key)}, expected one of ${allowed.join(' / ')}`);
        }
        assert.equal(got.size, [...keys].filter((key) => got.has(key)).length);
        // The index was rebuilt from the same state.
        if (indexed) assert.equal((await scanAll(ddb, target, 'gsi')).length, got.size);
      }
      assert.ok(ops.every((log) => log.length > 3), 'the writers hardly wrote');
    });
  }

  it('restores the latest state with UseLatestRestorableTime, by ARN too', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('pitr_latest')));
    await enable('pitr_latest');
    await sleep(300);
    await putAll(ddb, 'pitr_latest', Array.from({ length: 30 }, (_, i) => ({ pk: { S: `k${i}` }, v: { N: String(i) } })));
    await ddb.send(new DeleteItemCommand({ TableName: 'pitr_latest', Key: { pk: { S: 'k3' } } }));
    const expected = await scanAll(ddb, 'pitr_latest');
    await ddb.send(
      new RestoreTableToPointInTimeCommand({
        SourceTableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/pitr_latest',
        TargetTableName: 'pitr_latest_copy',
        UseLatestRestorableTime: true,
        BillingModeOverride: 'PROVISIONED',
        ProvisionedThroughputOverride: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      }),
    );
    await tableActive(ddb, 'pitr_latest_copy');
    assert.deepEqual(await scanAll(ddb, 'pitr_latest_copy'), expected);
    const table = (await ddb.send(new DescribeTableCommand({ TableName: 'pitr_latest_copy' }))).Table!;
    assert.equal(table.ProvisionedThroughput!.WriteCapacityUnits, 5);
    // PITR is not carried over to the restored table.
    const pitr = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'pitr_latest_copy' }));
    assert.equal(pitr.ContinuousBackupsDescription!.PointInTimeRecoveryDescription!.PointInTimeRecoveryStatus, 'DISABLED');
  });

  // DynamoDB's API reference (RestoreTableToPointInTime): the indexes, throughput and encryption "come from the current
  // settings of the source table at the time of restore", not from RestoreDateTime; the data is the data at RestoreDateTime.
  it('gives the restored table the source’s definition as it is now, filled with the items as they were', async () => {
    await ddb.send(new CreateTableCommand(sortedTableWithGsi('pitr_def', 'old_g')));
    await enable('pitr_def');
    await sleep(300);
    await putAll(ddb, 'pitr_def', [
      { pk: { S: 'a' }, sk: { N: '1' }, old_g: { S: 'x' }, new_g: { S: 'y' }, v: { N: '1' } },
      { pk: { S: 'b' }, sk: { N: '1' }, old_g: { S: 'x' }, new_g: { S: 'y' }, v: { N: '1' } },
    ]);
    await sleep(20);
    const t = Date.now();
    await sleep(20);
    await ddb.send(new PutItemCommand({ TableName: 'pitr_def', Item: { pk: { S: 'c' }, sk: { N: '1' }, new_g: { S: 'y' }, v: { N: '2' } } }));
    // Between t and the restore: one index removed, another added.
    await ddb.send(
      new UpdateTableCommand({
        TableName: 'pitr_def',
        AttributeDefinitions: [{ AttributeName: 'new_g', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: 'by_new_g', KeySchema: [{ AttributeName: 'new_g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
        ],
      }),
    );
    await until('by_new_g is ACTIVE', async () => {
      const table = (await ddb.send(new DescribeTableCommand({ TableName: 'pitr_def' }))).Table!;
      return table.GlobalSecondaryIndexes?.find((g) => g.IndexName === 'by_new_g')?.IndexStatus === 'ACTIVE' ? true : undefined;
    });
    await ddb.send(new UpdateTableCommand({ TableName: 'pitr_def', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by-old_g' } }] }));
    await until('the old index is gone', async () => {
      const table = (await ddb.send(new DescribeTableCommand({ TableName: 'pitr_def' }))).Table!;
      return table.GlobalSecondaryIndexes?.some((g) => g.IndexName === 'by-old_g') ? undefined : true;
    });
    await ddb.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'pitr_def', TargetTableName: 'pitr_def_copy', RestoreDateTime: new Date(t) }));
    await tableActive(ddb, 'pitr_def_copy');
    const restored = (await ddb.send(new DescribeTableCommand({ TableName: 'pitr_def_copy' }))).Table!;
    assert.deepEqual(restored.GlobalSecondaryIndexes!.map((g) => g.IndexName), ['by_new_g']);
    assert.equal((await scanAll(ddb, 'pitr_def_copy')).length, 2);
    // The new index holds the items as they were at t, not the one written after it.
    const byNew = await ddb.send(
      new QueryCommand({ TableName: 'pitr_def_copy', IndexName: 'by_new_g', KeyConditionExpression: 'new_g = :y', ExpressionAttributeValues: { ':y': { S: 'y' } } }),
    );
    assert.deepEqual(byNew.Items!.map((i) => i.pk!.S).sort(), ['a', 'b']);
  });

  it('answers each error with DynamoDB’s type', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('pitr_err')));
    await ddb.send(new CreateTableCommand(hashKeyTable('pitr_err_taken')));
    const restore = (input: Partial<ConstructorParameters<typeof RestoreTableToPointInTimeCommand>[0]>) =>
      ddb.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'pitr_err', TargetTableName: 'pitr_err_dst', ...input }));
    await expectError(restore({ UseLatestRestorableTime: true }), 'PointInTimeRecoveryUnavailableException');
    await enable('pitr_err');
    await sleep(300);
    await expectError(restore({ RestoreDateTime: new Date(Date.now() - 3_600_000) }), 'InvalidRestoreTimeException');
    await expectError(restore({ RestoreDateTime: new Date(Date.now() + 60_000) }), 'InvalidRestoreTimeException');
    await expectError(restore({ SourceTableName: 'pitr_err_none', UseLatestRestorableTime: true }), 'TableNotFoundException');
    await expectError(restore({ TargetTableName: 'pitr_err_taken', UseLatestRestorableTime: true }), 'TableAlreadyExistsException');
    await expectError(restore({}), 'ValidationException');
    await expectError(restore({ UseLatestRestorableTime: true, RestoreDateTime: new Date() }), 'ValidationException');
    await expectError(restore({ SourceTableName: undefined, UseLatestRestorableTime: true }), 'ValidationException');
    await expectError(restore({ TargetTableName: 'x', UseLatestRestorableTime: true }), 'ValidationException');
    // Nothing was made by any of them.
    await expectError(ddb.send(new DescribeTableCommand({ TableName: 'pitr_err_dst' })), 'ResourceNotFoundException');
  });
});
