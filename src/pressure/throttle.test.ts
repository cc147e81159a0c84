import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableRecord } from '../catalog/table-record.js';
import { partitionCount, Throttle } from './throttle.js';

function table(read: number, write: number, billing: 'PROVISIONED' | 'PAY_PER_REQUEST' = 'PROVISIONED'): TableRecord {
  return {
    id: 1,
    name: 't',
    account: '123456789012',
    region: 'us-east-1',
    billingMode: billing,
    throughput: { read, write, decreasesToday: 0 },
    globalIndexes: [],
    localIndexes: [],
  } as unknown as TableRecord;
}

test('a new bucket holds one second; it refills at the rate, up to the burst', () => {
  let now = 0;
  const t = new Throttle(() => now, () => 1, () => 300);
  const tbl = table(10, 5);
  for (let i = 0; i < 5; i++) assert.equal(t.take(tbl, undefined, 'write', 1), undefined);
  assert.equal(t.take(tbl, undefined, 'write', 1)?.limit, 'ProvisionedThroughputExceeded');
  now += 1000;
  for (let i = 0; i < 5; i++) assert.equal(t.take(tbl, undefined, 'write', 1), undefined);
  assert.notEqual(t.take(tbl, undefined, 'write', 1), undefined);
  // Ten idle minutes bank at most 300 s of capacity (1,500 units).
  now += 600_000;
  let taken = 0;
  while (t.take(tbl, undefined, 'write', 1) === undefined) taken++;
  assert.equal(taken, 1500);
});

test('consumption past the balance is debt that later requests wait out', () => {
  let now = 0;
  const t = new Throttle(() => now, () => 1, () => 300);
  const tbl = table(4, 1);
  assert.equal(t.admit(tbl, undefined, 'read', 1), undefined);
  t.charge(tbl, undefined, 'read', 12);
  now += 1000;
  assert.notEqual(t.admit(tbl, undefined, 'read', 0.5), undefined);
  now += 2000;
  assert.equal(t.admit(tbl, undefined, 'read', 0.5), undefined);
});

test('each process enforces its share', () => {
  const t = new Throttle(() => 0, () => 1 / 2, () => 300);
  const tbl = table(10, 10);
  let taken = 0;
  while (t.take(tbl, undefined, 'read', 1) === undefined) taken++;
  assert.equal(taken, 5);
});

test('partitions: 3,000 RCU and 1,000 WCU each; a hot key is held to its partition', () => {
  assert.equal(partitionCount(100, 100), 1);
  assert.equal(partitionCount(6000, 100), 2);
  assert.equal(partitionCount(100, 2500), 3);
  const t = new Throttle(() => 0, () => 1, () => 300);
  const tbl = table(100, 3000);
  let taken = 0;
  while (t.take(tbl, undefined, 'write', 1, 0x10) === undefined) taken++;
  assert.equal(taken, 1000);
  // Another partition's key still has its share.
  assert.equal(t.take(tbl, undefined, 'write', 1, 0xf0000000), undefined);
});

test('on demand: a key is limited to 1,000 WCU; the refusal names the key range', () => {
  const t = new Throttle(() => 0, () => 1, () => 300);
  const tbl = table(0, 0, 'PAY_PER_REQUEST');
  let taken = 0;
  let refusal;
  while ((refusal = t.take(tbl, undefined, 'write', 1, 42)) === undefined) taken++;
  assert.equal(taken, 1000);
  assert.deepEqual(refusal, { onDemand: true, index: undefined, access: 'write', limit: 'KeyRangeThroughputExceeded' });
  assert.equal(t.take(tbl, undefined, 'write', 1, 43), undefined);
});

test("an on-demand table's OnDemandThroughput maximum throttles first, with its own reason; a GSI's its own", () => {
  let now = 0;
  const t = new Throttle(() => now, () => 1, () => 300);
  const gsi = { id: 1, name: 'g1', onDemandMax: { read: 3 } } as unknown as NonNullable<TableRecord['globalIndexes'][number]>;
  const tbl = { ...table(0, 0, 'PAY_PER_REQUEST'), onDemandMax: { write: 2 }, globalIndexes: [gsi] } as TableRecord;
  assert.equal(t.take(tbl, undefined, 'write', 1), undefined);
  assert.equal(t.take(tbl, undefined, 'write', 1), undefined);
  const refusal = t.take(tbl, undefined, 'write', 1);
  assert.deepEqual(refusal, { onDemand: true, index: undefined, access: 'write', limit: 'MaxOnDemandThroughputExceeded' });
  // Reads have no table maximum: only the 40,000-unit quota.
  for (let i = 0; i < 100; i++) assert.equal(t.take(tbl, undefined, 'read', 1), undefined);
  for (let i = 0; i < 3; i++) assert.equal(t.take(tbl, gsi, 'read', 1), undefined);
  assert.deepEqual(t.take(tbl, gsi, 'read', 1), { onDemand: true, index: 'g1', access: 'read', limit: 'MaxOnDemandThroughputExceeded' });
  now += 1000;
  assert.equal(t.take(tbl, undefined, 'write', 1), undefined);
  // A raised maximum applies at once (UpdateTable changes the catalog record).
  const raised = { ...tbl, onDemandMax: { write: 100 } } as TableRecord;
  now += 1000;
  for (let i = 0; i < 50; i++) assert.equal(t.take(raised, undefined, 'write', 1), undefined, `write ${i}`);
});

test("adaptive capacity: a hot partition uses the table's unused capacity up to the partition maximum, not only its even share", () => {
  const t = new Throttle(() => 0, () => 1, () => 300);
  // 1,500 WCU: two partitions, an even share of 750 WCU each.
  const tbl = table(100, 1500);
  assert.equal(partitionCount(100, 1500), 2);
  let taken = 0;
  while (t.take(tbl, undefined, 'write', 1, 0x10) === undefined) taken++;
  assert.equal(taken, 1000);
  // The table's remaining 500 units serve the other partition.
  taken = 0;
  while (t.take(tbl, undefined, 'write', 1, 0xf0000000) === undefined) taken++;
  assert.equal(taken, 500);
});
