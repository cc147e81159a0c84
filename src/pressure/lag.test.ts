import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine } from '../storage/memory-engine.js';
import { LagLog, LaggedEngine, tableIdOf } from './lag.js';

const key = (table: number, tail: number) => Uint8Array.of(0x10, 0, 0, 0, table, 0, tail);
const val = (s: string) => new TextEncoder().encode(s);
const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : new TextDecoder().decode(v));

test('tableIdOf reads item and stream keys only', () => {
  assert.equal(tableIdOf(key(7, 1)), 7);
  assert.equal(tableIdOf(Uint8Array.of(0x20, 0, 0, 1, 0, 9)), 256);
  assert.equal(tableIdOf(Uint8Array.of(0x00, 0x05)), -1);
});

test('lagged reads see the old value until the delay passed; others see the new at once', async () => {
  let now = 1000;
  const base = new MemoryEngine();
  const log = new LagLog(() => now);
  await base.commit([{ key: key(1, 1), value: val('old') }]);
  const writer = new LaggedEngine(base, log, () => false, () => true, () => 100);
  await writer.commit([{ key: key(1, 1), value: val('new') }, { key: key(1, 2), value: val('fresh') }]);
  // One view per request: each reads the pending writes once.
  const lagged = () => new LaggedEngine(base, log, (k) => tableIdOf(k) === 1, () => false, () => 0);
  const strong = new LaggedEngine(base, log, () => false, () => false, () => 0);
  assert.equal(text(await lagged().get(key(1, 1))), 'old');
  assert.equal(await lagged().get(key(1, 2)), undefined);
  assert.equal(text(await strong.get(key(1, 1))), 'new');
  assert.deepEqual((await lagged().getMany([key(1, 1), key(1, 2)])).map(text), ['old', undefined]);
  assert.deepEqual((await lagged().range(key(1, 0), key(1, 9))).map((e) => text(e.value)), ['old']);
  assert.equal((await log.pending(base)).size, 2);
  now += 100;
  assert.equal(text(await lagged().get(key(1, 1))), 'new');
  assert.deepEqual((await lagged().range(key(1, 0), key(1, 9))).map((e) => text(e.value)), ['new', 'fresh']);
  assert.equal((await log.pending(base)).size, 0);
  // The record is in the store until trimmed, a while after its moment.
  assert.equal(await log.trim(base), 0);
  now += 10_000;
  assert.equal(await log.trim(base), 1);
  assert.equal((await base.range(Uint8Array.of(0x00, 0x40), Uint8Array.of(0x00, 0x41))).length, 0);
});

test("writes through one handle lag for readers through another on the same store (another process's)", async () => {
  const now = 0;
  const base = new MemoryEngine();
  const writer = new LaggedEngine(base, new LagLog(() => now), () => false, () => true, () => 100);
  await writer.commit([{ key: key(1, 1), value: val('x') }]);
  const reader = new LaggedEngine(base, new LagLog(() => now), () => true, () => false, () => 0);
  assert.equal(await reader.get(key(1, 1)), undefined);
});

test('a range read with a limit and reverse merges deletions and insertions in order', async () => {
  const now = 0;
  const base = new MemoryEngine();
  const log = new LagLog(() => now);
  await base.commit([1, 2, 3, 4].map((i) => ({ key: key(1, i), value: val(`v${i}`) })));
  const writer = new LaggedEngine(base, log, () => false, () => true, () => 50);
  // Delete 2, insert 5, change 3: the lagged reader still sees 1, 2, 3 (old), 4.
  await writer.commit([{ key: key(1, 2), value: null }, { key: key(1, 5), value: val('v5') }, { key: key(1, 3), value: val('v3b') }]);
  const lagged = () => new LaggedEngine(base, log, () => true, () => false, () => 0);
  assert.deepEqual((await lagged().range(key(1, 0), key(1, 9), { limit: 3 })).map((e) => text(e.value)), ['v1', 'v2', 'v3']);
  assert.deepEqual((await lagged().range(key(1, 0), key(1, 9), { reverse: true, limit: 2 })).map((e) => text(e.value)), ['v4', 'v3']);
});

test('later writes never become visible before earlier ones', async () => {
  let now = 0;
  const base = new MemoryEngine();
  const log = new LagLog(() => now);
  let delay = 100;
  const writer = new LaggedEngine(base, log, () => false, () => true, () => delay);
  await writer.commit([{ key: key(1, 1), value: val('a') }]);
  now = 1;
  delay = 10;
  await writer.commit([{ key: key(1, 1), value: val('b') }]);
  const lagged = () => new LaggedEngine(base, log, () => true, () => false, () => 0);
  now = 50;
  assert.equal(await lagged().get(key(1, 1)), undefined);
  now = 100;
  assert.equal(text(await lagged().get(key(1, 1))), 'b');
});

test('a failed commit remembers nothing', async () => {
  const base = new MemoryEngine();
  const log = new LagLog(() => 0);
  const writer = new LaggedEngine(base, log, () => false, () => true, () => 100);
  await assert.rejects(writer.commit([{ key: key(1, 1), value: val('x') }], [{ key: key(1, 1), value: val('not there') }]));
  assert.equal((await log.pending(base)).size, 0);
});

test('sequenced writes (stream records) lag with the commit that numbers them', async () => {
  const now = 0;
  const base = new MemoryEngine();
  const log = new LagLog(() => now);
  const writer = new LaggedEngine(base, log, () => false, () => true, () => 100);
  const stream = (n: number) => Uint8Array.of(0x20, 0, 0, 0, 1, n);
  await writer.commit([{ key: key(1, 1), value: val('x') }], undefined, { sequence: { count: 1, floor: 0n, writes: () => [{ key: stream(1), value: val('rec') }] } });
  const lagged = new LaggedEngine(base, log, () => true, () => false, () => 0);
  assert.deepEqual(await lagged.range(stream(0), stream(9)), []);
  assert.equal(await lagged.get(key(1, 1)), undefined);
  assert.equal(text(await base.get(stream(1))), 'rec');
});
