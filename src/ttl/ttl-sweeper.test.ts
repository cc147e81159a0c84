/**
 * @module ttl/ttl-sweeper.test
 * The TTL sweeper in process, with a clock the test drives: what it deletes
 * and what it leaves, index entries and stream records of its deletions, a
 * write that extends an item's TTL while the sweep runs, and the periodic
 * task's start and stop.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../api/open-database.js';
import { Dispatcher } from '../api/dispatcher.js';
import { allOperations } from '../api/all-operations.js';
import { STREAMS_SERVICE } from '../api/streams/streams-service.js';
import { RawJson } from '../data/raw-json.js';
import { itemKey } from '../indexes/index-entries.js';
import { encodeItem } from '../data/item-store.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import type { StorageEngine } from '../storage/engine.js';
import { startTtlSweeper, sweepExpiredItems } from './ttl-sweeper.js';

const NOW = Date.UTC(2026, 3, 1, 12, 0, 0);
const secondsFromNow = (s: number) => String(Math.floor(NOW / 1000) + s);

async function open(engine: StorageEngine = new MemoryEngine()) {
  const clock = { t: NOW, now: () => clock.t };
  const db = await openDatabase(engine, { clock });
  const dispatcher = new Dispatcher(db, allOperations);
  const call = async (name: string, input: Record<string, unknown>): Promise<any> => {
    const op = dispatcher.find('DynamoDB_20120810.', name) ?? dispatcher.find(STREAMS_SERVICE, name) ?? assert.fail(name);
    const out = await dispatcher.run(op, input, 'test');
    // Reads answer with pre-serialised JSON.
    return out instanceof RawJson ? JSON.parse(out.text()) : out;
  };
  await call('CreateTable', {
    TableName: 'sessions',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'user', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      { IndexName: 'byUser', KeySchema: [{ AttributeName: 'user', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  });
  await call('UpdateTimeToLive', { TableName: 'sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } });
  const put = (pk: string, expires: Record<string, unknown> | undefined) =>
    call('PutItem', {
      TableName: 'sessions',
      Item: { pk: { S: pk }, user: { S: 'u1' }, ...(expires !== undefined ? { expires } : {}) },
    });
  const keys = async () => {
    const out = await call('Scan', { TableName: 'sessions' });
    return (out.Items as { pk: { S: string } }[]).map((i) => i.pk.S).sort();
  };
  return { db, clock, call, put, keys };
}

describe('TTL sweeper', () => {
  it('deletes expired items and leaves the rest', async () => {
    const env = await open();
    await env.put('expired', { N: secondsFromNow(-60) });
    await env.put('fractional', { N: `${secondsFromNow(-1)}.5` });
    await env.put('future', { N: secondsFromNow(3600) });
    await env.put('string', { S: secondsFromNow(-60) });
    await env.put('ancient', { N: secondsFromNow(-6 * 366 * 86400) });
    await env.put('none', undefined);
    assert.equal(await sweepExpiredItems(env.db), 2);
    assert.deepEqual(await env.keys(), ['ancient', 'future', 'none', 'string']);

    env.clock.t += 3601_000;
    assert.equal(await sweepExpiredItems(env.db), 1);
    assert.deepEqual(await env.keys(), ['ancient', 'none', 'string']);
    // The index entries went with the items.
    const byUser = await env.call('Query', {
      TableName: 'sessions',
      IndexName: 'byUser',
      KeyConditionExpression: '#u = :u',
      ExpressionAttributeNames: { '#u': 'user' },
      ExpressionAttributeValues: { ':u': { S: 'u1' } },
    });
    assert.equal(byUser.Count, 3);
    await env.db.close();
  });

  it('writes a REMOVE stream record marked as a service deletion', async () => {
    const env = await open();
    await env.put('gone', { N: secondsFromNow(-5) });
    const arn = (await env.call('DescribeTable', { TableName: 'sessions' })).Table.LatestStreamArn;
    const shardId = (await env.call('DescribeStream', { StreamArn: arn })).StreamDescription.Shards[0].ShardId;
    const { ShardIterator } = await env.call('GetShardIterator', { StreamArn: arn, ShardId: shardId, ShardIteratorType: 'LATEST' });
    await env.call('DeleteItem', { TableName: 'sessions', Key: { pk: { S: 'not-there' } } });
    await sweepExpiredItems(env.db);
    const { Records } = await env.call('GetRecords', { ShardIterator });
    assert.equal(Records.length, 1);
    assert.equal(Records[0].eventName, 'REMOVE');
    assert.deepEqual(Records[0].userIdentity, { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' });
    assert.equal(Records[0].dynamodb.OldImage.pk.S, 'gone');
    await env.db.close();
  });

  it('leaves an item whose TTL a write extended while the sweep ran', async () => {
    const memory = new MemoryEngine();
    let interfere: (() => Promise<void>) | undefined;
    // A store that lets one write in right after the sweep's scan.
    const racing: StorageEngine = {
      capabilities: memory.capabilities,
      get: (key) => memory.get(key),
      getMany: (keys) => memory.getMany(keys),
      snapshot: () => memory.snapshot(),
      commit: (writes, expectations) => memory.commit(writes, expectations),
      close: () => memory.close(),
      range: async (start, end, options) => {
        const rows = await memory.range(start, end, options);
        const once = interfere;
        interfere = undefined;
        if (once !== undefined) await once();
        return rows;
      },
    };
    const env = await open(racing);
    await env.put('renewed', { N: secondsFromNow(-5) });
    await env.put('lapsed', { N: secondsFromNow(-5) });
    const table = env.db.catalog.get('sessions')!;
    interfere = () =>
      memory.commit([
        {
          key: itemKey(table, { pk: { S: 'renewed' } }),
          value: encodeItem({ pk: { S: 'renewed' }, user: { S: 'u1' }, expires: { N: secondsFromNow(600) } }),
        },
      ]);
    assert.equal(await sweepExpiredItems(env.db), 1);
    assert.deepEqual(await env.keys(), ['renewed']);
    await env.db.close();
  });

  it('does nothing once TTL is disabled', async () => {
    const env = await open();
    await env.put('expired', { N: secondsFromNow(-60) });
    await env.call('UpdateTimeToLive', { TableName: 'sessions', TimeToLiveSpecification: { Enabled: false, AttributeName: 'expires' } });
    assert.equal(await sweepExpiredItems(env.db), 0);
    assert.deepEqual(await env.keys(), ['expired']);
    await env.db.close();
  });

  it('runs periodically until the database closes', async () => {
    const env = await open();
    startTtlSweeper(env.db, 5);
    await env.put('soon', { N: secondsFromNow(2) });
    env.clock.t += 3000;
    for (let i = 0; i < 200 && (await env.keys()).length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await env.keys(), []);
    await env.db.close();
    assert.equal(env.db.isClosed, true);
  });
});
