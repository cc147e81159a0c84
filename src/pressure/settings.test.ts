import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFaults, parseLag, tableSettings } from './settings.js';

test('lag: a fixed value or bounds; anything else is refused', () => {
  assert.deepEqual(parseLag('250'), { minMs: 250, maxMs: 250 });
  assert.deepEqual(parseLag('100-400'), { minMs: 100, maxMs: 400 });
  assert.match(String(parseLag('400-100')), /MIN <= MAX/);
  assert.match(String(parseLag('soon')), /MS or MIN-MAX/);
  assert.match(String(parseLag('-5')), /MS or MIN-MAX/);
});

test('fault specs: kinds, params, rates, counts, operations, tables', () => {
  const rules = parseFaults('500:0.1 503:next=3:PutItem+GetItem, latency=20-80:1@Orders timeout:next=1 drop:1 conflict:0.5:TransactWriteItems');
  assert.ok(Array.isArray(rules));
  const [a, b, c, d, e, f] = rules as Exclude<typeof rules, string>;
  assert.deepEqual({ kind: a!.kind, rate: a!.rate }, { kind: 'internal', rate: 0.1 });
  assert.deepEqual({ kind: b!.kind, count: b!.count, ops: b!.operations }, { kind: 'unavailable', count: 3, ops: ['PutItem', 'GetItem'] });
  assert.deepEqual({ kind: c!.kind, min: c!.minMs, max: c!.maxMs, table: c!.table }, { kind: 'latency', min: 20, max: 80, table: 'Orders' });
  assert.deepEqual({ kind: d!.kind, min: d!.minMs }, { kind: 'timeout', min: 60_000 });
  assert.equal(e!.kind, 'drop');
  assert.equal(f!.kind, 'conflict');
});

test('fault specs: every mistake is named', () => {
  assert.match(String(parseFaults('explode:1')), /unknown kind 'explode'/);
  assert.match(String(parseFaults('500:2')), /rate from 0 to 1/);
  assert.match(String(parseFaults('500')), /rate from 0 to 1/);
  assert.match(String(parseFaults('latency:1')), /latency needs a time/);
  assert.match(String(parseFaults('500=5:1')), /only latency and timeout take a time/);
  assert.match(String(parseFaults('500:1:Put-Item')), /operations are names/);
  assert.match(String(parseFaults('500:1:PutItem:x')), /too many ':'/);
  assert.match(String(parseFaults('500:1@Other', 'Mine')), /names no other table/);
});

test('table tags: each setting, off, and problems reported', () => {
  const s = tableSettings('T', { 'openddb:throttle': 'on', 'openddb:lag-ms': '50-60', 'openddb:faults': '503:1', 'openddb:txn-ms': '10', other: 'x' });
  assert.equal(s.throttle, true);
  assert.deepEqual(s.lag, { minMs: 50, maxMs: 60 });
  assert.equal(s.faults?.[0]?.table, 'T');
  assert.deepEqual(s.txnMs, { minMs: 10, maxMs: 10 });
  assert.deepEqual(s.problems, []);
  const off = tableSettings('T', { 'openddb:throttle': 'off', 'openddb:lag-ms': 'off', 'openddb:txn-ms': '0' });
  assert.equal(off.throttle, false);
  assert.equal(off.lag, null);
  assert.equal(off.txnMs, null);
  const bad = tableSettings('T', { 'openddb:throttle': 'maybe', 'openddb:faults': 'nope:1' });
  assert.equal(bad.problems.length, 2);
  assert.equal(bad.throttle, undefined);
});
