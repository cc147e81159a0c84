/**
 * @module api/backups/restore-table
 * RestoreTableFromBackup and RestoreTableToPointInTime: a new table,
 * CREATING until the restore job has filled it (backup/restore-job), with
 * the source's key schema, indexes, billing and encryption unless the
 * request overrides them. As DynamoDB documents ("Restoring a DynamoDB
 * table from a backup"), a restored table does not carry over tags, time
 * to live, streams, point-in-time recovery, auto scaling, resource
 * policies or deletion protection: those are set up again on the new
 * table. DescribeTable shows its RestoreSummary.
 */
import { randomUUID } from 'node:crypto';
import { errors } from '../../errors/index.js';
import { bool, list, str, struct, tableName, type NumberShape } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import type { Database } from '../../data/database.js';
import type { IndexRecord, RestoreSettings, TableRecord, Throughput } from '../../catalog/table-record.js';
import { keyAttributes } from '../../catalog/table-record.js';
import { tableNameOf } from '../../data/table-lookup.js';
import { startRestore } from '../../backup/restore-job.js';
import { backupArn } from '../../backup/backup-records.js';
import { invalidRestoreTimeMessage, restorableWindow } from '../../backup/point-in-time.js';
import { describeTable } from '../tables/table-description.js';
import {
  checkBillingAndThroughput,
  checkIndexThroughput,
  checkKeySchema,
  checkProjection,
  globalIndexShape,
  type IndexInput,
  type ThroughputInput,
} from '../tables/create-table.js';
import { keySchema, onDemandThroughput, projection, provisionedThroughput, indexName, sseSpecification } from '../tables/table-schemas.js';
import { requireBackup } from './backup-description.js';
import { checkOnDemandCreate, checkOnDemandOverride } from '../tables/on-demand-throughput.js';
import { restoredVectorIndexes, vectorIndexShape, vectorSchemaAttributes, type VectorIndexInput } from '../tables/vector-indexes.js';

interface Overrides {
  BillingModeOverride?: 'PROVISIONED' | 'PAY_PER_REQUEST';
  GlobalSecondaryIndexOverride?: IndexInput[];
  LocalSecondaryIndexOverride?: IndexInput[];
  ProvisionedThroughputOverride?: ThroughputInput;
  OnDemandThroughputOverride?: { MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number };
  SSESpecificationOverride?: { Enabled?: boolean; SSEType?: string; KMSMasterKeyId?: string };
  VectorIndexOverride?: VectorIndexInput[];
}

const localIndexShape = struct(
  { IndexName: indexName({ required: true }), KeySchema: keySchema({ required: true }), Projection: { ...projection, required: true } },
  { javaName: 'LocalSecondaryIndex' },
);

const overrideMembers = {
  BillingModeOverride: str({ enum: ['PROVISIONED', 'PAY_PER_REQUEST'] }),
  GlobalSecondaryIndexOverride: list(globalIndexShape),
  LocalSecondaryIndexOverride: list(localIndexShape),
  ProvisionedThroughputOverride: provisionedThroughput,
  OnDemandThroughputOverride: onDemandThroughput,
  SSESpecificationOverride: sseSpecification,
  VectorIndexOverride: list(vectorIndexShape),
};

const INVALID = 'One or more parameter values were invalid: ';

/**
 * The restored table's definition: the source's, with the overrides
 * applied and what a restore does not carry left out.
 */
function restoredTable(db: Database, source: TableRecord, target: string, input: Overrides, restore: RestoreSettings, id: number): TableRecord {
  const now = db.clock.now();
  const billingMode = input.BillingModeOverride ?? source.billingMode;
  let throughput: Throughput;
  if (input.ProvisionedThroughputOverride !== undefined || billingMode !== source.billingMode) {
    throughput = checkBillingAndThroughput(billingMode, input.ProvisionedThroughputOverride, now);
  } else {
    throughput = { read: source.throughput.read, write: source.throughput.write, decreasesToday: 0 };
  }
  // OnDemandThroughput maximums: the override's, else the source's while the table stays on demand.
  const onDemandMax =
    input.OnDemandThroughputOverride !== undefined
      ? checkOnDemandOverride(billingMode, input.OnDemandThroughputOverride, db.region)
      : billingMode === 'PAY_PER_REQUEST' && source.billingMode === 'PAY_PER_REQUEST'
        ? source.onDemandMax
        : undefined;
  const definitions = Object.keys(source.attributeDefinitions);
  const used = new Set(keyAttributes(source.keySchema));
  let nextIndexId = 1;
  const names = new Set<string>();
  const named = (name: string): void => {
    if (names.has(name)) throw errors.validation(`${INVALID}Duplicate index name: ${name}`);
    names.add(name);
  };
  let localIndexes: IndexRecord[];
  if (input.LocalSecondaryIndexOverride !== undefined) {
    localIndexes = input.LocalSecondaryIndexOverride.map((index) => {
      const keys = checkKeySchema(index.KeySchema, definitions);
      if (keys.range === undefined || keys.hash !== source.keySchema.hash) {
        throw errors.validation(`${INVALID}Index KeySchema does not have the same leading hash key as table KeySchema for index: ${index.IndexName}`);
      }
      named(index.IndexName);
      return { id: nextIndexId++, name: index.IndexName, keySchema: keys, projection: checkProjection(index.Projection, keys, source.keySchema), status: 'ACTIVE' };
    });
  } else {
    localIndexes = source.localIndexes.map((index) => (named(index.name), { ...index, id: nextIndexId++, status: 'ACTIVE' }));
  }
  let globalIndexes: IndexRecord[];
  if (input.GlobalSecondaryIndexOverride !== undefined) {
    globalIndexes = input.GlobalSecondaryIndexOverride.map((index) => {
      const keys = checkKeySchema(index.KeySchema, definitions, true);
      const indexThroughput = checkIndexThroughput(billingMode, index, now);
      const indexMax = checkOnDemandCreate(billingMode, index.OnDemandThroughput, { index: index.IndexName }, db.region);
      named(index.IndexName);
      return {
        id: nextIndexId++,
        name: index.IndexName,
        keySchema: keys,
        projection: checkProjection(index.Projection, keys, source.keySchema),
        status: 'ACTIVE',
        ...(indexThroughput ? { throughput: indexThroughput } : {}),
        ...(indexMax ? { onDemandMax: indexMax } : {}),
      };
    });
  } else {
    globalIndexes = source.globalIndexes.map((index) => {
      named(index.name);
      const { throughput: own, backfilling: _b, onDemandMax: ownMax, ...rest } = index;
      const kept = billingMode === 'PAY_PER_REQUEST' ? undefined : (own ?? { read: throughput.read, write: throughput.write, decreasesToday: 0 });
      const keptMax = billingMode === 'PAY_PER_REQUEST' && source.billingMode === 'PAY_PER_REQUEST' ? ownMax : undefined;
      return {
        ...rest,
        id: nextIndexId++,
        status: 'ACTIVE',
        ...(kept ? { throughput: { read: kept.read, write: kept.write, decreasesToday: 0 } } : {}),
        ...(keptMax ? { onDemandMax: keptMax } : {}),
      };
    });
  }
  for (const index of [...localIndexes, ...globalIndexes]) for (const name of keyAttributes(index.keySchema)) used.add(name);
  const vectorIndexes = restoredVectorIndexes(source, input.VectorIndexOverride, billingMode, names, nextIndexId);
  nextIndexId += vectorIndexes.length;
  for (const name of vectorSchemaAttributes(vectorIndexes)) used.add(name);
  const sseInput = input.SSESpecificationOverride;
  const sse =
    sseInput === undefined
      ? source.sse
      : sseInput.Enabled === true
        ? {
            enabled: true,
            type: sseInput.SSEType ?? 'KMS',
            ...(sseInput.KMSMasterKeyId !== undefined
              ? {
                  kmsKeyArn: sseInput.KMSMasterKeyId.startsWith('arn:')
                    ? sseInput.KMSMasterKeyId
                    : `arn:aws:kms:${db.region}:${db.accountId}:key/${sseInput.KMSMasterKeyId}`,
                }
              : {}),
          }
        : undefined;
  return {
    ...db.scope,
    id,
    name: target,
    uuid: randomUUID(),
    createdAt: now,
    status: 'CREATING',
    attributeDefinitions: Object.fromEntries(Object.entries(source.attributeDefinitions).filter(([name]) => used.has(name))),
    keySchema: source.keySchema,
    billingMode,
    ...(billingMode === 'PAY_PER_REQUEST' ? { lastPayPerRequestAt: now } : {}),
    throughput,
    ...(onDemandMax ? { onDemandMax } : {}),
    localIndexes,
    globalIndexes,
    stream: { enabled: false },
    ...(sse ? { sse } : {}),
    tableClass: source.tableClass,
    deletionProtection: false,
    tags: {},
    restore,
    nextIndexId,
    ...(vectorIndexes.length > 0 ? { vectorIndexes } : {}),
  };
}

async function createRestored(db: Database, target: TableRecord): Promise<Record<string, unknown>> {
  if (!(await startRestore(db, target))) throw errors.tableAlreadyExists(`Table already exists: ${target.name}`);
  return { TableDescription: describeTable(db, target) };
}

function requireNewTable(db: Database, name: string): void {
  if (db.catalog.get(name) !== undefined) throw errors.tableAlreadyExists(`Table already exists: ${name}`);
}

interface FromBackupInput extends Overrides {
  TargetTableName: string;
  BackupArn: string;
}

export const restoreTableFromBackup = defineOperation<FromBackupInput>({
  name: 'RestoreTableFromBackup',
  schema: {
    members: {
      TargetTableName: tableName({ required: true }),
      BackupArn: str({ required: true, min: 37, max: 1024 }),
      ...overrideMembers,
    },
  },
  async run({ db }, input) {
    const { record } = await requireBackup(db, input.BackupArn);
    if (record.status === 'DELETED') throw errors.backupNotFound(`Backup not found: ${input.BackupArn}`);
    if (record.status !== 'AVAILABLE') throw errors.backupInUse(`Backup is being created: ${input.BackupArn}`);
    requireNewTable(db, input.TargetTableName);
    const restore: RestoreSettings = {
      sourceBackupArn: backupArn(record),
      sourceTableArn: `arn:aws:dynamodb:${record.region}:${record.account}:table/${record.table.name}`,
      restoreDateTime: record.createdAt,
      inProgress: true,
      source: { kind: 'backup', account: record.account, region: record.region, tableName: record.table.name, backupId: record.id },
    };
    const id = await db.catalog.allocateTableId();
    return createRestored(db, restoredTable(db, record.table, input.TargetTableName, input, restore, id));
  },
});

interface ToPointInTimeInput extends Overrides {
  SourceTableArn?: string;
  SourceTableName?: string;
  TargetTableName: string;
  UseLatestRestorableTime?: boolean;
  /** Epoch seconds. */
  RestoreDateTime?: number;
}

export const restoreTableToPointInTime = defineOperation<ToPointInTimeInput>({
  name: 'RestoreTableToPointInTime',
  schema: {
    members: {
      SourceTableArn: str({ min: 1, max: 1024 }),
      SourceTableName: tableName(),
      TargetTableName: tableName({ required: true }),
      UseLatestRestorableTime: bool(),
      RestoreDateTime: { type: 'double' } satisfies NumberShape,
      ...overrideMembers,
    },
  },
  async run({ db }, input) {
    if ((input.SourceTableArn === undefined) === (input.SourceTableName === undefined)) {
      throw errors.validation('Exactly one of SourceTableArn or SourceTableName must be specified');
    }
    const sourceName = tableNameOf(db, input.SourceTableArn ?? input.SourceTableName!);
    const source = db.catalog.get(sourceName);
    if (source === undefined) throw errors.tableNotFound(`Table not found: ${sourceName}`);
    if (input.UseLatestRestorableTime === true && input.RestoreDateTime !== undefined) {
      throw errors.validation('Only one of RestoreDateTime or UseLatestRestorableTime can be specified');
    }
    if (input.UseLatestRestorableTime !== true && input.RestoreDateTime === undefined) {
      throw errors.validation('Either RestoreDateTime or UseLatestRestorableTime must be specified');
    }
    const now = db.clock.now();
    const window = restorableWindow(source, now);
    if (window === undefined) {
      throw errors.pointInTimeRecoveryUnavailable(`Point in time recovery is not enabled for table '${sourceName}'`);
    }
    const epochMs = input.UseLatestRestorableTime === true ? window.latestMs : Math.round(input.RestoreDateTime! * 1000);
    if (epochMs < window.earliestMs || epochMs > window.latestMs) throw errors.invalidRestoreTime(invalidRestoreTimeMessage(window));
    requireNewTable(db, input.TargetTableName);
    const restore: RestoreSettings = {
      sourceTableArn: db.tableArn(sourceName),
      restoreDateTime: epochMs,
      inProgress: true,
      source: { kind: 'pitr', account: source.account, region: source.region, tableName: sourceName, tableId: source.id, epochMs },
    };
    const id = await db.catalog.allocateTableId();
    return createRestored(db, restoredTable(db, source, input.TargetTableName, input, restore, id));
  },
});

