/**
 * @module streams/stream-trimmer.test
 * Streams over time, in process with a clock the test drives: 24-hour
 * retention and TrimmedDataAccessException, 15-minute iterators, closed
 * streams deleted a day after they close, sequence numbers that keep
 * increasing across a restart whose wall clock went back, and readers that
 * never miss a record written while they read (on the durable engine,
 * whose commits are batched).
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../api/open-database.js';
import { isDynamoError } from '../errors/index.js';
import { Dispatcher } from '../api/dispatcher.js';
import { allOperations } from '../api/all-operations.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import { LmdbEngine } from '../storage/lmdb-engine.js';
import type { StorageEngine } from '../storage/engine.js';
import { SEQUENCE_COUNTER_KEY } from '../storage/engine.js';
import { STREAMS_SERVICE } from '../api/streams/streams-service.js';
import { primeSequenceCounter, trimStreams } from './stream-trimmer.js';

const HOUR = 3600_000;
const T0 = Date.UTC(2026, 0, 1);

const root = mkdtempSync(join(tmpdir(), 'openddb-streams-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A database with a driven clock, and a way to call any operation by name. */
async function open(engine: StorageEngine = new MemoryEngine(), start = T0) {
  const clock = { t: start, now: () => clock.t };
  const db = await openDatabase(engine, { clock });
  const dispatcher = new Dispatcher(db, allOperations);
  const call = async (name: string, input: Record<string, unknown>): Promise<any> => {
    const op =
      dispatcher.find('DynamoDB_20120810.', name) ?? dispatcher.find(STREAMS_SERVICE, name) ?? assert.fail(`no ${name}`);
    return dispatcher.run(op, input, 'test');
  };
  const failure = async (name: string, input: Record<string, unknown>): Promise<string> => {
    try {
      await call(name, input);
    } catch (e) {
      if (isDynamoError(e)) return `${e.shortType}: ${e.message}`;
      throw e;
    }
    return assert.fail(`${name} succeeded`);
  };
  return { db, clock, call, failure };
}

type Env = Awaited<ReturnType<typeof open>>;

async function streamedTable(env: Env, name = 'events'): Promise<{ arn: string; shardId: string }> {
  const created = await env.call('CreateTable', {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
  });
  const arn = created.TableDescription.LatestStreamArn as string;
  const described = await env.call('DescribeStream', { StreamArn: arn });
  return { arn, shardId: described.StreamDescription.Shards[0].ShardId };
}

const put = (env: Env, pk: string, table = 'events') =>
  env.call('PutItem', { TableName: table, Item: { pk: { S: pk }, at: { N: String(env.clock.t) } } });

async function iterator(env: Env, arn: string, shardId: string, type: string, sequence?: string): Promise<string> {
  const out = await env.call('GetShardIterator', {
    StreamArn: arn,
    ShardId: shardId,
    ShardIteratorType: type,
    ...(sequence !== undefined ? { SequenceNumber: sequence } : {}),
  });
  return out.ShardIterator as string;
}

const keysOf = (out: { Records: { dynamodb: { Keys: { pk: { S: string } } } }[] }) =>
  out.Records.map((r) => r.dynamodb.Keys.pk.S);

describe('stream retention', () => {
  it('trims records older than 24 hours; readers of trimmed positions get TrimmedDataAccessException', async () => {
    const env = await open();
    const { arn, shardId } = await streamedTable(env);
    await put(env, 'old');
    env.clock.t += 2 * HOUR;
    await put(env, 'young');
    const all = await env.call('GetRecords', { ShardIterator: await iterator(env, arn, shardId, 'TRIM_HORIZON') });
    assert.deepEqual(keysOf(all), ['old', 'young']);
    const oldSequence = all.Records[0].dynamodb.SequenceNumber as string;

    env.clock.t = T0 + 24 * HOUR + 30 * 60_000;
    const stale = await iterator(env, arn, shardId, 'TRIM_HORIZON');
    await trimStreams(env.db);

    const trimmed = 'TrimmedDataAccessException: The data you are trying to access has been trimmed.';
    assert.equal(await env.failure('GetRecords', { ShardIterator: stale }), trimmed);
    assert.equal(
      await env.failure('GetShardIterator', { StreamArn: arn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: oldSequence }),
      trimmed,
    );
    const fresh = await env.call('GetRecords', { ShardIterator: await iterator(env, arn, shardId, 'TRIM_HORIZON') });
    assert.deepEqual(keysOf(fresh), ['young']);
    // The shard now starts past what was trimmed, and reading from there is no trimmed read.
    const described = await env.call('DescribeStream', { StreamArn: arn });
    const starting = described.StreamDescription.Shards[0].SequenceNumberRange.StartingSequenceNumber as string;
    assert.ok(BigInt(starting) > BigInt(oldSequence));
    const fromStart = await env.call('GetRecords', { ShardIterator: await iterator(env, arn, shardId, 'AT_SEQUENCE_NUMBER', starting) });
    assert.deepEqual(keysOf(fromStart), ['young']);
    await env.db.close();
  });

  it('expires iterators 15 minutes after they are issued, and each NextShardIterator starts a new 15 minutes', async () => {
    const env = await open();
    const { arn, shardId } = await streamedTable(env);
    const first = await iterator(env, arn, shardId, 'LATEST');
    env.clock.t += 15 * 60_000;
    const page = await env.call('GetRecords', { ShardIterator: first });
    assert.deepEqual(page.Records, []);
    env.clock.t += 1;
    assert.equal(await env.failure('GetRecords', { ShardIterator: first }), 'ExpiredIteratorException: Shard iterator has expired');
    await put(env, 'later');
    const next = await env.call('GetRecords', { ShardIterator: page.NextShardIterator });
    assert.deepEqual(keysOf(next), ['later']);
    await env.db.close();
  });

  it('deletes a closed stream 24 hours after it closed, and keeps it readable until then', async () => {
    const env = await open();
    const { arn, shardId } = await streamedTable(env);
    await put(env, 'kept');
    await env.call('UpdateTable', { TableName: 'events', StreamSpecification: { StreamEnabled: false } });
    env.clock.t += 23 * HOUR;
    await trimStreams(env.db);
    const description = await env.call('DescribeStream', { StreamArn: arn });
    assert.equal(description.StreamDescription.StreamStatus, 'DISABLED');
    // Records are trimmed by their own age: 'kept' is 23 hours old.
    const read = await env.call('GetRecords', { ShardIterator: await iterator(env, arn, shardId, 'TRIM_HORIZON') });
    assert.deepEqual(keysOf(read), ['kept']);
    assert.equal(read.NextShardIterator, undefined, 'a closed shard read to its end');

    env.clock.t += HOUR + 1;
    await trimStreams(env.db);
    assert.equal(
      await env.failure('DescribeStream', { StreamArn: arn }),
      `ResourceNotFoundException: Requested resource not found: Stream: ${arn} not found`,
    );
    const listed = await env.call('ListStreams', {});
    assert.deepEqual(listed.Streams, []);
    const leftovers = await env.db.engine.range(Uint8Array.of(0x20), Uint8Array.of(0x21));
    assert.deepEqual(leftovers, [], 'records and trim point are gone');
    await env.db.close();
  });

  it('keeps sequence numbers increasing across a restart whose clock went back, even from a store without a counter', async () => {
    const path = join(root, 'restart');
    const first = await open(await LmdbEngine.open({ path }), T0 + 10 * HOUR);
    const { arn, shardId } = await streamedTable(first);
    await put(first, 'before');
    // As a store written before the engine issued the numbers: no counter.
    await first.db.engine.commit([{ key: SEQUENCE_COUNTER_KEY, value: null }]);
    await first.db.close();

    const second = await open(await LmdbEngine.open({ path }), T0 + 9 * HOUR);
    await primeSequenceCounter(second.db);
    await put(second, 'after');
    const out = await second.call('GetRecords', { ShardIterator: await iterator(second, arn, shardId, 'TRIM_HORIZON') });
    assert.deepEqual(keysOf(out), ['before', 'after']);
    const [a, b] = out.Records.map((r: { dynamodb: { SequenceNumber: string } }) => BigInt(r.dynamodb.SequenceNumber));
    assert.ok(b > a);
    await second.db.close();
  });
});

describe('stream readers under concurrent writes', () => {
  it('see every record exactly once, in sequence order, while writes commit in batches', async () => {
    const env = await open(await LmdbEngine.open({ path: join(root, 'concurrent') }), Date.now());
    env.clock.now = () => Date.now();
    const { arn, shardId } = await streamedTable(env);
    let position = await iterator(env, arn, shardId, 'LATEST');
    const seen: { key: string; sequence: bigint }[] = [];
    let writing = true;
    const reader = (async () => {
      // Poll while the writers run, then once more after they are done.
      for (let last = false; ; ) {
        const page = await env.call('GetRecords', { ShardIterator: position });
        for (const r of page.Records) seen.push({ key: r.dynamodb.Keys.pk.S, sequence: BigInt(r.dynamodb.SequenceNumber) });
        position = page.NextShardIterator;
        if (last) return;
        if (!writing) last = true;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      writes.push(put(env, `k${i}`));
      if (i % 50 === 0) {
        writes.push(
          env.call('TransactWriteItems', {
            TransactItems: [
              { Put: { TableName: 'events', Item: { pk: { S: `t${i}a` } } } },
              { Put: { TableName: 'events', Item: { pk: { S: `t${i}b` } } } },
            ],
          }),
        );
      }
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    writing = false;
    await reader;

    assert.equal(seen.length, 300 + 12);
    assert.equal(new Set(seen.map((s) => s.key)).size, seen.length, 'no record twice');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.sequence > seen[i - 1]!.sequence, 'in sequence order');
    // A transaction's records are adjacent: one commit.
    const at = seen.findIndex((s) => s.key === 't50a');
    assert.equal(seen[at + 1]?.key, 't50b');
    await env.db.close();
  });
});
