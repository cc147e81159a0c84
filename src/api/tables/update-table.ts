/**
 * @module api/tables/update-table
 * UpdateTable: throughput, billing mode, deletion protection, streams, table
 * class, encryption, and global secondary indexes (create with backfill,
 * update throughput, delete).
 */
import { errors } from '../../errors/index.js';
import { bool, list, str, struct, tableNameOrArn } from '../../validate/index.js';
import type { IndexRecord, KeySchema, TableRecord, Throughput } from '../../catalog/table-record.js';
import { hashAttributes, keyAttributes, rangeAttributes } from '../../catalog/table-record.js';
import type { Database } from '../../data/database.js';
import type { KeyType } from '../../values/types.js';
import { defineOperation } from '../operation.js';
import { requireTableNameParameter } from './table-schemas.js';
import { describeTable } from './table-description.js';
import { assertNotBeingCreated, requireTableForControl } from '../../data/table-lookup.js';
import { checkDistinctAttributeDefinitions } from './table-schemas.js';
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
import type { VectorIndexRecord } from '../../catalog/table-record.js';
import { vectorIndexes } from '../../catalog/table-record.js';
import {
  checkBillingForVectors,
  checkVectorIndex,
  checkVectorIndexCount,
  vectorIndexUpdateShape,
  vectorSchemaAttributes,
  type VectorIndexInput,
} from './vector-indexes.js';
import { eraseDeletedVectorIndexes, vectorEraseMarker } from '../../data/vector-log.js';
import { streamCatalogWrites, uniqueStreamLabel } from '../../streams/stream-catalog.js';
import { checkOnDemandCreate, checkOnDemandUpdate, echoOnDemand, type OnDemandThroughputInput } from './on-demand-throughput.js';

interface UpdateTableInput {
  TableName: string;
  AttributeDefinitions?: { AttributeName: string; AttributeType: KeyType }[];
  BillingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST';
  ProvisionedThroughput?: ThroughputInput;
  GlobalSecondaryIndexUpdates?: {
    Create?: IndexInput;
    Update?: { IndexName: string; ProvisionedThroughput?: ThroughputInput; OnDemandThroughput?: OnDemandThroughputInput };
    Delete?: { IndexName: string };
  }[];
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string };
  SSESpecification?: { Enabled?: boolean; SSEType?: string; KMSMasterKeyId?: string };
  TableClass?: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
  DeletionProtectionEnabled?: boolean;
  ReplicaUpdates?: unknown[];
  OnDemandThroughput?: OnDemandThroughputInput;
  WarmThroughput?: unknown;
  VectorIndexUpdates?: { Create?: VectorIndexInput; Delete?: { IndexName: string } }[];
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
      VectorIndexUpdates: list(vectorIndexUpdateShape),
    },
  },
  precheck: requireTableNameParameter,
  async run({ db }, input) {
    checkSomethingToUpdate(input);
    checkIndexUpdateShapes(input);
    if (input.ReplicaUpdates !== undefined) throw errors.notImplemented('UpdateTable ReplicaUpdates (global tables)');
    for (;;) {
      const table = requireTableForControl(db, input.TableName);
      assertNotBeingCreated(table);
      checkOnlineIndexLimit(table, input);
      const planned = plan(db, table, input);
      let next = planned.next;
      if (next.stream.enabled && next.stream.label !== undefined && !table.stream.enabled) {
        // A new stream needs a label (hence ARN) no earlier stream of this table name had.
        next = { ...next, stream: { ...next.stream, label: await uniqueStreamLabel(db, table.name, next.stream.label) } };
      }
      // Stream catalog entries opened or closed commit with the table change (streams/stream-catalog).
      // A deleted vector index's erase is recorded in the same commit (data/vector-log eraseDeletedVectorIndexes).
      const erases = planned.deletedVectorIndexes.map((index) => vectorEraseMarker(table.id, index.id));
      if (await db.catalog.replace(table, next, [...streamCatalogWrites(table, next, db.clock.now()), ...erases])) {
        for (const index of planned.newIndexes) startBackfill(db, next.name, index.id);
        if (erases.length > 0) db.runInBackground('erasing deleted vector indexes', () => eraseDeletedVectorIndexes(db));
        const stats = await tableStats(db, next);
        const description = describeTable(db, withDeletedIndexes(next, planned.deletedIndexes, planned.deletedVectorIndexes), stats);
        echoOnDemandChanges(description, next, input);
        return { TableDescription: description };
      }
    }
  },
});

/**
 * DynamoDB's answer to a request that changes nothing. The list of members
 * is the one DynamoDB names today (recorded 2026-10, ack-api-quirks
 * DDB-TABLE-015; dynalite's tests recorded the older, shorter list). An
 * empty GlobalSecondaryIndexUpdates counts as absent here.
 */
const NOTHING_TO_UPDATE =
  'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, ' +
  'SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, ' +
  'DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required';

function checkSomethingToUpdate(input: UpdateTableInput): void {
  const indexUpdates =
    (input.GlobalSecondaryIndexUpdates !== undefined && input.GlobalSecondaryIndexUpdates.length > 0) ||
    (input.VectorIndexUpdates !== undefined && input.VectorIndexUpdates.length > 0);
  const other =
    input.ProvisionedThroughput !== undefined ||
    input.BillingMode !== undefined ||
    input.StreamSpecification !== undefined ||
    input.SSESpecification !== undefined ||
    input.TableClass !== undefined ||
    input.DeletionProtectionEnabled !== undefined ||
    input.ReplicaUpdates !== undefined ||
    input.OnDemandThroughput !== undefined ||
    input.WarmThroughput !== undefined;
  if (!indexUpdates && !other) throw errors.validation(NOTHING_TO_UPDATE);
  // With another change the empty list is refused rather than ignored (DDB-TABLE-359).
  if (input.GlobalSecondaryIndexUpdates?.length === 0) {
    throw errors.validation(`${INVALID}List of GlobalSecondaryIndexUpdates is empty`);
  }
  if (input.VectorIndexUpdates?.length === 0) throw errors.validation(`${INVALID}List of VectorIndexUpdates is empty`);
}

/**
 * Each GlobalSecondaryIndexUpdate holds exactly one action, and no index is
 * named by two of them. Checked before the table is looked up, as DynamoDB
 * does (dynalite's tests use a table that does not exist).
 */
function checkIndexUpdateShapes(input: UpdateTableInput): void {
  const names = new Set<string>();
  for (const update of input.GlobalSecondaryIndexUpdates ?? []) {
    // A null entry (which the request schema lets through) holds no action either.
    const actions = update == null ? [] : [update.Update, update.Create, update.Delete].filter((a) => a != null);
    if (actions.length === 0) {
      throw errors.validation(
        `${INVALID}One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null`,
      );
    }
    if (actions.length > 1) {
      throw errors.validation(`${INVALID}Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object`);
    }
    const name = actions[0]!.IndexName;
    if (names.has(name)) {
      throw errors.validation(
        `${INVALID}Only one global secondary index update per index is allowed simultaneously. Index: ${name}`,
      );
    }
    names.add(name);
  }
  for (const update of input.VectorIndexUpdates ?? []) {
    const actions = update == null ? [] : [update.Create, update.Delete].filter((a) => a != null);
    if (actions.length !== 1) {
      throw errors.validation(`${INVALID}Exactly one of VectorIndexUpdate.Create, VectorIndexUpdate.Delete must be specified`);
    }
  }
}

/**
 * One index may be created or deleted at a time: two Create/Delete actions
 * in one request, or one while another index is still being created, are
 * LimitExceededException (dynalite's tests; scylla's test_gsi_updatetable;
 * ack-api-quirks DDB-TABLE-159). Update actions are not limited.
 */
function checkOnlineIndexLimit(table: TableRecord, input: UpdateTableInput): void {
  // A vector index created or deleted is an online index action too.
  const changes = [...(input.GlobalSecondaryIndexUpdates ?? []), ...(input.VectorIndexUpdates ?? [])].filter(
    (u) => u.Create !== undefined || u.Delete !== undefined,
  );
  if (changes.length === 0) return;
  const named = new Set(changes.map((u) => (u.Create ?? u.Delete)!.IndexName));
  const busy = [...table.globalIndexes, ...vectorIndexes(table)].some(
    (g) => (g.status === 'CREATING' || g.status === 'DELETING') && !named.has(g.name),
  );
  if (changes.length > 1 || busy) {
    throw errors.limitExceeded('Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table');
  }
}

/**
 * UpdateTable's answer echoes an OnDemandThroughput member the request
 * removed (-1) as -1, where DescribeTable leaves it out
 * (api/tables/on-demand-throughput).
 */
function echoOnDemandChanges(description: Record<string, unknown>, next: TableRecord, input: UpdateTableInput): void {
  if (next.billingMode !== 'PAY_PER_REQUEST') return;
  if (input.OnDemandThroughput !== undefined) {
    const echo = echoOnDemand(next.onDemandMax, input.OnDemandThroughput);
    if (echo !== undefined) description.OnDemandThroughput = echo;
  }
  const gsis = description.GlobalSecondaryIndexes as Record<string, unknown>[] | undefined;
  for (const update of input.GlobalSecondaryIndexUpdates ?? []) {
    const u = update?.Update;
    if (u?.OnDemandThroughput === undefined) continue;
    const g = gsis?.find((d) => d.IndexName === u.IndexName);
    const echo = echoOnDemand(next.globalIndexes.find((i) => i.name === u.IndexName)?.onDemandMax, u.OnDemandThroughput);
    if (g !== undefined && echo !== undefined) g.OnDemandThroughput = echo;
  }
}

/** The answer to a request that deleted an index lists it as DELETING, with the table UPDATING. */
function withDeletedIndexes(next: TableRecord, deleted: readonly IndexRecord[], deletedVectors: readonly VectorIndexRecord[]): TableRecord {
  if (deleted.length === 0 && deletedVectors.length === 0) return next;
  return {
    ...next,
    status: 'UPDATING',
    globalIndexes: [...next.globalIndexes, ...deleted.map((g) => ({ ...g, status: 'DELETING' as const }))],
    ...(deletedVectors.length === 0
      ? {}
      : { vectorIndexes: [...vectorIndexes(next), ...deletedVectors.map((v) => ({ ...v, status: 'DELETING' as const }))] }),
  };
}

/** "Schema:[SchemaElement: key{xyz:S:HASH}]", DynamoDB's rendering of a key schema in its redefinition error. */
function renderSchema(keys: KeySchema, types: Readonly<Record<string, KeyType>>): string {
  const elements = [
    ...hashAttributes(keys).map((name) => `SchemaElement: key{${name}:${types[name]}:HASH}`),
    ...rangeAttributes(keys).map((name) => `SchemaElement: key{${name}:${types[name]}:RANGE}`),
  ];
  return `Schema:[${elements.join(', ')}]`;
}

/**
 * A new index may not give an attribute another type than the table key or
 * an existing index gives it: DynamoDB refuses with "Attributes cannot be
 * redefined" (message recorded in scylla's test_gsi_updatetable,
 * test_gsi_key_type_conflict_on_update). A conflicting definition of an
 * attribute the new index does not use is ignored and the existing type
 * kept (paritysuite/dynamodb-conformance#78, observed on AWS).
 */
function checkNoRedefinition(table: TableRecord, keys: KeySchema, requested: Readonly<Record<string, KeyType>>): void {
  for (const name of keyAttributes(keys)) {
    const existing = table.attributeDefinitions[name];
    if (existing === undefined || existing === requested[name]) continue;
    const owner = [{ keySchema: table.keySchema }, ...table.localIndexes, ...table.globalIndexes].find((s) =>
      keyAttributes(s.keySchema).includes(name),
    )!;
    throw errors.validation(
      `${INVALID}Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. ` +
        `Existing schema: ${renderSchema(owner.keySchema, table.attributeDefinitions)} New schema: ${renderSchema(keys, requested)}`,
    );
  }
}

function plan(
  db: Database,
  table: TableRecord,
  input: UpdateTableInput,
): { next: TableRecord; newIndexes: { id: number }[]; deletedIndexes: IndexRecord[]; deletedVectorIndexes: VectorIndexRecord[] } {
  const now = db.clock.now();
  let next: TableRecord = table;
  const newIndexes: { id: number }[] = [];
  const deletedIndexes: IndexRecord[] = [];
  const deletedVectorIndexes: VectorIndexRecord[] = [];

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
    if (vectorIndexes(table).length > 0) checkBillingForVectors('PROVISIONED');
    if (input.ProvisionedThroughput === undefined) {
      throw errors.validation(
        `${INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED`,
      );
    }
    checkCapacityBounds(input.ProvisionedThroughput);
    // OnDemandThroughput maximums belong to on-demand mode: a provisioned table has none.
    const { onDemandMax: _max, ...provisioned } = next;
    next = {
      ...provisioned,
      billingMode: 'PROVISIONED',
      throughput: changeThroughput(table.throughput, input.ProvisionedThroughput, now),
      globalIndexes: next.globalIndexes.map(({ onDemandMax: _m, ...rest }) => rest),
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

  if (input.OnDemandThroughput !== undefined) {
    const onDemandMax = checkOnDemandUpdate(billingMode, table.onDemandMax, input.OnDemandThroughput, {}, db.region);
    const { onDemandMax: _old, ...rest } = next;
    next = { ...rest, ...(onDemandMax ? { onDemandMax } : {}) };
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
    // The request's definitions add attributes; an attribute already defined keeps its type.
    checkDistinctAttributeDefinitions(input.AttributeDefinitions ?? []);
    const requested: Record<string, KeyType> = {};
    for (const d of input.AttributeDefinitions ?? []) requested[d.AttributeName] = d.AttributeType;
    const definitions: Record<string, KeyType> = { ...requested, ...table.attributeDefinitions };
    let globalIndexes = [...next.globalIndexes];
    let nextIndexId = table.nextIndexId;
    for (const update of input.GlobalSecondaryIndexUpdates) {
      if (update.Create !== undefined) {
        const create = update.Create;
        if (input.AttributeDefinitions === undefined) {
          throw errors.validation(`${INVALID}AttributeDefinitions must be specified when creating a GlobalSecondaryIndex`);
        }
        const keys = checkKeySchema(create.KeySchema, Object.keys(definitions), true);
        // The new index's key attributes must be in this request's definitions,
        // even when the table already defines them (dynoxide#144, observed on AWS).
        const undefinedHere = keyAttributes(keys).filter((name) => requested[name] === undefined);
        if (undefinedHere.length > 0) {
          throw errors.validation(
            `${INVALID}Some index key attributes are not defined in AttributeDefinitions. ` +
              `Keys: [${create.KeySchema.map((e) => e.AttributeName).join(', ')}], AttributeDefinitions: [${Object.keys(requested).join(', ')}]`,
          );
        }
        checkNoRedefinition(table, keys, requested);
        const proj = checkProjection(create.Projection, keys, table.keySchema);
        if (
          globalIndexes.some((g) => g.name === create.IndexName) ||
          table.localIndexes.some((l) => l.name === create.IndexName)
        ) {
          throw errors.validation(`${INVALID}Index with name: ${create.IndexName} already exists`);
        }
        const throughput = checkIndexThroughput(billingMode, create, now);
        const onDemandMax = checkOnDemandCreate(billingMode, create.OnDemandThroughput, { index: create.IndexName }, db.region);
        const index: IndexRecord = {
          id: nextIndexId++,
          name: create.IndexName,
          keySchema: keys,
          projection: proj,
          status: 'CREATING',
          backfilling: false,
          ...(throughput ? { throughput } : {}),
          ...(onDemandMax ? { onDemandMax } : {}),
        };
        globalIndexes.push(index);
        newIndexes.push(index);
      } else if (update.Delete !== undefined) {
        const name = update.Delete.IndexName;
        const deleted = globalIndexes.find((g) => g.name === name);
        if (deleted === undefined) {
          throw errors.resourceNotFound(`Requested resource not found: Index: ${name} not found`);
        }
        deletedIndexes.push(deleted);
        globalIndexes = globalIndexes.filter((g) => g !== deleted);
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
        if (u.OnDemandThroughput !== undefined) {
          const onDemandMax = checkOnDemandUpdate(billingMode, index.onDemandMax, u.OnDemandThroughput, { index: u.IndexName }, db.region);
          globalIndexes = globalIndexes.map((g) => {
            if (g.name !== u.IndexName) return g;
            const { onDemandMax: _old, ...rest } = g;
            return { ...rest, ...(onDemandMax ? { onDemandMax } : {}) };
          });
        }
      }
    }
    if (globalIndexes.length > 20) {
      throw errors.limitExceeded(`${INVALID}GlobalSecondaryIndex count exceeds the per-table limit of 20`);
    }
    // Only attributes still used by some key stay defined.
    const used = new Set<string>([table.keySchema.hash, ...vectorSchemaAttributes(vectorIndexes(table))]);
    if (table.keySchema.range) used.add(table.keySchema.range);
    for (const index of [...table.localIndexes, ...globalIndexes]) {
      for (const name of keyAttributes(index.keySchema)) used.add(name);
    }
    const attributeDefinitions = Object.fromEntries(Object.entries(definitions).filter(([name]) => used.has(name)));
    next = { ...next, globalIndexes, attributeDefinitions, nextIndexId };
  }

  if (input.VectorIndexUpdates !== undefined) {
    checkDistinctAttributeDefinitions(input.AttributeDefinitions ?? []);
    // As for a GSI, a new index's SearchSchema attributes must be in this request's definitions.
    const requested = new Map<string, KeyType>();
    for (const d of input.AttributeDefinitions ?? []) requested.set(d.AttributeName, d.AttributeType);
    let vectors = [...vectorIndexes(next)];
    let nextIndexId = next.nextIndexId;
    const names = new Set<string>([...next.localIndexes, ...next.globalIndexes, ...vectors].map((i) => i.name));
    for (const update of input.VectorIndexUpdates) {
      if (update.Create !== undefined) {
        const create = update.Create;
        for (const element of create.SearchSchema ?? []) {
          const existing = next.attributeDefinitions[element.AttributeName];
          const wanted = requested.get(element.AttributeName);
          if (existing !== undefined && wanted !== undefined && existing !== wanted) {
            throw errors.validation(
              `${INVALID}Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. ` +
                `Attribute: ${element.AttributeName} Existing type: ${existing} New type: ${wanted}`,
            );
          }
        }
        const checked = checkVectorIndex(create, { billingMode, tableKeys: table.keySchema, definitions: requested, names, others: vectors });
        const index: VectorIndexRecord = { ...checked, id: nextIndexId++, status: 'CREATING', backfilling: false };
        vectors.push(index);
        newIndexes.push(index);
      } else if (update.Delete !== undefined) {
        const name = update.Delete.IndexName;
        const deleted = vectors.find((v) => v.name === name);
        if (deleted === undefined) throw errors.resourceNotFound(`Requested resource not found: Index: ${name} not found`);
        deletedVectorIndexes.push(deleted);
        vectors = vectors.filter((v) => v !== deleted);
      }
    }
    checkVectorIndexCount(vectors.length);
    const definitions: Record<string, KeyType> = { ...Object.fromEntries(requested), ...next.attributeDefinitions };
    const used = new Set<string>([table.keySchema.hash, ...vectorSchemaAttributes(vectors)]);
    if (table.keySchema.range) used.add(table.keySchema.range);
    for (const index of [...next.localIndexes, ...next.globalIndexes]) {
      for (const name of keyAttributes(index.keySchema)) used.add(name);
    }
    const attributeDefinitions = Object.fromEntries(Object.entries(definitions).filter(([name]) => used.has(name)));
    const { vectorIndexes: _old, ...rest } = next;
    next = { ...rest, attributeDefinitions, nextIndexId, ...(vectors.length > 0 ? { vectorIndexes: vectors } : {}) };
  }
  return { next, newIndexes, deletedIndexes, deletedVectorIndexes };
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
