import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimate, formatEstimate } from './cost-estimate.js';
import { DEFAULT_PRICES, checkPriceTable } from './prices.js';
import { measured, parseMetrics } from './cost.js';

const GB = 1024 ** 3;

test('hand arithmetic: one hour of traffic in us-east-1', () => {
  const e = estimate(
    {
      windowSeconds: 3600,
      streamReadRequests: 1000,
      tables: [
        { table: 'a', billingMode: 'PAY_PER_REQUEST', tableClass: 'STANDARD', readUnits: 100_000, writeUnits: 20_000, storageBytes: 10 * GB, pitr: true, backupBytes: 2 * GB },
      ],
    },
    DEFAULT_PRICES,
    'us-east-1',
  );
  const t = e.tables[0]!;
  assert.equal(e.multiplier, 730);
  // 100,000 RRU × 730 = 73 M × $0.125/M = $9.125; 20,000 × 730 = 14.6 M × $0.625/M = $9.125.
  assert.ok(Math.abs(t.onDemand.reads - 9.125) < 1e-9);
  assert.ok(Math.abs(t.onDemand.writes - 9.125) < 1e-9);
  // Reads average 100,000/3600 = 27.8 RCU/s → /0.7 = 39.7 → 40 RCU × 730 h × $0.00013 = $3.796.
  assert.equal(t.provisioned.rcu, 40);
  assert.ok(Math.abs(t.provisioned.reads - 3.796) < 1e-9);
  // Writes 5.56/s → 7.94 → 8 WCU × 730 × $0.00065 = $3.796.
  assert.equal(t.provisioned.wcu, 8);
  assert.ok(Math.abs(t.provisioned.writes - 3.796) < 1e-9);
  assert.ok(Math.abs(t.storage - 2.5) < 1e-9, '10 GB × $0.25');
  assert.ok(Math.abs(t.pitr - 2) < 1e-9, '10 GB × $0.20');
  assert.ok(Math.abs(t.backups - 0.2) < 1e-9, '2 GB × $0.10');
  assert.ok(Math.abs(e.streams.cost - 0.146) < 1e-9, '730,000 × $0.20/M');
  assert.ok(Math.abs(e.totals.onDemand - (18.25 + 4.7 + 0.146)) < 1e-9);
  assert.ok(Math.abs(t.current - (18.25 + 4.7)) < 1e-9, 'billed on demand');
  assert.match(formatEstimate(e, DEFAULT_PRICES), /a +PAY_PER_REQUEST +73,000,000 +14,600,000 +10\.000 +\$18\.25 +\$7\.59 \(40\/8\)/);
});

test('Standard-IA prices, multiplier and minimum provisioned capacity', () => {
  const e = estimate(
    { windowSeconds: 60, multiplier: 10, streamReadRequests: 0, tables: [{ table: 'ia', billingMode: 'PROVISIONED', tableClass: 'STANDARD_INFREQUENT_ACCESS', readUnits: 0, writeUnits: 1_000_000, storageBytes: GB, pitr: false, backupBytes: 0 }] },
    DEFAULT_PRICES,
    'us-east-1',
  );
  const t = e.tables[0]!;
  assert.ok(Math.abs(t.onDemand.writes - 10 * 0.78125) < 1e-9);
  assert.equal(t.provisioned.rcu, 1);
  assert.ok(Math.abs(t.storage - 0.1) < 1e-9);
  assert.throws(() => estimate({ windowSeconds: 1, streamReadRequests: 0, tables: [] }, DEFAULT_PRICES, 'mars-1'), /no prices for region mars-1/);
});

test('metrics text → usage per table (GSI units added to their table)', () => {
  const m = measured(
    parseMetrics(`# HELP x
openddb_dynamodb_consumed_read_capacity_units_total{table="t"} 10
openddb_dynamodb_consumed_read_capacity_units_total{table="t",global_secondary_index="g"} 2.5
openddb_dynamodb_consumed_write_capacity_units_total{table="t"} 4
openddb_dynamodb_successful_request_latency_seconds_count{operation="GetRecords"} 7
openddb_process_uptime_seconds 120.5
`),
  );
  assert.equal(m.reads.get('t'), 12.5);
  assert.equal(m.writes.get('t'), 4);
  assert.equal(m.getRecords, 7);
  assert.equal(m.uptimeSeconds, 120.5);
  assert.equal(checkPriceTable(DEFAULT_PRICES), undefined);
  assert.match(checkPriceTable({ regions: { x: { pitrGbMonth: 1 } } })!, /backupGbMonth must be a number/);
});
