/**
 * @module api/tables/update-table
 * UpdateTable: throughput, billing mode, deletion protection, streams, table
 * class, encryption, and global secondary indexes (create with backfill,
 * update throughput, delete).
 */
import { errors } from '../../errors/index.js';
import { bool, list, str, struct, tableNameOrArn } from '../../validate/index.js';
import type { IndexRecord, TableRecord, Throughput } from '../../catalog/table-record.js';
import { keyAttributes } from '../../catalog/table-record.js';
import type { Database } from '../../data/database.js';
import type { KeyType } from '../../values/types.js';
import { defineOperation } from '../operation.js';
import { describeTable } from './table-description.js';
import { requireTableForControl } from '../../data/table-lookup.js';
import { tableStats } from '../../data/table-stats.js';
import {
  attributeDefinition,
  globalKeySchema,
  indexName,
  onDemandThroughput,
  projection,
  provisionedThroughput,
  sseSpecification,
  streamSpecification,
  tableClass,
} from './table-schemas.js';
import {
  checkCapacityBounds,
  checkIndexThroughput,
  checkKeySchema,
  checkProjection,
  checkStreamSpecification,
  type IndexInput,
  type ThroughputInput,
} from './create-table.js';
import { backfillIndex } from '../../data/index-backfill.js';
import { streamCatalogWrites, uniqueStreamLabel } from '../../streams/stream-catalog.js';

interface UpdateTableInput {
  TableName: string;
  AttributeDefinitions?: { AttributeName: string; AttributeType: KeyType }[];
  BillingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST';
  ProvisionedThroughput?: ThroughputInput;
  GlobalSecondaryIndexUpdates?: {
    Create?: IndexInput;
    Update?: { IndexName: string; ProvisionedThroughput?: ThroughputInput };
    Delete?: { IndexName: string };
  }[];
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string };
  SSESpecification?: { Enabled?: boolean; SSEType?: string; KMSMasterKeyId?: string };
  TableClass?: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
  DeletionProtectionEnabled?: boolean;
  ReplicaUpdates?: unknown[];
  OnDemandThroughput?: unknown;
  WarmThroughput?: unknown;
}

const INVALID = 'One or more parameter values were invalid: ';

export const updateTable = defineOperation<UpdateTableInput>({
  name: 'UpdateTable',
  schema: {
    members: {
      AttributeDefinitions: list(attributeDefinition),
      TableName: tableNameOrArn({ required: true }),
      BillingMode: str({ enum: ['PROVISIONED', 'PAY_PER_REQUEST'] }),
      ProvisionedThroughput: provisionedThroughput,
      GlobalSecondaryIndexUpdates: list(
        struct({
          Update: struct({ IndexName: indexName({ required: true }), ProvisionedThroughput: provisionedThroughput, OnDemandThroughput: onDemandThroughput }),
          Create: struct({
            IndexName: indexName({ required: true }),
            KeySchema: globalKeySchema({ required: true }),
            Projection: { ...projection, required: true },
            ProvisionedThroughput: provisionedThroughput,
            OnDemandThroughput: onDemandThroughput,
          }),
          Delete: struct({ IndexName: indexName({ required: true }) }),
        }),
      ),
      StreamSpecification: streamSpecification,
      SSESpecification: sseSpecification,
      ReplicaUpdates: list(struct({})),
      TableClass: tableClass(),
      DeletionProtectionEnabled: bool(),
      OnDemandThroughput: onDemandThroughput,
      WarmThroughput: struct({}),
    },
  },
  async run({ db }, input) {
    if (
      input.ProvisionedThroughput === undefined &&
      input.BillingMode === undefined &&
      input.GlobalSecondaryIndexUpdates === undefined &&
      input.StreamSpecification === undefined &&
      input.SSESpecification === undefined &&
      input.TableClass === undefined &&
      input.DeletionProtectionEnabled === undefined &&
      input.ReplicaUpdates === undefined &&
      input.OnDemandThroughput === undefined &&
      input.WarmThroughput === undefined
    ) {
      throw errors.validation(
        'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
      );
    }
    if (input.ReplicaUpdates !== undefined) throw errors.notImplemented('UpdateTable ReplicaUpdates (global tables)');
    for (;;) {
      const table = requireTableForControl(db, input.TableName);
      const planned = plan(db, table, input);
      let next = planned.next;
      if (next.stream.enabled && next.stream.label !== undefined && !table.stream.enabled) {
        // A new stream needs a label (hence ARN) no earlier stream of this table name had.
        next = { ...next, stream: { ...next.stream, label: await uniqueStreamLabel(db, table.name, next.stream.label) } };
      }
      // Stream catalog entries opened or closed commit with the table change (streams/stream-catalog).
      if (await db.catalog.replace(table, next, streamCatalogWrites(table, next, db.clock.now()))) {
        for (const index of planned.newIndexes) startBackfill(db, next.name, index.id);
        return { TableDescription: describeTable(db, next, await tableStats(db, next)) };
      }
    }
  },
});

function plan(db: Database, table: TableRecord, input: UpdateTableInput): { next: TableRecord; newIndexes: IndexRecord[] } {
  const now = db.clock.now();
  let next: TableRecord = table;
  const newIndexes: IndexRecord[] = [];

  const billingMode = input.BillingMode ?? table.billingMode;
  if (input.BillingMode === 'PAY_PER_REQUEST') {
    if (input.ProvisionedThroughput !== undefined) {
      throw errors.validation(
        `${INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`,
      );
    }
    if (table.billingMode !== 'PAY_PER_REQUEST') {
      next = {
        ...next,
        billingMode,
        lastPayPerRequestAt: now,
        throughput: { ...table.throughput, read: 0, write: 0 },
        globalIndexes: next.globalIndexes.map(({ throughput: _t, ...rest }) => rest),
      };
    }
  } else if (input.BillingMode === 'PROVISIONED' && table.billingMode === 'PAY_PER_REQUEST') {
    if (input.ProvisionedThroughput === undefined) {
      throw errors.validation(
        `${INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED`,
      );
    }
    checkCapacityBounds(input.ProvisionedThroughput);
    next = {
      ...next,
      billingMode: 'PROVISIONED',
      throughput: changeThroughput(table.throughput, input.ProvisionedThroughput, now),
    };
  } else if (input.ProvisionedThroughput !== undefined) {
    if (table.billingMode === 'PAY_PER_REQUEST') {
      throw errors.validation(
        `${INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`,
      );
    }
    checkCapacityBounds(input.ProvisionedThroughput);
    const t = input.ProvisionedThroughput;
    if (t.ReadCapacityUnits === table.throughput.read && t.WriteCapacityUnits === table.throughput.write) {
      throw errors.validation(
        `The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: ${table.throughput.read}. Requested ReadCapacityUnits: ${t.ReadCapacityUnits}. Current WriteCapacityUnits provisioned for the table: ${table.throughput.write}. Requested WriteCapacityUnits: ${t.WriteCapacityUnits}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.`,
      );
    }
    next = { ...next, throughput: changeThroughput(table.throughput, t, now) };
  }

  if (input.DeletionProtectionEnabled !== undefined) next = { ...next, deletionProtection: input.DeletionProtectionEnabled };
  if (input.TableClass !== undefined) next = { ...next, tableClass: input.TableClass };
  if (input.SSESpecification !== undefined) {
    next = input.SSESpecification.Enabled
      ? { ...next, sse: { enabled: true, type: input.SSESpecification.SSEType ?? 'KMS' } }
      : { ...next, sse: { enabled: false } };
  }
  if (input.StreamSpecification !== undefined) {
    const spec = input.StreamSpecification;
    if (spec.StreamEnabled && table.stream.enabled) {
      throw errors.validation(`Table already has an enabled stream: ${db.tableArn(table.name)}/stream/${table.stream.label}`);
    }
    if (!spec.StreamEnabled && !table.stream.enabled) {
      throw errors.validation('Table already has stream disabled');
    }
    const stream = checkStreamSpecification(spec, now);
    next = { ...next, stream: spec.StreamEnabled ? stream : { enabled: false, ...(table.stream.label ? { label: table.stream.label } : {}) } };
  }

  if (input.GlobalSecondaryIndexUpdates !== undefined) {
    const definitions: Record<string, KeyType> = { ...table.attributeDefinitions };
    for (const d of input.AttributeDefinitions ?? []) {
      const existing = definitions[d.AttributeName];
      if (existing !== undefined && existing !== d.AttributeType) {
        throw errors.validation(
          `${INVALID}Cannot change the type of attribute ${d.AttributeName} from ${existing} to ${d.AttributeType}`,
        );
      }
      definitions[d.AttributeName] = d.AttributeType;
    }
    let globalIndexes = [...next.globalIndexes];
    let nextIndexId = table.nextIndexId;
    for (const update of input.GlobalSecondaryIndexUpdates) {
      const actions = [update.Create, update.Update, update.Delete].filter((a) => a !== undefined);
      if (actions.length !== 1) {
        throw errors.validation(
          `${INVALID}One of GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Update or GlobalSecondaryIndexUpdate.Delete must be specified`,
        );
      }
      if (update.Create !== undefined) {
        const create = update.Create;
        if (input.AttributeDefinitions === undefined) {
          throw errors.validation(`${INVALID}AttributeDefinitions must be specified when creating a GlobalSecondaryIndex`);
        }
        const keys = checkKeySchema(create.KeySchema, Object.keys(definitions), true);
        const proj = checkProjection(create.Projection, keys, table.keySchema);
        if (
          globalIndexes.some((g) => g.name === create.IndexName) ||
          table.localIndexes.some((l) => l.name === create.IndexName)
        ) {
          throw errors.validation(`${INVALID}Index with name: ${create.IndexName} already exists`);
        }
        const throughput = checkIndexThroughput(billingMode, create, now);
        const index: IndexRecord = {
          id: nextIndexId++,
          name: create.IndexName,
          keySchema: keys,
          projection: proj,
          status: 'CREATING',
          backfilling: false,
          ...(throughput ? { throughput } : {}),
        };
        globalIndexes.push(index);
        newIndexes.push(index);
      } else if (update.Delete !== undefined) {
        const name = update.Delete.IndexName;
        if (!globalIndexes.some((g) => g.name === name)) {
          throw errors.resourceNotFound(`Requested resource not found: Index: ${name} not found`);
        }
        globalIndexes = globalIndexes.filter((g) => g.name !== name);
      } else if (update.Update !== undefined) {
        const u = update.Update;
        const index = globalIndexes.find((g) => g.name === u.IndexName);
        if (index === undefined) throw errors.resourceNotFound(`Requested resource not found: Index: ${u.IndexName} not found`);
        if (u.ProvisionedThroughput !== undefined) {
          if (billingMode === 'PAY_PER_REQUEST') {
            throw errors.validation(
              `${INVALID}ProvisionedThroughput should not be specified for index: ${u.IndexName} when BillingMode is PAY_PER_REQUEST`,
            );
          }
          checkCapacityBounds(u.ProvisionedThroughput);
          const current = index.throughput ?? { read: 0, write: 0, decreasesToday: 0 };
          globalIndexes = globalIndexes.map((g) =>
            g === index ? { ...g, throughput: changeThroughput(current, u.ProvisionedThroughput!, now) } : g,
          );
        }
      }
    }
    if (globalIndexes.length > 20) {
      throw errors.limitExceeded(`${INVALID}GlobalSecondaryIndex count exceeds the per-table limit of 20`);
    }
    // Only attributes still used by some key stay defined.
    const used = new Set<string>([table.keySchema.hash]);
    if (table.keySchema.range) used.add(table.keySchema.range);
    for (const index of [...table.localIndexes, ...globalIndexes]) {
      for (const name of keyAttributes(index.keySchema)) used.add(name);
    }
    const attributeDefinitions = Object.fromEntries(Object.entries(definitions).filter(([name]) => used.has(name)));
    next = { ...next, globalIndexes, attributeDefinitions, nextIndexId };
  }
  return { next, newIndexes };
}

function changeThroughput(current: Throughput, requested: ThroughputInput, now: number): Throughput {
  const increase = requested.ReadCapacityUnits > current.read || requested.WriteCapacityUnits > current.write;
  const decrease = requested.ReadCapacityUnits < current.read || requested.WriteCapacityUnits < current.write;
  return {
    read: requested.ReadCapacityUnits,
    write: requested.WriteCapacityUnits,
    decreasesToday: current.decreasesToday + (decrease ? 1 : 0),
    ...(increase ? { lastIncrease: now } : current.lastIncrease !== undefined ? { lastIncrease: current.lastIncrease } : {}),
    ...(decrease ? { lastDecrease: now } : current.lastDecrease !== undefined ? { lastDecrease: current.lastDecrease } : {}),
  };
}

function startBackfill(db: Database, tableName: string, indexId: number): void {
  db.runInBackground(`backfill of index ${indexId} on ${tableName}`, () => backfillIndex(db, tableName, indexId));
}
