/**
 * @module test/helpers/tables.test
 * defineTable writes the CreateTable requests the black-box tests used to
 * spell out: key schema, attribute definitions in order, projections.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGlobalIndex, defineTable, hashKeyTable, indexedTable } from './tables.js';

describe('defineTable', () => {
  it('writes a hash key table on demand', () => {
    assert.deepEqual(hashKeyTable('t'), {
      TableName: 't',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('defines each key attribute once, in the order the table key and the indexes name them', () => {
    assert.deepEqual(indexedTable('t', 'n'), {
      TableName: 't',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'lsk', AttributeType: 'S' },
        { AttributeName: 'gk', AttributeType: 'S' },
        { AttributeName: 'n', AttributeType: 'N' },
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
            { AttributeName: 'n', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('reads multi-attribute keys, INCLUDE projections, index throughput and other fields', () => {
    const input = defineTable('t', 'pk:S', {
      gsi: { g: { key: 'a:S b:N / c:B d:S', projection: ['x'], throughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 } } },
      ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 },
    });
    assert.deepEqual(input.GlobalSecondaryIndexes, [
      {
        IndexName: 'g',
        KeySchema: [
          { AttributeName: 'a', KeyType: 'HASH' },
          { AttributeName: 'b', KeyType: 'HASH' },
          { AttributeName: 'c', KeyType: 'RANGE' },
          { AttributeName: 'd', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['x'] },
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 },
      },
    ]);
    assert.deepEqual(input.AttributeDefinitions!.map((a) => `${a.AttributeName}:${a.AttributeType}`), ['pk:S', 'a:S', 'b:N', 'c:B', 'd:S']);
    assert.equal(input.BillingMode, undefined, 'provisioned, not on demand');
    assert.deepEqual(input.ProvisionedThroughput, { ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
  });

  it('refuses a key attribute without a type or with two types', () => {
    assert.throws(() => defineTable('t', 'pk'), /has no type/);
    assert.throws(() => defineTable('t', 'pk:S', { gsi: { g: 'pk:N' } }), /two types/);
  });
});

describe('createGlobalIndex', () => {
  it('writes the UpdateTable fields that add one global index', () => {
    assert.deepEqual(createGlobalIndex('by-g', { key: 'g:S r:N', projection: 'KEYS_ONLY' }), {
      AttributeDefinitions: [
        { AttributeName: 'g', AttributeType: 'S' },
        { AttributeName: 'r', AttributeType: 'N' },
      ],
      GlobalSecondaryIndexUpdates: [
        {
          Create: {
            IndexName: 'by-g',
            KeySchema: [
              { AttributeName: 'g', KeyType: 'HASH' },
              { AttributeName: 'r', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        },
      ],
    });
  });
});
