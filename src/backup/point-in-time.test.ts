/**
 * @module backup/point-in-time.test
 * readTableAsOf against a model: every write of a scripted and of a random
 * history, at controlled times (an injected clock), read back as of every
 * instant, on the memory and LMDB engines; plus the window's errors.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryEngine } from '../storage/memory-engine.js';
import { LmdbEngine } from '../storage/lmdb-engine.js';
import type { StorageEngine } from '../storage/engine.js';
import { openDatabase } from '../api/open-database.js';
import { createTable } from '../api/tables/create-table.js';
import { putItem } from '../api/items/put-item.js';
import { deleteItem } from '../api/items/delete-item.js';
import { updateItem } from '../api/items/update-item.js';
import { transactWriteItems } from '../api/transactions/transact-write-items.js';
import { updateContinuousBackups } from '../api/backups/continuous-backups.js';
import type { Database } from '../data/database.js';
import type { Item } from '../values/types.js';
import { isDynamoError } from '../errors/index.js';
import { DAY_MS, PITR_GRACE_MS, readTableAsOf, restorableWindow } from './point-in-time.js';
import { changeLogBytes, trimChangeLogs } from './change-log-trimmer.js';
import { CHANGE_LOG_PREFIX, successor } from '../catalog/key-space.js';

const T = 'pitr';

async function setUp(engine: StorageEngine, clock: { ms: number }): Promise<Database> {
  const db = await openDatabase(engine, { clock: { now: () => clock.ms } });
  const ctx = { db, requestId: 'test' };
  await createTable.run(ctx, {
    TableName: T,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  return db;
}

const enable = (db: Database) =>
  updateContinuousBackups.run({ db, requestId: 't' }, { TableName: T, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });

const put = (db: Database, pk: string, sk: number, v: string) =>
  putItem.run({ db, requestId: 't' }, { TableName: T, Item: { pk: { S: pk }, sk: { N: String(sk) }, v: { S: v } } });
const del = (db: Database, pk: string, sk: number) =>
  deleteItem.run({ db, requestId: 't' }, { TableName: T, Key: { pk: { S: pk }, sk: { N: String(sk) } } });

async function asOf(db: Database, ms: number): Promise<string[]> {
  const out: string[] = [];
  for await (const item of readTableAsOf(db, db.catalog.get(T)!, ms, { pageSize: 3 })) out.push(show(item));
  return out.sort();
}

function show(item: Item): string {
  return `${(item.pk as { S: string }).S}/${(item.sk as { N: string }).N}=${(item.v as { S: string } | undefined)?.S ?? ''}`;
}

async function errorType(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (isDynamoError(e)) return e.shortType;
    throw e;
  }
  return 'none';
}

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const engines: [string, () => { engine: StorageEngine; cleanup: () => void } | Promise<{ engine: StorageEngine; cleanup: () => void }>][] = [
  ['memory', () => ({ engine: new MemoryEngine(), cleanup: () => {} })],
  [
    'lmdb',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'openddb-pitr-'));
      return { engine: await LmdbEngine.open({ path: dir }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

for (const [name, open] of engines) {
  describe(`readTableAsOf (${name})`, () => {
    it('reads the table as of each instant of a scripted history', async () => {
      const clock = { ms: 1_000_000 };
      const { engine, cleanup } = await open();
      const db = await setUp(engine, clock);
      try {
        assert.equal(await errorType(asOf(db, clock.ms)), 'PointInTimeRecoveryUnavailableException');
        await put(db, 'before', 1, 'x'); // written before PITR: part of every state
        await enable(db);
        clock.ms = 1_001_000;
        await put(db, 'a', 1, 'a1');
        await put(db, 'b', 1, 'b1');
        clock.ms = 1_002_000;
        await put(db, 'a', 1, 'a2');
        await del(db, 'b', 1);
        await put(db, 'c', 1, 'c1');
        await updateItem.run(
          { db, requestId: 't' },
          { TableName: T, Key: { pk: { S: 'before' }, sk: { N: '1' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: 'y' } } },
        );
        clock.ms = 1_003_000;
        await put(db, 'b', 1, 'b3');
        await transactWriteItems.run(
          { db, requestId: 't' },
          {
            TransactItems: [
              { Delete: { TableName: T, Key: { pk: { S: 'a' }, sk: { N: '1' } } } },
              { Put: { TableName: T, Item: { pk: { S: 'd' }, sk: { N: '1' }, v: { S: 'd3' } } } },
            ],
          },
        );
        clock.ms = 1_004_000;

        assert.deepEqual(await asOf(db, 1_000_999), ['before/1=x']);
        assert.deepEqual(await asOf(db, 1_001_000), ['a/1=a1', 'b/1=b1', 'before/1=x']);
        assert.deepEqual(await asOf(db, 1_001_999), ['a/1=a1', 'b/1=b1', 'before/1=x']);
        assert.deepEqual(await asOf(db, 1_002_000), ['a/1=a2', 'before/1=y', 'c/1=c1']);
        assert.deepEqual(await asOf(db, 1_003_500), ['b/1=b3', 'before/1=y', 'c/1=c1', 'd/1=d3']);
        assert.deepEqual(await asOf(db, 1_004_000), ['b/1=b3', 'before/1=y', 'c/1=c1', 'd/1=d3']);

        const window = restorableWindow(db.catalog.get(T)!, clock.ms)!;
        assert.equal(window.earliestMs, 1_000_000 + PITR_GRACE_MS);
        assert.equal(await errorType(asOf(db, window.earliestMs - 1)), 'InvalidRestoreTimeException');
        assert.equal(await errorType(asOf(db, clock.ms + 1)), 'InvalidRestoreTimeException');
      } finally {
        await db.close();
        cleanup();
      }
    });

    it('matches a model of a random history at every instant', async () => {
      const clock = { ms: 5_000_000 };
      const { engine, cleanup } = await open();
      const db = await setUp(engine, clock);
      try {
        await enable(db);
        clock.ms += 1000;
        const random = prng(name === 'memory' ? 1 : 2);
        const model = new Map<string, string>();
        const states: { ms: number; state: string[] }[] = [];
        for (let step = 0; step < 60; step++) {
          for (let w = 0; w < 5; w++) {
            const pk = `p${Math.floor(random() * 4)}`;
            const sk = Math.floor(random() * 5);
            const key = `${pk}/${sk}`;
            if (random() < 0.3) {
              await del(db, pk, sk);
              model.delete(key);
            } else {
              const v = `v${step}.${w}`;
              await put(db, pk, sk, v);
              model.set(key, v);
            }
          }
          states.push({ ms: clock.ms, state: [...model].map(([k, v]) => `${k}=${v}`).sort() });
          clock.ms += 1 + Math.floor(random() * 3);
        }
        for (const { ms, state } of states) assert.deepEqual(await asOf(db, ms), state, `as of ${ms}`);
      } finally {
        await db.close();
        cleanup();
      }
    });
  });
}

describe('change-log retention', () => {
  it('trims records past the recovery period and erases a disabled log', async () => {
    const clock = { ms: 10 * DAY_MS };
    const db = await setUp(new MemoryEngine(), clock);
    try {
      await updateContinuousBackups.run(
        { db, requestId: 't' },
        { TableName: T, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 1 } },
      );
      clock.ms += 1000;
      await put(db, 'old', 1, 'o1');
      await put(db, 'old', 1, 'o2');
      clock.ms += DAY_MS;
      await put(db, 'new', 1, 'n1');
      assert.equal((await changeLogBytes(db, db.catalog.get(T)!)).records, 3);
      clock.ms += 1000;
      await trimChangeLogs(db);
      assert.equal((await changeLogBytes(db, db.catalog.get(T)!)).records, 1);
      const window = restorableWindow(db.catalog.get(T)!, clock.ms)!;
      assert.equal(window.earliestMs, clock.ms - DAY_MS);
      assert.deepEqual(await asOf(db, window.earliestMs), ['old/1=o2']);
      assert.deepEqual(await asOf(db, clock.ms), ['new/1=n1', 'old/1=o2']);

      await updateContinuousBackups.run(
        { db, requestId: 't' },
        { TableName: T, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } },
      );
      assert.notEqual((await db.engine.range(CHANGE_LOG_PREFIX, successor(CHANGE_LOG_PREFIX))).length, 0);
      await trimChangeLogs(db);
      assert.deepEqual(await db.engine.range(CHANGE_LOG_PREFIX, successor(CHANGE_LOG_PREFIX)), []);
    } finally {
      await db.close();
    }
  });
});
