/**
 * @module test/helpers/tables
 * Table definitions the black-box tests use again and again.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** An on-demand table keyed by a string partition key `pk`. */
export function hashKeyTable(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/**
 * An on-demand table with every kind of index: keys `pk`/`sk` (S), a local
 * index `lsi` on `lsk` (ALL), and a KEYS_ONLY global index `gsi` on `gk`,
 * optionally with a Number range key.
 */
export function indexedTable(name: string, gsiRangeKey?: string): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'lsk', AttributeType: 'S' },
      { AttributeName: 'gk', AttributeType: 'S' },
      ...(gsiRangeKey === undefined ? [] : [{ AttributeName: gsiRangeKey, AttributeType: 'N' as const }]),
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: 'lsi',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'lsk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'gsi',
        KeySchema: [
          { AttributeName: 'gk', KeyType: 'HASH' },
          ...(gsiRangeKey === undefined ? [] : [{ AttributeName: gsiRangeKey, KeyType: 'RANGE' as const }]),
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/**
 * An on-demand table keyed by `pk` (S) and a Number sort key `sk`, with one
 * global index `by-<attribute>` (ALL) on a string attribute.
 */
export function sortedTableWithGsi(name: string, gsiAttribute: string): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: gsiAttribute, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: `by-${gsiAttribute}`,
        KeySchema: [{ AttributeName: gsiAttribute, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}
