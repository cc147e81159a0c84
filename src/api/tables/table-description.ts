/**
 * @module api/tables/table-description
 * Derives DynamoDB's TableDescription from a TableRecord: the one place
 * that knows the response shape, shared by Create/Describe/Update/DeleteTable.
 */
import type { Database } from '../../data/database.js';
import type { IndexRecord, KeySchema, TableRecord, Throughput } from '../../catalog/table-record.js';
import type { TableStats } from '../../data/table-stats.js';
import { describeVectorIndexes } from './vector-indexes.js';
import { describeOnDemand } from './on-demand-throughput.js';


const seconds = (ms: number) => ms / 1000;

export function keySchemaElements(keySchema: KeySchema): { AttributeName: string; KeyType: string }[] {
  if (keySchema.composite !== undefined) {
    return [
      ...keySchema.composite.hash.map((name) => ({ AttributeName: name, KeyType: 'HASH' })),
      ...keySchema.composite.range.map((name) => ({ AttributeName: name, KeyType: 'RANGE' })),
    ];
  }
  const out = [{ AttributeName: keySchema.hash, KeyType: 'HASH' }];
  if (keySchema.range !== undefined) out.push({ AttributeName: keySchema.range, KeyType: 'RANGE' });
  return out;
}

function throughputDescription(t: Throughput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (t.lastIncrease !== undefined) out.LastIncreaseDateTime = seconds(t.lastIncrease);
  if (t.lastDecrease !== undefined) out.LastDecreaseDateTime = seconds(t.lastDecrease);
  out.NumberOfDecreasesToday = t.decreasesToday;
  out.ReadCapacityUnits = t.read;
  out.WriteCapacityUnits = t.write;
  return out;
}

function projection(index: IndexRecord): Record<string, unknown> {
  const p: Record<string, unknown> = { ProjectionType: index.projection.type };
  if (index.projection.nonKeyAttributes) p.NonKeyAttributes = [...index.projection.nonKeyAttributes];
  return p;
}

/**
 * While a global index added by UpdateTable is being set up (CREATING, not
 * yet backfilling), DynamoDB reports the table as UPDATING; once the
 * backfill starts the table is ACTIVE again while the index stays CREATING
 * (ack-api-quirks DDB-TABLE-148, observed on AWS).
 */
function tableStatus(table: TableRecord): string {
  if (
    table.status === 'ACTIVE' &&
    [...table.globalIndexes, ...(table.vectorIndexes ?? [])].some((g) => g.status === 'CREATING' && g.backfilling === false)
  ) {
    return 'UPDATING';
  }
  return table.status;
}

export function describeTable(db: Database, table: TableRecord, stats?: TableStats): Record<string, unknown> {
  const arn = db.tableArn(table.name);
  const indexStats = (id: number) => stats?.indexes.get(id) ?? { itemCount: 0, sizeBytes: 0 };
  const desc: Record<string, unknown> = {
    AttributeDefinitions: Object.entries(table.attributeDefinitions).map(([name, type]) => ({
      AttributeName: name,
      AttributeType: type,
    })),
    TableName: table.name,
    KeySchema: keySchemaElements(table.keySchema),
    TableStatus: tableStatus(table),
    CreationDateTime: seconds(table.createdAt),
    ProvisionedThroughput: throughputDescription(table.throughput),
    TableSizeBytes: stats?.sizeBytes ?? 0,
    ItemCount: stats?.itemCount ?? 0,
    TableArn: arn,
    TableId: table.uuid,
  };
  if (table.billingMode === 'PAY_PER_REQUEST') {
    desc.BillingModeSummary = {
      BillingMode: 'PAY_PER_REQUEST',
      LastUpdateToPayPerRequestDateTime: seconds(table.lastPayPerRequestAt ?? table.createdAt),
    };
  } else if (table.lastPayPerRequestAt !== undefined) {
    desc.BillingModeSummary = { BillingMode: 'PROVISIONED' };
  }
  if (table.localIndexes.length > 0) {
    desc.LocalSecondaryIndexes = table.localIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: keySchemaElements(index.keySchema),
      Projection: projection(index),
      IndexSizeBytes: indexStats(index.id).sizeBytes,
      ItemCount: indexStats(index.id).itemCount,
      IndexArn: `${arn}/index/${index.name}`,
    }));
  }
  if (table.globalIndexes.length > 0) {
    desc.GlobalSecondaryIndexes = table.globalIndexes.map((index) => {
      const g: Record<string, unknown> = {
        IndexName: index.name,
        KeySchema: keySchemaElements(index.keySchema),
        Projection: projection(index),
        IndexStatus: index.status,
      };
      if (index.backfilling !== undefined) g.Backfilling = index.backfilling;
      g.ProvisionedThroughput = throughputDescription(index.throughput ?? { read: 0, write: 0, decreasesToday: 0 });
      g.IndexSizeBytes = indexStats(index.id).sizeBytes;
      g.ItemCount = indexStats(index.id).itemCount;
      g.IndexArn = `${arn}/index/${index.name}`;
      // Only the maximums that are set; none set: no member at all (api/tables/on-demand-throughput).
      const max = table.billingMode === 'PAY_PER_REQUEST' ? describeOnDemand(index.onDemandMax) : undefined;
      if (max !== undefined) g.OnDemandThroughput = max;
      return g;
    });
  }
  const vectors = describeVectorIndexes(db, table, stats);
  if (vectors !== undefined) desc.VectorIndexes = vectors;
  if (table.stream.enabled || table.stream.label !== undefined) {
    if (table.stream.enabled) {
      desc.StreamSpecification = { StreamEnabled: true, StreamViewType: table.stream.viewType };
    }
    if (table.stream.label !== undefined) {
      desc.LatestStreamLabel = table.stream.label;
      desc.LatestStreamArn = `${arn}/stream/${table.stream.label}`;
    }
  }
  if (table.sse?.enabled) {
    desc.SSEDescription = {
      Status: 'ENABLED',
      SSEType: table.sse.type ?? 'KMS',
      KMSMasterKeyArn: table.sse.kmsKeyArn ?? `arn:aws:kms:${db.region}:${db.accountId}:key/openddb-default`,
    };
  }
  if (table.tableClass !== 'STANDARD') {
    desc.TableClassSummary = { TableClass: table.tableClass };
  }
  if (table.restore !== undefined) {
    // A restored table's origin (backup/restore-job), as DynamoDB shows it.
    desc.RestoreSummary = {
      ...(table.restore.sourceBackupArn !== undefined ? { SourceBackupArn: table.restore.sourceBackupArn } : {}),
      ...(table.restore.sourceTableArn !== undefined ? { SourceTableArn: table.restore.sourceTableArn } : {}),
      RestoreDateTime: seconds(table.restore.restoreDateTime),
      RestoreInProgress: table.restore.inProgress,
    };
  }
  desc.DeletionProtectionEnabled = table.deletionProtection;
  const max = table.billingMode === 'PAY_PER_REQUEST' ? describeOnDemand(table.onDemandMax) : undefined;
  if (max !== undefined) desc.OnDemandThroughput = max;
  return desc;
}
