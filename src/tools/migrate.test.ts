import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildItem, formatDuration, progressLine, type ItemPlan } from './migrate.js';
import { MappingError } from './type-mapping.js';
import { dynamoJsonItem } from './migrate-sources.js';

const PLAN: ItemPlan = {
  renames: new Map([['full_name', 'name']]),
  excludes: new Set(['secret']),
  columnTypes: new Map([['age', 'N']]),
  keys: [
    { attribute: 'pk', type: 'S', column: 'id' },
    { attribute: 'sk', type: 'N', column: 'version' },
  ],
  mapping: { timestamps: 'iso', nulls: 'omit' },
};

test('buildItem: key mapping with type coercion, renames, exclusions, column types', () => {
  assert.deepEqual(buildItem({ id: { N: '17' }, version: { S: '3' }, full_name: { S: 'Ann' }, secret: { S: 'x' }, age: { S: '41' }, gone: undefined }, PLAN), {
    pk: { S: '17' },
    sk: { N: '3' },
    name: { S: 'Ann' },
    age: { N: '41' },
  });
  assert.throws(() => buildItem({ id: { S: 'a' } }, PLAN), (e: unknown) => e instanceof MappingError && /no value for the key attribute sk \(column version\)/.test(e.message));
  assert.throws(() => buildItem({ id: { S: '' }, version: { N: '1' } }, PLAN), /empty string/);
  assert.throws(() => buildItem({ id: { S: 'a' }, version: { S: 'v1' } }, PLAN), /cannot be a DynamoDB number/);
  assert.throws(() => buildItem({ id: { BOOL: true }, version: { N: '1' } }, PLAN), /a key of type S cannot be BOOL/);
});

test('progress line: percent, bar, rate and ETA', () => {
  assert.equal(progressLine(500, 1000, 10_000, 500, 10), ' 50.0% [#####.....] 500/1,000 rows  50 rows/s  ETA 0:10');
  assert.equal(progressLine(1200, undefined, 1000, 1200), '1,200 rows  1,200 rows/s');
  assert.equal(formatDuration(3_725_000), '1:02:05');
});

test('DynamoDB JSON lines are told from plain JSON objects', () => {
  assert.deepEqual(dynamoJsonItem({ Item: { a: { S: 'x' }, n: { N: '1' } } }), { a: { S: 'x' }, n: { N: '1' } });
  assert.equal(dynamoJsonItem({ Item: { a: 'x' } }), undefined, 'a plain object with an Item field');
  assert.equal(dynamoJsonItem({ Item: { a: { S: 'x', N: '1' } } }), undefined);
  assert.equal(dynamoJsonItem({ Item: { a: { X: 1 } } }), undefined);
  assert.equal(dynamoJsonItem({ Item: {}, other: 1 }), undefined);
});
