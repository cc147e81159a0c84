/**
 * @module data/index-backfill.test
 * A backfill whose owner dies part-way is resumed by another owner where
 * the first stopped: two databases (two "processes") on one memory engine,
 * a clock the test drives, and an engine wrapper that makes the first
 * owner's commits fail from some point on, as if its process had died.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../api/open-database.js';
import { Dispatcher } from '../api/dispatcher.js';
import { allOperations } from '../api/all-operations.js';
import { indexPrefix, LEASE_PREFIX, successor } from '../catalog/key-space.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import type { KvExpectation, KvWrite, StorageEngine } from '../storage/engine.js';
import type { Database } from './database.js';
import { startBackfillSupervisor } from './index-backfill.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const ITEMS = 1000;
const PAGE = 256;
const BACKFILL_LEASES = Uint8Array.from([...LEASE_PREFIX, ...Buffer.from('backfill/')]);

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  return key.length >= prefix.length && prefix.every((b, i) => key[i] === b);
}

/** One process's handle on the shared engine: counts what it writes, can die, and closing it leaves the engine open. */
class ProcessHandle implements StorageEngine {
  readonly capabilities;
  leaseCommits = 0;
  dieAfterLeaseCommits = Infinity;
  readonly written: Uint8Array[] = [];
  constructor(private readonly engine: StorageEngine) {
    this.capabilities = engine.capabilities;
  }
  get(key: Uint8Array) {
    return this.engine.get(key);
  }
  getMany(keys: readonly Uint8Array[]) {
    return this.engine.getMany(keys);
  }
  range(start: Uint8Array, end: Uint8Array, options?: { reverse?: boolean; limit?: number }) {
    return this.engine.range(start, end, options);
  }
  async commit(writes: readonly KvWrite[], expectations?: readonly KvExpectation[], ...rest: unknown[]) {
    if (writes.some((w) => startsWith(w.key, BACKFILL_LEASES) && w.value !== null)) {
      if (this.leaseCommits >= this.dieAfterLeaseCommits) throw new Error('the process died');
      this.leaseCommits++;
    }
    await (this.engine.commit as (...args: unknown[]) => Promise<void>)(writes, expectations, ...rest);
    for (const w of writes) this.written.push(w.key);
  }
  snapshot() {
    return this.engine.snapshot();
  }
  async close() {}
}

async function open(handle: ProcessHandle, clock: { now(): number }, log: string[]) {
  const db = await openDatabase(handle, { clock, log: (line) => log.push(line) });
  const dispatcher = new Dispatcher(db, allOperations);
  const call = async (name: string, input: Record<string, unknown>): Promise<any> =>
    dispatcher.run(dispatcher.find('DynamoDB_20120810.', name) ?? assert.fail(name), input, 'test');
  return { db, call };
}

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting until ${what}`);
}

function indexStatus(db: Database): string | undefined {
  return db.catalog.get('orders')?.globalIndexes[0]?.status;
}

describe('index backfill', () => {
  it('is resumed by another owner after the key its dead owner last committed', async () => {
    const engine = new MemoryEngine();
    const clock = { t: NOW, now: () => clock.t };
    const first = new ProcessHandle(engine);
    const logA: string[] = [];
    const a = await open(first, clock, logA);
    await a.call('CreateTable', {
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    for (let i = 0; i < ITEMS; i += 25) {
      const items = Array.from({ length: 25 }, (_, j) => ({ PutRequest: { Item: { pk: { S: `o${i + j}` }, c: { S: `c${(i + j) % 7}` } } } }));
      await a.call('BatchWriteItem', { RequestItems: { orders: items } });
    }
    // The first owner's process dies after its lease was taken and two pages were committed.
    first.dieAfterLeaseCommits = 3;
    await a.call('UpdateTable', {
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'c', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'byC', KeySchema: [{ AttributeName: 'c', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } }],
    });
    await until('the first owner died', () => logA.some((line) => line.includes('the process died')));
    await a.db.close();
    const table = a.db.catalog.get('orders')!;
    const indexId = table.globalIndexes[0]!.id;
    const entries = async () => (await engine.range(indexPrefix(table.id, indexId), successor(indexPrefix(table.id, indexId)))).length;
    assert.equal(await entries(), 2 * PAGE, 'two pages were backfilled before the owner died');

    const second = new ProcessHandle(engine);
    const logB: string[] = [];
    const b = await open(second, clock, logB);
    assert.equal(indexStatus(b.db), 'CREATING');
    startBackfillSupervisor(b.db, 5);
    // The dead owner was this same process (one pid): only its lease's expiry frees the backfill.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(indexStatus(b.db), 'CREATING', 'a live owner keeps its lease until it expires');
    clock.t += 15_000;
    await until('the index is ACTIVE', () => indexStatus(b.db) === 'ACTIVE');
    assert.equal(await entries(), ITEMS);
    assert.ok(
      logB.some((line) => /taking over the backfill of index \d+ on orders from process \d+ on .* \(its lease expired\), where it stopped/.test(line)),
      logB.join('\n'),
    );
    const rewritten = second.written.filter((key) => startsWith(key, indexPrefix(table.id, indexId))).length;
    assert.equal(rewritten, ITEMS - 2 * PAGE, 'the second owner wrote only what the first had not');
    assert.equal(await engine.get(Uint8Array.from([...LEASE_PREFIX, ...Buffer.from(`backfill/${table.id}/${indexId}`)])), undefined, 'the lease is gone');
    await b.db.close();
  });
});
