/**
 * @module api/backups/backup-description
 * DynamoDB's shapes of a backup (BackupDetails, BackupSummary,
 * BackupDescription with SourceTableDetails and SourceTableFeatureDetails)
 * from a stored backup record (backup/backup-records), and the lookups the
 * backup operations share. Times are epoch seconds, as on the wire.
 */
import { errors } from '../../errors/index.js';
import type { Database } from '../../data/database.js';
import type { IndexRecord, TableRecord, Throughput } from '../../catalog/table-record.js';
import { backupArn, parseBackupArn, readBackup, type BackupRecord, type StoredBackup } from '../../backup/backup-records.js';
import { keySchemaElements } from '../tables/table-description.js';
import { vectorIndexDefinition } from '../tables/vector-indexes.js';

const seconds = (ms: number): number => ms / 1000;

export function backupDetails(record: BackupRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    BackupArn: backupArn(record),
    BackupName: record.name,
    BackupStatus: record.status,
    BackupType: record.type,
    BackupCreationDateTime: seconds(record.createdAt),
  };
  if (record.sizeBytes !== undefined) out.BackupSizeBytes = record.sizeBytes;
  if (record.expiresAt !== undefined) out.BackupExpiryDateTime = seconds(record.expiresAt);
  return out;
}

export function backupSummary(record: BackupRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    TableName: record.table.name,
    TableId: record.table.uuid,
    TableArn: tableArn(record),
    ...backupDetails(record),
  };
  return out;
}

function tableArn(record: BackupRecord): string {
  return `arn:aws:dynamodb:${record.region}:${record.account}:table/${record.table.name}`;
}

function throughput(t: Throughput | undefined): Record<string, unknown> {
  return { ReadCapacityUnits: t?.read ?? 0, WriteCapacityUnits: t?.write ?? 0 };
}

function projection(index: IndexRecord): Record<string, unknown> {
  const p: Record<string, unknown> = { ProjectionType: index.projection.type };
  if (index.projection.nonKeyAttributes !== undefined) p.NonKeyAttributes = [...index.projection.nonKeyAttributes];
  return p;
}

export function backupDescription(record: BackupRecord): Record<string, unknown> {
  const table: TableRecord = record.table;
  const source: Record<string, unknown> = {
    TableName: table.name,
    TableId: table.uuid,
    TableArn: tableArn(record),
    KeySchema: keySchemaElements(table.keySchema),
    TableCreationDateTime: seconds(table.createdAt),
    ProvisionedThroughput: throughput(table.throughput),
    BillingMode: table.billingMode,
  };
  if (record.tableSizeBytes !== undefined) source.TableSizeBytes = record.tableSizeBytes;
  if (record.tableItemCount !== undefined) source.ItemCount = record.tableItemCount;
  const features: Record<string, unknown> = {};
  if (table.localIndexes.length > 0) {
    features.LocalSecondaryIndexes = table.localIndexes.map((i) => ({
      IndexName: i.name,
      KeySchema: keySchemaElements(i.keySchema),
      Projection: projection(i),
    }));
  }
  if (table.globalIndexes.length > 0) {
    features.GlobalSecondaryIndexes = table.globalIndexes.map((i) => ({
      IndexName: i.name,
      KeySchema: keySchemaElements(i.keySchema),
      Projection: projection(i),
      ProvisionedThroughput: throughput(i.throughput),
    }));
  }
  if (table.stream.enabled) features.StreamDescription = { StreamEnabled: true, StreamViewType: table.stream.viewType };
  if (table.ttl !== undefined) {
    features.TimeToLiveDescription = table.ttl.enabled
      ? { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttl.attributeName }
      : { TimeToLiveStatus: 'DISABLED' };
  }
  if (table.sse?.enabled) {
    features.SSEDescription = {
      Status: 'ENABLED',
      SSEType: table.sse.type ?? 'KMS',
      ...(table.sse.kmsKeyArn !== undefined ? { KMSMasterKeyArn: table.sse.kmsKeyArn } : {}),
    };
  }
  if (table.vectorIndexes !== undefined && table.vectorIndexes.length > 0) features.VectorIndexes = table.vectorIndexes.map(vectorIndexDefinition);
  return { BackupDetails: backupDetails(record), SourceTableDetails: source, SourceTableFeatureDetails: features };
}

/** The backup a BackupArn names, in the request's account and region, or BackupNotFoundException. */
export async function requireBackup(db: Database, arn: string): Promise<StoredBackup> {
  const parts = parseBackupArn(arn);
  if (parts === undefined || parts.account !== db.accountId || parts.region !== db.region) throw errors.backupNotFound(`Backup not found: ${arn}`);
  const stored = await readBackup(db.engine, db.scope, parts.table, parts.id);
  if (stored === undefined) throw errors.backupNotFound(`Backup not found: ${arn}`);
  return stored;
}
