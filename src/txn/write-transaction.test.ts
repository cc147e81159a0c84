/**
 * @module txn/write-transaction.test
 * The transaction core against an in-memory store, where timing can be
 * forced: DynamoDB's conflict errors for items an in-flight transaction
 * holds, a retry when another writer commits between a transaction's read
 * and its commit, and — with two databases over one store, standing for
 * two server processes that share nothing in memory — serializable
 * transfers and a ClientRequestToken applied once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from '../data/database.js';
import { openDatabase } from '../api/open-database.js';
import type { DynamoError } from '../errors/index.js';
import { itemKey } from '../indexes/index-entries.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import type { StorageEngine } from '../storage/engine.js';
import { createTable } from '../api/tables/create-table.js';
import { planUpdate } from '../data/item-actions.js';
import { writeItem, decodeItem, encodeItem } from '../data/item-store.js';
import { inFlight } from './in-flight.js';
import { runWriteTransaction } from './write-transaction.js';
import { requestDigest } from './client-tokens.js';

async function openWithTable(engine: StorageEngine = new MemoryEngine()): Promise<Database> {
  const db = await openDatabase(engine);
  await createTable.run(
    { db, requestId: 'test' },
    {
      TableName: 'bank',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
  );
  return db;
}

const add = (db: Database, pk: string, amount: number) =>
  planUpdate(db, {
    TableName: 'bank',
    Key: { pk: { S: pk } },
    UpdateExpression: 'ADD balance :a',
    ExpressionAttributeValues: { ':a': { N: String(amount) } },
  });

const noSizes = () => ['bank', 0] as const;

async function balance(db: Database, pk: string): Promise<number> {
  const raw = await db.engine.get(itemKey(db.catalog.get('bank')!, { pk: { S: pk } }));
  return raw === undefined ? 0 : Number((decodeItem(raw).balance as { N: string }).N);
}

async function rejection(promise: Promise<unknown>): Promise<DynamoError> {
  try {
    await promise;
  } catch (e) {
    return e as DynamoError;
  }
  throw new Error('expected a rejection');
}

describe('write transactions', () => {
  it('cancel with TransactionConflict for an item another transaction holds, and block plain writes to it', async () => {
    const db = await openWithTable();
    const table = db.catalog.get('bank')!;
    const held = inFlight(db).acquire([itemKey(table, { pk: { S: 'b' } })], 'write');
    assert.deepEqual(held.conflicts, []);

    const err = await rejection(runWriteTransaction(db, [add(db, 'a', 1), add(db, 'b', 1)], noSizes));
    assert.equal(err.shortType, 'TransactionCanceledException');
    assert.deepEqual(err.extra?.CancellationReasons, [
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
    ]);
    const plain = await rejection(writeItem(db, table, { pk: { S: 'b' } }, () => ({ next: { pk: { S: 'b' } } })));
    assert.equal(plain.shortType, 'TransactionConflictException');
    assert.equal(await balance(db, 'a'), 0, 'the cancelled transaction wrote nothing');

    held.release();
    await runWriteTransaction(db, [add(db, 'a', 1), add(db, 'b', 1)], noSizes);
    assert.equal(await balance(db, 'b'), 1);
    await db.close();
  });

  it('starts again when another writer commits between its read and its commit', async () => {
    const engine = new MemoryEngine();
    let interfere: (() => Promise<void>) | undefined;
    // A store that lets one outside write in right after a snapshot read.
    const racing: StorageEngine = {
      capabilities: engine.capabilities,
      get: (key) => engine.get(key),
      range: (start, end, options) => engine.range(start, end, options),
      snapshot: () => engine.snapshot(),
      commit: (writes, expectations) => engine.commit(writes, expectations),
      close: () => engine.close(),
      getMany: async (keys) => {
        const values = await engine.getMany(keys);
        const once = interfere;
        interfere = undefined;
        if (once !== undefined) await once();
        return values;
      },
    };
    const db = await openWithTable(racing);
    const table = db.catalog.get('bank')!;
    const key = itemKey(table, { pk: { S: 'a' } });
    interfere = () => engine.commit([{ key, value: encodeItem({ pk: { S: 'a' }, balance: { N: '100' } }) }]);

    const result = await runWriteTransaction(db, [add(db, 'a', 5)], noSizes);
    assert.equal(result.replayed, false);
    // Serializable: the transaction applied on top of the write that beat it.
    assert.equal(await balance(db, 'a'), 105);
    await db.close();
  });

  it('stays serializable across databases that share only the store', async () => {
    const engine = new MemoryEngine();
    const first = await openWithTable(engine);
    const second = await openDatabase(engine);
    const nodes = [first, second];
    await runWriteTransaction(first, [add(first, 'x', 1000), add(first, 'y', 1000)], noSizes);

    let committed = 0;
    const moves = Array.from({ length: 40 }, async (_, i) => {
      const db = nodes[i % 2]!;
      const [from, to] = i % 3 === 0 ? ['y', 'x'] : ['x', 'y'];
      for (;;) {
        try {
          await runWriteTransaction(db, [add(db, from, -7), add(db, to, 7)], noSizes);
          committed++;
          return;
        } catch (e) {
          if ((e as DynamoError).shortType !== 'TransactionCanceledException') throw e;
        }
      }
    });
    await Promise.all(moves);
    assert.equal(committed, 40);
    assert.equal((await balance(first, 'x')) + (await balance(second, 'y')), 2000);
    assert.equal(await balance(second, 'x'), 1000 + 7 * (14 - 26));
    await first.close();
  });

  it('applies a ClientRequestToken once even when two servers race with it', async () => {
    const engine = new MemoryEngine();
    const first = await openWithTable(engine);
    const second = await openDatabase(engine);
    const idempotency = { operation: 'TransactWriteItems', token: 'race', digest: requestDigest({ same: 'request' }) };
    const results = await Promise.all(
      [first, second, first, second].map((db) =>
        runWriteTransaction(db, [add(db, 'tok', 1)], () => ['bank', 10] as const, idempotency).catch((e: DynamoError) => e),
      ),
    );
    assert.equal(await balance(first, 'tok'), 1);
    const applied = results.filter((r) => 'replayed' in r && !r.replayed).length;
    assert.equal(applied, 1);
    for (const r of results) {
      if (!('replayed' in r)) assert.equal(r.shortType, 'TransactionInProgressException');
    }
    const replay = await runWriteTransaction(second, [add(second, 'tok', 1)], noSizes, idempotency);
    assert.deepEqual(replay, { replayed: true, sizes: [['bank', 10]] });
    const mismatch = await rejection(
      runWriteTransaction(first, [add(first, 'tok', 2)], noSizes, { ...idempotency, digest: requestDigest({ other: 1 }) }),
    );
    assert.equal(mismatch.shortType, 'IdempotentParameterMismatchException');
    await first.close();
  });
});
