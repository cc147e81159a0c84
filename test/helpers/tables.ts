/**
 * @module test/helpers/tables
 * Table definitions the black-box tests use again and again.
 */
import assert from 'node:assert/strict';
import {
  DescribeTableCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection as ProjectionShape,
  type ProvisionedThroughput,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';

type AttributeType = 'S' | 'N' | 'B';

/**
 * An index of defineTable: its key (written as a table's key) and projection,
 * ALL unless said: KEYS_ONLY, or the non-key attributes an INCLUDE projection
 * carries. A string is the key alone.
 */
export type IndexSpec =
  | string
  | {
      readonly key: string;
      readonly projection?: 'ALL' | 'KEYS_ONLY' | readonly string[];
      /** A global index's own provisioned throughput. */
      readonly throughput?: ProvisionedThroughput;
    };

/** What defineTable takes besides the name and key: its indexes, by name, and any other field of CreateTable. */
export interface TableOptions extends Omit<Partial<CreateTableCommandInput>, 'TableName' | 'KeySchema' | 'GlobalSecondaryIndexes' | 'LocalSecondaryIndexes'> {
  readonly gsi?: Readonly<Record<string, IndexSpec>>;
  readonly lsi?: Readonly<Record<string, IndexSpec>>;
}

/**
 * A key written `pk:S` (a partition key), `pk:S sk:N` (and a sort key), or
 * with a `/` between the partition key attributes and the sort key ones, for
 * multi-attribute global index keys: `a:S b:S / c:N`.
 */
function parseKey(key: string): { schema: KeySchemaElement[]; attributes: AttributeDefinition[] } {
  const words = key.split(' ').filter((word) => word !== '');
  const slash = words.indexOf('/');
  const schema: KeySchemaElement[] = [];
  const attributes: AttributeDefinition[] = [];
  for (const [i, word] of words.entries()) {
    if (word === '/') continue;
    const [name, type] = word.split(':') as [string, AttributeType | undefined];
    if (type === undefined) throw new Error(`key attribute "${word}" has no type (name:S, name:N or name:B)`);
    const hash = slash === -1 ? i === 0 : i < slash;
    schema.push({ AttributeName: name, KeyType: hash ? 'HASH' : 'RANGE' });
    attributes.push({ AttributeName: name, AttributeType: type });
  }
  return { schema, attributes };
}

function index(name: string, spec: IndexSpec): { index: GlobalSecondaryIndex; attributes: AttributeDefinition[] } {
  const { key, projection = 'ALL', throughput } = typeof spec === 'string' ? { key: spec } : spec;
  const { schema, attributes } = parseKey(key);
  const Projection: ProjectionShape =
    typeof projection === 'string' ? { ProjectionType: projection } : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection] };
  return {
    index: { IndexName: name, KeySchema: schema, Projection, ...(throughput === undefined ? {} : { ProvisionedThroughput: throughput }) },
    attributes,
  };
}

/**
 * A CreateTable request from a compact description: the table's key (as
 * parseKey reads it), its global (`gsi`) and local (`lsi`) indexes by name,
 * and any other CreateTable field. AttributeDefinitions (unless the options
 * give them) name every key
 * attribute once, in the order they first appear (the table's key, then the
 * indexes in the order the options list them); a name given two types is a
 * mistake in the test. The table is on-demand unless the options give
 * ProvisionedThroughput or BillingMode.
 */
export function defineTable(name: string, key: string, options: TableOptions = {}): CreateTableCommandInput {
  const { gsi, lsi, ...rest } = options;
  const table = parseKey(key);
  const attributes = new Map<string, AttributeType>();
  const define = (list: readonly AttributeDefinition[]): void => {
    for (const { AttributeName, AttributeType } of list) {
      const known = attributes.get(AttributeName!);
      if (known !== undefined && known !== AttributeType) throw new Error(`attribute ${AttributeName} given two types`);
      attributes.set(AttributeName!, AttributeType as AttributeType);
    }
  };
  define(table.attributes);
  const indexes: { GlobalSecondaryIndexes?: GlobalSecondaryIndex[]; LocalSecondaryIndexes?: LocalSecondaryIndex[] } = {};
  for (const field of Object.keys(options)) {
    if (field !== 'gsi' && field !== 'lsi') continue;
    const built = Object.entries((field === 'gsi' ? gsi : lsi)!).map(([indexName, spec]) => index(indexName, spec));
    for (const b of built) define(b.attributes);
    const list = built.map((b) => b.index);
    if (field === 'gsi') indexes.GlobalSecondaryIndexes = list;
    else indexes.LocalSecondaryIndexes = list;
  }
  const onDemand = rest.ProvisionedThroughput === undefined && rest.BillingMode === undefined;
  return {
    TableName: name,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: table.schema,
    ...indexes,
    ...(onDemand ? { BillingMode: 'PAY_PER_REQUEST' as const } : {}),
    ...rest,
  };
}

/**
 * The UpdateTable fields that add one global index, its key and projection
 * read as defineTable reads them, with the definitions of its key attributes.
 */
export function createGlobalIndex(name: string, spec: IndexSpec): Pick<UpdateTableCommandInput, 'AttributeDefinitions' | 'GlobalSecondaryIndexUpdates'> {
  const built = index(name, spec);
  return { AttributeDefinitions: built.attributes, GlobalSecondaryIndexUpdates: [{ Create: built.index }] };
}

/** An on-demand table keyed by a string partition key `pk`, with any other options of defineTable. */
export function hashKeyTable(name: string, options: TableOptions = {}): CreateTableCommandInput {
  return defineTable(name, 'pk:S', options);
}

/**
 * An on-demand table with every kind of index: keys `pk`/`sk` (S), a local
 * index `lsi` on `lsk` (ALL), and a KEYS_ONLY global index `gsi` on `gk`,
 * optionally with a Number range key.
 */
export function indexedTable(name: string, gsiRangeKey?: string): CreateTableCommandInput {
  return defineTable(name, 'pk:S sk:S', {
    lsi: { lsi: 'pk:S lsk:S' },
    gsi: { gsi: { key: gsiRangeKey === undefined ? 'gk:S' : `gk:S ${gsiRangeKey}:N`, projection: 'KEYS_ONLY' } },
  });
}

/**
 * An on-demand table keyed by `pk` (S) and a Number sort key `sk`, with one
 * global index `by-<attribute>` (ALL) on a string attribute.
 */
export function sortedTableWithGsi(name: string, gsiAttribute: string): CreateTableCommandInput {
  return defineTable(name, 'pk:S sk:N', { gsi: { [`by-${gsiAttribute}`]: `${gsiAttribute}:S` } });
}

/**
 * Waits until the table and each of its global indexes are ACTIVE (a new
 * index has backfilled); fails the test after about ten seconds.
 */
export async function waitForIndexes(ddb: DynamoDBClient, table: string, failure = 'the indexes did not become active'): Promise<void> {
  for (let i = 0; ; i++) {
    const d = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    if (d.TableStatus === 'ACTIVE' && (d.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return;
    assert.ok(i < 400, failure);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
