/**
 * @module data/database-leases.test
 * Background work between two databases (two "processes") on one store:
 * a leased periodic task runs in one of them only, and moves to the other
 * when its owner closes (or stalls past its lease).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../api/open-database.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import type { StorageEngine } from '../storage/engine.js';
import { leaseDurationFor } from './database.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);

/** The shared engine, which closing one database must leave open for the other. */
function handle(engine: StorageEngine): StorageEngine {
  return {
    capabilities: engine.capabilities,
    get: (key) => engine.get(key),
    getMany: (keys) => engine.getMany(keys),
    range: (start, end, options) => engine.range(start, end, options),
    snapshot: () => engine.snapshot(),
    commit: (...args: Parameters<StorageEngine['commit']>) => engine.commit(...args),
    close: async () => {},
  };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), `timed out waiting until ${what}`);
}

describe('leased background work', () => {
  it('runs in one database of two, and moves to the other when its owner closes', async () => {
    const engine = new MemoryEngine();
    const clock = { t: NOW, now: () => clock.t };
    const a = await openDatabase(handle(engine), { clock });
    const b = await openDatabase(handle(engine), { clock });
    const runs = { a: 0, b: 0 };
    a.runPeriodically('task', 2, async () => void runs.a++, 'task');
    await until('a runs the task', () => runs.a > 0);
    b.runPeriodically('task', 2, async () => void runs.b++, 'task');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(runs.b, 0, 'b does not run what a holds');
    await a.close();
    await until('b takes the task over', () => runs.b > 0);
    await b.close();
  });

  it('moves to the other database when its owner stops renewing past the lease', async () => {
    const engine = new MemoryEngine();
    const clock = { t: NOW, now: () => clock.t };
    const a = await openDatabase(handle(engine), { clock });
    const b = await openDatabase(handle(engine), { clock });
    assert.equal(await a.holdLease('work', 1_000), true);
    assert.equal(await b.holdLease('work', 1_000), false);
    clock.t += 400; // within a third of the lease: no renewal, no store access
    assert.equal(await a.holdLease('work', 1_000), true);
    clock.t += 1_000; // a stalled: its lease ran out
    assert.equal(await b.holdLease('work', 1_000), true);
    assert.equal(await a.holdLease('work', 1_000), false, 'a finds its lease taken and stops');
    await a.close();
    await b.close();
  });

  it('takes leases long enough to outlast a task interval', () => {
    assert.equal(leaseDurationFor(1000), 15_000);
    assert.equal(leaseDurationFor(60_000), 180_000);
  });
});
