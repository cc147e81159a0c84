/**
 * @module data/vector-search.test
 * The in-memory search structure of a vector index: the approximate (HNSW)
 * path keeps recall@10 at 0.98 or better against brute force, filtered
 * searches on it still equal brute force, and two databases on one store
 * (two "processes") see each other's writes, also after the change log the
 * first one relies on was trimmed.
 */
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../api/open-database.js';
import { Dispatcher } from '../api/dispatcher.js';
import { allOperations } from '../api/all-operations.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import type { StorageEngine } from '../storage/engine.js';
import { setExactSearchLimit, vectorIndexSettled, vectorScore } from './vector-search.js';
import { trimVectorLogs, VECTOR_LOG_RETAIN_MS } from './vector-log.js';
import type { Database } from './database.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);

/** A second handle on one engine whose close leaves the engine open. */
function shared(engine: StorageEngine): StorageEngine {
  return {
    // Shared: each database must revalidate what it caches (catalog, search structures).
    capabilities: { ...engine.capabilities, sharedAcrossProcesses: true },
    get: (k) => engine.get(k),
    getMany: (ks) => engine.getMany(ks),
    range: (s, e, o) => engine.range(s, e, o),
    commit: (w, x, o) => engine.commit(w, x, o),
    snapshot: () => engine.snapshot(),
    close: async () => {},
  } as StorageEngine;
}

async function open(engine: StorageEngine, clock: { now(): number }) {
  const db = await openDatabase(engine, { clock, log: () => {} });
  const dispatcher = new Dispatcher(db, allOperations);
  const call = async (name: string, input: Record<string, unknown>): Promise<any> =>
    dispatcher.run(dispatcher.find('DynamoDB_20120810.', name) ?? assert.fail(name), input, 'test');
  return { db, call };
}

let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
const vectorValue = (v: readonly number[]) => ({ L: v.map((n) => ({ N: String(n) })) });

async function createTable(call: (name: string, input: Record<string, unknown>) => Promise<any>, dims: number, distance = 'EUCLIDEAN') {
  await call('CreateTable', {
    TableName: 'vectors',
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'group', AttributeType: 'N' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    VectorIndexes: [
      {
        IndexName: 'vidx',
        VectorAttribute: { AttributeName: 'v' },
        Dimensions: dims,
        DistanceFunction: distance,
        Projection: { ProjectionType: 'KEYS_ONLY' },
        SearchSchema: [{ AttributeName: 'group', SearchSchemaElementType: 'INLINE_FILTER' }],
      },
    ],
  });
}

function bruteForce(distance: 'EUCLIDEAN' | 'COSINE', q: Float32Array, corpus: Map<string, Float32Array>, k: number, keep = (_: string) => true): string[] {
  return [...corpus]
    .filter(([key]) => keep(key))
    .map(([key, v]) => ({ key, s: vectorScore(distance, q, v) }))
    .sort((a, b) => a.s - b.s)
    .slice(0, k)
    .map((x) => x.key);
}

describe('vector search', () => {
  after(() => setExactSearchLimit(50_000));

  it('approximate search over a large index keeps recall@10 ≥ 0.98; filtered searches stay exact', async () => {
    setExactSearchLimit(500);
    const { db, call } = await open(new MemoryEngine(), { now: () => NOW });
    try {
      const dims = 16;
      await createTable(call, dims, 'COSINE');
      const corpus = new Map<string, Float32Array>();
      for (let i = 0; i < 3000; i++) {
        const v = Array.from({ length: dims }, () => Math.round(random() * 1e4) / 1e4);
        corpus.set(`k${i}`, Float32Array.from(v));
        await call('PutItem', { TableName: 'vectors', Item: { pk: { S: `k${i}` }, group: { N: String(i % 10) }, v: vectorValue(v) } });
      }
      const table = db.catalog.get('vectors')!;
      assert.equal(await vectorIndexSettled(db, table, table.vectorIndexes![0]!), true, 'the approximate index is built');
      let hits = 0;
      const queries = 30;
      for (let q = 0; q < queries; q++) {
        const query = Float32Array.from({ length: dims }, () => Math.round(random() * 1e4) / 1e4);
        const out = await call('SearchVectors', { TableName: 'vectors', IndexName: 'vidx', SearchVector: [...query].map((n) => ({ N: String(n) })), TopK: 10 });
        const got = new Set(out.SearchResults.map((r: any) => r.Item.pk.S));
        for (const key of bruteForce('COSINE', query, corpus, 10)) if (got.has(key)) hits++;
        // One group in ten: 300 candidates, under the exact limit: equal to brute force.
        const filtered = await call('SearchVectors', {
          TableName: 'vectors',
          IndexName: 'vidx',
          SearchVector: [...query].map((n) => ({ N: String(n) })),
          TopK: 10,
          SearchConditionExpression: '#g = :g',
          ExpressionAttributeNames: { '#g': 'group' },
          ExpressionAttributeValues: { ':g': { N: '3' } },
        });
        assert.deepEqual(
          filtered.SearchResults.map((r: any) => r.Item.pk.S),
          bruteForce('COSINE', query, corpus, 10, (key) => Number(key.slice(1)) % 10 === 3),
        );
      }
      const recall = hits / (queries * 10);
      assert.ok(recall >= 0.98, `recall@10 ${recall}`);
    } finally {
      await db.close();
    }
  });

  it('refuses to search an index that is still being created, then finds the backfilled items', async () => {
    const { db, call } = await open(new MemoryEngine(), { now: () => NOW });
    try {
      await call('CreateTable', {
        TableName: 'later',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      });
      for (let i = 0; i < 50; i++) await call('PutItem', { TableName: 'later', Item: { pk: { S: `k${i}` }, v: vectorValue([i, 1]) } });
      const create = { IndexName: 'vidx', VectorAttribute: { AttributeName: 'v' }, Dimensions: 2, DistanceFunction: 'EUCLIDEAN', Projection: { ProjectionType: 'KEYS_ONLY' } };
      await call('UpdateTable', { TableName: 'later', VectorIndexUpdates: [{ Create: create }] });
      const searchLater = () => call('SearchVectors', { TableName: 'later', IndexName: 'vidx', SearchVector: [{ N: '10.2' }, { N: '1' }], TopK: 2 });
      // The backfill waits a moment for writes already under way: the index is CREATING until it is done.
      await assert.rejects(searchLater(), { message: 'Cannot search backfilling vector index: vidx' });
      for (let i = 0; i < 500 && db.catalog.get('later')!.vectorIndexes![0]!.status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual((await searchLater()).SearchResults.map((r: any) => r.Item.pk.S), ['k10', 'k11']);
    } finally {
      await db.close();
    }
  });

  it("a second database on the store sees the first one's writes, also after the log was trimmed", async () => {
    const engine = new MemoryEngine();
    const clock = { t: NOW, now: () => clock.t };
    const a = await open(shared(engine), clock);
    const b = await open(shared(engine), clock);
    const dbs: Database[] = [a.db, b.db];
    try {
      await createTable(a.call, 2);
      const nearest = async (call: typeof a.call) =>
        (await call('SearchVectors', { TableName: 'vectors', IndexName: 'vidx', SearchVector: [{ N: '0' }, { N: '0' }], TopK: 3 })).SearchResults.map(
          (r: any) => r.Item.pk.S,
        );
      await a.call('PutItem', { TableName: 'vectors', Item: { pk: { S: 'far' }, v: vectorValue([9, 9]) } });
      assert.deepEqual(await nearest(b.call), ['far']);
      await a.call('PutItem', { TableName: 'vectors', Item: { pk: { S: 'near' }, v: vectorValue([1, 0]) } });
      assert.deepEqual(await nearest(b.call), ['near', 'far']);
      // B's copy is older than what A's trim removes: B must rebuild, not miss the writes in between.
      clock.t += VECTOR_LOG_RETAIN_MS + 1000;
      await a.call('PutItem', { TableName: 'vectors', Item: { pk: { S: 'nearest' }, v: vectorValue([0.5, 0]) } });
      await a.call('DeleteItem', { TableName: 'vectors', Key: { pk: { S: 'far' } } });
      clock.t += VECTOR_LOG_RETAIN_MS + 1000;
      await trimVectorLogs(a.db);
      assert.deepEqual(await nearest(b.call), ['nearest', 'near']);
    } finally {
      for (const db of dbs) await db.close();
    }
  });
});
