/**
 * @module data/vector-log.test
 * Erasing a deleted vector index runs once across processes, under the
 * lease `vector-index-erase`, and is resumed by another process when its
 * owner dies part-way: two databases (two "processes") on one memory
 * engine, a clock the test drives, and an engine wrapper that makes the
 * first owner's commits fail from some point on, as if its process had died.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../api/open-database.js';
import { Dispatcher } from '../api/dispatcher.js';
import { allOperations } from '../api/all-operations.js';
import { indexPrefix, LEASE_PREFIX, successor, VECTOR_ERASE_PREFIX, vectorLogPrefix } from '../catalog/key-space.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import type { KvExpectation, KvWrite, StorageEngine } from '../storage/engine.js';
import { eraseDeletedVectorIndexes } from './vector-log.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const ERASE_LEASE_KEY = Uint8Array.from([...LEASE_PREFIX, ...Buffer.from('vector-index-erase')]);

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  return key.length >= prefix.length && prefix.every((b, i) => key[i] === b);
}

/** One process's handle on the shared engine: it dies (every later commit fails) once it made `lives` commits that take or renew the erase lease. */
function processOn(engine: StorageEngine, lives: { left: number }): StorageEngine {
  return new Proxy(engine, {
    get(target, prop) {
      if (prop === 'close') return async () => {};
      if (prop === 'commit') {
        return async (writes: readonly KvWrite[], expectations?: readonly KvExpectation[], ...rest: unknown[]) => {
          if (lives.left <= 0) throw new Error('the process died');
          if (writes.some((w) => startsWith(w.key, ERASE_LEASE_KEY) && w.value !== null)) lives.left--;
          return (target.commit as (...args: unknown[]) => Promise<void>)(writes, expectations, ...rest);
        };
      }
      const value = (target as unknown as Record<string | symbol, unknown>)[prop];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function open(engine: StorageEngine, clock: { now(): number }) {
  const db = await openDatabase(engine, { clock, log: () => {} });
  const dispatcher = new Dispatcher(db, allOperations);
  const call = async (name: string, input: Record<string, unknown>): Promise<any> =>
    dispatcher.run(dispatcher.find('DynamoDB_20120810.', name) ?? assert.fail(name), input, 'test');
  return { db, call };
}

async function count(engine: StorageEngine, prefix: Uint8Array): Promise<number> {
  return (await engine.range(prefix, successor(prefix))).length;
}

describe('erasing a deleted vector index', () => {
  it('runs in one process at a time, and another finishes what a dead one started', async () => {
    const engine = new MemoryEngine();
    let now = NOW;
    const clock = { now: () => now };
    // A takes the lease and commits two batches of deletes, then dies.
    const a = await open(processOn(engine, { left: 3 }), clock);
    const b = await open(processOn(engine, { left: Infinity }), clock);
    try {
      await a.call('CreateTable', {
        TableName: 'docs',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        VectorIndexes: [
          { IndexName: 'emb', VectorAttribute: { AttributeName: 'v' }, Dimensions: 2, DistanceFunction: 'EUCLIDEAN', Projection: { ProjectionType: 'KEYS_ONLY' } },
        ],
      });
      for (let i = 0; i < 2000; i += 25) {
        const requests = Array.from({ length: 25 }, (_, k) => ({
          PutRequest: { Item: { pk: { S: `d${i + k}` }, v: { L: [{ N: String(i + k) }, { N: '1' }] } } },
        }));
        await a.call('BatchWriteItem', { RequestItems: { docs: requests } });
      }
      const table = a.db.catalog.get('docs')!;
      const indexId = table.vectorIndexes![0]!.id;
      const entries = indexPrefix(table.id, indexId);
      const log = vectorLogPrefix(table.id, indexId);
      assert.equal(await count(engine, entries), 2000);
      assert.ok((await count(engine, log)) > 0);

      await a.call('UpdateTable', { TableName: 'docs', VectorIndexUpdates: [{ Delete: { IndexName: 'emb' } }] });
      // The erase is recorded with the catalog change; A starts it at once, and dies part-way.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await count(engine, VECTOR_ERASE_PREFIX), 1);
      const left = await count(engine, entries);
      assert.ok(left > 0 && left < 2000, `part-way: ${left} entries left`);

      // B leaves it alone while A's lease runs.
      await eraseDeletedVectorIndexes(b.db);
      assert.equal(await count(engine, entries), left);

      // Once it expired, B takes the erase over and finishes it: entries, change log, then the marker.
      now += 16_000;
      await eraseDeletedVectorIndexes(b.db);
      assert.equal(await count(engine, entries), 0);
      assert.equal(await count(engine, log), 0);
      assert.equal(await count(engine, VECTOR_ERASE_PREFIX), 0);
      assert.equal(await engine.get(ERASE_LEASE_KEY), undefined, 'the lease is released');
      // The table and its items are untouched.
      assert.equal(await count(engine, indexPrefix(table.id, 0)), 2000);
      assert.equal(a.db.catalog.get('docs')!.vectorIndexes?.length ?? 0, 0);
    } finally {
      await a.db.close();
      await b.db.close();
    }
  });
});
