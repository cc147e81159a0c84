/**
 * @module api/tables/create-table
 * CreateTable: DynamoDB's checks in DynamoDB's order, then one catalog commit.
 * Tables become ACTIVE at once (the response still says CREATING, as
 * DynamoDB's does), since there is nothing to provision.
 */
import { randomUUID } from 'node:crypto';
import { errors } from '../../errors/index.js';
import { bool, list, str, struct, tableName } from '../../validate/index.js';
import type { IndexRecord, KeySchema, TableRecord, Throughput } from '../../catalog/table-record.js';
import { keyAttributes } from '../../catalog/table-record.js';
import type { KeyType } from '../../values/types.js';
import { defineOperation } from '../operation.js';
import { describeTable } from './table-description.js';
import {
  attributeDefinition,
  globalKeySchema,
  indexName,
  keySchema,
  onDemandThroughput,
  projection,
  provisionedThroughput,
  sseSpecification,
  streamSpecification,
  tableClass,
  tag,
} from './table-schemas.js';
import { checkTags } from './tags.js';
import { checkDistinctAttributeDefinitions } from './table-schemas.js';
import { streamLabel } from '../../streams/stream-label.js';
import { streamCatalogWrites, uniqueStreamLabel } from '../../streams/stream-catalog.js';
import { checkResourcePolicy } from './resource-policy.js';
import type { VectorIndexRecord } from '../../catalog/table-record.js';
import { checkVectorIndex, checkVectorIndexCount, vectorIndexShape, type VectorIndexInput } from './vector-indexes.js';
import { checkOnDemandCreate, type OnDemandThroughputInput } from './on-demand-throughput.js';

export interface KeySchemaElementInput {
  AttributeName: string;
  KeyType: string;
}
export interface ProjectionInput {
  ProjectionType?: string;
  NonKeyAttributes?: string[];
}
export interface ThroughputInput {
  ReadCapacityUnits: number;
  WriteCapacityUnits: number;
}
export interface IndexInput {
  IndexName: string;
  KeySchema: KeySchemaElementInput[];
  Projection: ProjectionInput;
  ProvisionedThroughput?: ThroughputInput;
  OnDemandThroughput?: OnDemandThroughputInput;
}
interface CreateTableInput {
  TableName: string;
  AttributeDefinitions: { AttributeName: string; AttributeType: KeyType }[];
  KeySchema: KeySchemaElementInput[];
  BillingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST';
  ProvisionedThroughput?: ThroughputInput;
  LocalSecondaryIndexes?: IndexInput[];
  GlobalSecondaryIndexes?: IndexInput[];
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string };
  SSESpecification?: { Enabled?: boolean; SSEType?: string; KMSMasterKeyId?: string };
  Tags?: { Key: string; Value: string }[];
  ResourcePolicy?: string;
  TableClass?: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
  DeletionProtectionEnabled?: boolean;
  OnDemandThroughput?: OnDemandThroughputInput;
  VectorIndexes?: VectorIndexInput[];
}

const INVALID = 'One or more parameter values were invalid: ';
/** DynamoDB's upper bound on provisioned capacity units. */
const MAX_CAPACITY_UNITS = 1_000_000_000_000;

const localIndexShape = struct(
  {
    IndexName: indexName({ required: true }),
    KeySchema: keySchema({ required: true }),
    Projection: { ...projection, required: true },
  },
  { javaName: 'LocalSecondaryIndex' },
);
export const globalIndexShape = struct(
  {
    IndexName: indexName({ required: true }),
    KeySchema: globalKeySchema({ required: true }),
    Projection: { ...projection, required: true },
    ProvisionedThroughput: provisionedThroughput,
    OnDemandThroughput: onDemandThroughput,
  },
  { javaName: 'GlobalSecondaryIndex' },
);

export const createTable = defineOperation<CreateTableInput>({
  name: 'CreateTable',
  schema: {
    members: {
      AttributeDefinitions: list(attributeDefinition, { required: true }),
      TableName: tableName({ required: true }),
      KeySchema: keySchema({ required: true }),
      LocalSecondaryIndexes: list(localIndexShape),
      GlobalSecondaryIndexes: list(globalIndexShape),
      BillingMode: str({ enum: ['PROVISIONED', 'PAY_PER_REQUEST'] }),
      ProvisionedThroughput: provisionedThroughput,
      StreamSpecification: streamSpecification,
      SSESpecification: sseSpecification,
      Tags: list(tag),
      TableClass: tableClass(),
      DeletionProtectionEnabled: bool(),
      OnDemandThroughput: onDemandThroughput,
      ResourcePolicy: str(),
      WarmThroughput: struct({ ReadUnitsPerSecond: { type: 'long' }, WriteUnitsPerSecond: { type: 'long' } }),
      VectorIndexes: list(vectorIndexShape),
    },
  },
  precheck(input) {
    if (input.TableName === undefined) {
      throw errors.validation("The parameter 'TableName' is required but was not present in the request");
    }
  },
  async run(ctx, input) {
    const { db } = ctx;
    const now = db.clock.now();
    const billingMode = input.BillingMode ?? 'PROVISIONED';
    const throughput = checkBillingAndThroughput(billingMode, input.ProvisionedThroughput, now);
    const onDemandMax = checkOnDemandCreate(billingMode, input.OnDemandThroughput, {}, db.region);

    const definitions = new Map<string, KeyType>();
    for (const d of input.AttributeDefinitions) definitions.set(d.AttributeName, d.AttributeType);
    const defNames = input.AttributeDefinitions.map((d) => d.AttributeName);
    checkDistinctAttributeDefinitions(input.AttributeDefinitions);
    const tableKeys = checkKeySchema(input.KeySchema, defNames);
    const used = new Set<string>([tableKeys.hash, ...(tableKeys.range ? [tableKeys.range] : [])]);

    const indexNames = new Set<string>();
    let nextIndexId = 1;
    const localIndexes: IndexRecord[] = [];
    if (input.LocalSecondaryIndexes !== undefined) {
      if (input.LocalSecondaryIndexes.length === 0) throw errors.validation(`${INVALID}List of LocalSecondaryIndexes is empty`);
      if (tableKeys.range === undefined) {
        throw errors.validation(
          `${INVALID}Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex`,
        );
      }
      for (const index of input.LocalSecondaryIndexes) {
        const keys = checkKeySchema(index.KeySchema, defNames);
        if (keys.range === undefined) {
          throw errors.validation(`${INVALID}Index KeySchema does not have a range key for index: ${index.IndexName}`);
        }
        if (keys.hash !== tableKeys.hash) {
          throw errors.validation(
            `${INVALID}Index KeySchema does not have the same leading hash key as table KeySchema for index: ${index.IndexName}. index hash key: ${keys.hash}, table hash key: ${tableKeys.hash}`,
          );
        }
        const proj = checkProjection(index.Projection, keys, tableKeys);
        if (indexNames.has(index.IndexName)) throw errors.validation(`${INVALID}Duplicate index name: ${index.IndexName}`);
        indexNames.add(index.IndexName);
        used.add(keys.range);
        localIndexes.push({ id: nextIndexId++, name: index.IndexName, keySchema: keys, projection: proj, status: 'ACTIVE' });
      }
      if (localIndexes.length > 5) {
        throw errors.validation(`${INVALID}Number of LocalSecondaryIndexes exceeds per-table limit of 5`);
      }
    }
    const globalIndexes: IndexRecord[] = [];
    if (input.GlobalSecondaryIndexes !== undefined) {
      if (input.GlobalSecondaryIndexes.length === 0) throw errors.validation(`${INVALID}List of GlobalSecondaryIndexes is empty`);
      for (const index of input.GlobalSecondaryIndexes) {
        const keys = checkKeySchema(index.KeySchema, defNames, true);
        const proj = checkProjection(index.Projection, keys, tableKeys);
        const indexThroughput = checkIndexThroughput(billingMode, index, now);
        const indexMax = checkOnDemandCreate(billingMode, index.OnDemandThroughput, { index: index.IndexName }, db.region);
        if (indexNames.has(index.IndexName)) throw errors.validation(`${INVALID}Duplicate index name: ${index.IndexName}`);
        indexNames.add(index.IndexName);
        for (const name of keyAttributes(keys)) used.add(name);
        const record: IndexRecord = {
          id: nextIndexId++,
          name: index.IndexName,
          keySchema: keys,
          projection: proj,
          status: 'ACTIVE',
          ...(indexThroughput ? { throughput: indexThroughput } : {}),
          ...(indexMax ? { onDemandMax: indexMax } : {}),
        };
        globalIndexes.push(record);
      }
      if (globalIndexes.length > 20) {
        throw errors.validation(`${INVALID}GlobalSecondaryIndex count exceeds the per-table limit of 20`);
      }
    }
    const vectorIndexes: VectorIndexRecord[] = [];
    if (input.VectorIndexes !== undefined) {
      if (input.VectorIndexes.length === 0) throw errors.validation(`${INVALID}List of VectorIndexes is empty`);
      for (const index of input.VectorIndexes) {
        const checked = checkVectorIndex(index, { billingMode, tableKeys, definitions, names: indexNames, others: vectorIndexes });
        if (checked.hash !== undefined) used.add(checked.hash);
        for (const name of checked.filters) used.add(name);
        vectorIndexes.push({ ...checked, id: nextIndexId++, status: 'ACTIVE' });
      }
      checkVectorIndexCount(vectorIndexes.length);
    }
    // Every attribute definition must be used by a key of the table or an index.
    if ([...definitions.keys()].some((name) => !used.has(name))) {
      if (localIndexes.length === 0 && globalIndexes.length === 0 && vectorIndexes.length === 0) {
        throw errors.validation(
          `${INVALID}Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions`,
        );
      }
      throw errors.validation(
        `${INVALID}Some AttributeDefinitions are not used. AttributeDefinitions: [${defNames.join(', ')}], keys used: [${[...used].join(', ')}]`,
      );
    }

    let stream = checkStreamSpecification(input.StreamSpecification, now);
    if (input.ResourcePolicy !== undefined) checkResourcePolicy(input.ResourcePolicy);
    const tags: Record<string, string> = {};
    if (input.Tags !== undefined) {
      checkTags(input.Tags);
      for (const t of input.Tags) tags[t.Key] = t.Value;
    }
    if (db.catalog.get(input.TableName) !== undefined) {
      throw errors.resourceInUse(`Table already exists: ${input.TableName}`);
    }
    const sse = input.SSESpecification?.Enabled
      ? {
          enabled: true,
          type: input.SSESpecification.SSEType ?? 'KMS',
          ...(input.SSESpecification.KMSMasterKeyId !== undefined
            ? { kmsKeyArn: kmsArn(input.SSESpecification.KMSMasterKeyId, db.region, db.accountId) }
            : {}),
        }
      : undefined;
    if (stream.enabled && stream.label !== undefined) {
      stream = { ...stream, label: await uniqueStreamLabel(db, input.TableName, stream.label) };
    }
    const record: TableRecord = {
      // The request's region (and account): the table lives there (catalog/table-scope).
      ...db.scope,
      id: await db.catalog.allocateTableId(),
      name: input.TableName,
      uuid: randomUUID(),
      createdAt: now,
      status: 'ACTIVE',
      attributeDefinitions: Object.fromEntries(definitions),
      keySchema: tableKeys,
      billingMode,
      ...(billingMode === 'PAY_PER_REQUEST' ? { lastPayPerRequestAt: now } : {}),
      throughput,
      ...(onDemandMax ? { onDemandMax } : {}),
      localIndexes,
      globalIndexes,
      stream,
      ...(sse ? { sse } : {}),
      tableClass: input.TableClass ?? 'STANDARD',
      deletionProtection: input.DeletionProtectionEnabled ?? false,
      tags,
      ...(input.ResourcePolicy !== undefined ? { resourcePolicy: { document: input.ResourcePolicy, revisionId: String(now) } } : {}),
      nextIndexId,
      ...(vectorIndexes.length > 0 ? { vectorIndexes } : {}),
    };
    // The stream's catalog entry commits with the table (streams/stream-catalog).
    if (!(await db.catalog.create(record, streamCatalogWrites(undefined, record, now)))) {
      throw errors.resourceInUse(`Table already exists: ${input.TableName}`);
    }
    // The answer shows the table and its global indexes CREATING together, as
    // DynamoDB's does; both are ACTIVE by the next call.
    const description = describeTable(db, {
      ...record,
      status: 'CREATING',
      globalIndexes: record.globalIndexes.map((g) => ({ ...g, status: 'CREATING' as const })),
      ...(record.vectorIndexes ? { vectorIndexes: record.vectorIndexes.map((v) => ({ ...v, status: 'CREATING' as const })) } : {}),
    });
    return { TableDescription: description };
  },
});

function kmsArn(keyId: string, region: string, account: string): string {
  return keyId.startsWith('arn:') ? keyId : `arn:aws:kms:${region}:${account}:key/${keyId}`;
}

export function checkBillingAndThroughput(
  billingMode: string,
  provisioned: ThroughputInput | undefined,
  now: number,
): Throughput {
  if (billingMode === 'PAY_PER_REQUEST') {
    if (provisioned !== undefined) {
      throw errors.validation(
        `${INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`,
      );
    }
    return { read: 0, write: 0, decreasesToday: 0 };
  }
  if (provisioned === undefined) {
    throw errors.validation(
      `${INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED`,
    );
  }
  checkCapacityBounds(provisioned);
  void now;
  return { read: provisioned.ReadCapacityUnits, write: provisioned.WriteCapacityUnits, decreasesToday: 0 };
}

export function checkCapacityBounds(t: ThroughputInput): void {
  if (t.ReadCapacityUnits > MAX_CAPACITY_UNITS) {
    throw errors.validation(`Given value ${t.ReadCapacityUnits} for ReadCapacityUnits is out of bounds`);
  }
  if (t.WriteCapacityUnits > MAX_CAPACITY_UNITS) {
    throw errors.validation(`Given value ${t.WriteCapacityUnits} for WriteCapacityUnits is out of bounds`);
  }
}

export function checkIndexThroughput(billingMode: string, index: IndexInput, now: number): Throughput | undefined {
  if (billingMode === 'PAY_PER_REQUEST') {
    if (index.ProvisionedThroughput !== undefined) {
      throw errors.validation(
        `${INVALID}ProvisionedThroughput should not be specified for index: ${index.IndexName} when BillingMode is PAY_PER_REQUEST`,
      );
    }
    return undefined;
  }
  if (index.ProvisionedThroughput === undefined) {
    throw errors.validation(`${INVALID}ProvisionedThroughput must be specified for index: ${index.IndexName}`);
  }
  checkCapacityBounds(index.ProvisionedThroughput);
  void now;
  return {
    read: index.ProvisionedThroughput.ReadCapacityUnits,
    write: index.ProvisionedThroughput.WriteCapacityUnits,
    decreasesToday: 0,
  };
}

/** A global secondary index's key: up to 4 HASH attributes, then up to 4 RANGE attributes. */
const MAX_KEY_ATTRIBUTES_PER_ROLE = 4;

/**
 * Checks a KeySchema and returns it as the catalog stores it. A global
 * secondary index (`multiAttribute`) may list several HASH attributes
 * followed by several RANGE attributes; a table and a local index have one
 * of each. The one- and two-element checks keep DynamoDB's long-standing
 * messages; the texts for shapes only a multi-attribute key can have are
 * DynamoDB Local 3.3's.
 */
export function checkKeySchema(elements: KeySchemaElementInput[], definitions: string[], multiAttribute = false): KeySchema {
  const names = elements.map((e) => e.AttributeName);
  if (names.length > definitions.length) throw errors.validation('Invalid KeySchema: Some index key attribute have no definition');
  if (names.some((n) => !definitions.includes(n))) {
    throw errors.validation(
      `${INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: [${names.join(', ')}], AttributeDefinitions: [${definitions.join(', ')}]`,
    );
  }
  if (names.length === 2 && names[0] === names[1]) {
    throw errors.validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  if (multiAttribute && new Set(names).size !== names.length) throw errors.validation('Two keys can not have the same name');
  if (elements[0]!.KeyType !== 'HASH') throw errors.validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (multiAttribute) return multiAttributeKeySchema(elements);
  if (elements[1] !== undefined && elements[1].KeyType !== 'RANGE') {
    throw errors.validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
  return elements[1] === undefined ? { hash: names[0]! } : { hash: names[0]!, range: names[1]! };
}

/** A global secondary index's KeySchema whose first element is a HASH one, as the catalog stores it. */
function multiAttributeKeySchema(elements: KeySchemaElementInput[]): KeySchema {
  const hash: string[] = [];
  const range: string[] = [];
  for (const element of elements) {
    if (element.KeyType === 'HASH') {
      if (range.length > 0) {
        throw errors.validation(
          'Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second',
        );
      }
      hash.push(element.AttributeName);
    } else {
      range.push(element.AttributeName);
    }
  }
  if (hash.length > MAX_KEY_ATTRIBUTES_PER_ROLE) {
    throw errors.validation(`Too many partition keys. GSI can have at most ${MAX_KEY_ATTRIBUTES_PER_ROLE} partition keys`);
  }
  if (range.length > MAX_KEY_ATTRIBUTES_PER_ROLE) {
    throw errors.validation(`Too many sort keys. GSI can have at most ${MAX_KEY_ATTRIBUTES_PER_ROLE} sort keys`);
  }
  if (hash.length === 1 && range.length <= 1) return range.length === 0 ? { hash: hash[0]! } : { hash: hash[0]!, range: range[0]! };
  return { hash: hash[0]!, ...(range.length > 0 ? { range: range[0]! } : {}), composite: { hash, range } };
}

export function checkProjection(
  projection: ProjectionInput,
  indexKeys: KeySchema,
  tableKeys: KeySchema,
): { type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; nonKeyAttributes?: string[] } {
  const type = projection.ProjectionType;
  if (type === undefined) throw errors.validation(`${INVALID}Unknown ProjectionType: null`);
  if (projection.NonKeyAttributes !== undefined && type !== 'INCLUDE') {
    throw errors.validation(`${INVALID}ProjectionType is ${type}, but NonKeyAttributes is specified`);
  }
  if (type === 'INCLUDE') {
    const attrs = projection.NonKeyAttributes;
    if (attrs === undefined) {
      throw errors.validation(`${INVALID}ProjectionType is INCLUDE, but NonKeyAttributes is not specified`);
    }
    const keys = new Set([indexKeys.hash, indexKeys.range, tableKeys.hash, tableKeys.range]);
    const seen = new Set<string>();
    for (const a of attrs) {
      if (seen.has(a)) throw errors.validation(`${INVALID}Duplicate attributes found in NonKeyAttributes: ${a}`);
      seen.add(a);
      void keys;
    }
    return { type, nonKeyAttributes: [...attrs] };
  }
  return { type: type as 'ALL' | 'KEYS_ONLY' };
}

export function checkStreamSpecification(
  spec: { StreamEnabled: boolean; StreamViewType?: string } | undefined,
  now: number,
): TableRecord['stream'] {
  if (spec === undefined || !spec.StreamEnabled) {
    if (spec?.StreamViewType !== undefined && !spec.StreamEnabled) {
      throw errors.validation(`${INVALID}StreamViewType cannot be specified when StreamEnabled is false`);
    }
    return { enabled: false };
  }
  if (spec.StreamViewType === undefined) {
    throw errors.validation(`${INVALID}StreamViewType is required when StreamEnabled is true`);
  }
  return {
    enabled: true,
    viewType: spec.StreamViewType as 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES',
    label: streamLabel(now),
  };
}
