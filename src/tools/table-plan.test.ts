import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlans, planTable, type CurrentTable } from './table-plan.js';
import type { TableSpec } from './table-spec.js';

const SPEC: TableSpec = {
  source: 'Resources.T',
  TableName: 't1',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'a', AttributeType: 'S' },
    { AttributeName: 'b', AttributeType: 'N' },
  ],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
  GlobalSecondaryIndexes: [
    { IndexName: 'byA', KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
    { IndexName: 'byB', KeySchema: [{ AttributeName: 'b', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
  ],
  LocalSecondaryIndexes: [],
  StreamViewType: 'NEW_IMAGE',
  TimeToLiveAttribute: 'exp',
  PointInTimeRecovery: true,
  Tags: { team: 'x', env: 'prod' },
};

function current(table: Record<string, unknown>, extra: Partial<CurrentTable> = {}): CurrentTable {
  return {
    table: {
      TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t1',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      ...table,
    },
    ttlAttribute: undefined,
    pitr: false,
    tags: {},
    ...extra,
  };
}

test('a missing table: CreateTable with everything it carries, then TTL and PITR', () => {
  const plan = planTable(SPEC, undefined);
  assert.equal(plan.action, 'create');
  assert.deepEqual(
    plan.steps.map((s) => s.operation),
    ['CreateTable', 'UpdateTimeToLive', 'UpdateContinuousBackups'],
  );
  const create = plan.steps[0]!.input;
  assert.equal((create.GlobalSecondaryIndexes as unknown[]).length, 2);
  assert.deepEqual(create.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  assert.deepEqual(create.Tags, [
    { Key: 'team', Value: 'x' },
    { Key: 'env', Value: 'prod' },
  ]);
  assert.equal(create.ProvisionedThroughput, undefined);
});

test('an up-to-date table: no changes', () => {
  const plan = planTable(
    SPEC,
    current(
      {
        GlobalSecondaryIndexes: [
          { IndexName: 'byB', KeySchema: [{ AttributeName: 'b', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
          { IndexName: 'byA', KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      },
      { ttlAttribute: 'exp', pitr: true, tags: { env: 'prod', team: 'x', 'aws:cloudformation:stack-name': 's' } },
    ),
  );
  assert.equal(plan.action, 'unchanged');
  assert.deepEqual(plan.steps, []);
});

test('updates come in DynamoDB order: deletes, billing, one index per UpdateTable, stream off then on, TTL off then on, PITR, tags', () => {
  const spec: TableSpec = { ...SPEC, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 6 }, GlobalSecondaryIndexes: [
    { ...SPEC.GlobalSecondaryIndexes[0]!, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 } },
    { ...SPEC.GlobalSecondaryIndexes[1]!, Projection: { ProjectionType: 'ALL' }, ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 } },
  ] };
  const plan = planTable(
    spec,
    current(
      {
        GlobalSecondaryIndexes: [
          { IndexName: 'byA', KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
          { IndexName: 'byB', KeySchema: [{ AttributeName: 'b', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
          { IndexName: 'old', KeySchema: [{ AttributeName: 'o', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      },
      { ttlAttribute: 'expires', pitr: false, tags: { team: 'y', gone: '1' } },
    ),
  );
  assert.deepEqual(
    plan.steps.map((s) => s.summary),
    [
      '- delete GSI byB (changed: made again below)',
      '- delete GSI old',
      '~ billing PAY_PER_REQUEST → PROVISIONED (5 RCU / 6 WCU) and GSI throughput of byA',
      '+ create GSI byB (b HASH, ALL)',
      '- disable stream (KEYS_ONLY)',
      '+ enable stream (NEW_IMAGE)',
      '- disable TTL on expires',
      '+ enable TTL on exp',
      '+ enable point-in-time recovery',
      '~ tags: set team=x, env=prod',
      '~ tags: remove gone',
    ],
  );
  const billing = plan.steps[2]!.input;
  assert.deepEqual(billing.GlobalSecondaryIndexUpdates, [{ Update: { IndexName: 'byA', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 } } }]);
  const create = plan.steps[3]!.input;
  assert.deepEqual(create.AttributeDefinitions, [{ AttributeName: 'b', AttributeType: 'N' }], 'only the new index key attributes');
  assert.deepEqual((create.GlobalSecondaryIndexUpdates as { Create: { ProvisionedThroughput: unknown } }[])[0]!.Create.ProvisionedThroughput, { ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
  for (const s of plan.steps) assert.ok(!('GlobalSecondaryIndexUpdates' in s.input) || (s.input.GlobalSecondaryIndexUpdates as unknown[]).filter((u) => !('Update' in (u as object))).length <= 1);
});

test('what DynamoDB cannot change is a problem, not a step', () => {
  const plan = planTable({ ...SPEC, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'a', KeyType: 'RANGE' }] }, current({}));
  assert.equal(plan.problems.length, 1);
  assert.match(plan.problems[0]!, /key schema differs \(pk HASH → pk HASH, a RANGE\)/);
  assert.match(formatPlans([plan]), /cannot apply\n {2}! t1: the key schema differs/);
  const lsi = planTable(SPEC, current({ LocalSecondaryIndexes: [{ IndexName: 'l', KeySchema: [], Projection: { ProjectionType: 'ALL' } }] }));
  assert.match(lsi.problems[0]!, /local secondary indexes differ/);
});

test('throughput changes of a provisioned table, and back to on demand', () => {
  const spec: TableSpec = { ...SPEC, GlobalSecondaryIndexes: [], StreamViewType: undefined, TimeToLiveAttribute: undefined, PointInTimeRecovery: false, Tags: {}, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 9, WriteCapacityUnits: 9 } };
  const was = current({ BillingModeSummary: { BillingMode: 'PROVISIONED' }, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } });
  assert.deepEqual(planTable(spec, was).steps.map((s) => s.summary), ['~ throughput 1/1 → 9/9 (RCU/WCU)']);
  assert.deepEqual(planTable({ ...spec, BillingMode: 'PAY_PER_REQUEST' }, was).steps.map((s) => s.input), [{ TableName: 't1', BillingMode: 'PAY_PER_REQUEST' }]);
});

test('a server without tagging: tags are left alone, and the plan says so', () => {
  const plan = planTable({ ...SPEC, GlobalSecondaryIndexes: [], StreamViewType: undefined, TimeToLiveAttribute: undefined, PointInTimeRecovery: false }, current({}, { tags: undefined }));
  assert.deepEqual(plan.steps, []);
  assert.match(formatPlans([plan]), /no changes\n {2}\(tags not compared: the server does not support tagging\)\n$/);
});
