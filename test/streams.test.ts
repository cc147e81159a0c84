/**
 * Black-box tests of DynamoDB Streams: the records every kind of write
 * leaves (and the writes that leave none), the four view types, shard
 * iterators and paging, the stream lifecycle (disable, enable again, delete
 * the table), and the Streams API's errors. Real server process, real AWS
 * SDK v3 clients for DynamoDB and DynamoDB Streams.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchExecuteStatementCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type DynamoDBClient,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type DynamoDBStreamsClient,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { onlyShard, readAll, shardIterator, streamsClient } from './helpers/streams.js';
import { defineTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let tables = 0;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  streams = streamsClient(server.url);
});
after(async () => {
  ddb.destroy();
  streams.destroy();
  await server.stop();
});

/** A fresh table (pk S, optional sk N) with a stream; returns its name and stream ARN. */
async function streamedTable(viewType: StreamViewType, withRange = false): Promise<{ name: string; arn: string }> {
  const name = `streamed-${++tables}`;
  const out = await ddb.send(
    new CreateTableCommand(defineTable(name, withRange ? 'pk:S sk:N' : 'pk:S', { StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } })),
  );
  return { name, arn: out.TableDescription!.LatestStreamArn! };
}

const summary = (records: _Record[]) =>
  records.map((r) => [r.eventName, r.dynamodb!.Keys!.pk!.S, r.dynamodb!.OldImage, r.dynamodb!.NewImage]);

describe('stream records', () => {
  it('report INSERT, MODIFY and REMOVE with both images, and nothing for writes that change nothing', async () => {
    const { name, arn } = await streamedTable('NEW_AND_OLD_IMAGES');
    const before = Date.now();
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'a' }, n: { N: '1' }, s: { SS: ['x', 'y'] } } }));
    // The same item again, a number spelled differently, a set reordered: no change.
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'a' }, n: { N: '1.0' }, s: { SS: ['y', 'x'] } } }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: name,
        Key: { pk: { S: 'a' } },
        UpdateExpression: 'SET n = :same',
        ExpressionAttributeValues: { ':same': { N: '1' } },
      }),
    );
    await ddb.send(
      new UpdateItemCommand({
        TableName: name,
        Key: { pk: { S: 'a' } },
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    // A failed condition writes nothing.
    await expectError(
      ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
      'ConditionalCheckFailedException',
    );
    await ddb.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: 'a' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: 'a' } } }));

    const records = await readAll(streams, await shardIterator(streams, arn, 'TRIM_HORIZON'));
    const v1 = { pk: { S: 'a' }, n: { N: '1' }, s: { SS: ['x', 'y'] } };
    // The unchanged put still replaced the stored item, set order included.
    const v1b = { ...v1, s: { SS: ['y', 'x'] } };
    const v2 = { ...v1b, n: { N: '2' } };
    assert.deepEqual(summary(records), [
      ['INSERT', 'a', undefined, v1],
      ['MODIFY', 'a', v1b, v2],
      ['REMOVE', 'a', v2, undefined],
    ]);
    for (const record of records) {
      assert.equal(record.eventSource, 'aws:dynamodb');
      assert.equal(record.eventVersion, '1.1');
      assert.equal(record.awsRegion, 'us-east-1');
      assert.match(record.eventID!, /^[0-9a-f]{32}$/);
      assert.equal(record.userIdentity, undefined);
      assert.equal(record.dynamodb!.StreamViewType, 'NEW_AND_OLD_IMAGES');
      assert.deepEqual(record.dynamodb!.Keys, { pk: { S: 'a' } });
      assert.match(record.dynamodb!.SequenceNumber!, /^[0-9]{21}$/);
      const created = record.dynamodb!.ApproximateCreationDateTime!.getTime();
      assert.ok(created >= Math.floor(before / 1000) * 1000 && created <= Date.now(), 'creation time, whole seconds');
    }
    const sequences = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    assert.ok(sequences[0]! < sequences[1]! && sequences[1]! < sequences[2]!);
    assert.equal(new Set(records.map((r) => r.eventID)).size, 3);
    // SizeBytes: keys (pk a: 3) + new image (pk a: 3, n 1: 1 + 2, s x y: 1 + 2) for the INSERT.
    assert.equal(records[0]!.dynamodb!.SizeBytes, 3 + 9);
  });

  it('keep the images each view type asks for', async () => {
    const expected: Record<string, [boolean, boolean]> = {
      KEYS_ONLY: [false, false],
      NEW_IMAGE: [true, false],
      OLD_IMAGE: [false, true],
      NEW_AND_OLD_IMAGES: [true, true],
    };
    for (const [viewType, [hasNew, hasOld]] of Object.entries(expected)) {
      const { name, arn } = await streamedTable(viewType as StreamViewType, true);
      const key = { pk: { S: 'k' }, sk: { N: '7' } };
      await ddb.send(new PutItemCommand({ TableName: name, Item: { ...key, v: { S: 'one' } } }));
      await ddb.send(new PutItemCommand({ TableName: name, Item: { ...key, v: { S: 'two' } } }));
      const [insert, modify] = await readAll(streams, await shardIterator(streams, arn, 'TRIM_HORIZON'));
      assert.deepEqual(modify!.dynamodb!.Keys, key, viewType);
      assert.equal(modify!.dynamodb!.NewImage?.v?.S, hasNew ? 'two' : undefined, viewType);
      assert.equal(modify!.dynamodb!.OldImage?.v?.S, hasOld ? 'one' : undefined, viewType);
      assert.equal(insert!.dynamodb!.OldImage, undefined, viewType);
      assert.equal(modify!.dynamodb!.StreamViewType, viewType);
    }
  });

  it('come from every write path: batches, transactions and PartiQL', async () => {
    const { name, arn } = await streamedTable('KEYS_ONLY');
    const start = await shardIterator(streams, arn, 'LATEST');
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'gone' } } }));
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [name]: [{ PutRequest: { Item: { pk: { S: 'b1' } } } }, { DeleteRequest: { Key: { pk: { S: 'gone' } } } }],
        },
      }),
    );
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: name, Item: { pk: { S: 't1' } } } },
          { Update: { TableName: name, Key: { pk: { S: 't2' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '1' } } } },
          { ConditionCheck: { TableName: name, Key: { pk: { S: 'b1' } }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    // A cancelled transaction leaves nothing.
    await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: name, Item: { pk: { S: 'never' } } } },
            { ConditionCheck: { TableName: name, Key: { pk: { S: 'nobody' } }, ConditionExpression: 'attribute_exists(pk)' } },
          ],
        }),
      ),
      'TransactionCanceledException',
    );
    await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${name}" VALUE {'pk': 'p1'}` }));
    await ddb.send(new ExecuteStatementCommand({ Statement: `UPDATE "${name}" SET v = 5 WHERE pk = 'p1'` }));
    await ddb.send(new BatchExecuteStatementCommand({ Statements: [{ Statement: `DELETE FROM "${name}" WHERE pk = 'p1'` }] }));
    await ddb.send(
      new ExecuteTransactionCommand({
        TransactStatements: [{ Statement: `INSERT INTO "${name}" VALUE {'pk': 'x1'}` }, { Statement: `INSERT INTO "${name}" VALUE {'pk': 'x2'}` }],
      }),
    );
    const records = await readAll(streams, start);
    const events = records.map((r) => `${r.eventName} ${r.dynamodb!.Keys!.pk!.S}`);
    assert.deepEqual(events.slice(0, 1), ['INSERT gone']);
    // A batch's writes commit separately, in no promised order.
    assert.deepEqual(events.slice(1, 3).sort(), ['INSERT b1', 'REMOVE gone']);
    assert.deepEqual(events.slice(3), ['INSERT t1', 'INSERT t2', 'INSERT p1', 'MODIFY p1', 'REMOVE p1', 'INSERT x1', 'INSERT x2']);
  });

  it('are read from LATEST, AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER, in pages of Limit', async () => {
    const { name, arn } = await streamedTable('KEYS_ONLY');
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'before' } } }));
    const latest = await shardIterator(streams, arn, 'LATEST');
    const empty = await streams.send(new GetRecordsCommand({ ShardIterator: latest }));
    assert.deepEqual(empty.Records, []);
    assert.ok(empty.NextShardIterator, 'an open shard always gives a next iterator');
    for (const pk of ['one', 'two', 'three']) await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: pk } } }));

    const page1 = await streams.send(new GetRecordsCommand({ ShardIterator: empty.NextShardIterator, Limit: 2 }));
    assert.deepEqual(page1.Records!.map((r) => r.dynamodb!.Keys!.pk!.S), ['one', 'two']);
    const page2 = await streams.send(new GetRecordsCommand({ ShardIterator: page1.NextShardIterator, Limit: 2 }));
    assert.deepEqual(page2.Records!.map((r) => r.dynamodb!.Keys!.pk!.S), ['three']);
    const page3 = await streams.send(new GetRecordsCommand({ ShardIterator: page2.NextShardIterator }));
    assert.deepEqual(page3.Records, []);

    const two = page1.Records![1]!.dynamodb!.SequenceNumber!;
    const at = await readAll(streams, await shardIterator(streams, arn, 'AT_SEQUENCE_NUMBER', two));
    assert.deepEqual(at.map((r) => r.dynamodb!.Keys!.pk!.S), ['two', 'three']);
    const afterTwo = await readAll(streams, await shardIterator(streams, arn, 'AFTER_SEQUENCE_NUMBER', two));
    assert.deepEqual(afterTwo.map((r) => r.dynamodb!.Keys!.pk!.S), ['three']);
    // StartingSequenceNumber reads everything, as TRIM_HORIZON does.
    const described = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    const starting = described.StreamDescription!.Shards![0]!.SequenceNumberRange!.StartingSequenceNumber!;
    const fromStart = await readAll(streams, await shardIterator(streams, arn, 'AT_SEQUENCE_NUMBER', starting));
    assert.deepEqual(fromStart.map((r) => r.dynamodb!.Keys!.pk!.S), ['before', 'one', 'two', 'three']);
  });
});

describe('stream lifecycle', () => {
  it('ListStreams and DescribeStream describe an enabled stream', async () => {
    const { name, arn } = await streamedTable('NEW_IMAGE', true);
    const label = arn.slice(arn.lastIndexOf('/') + 1);
    const listed = await streams.send(new ListStreamsCommand({ TableName: name }));
    assert.deepEqual(listed.Streams, [{ StreamArn: arn, TableName: name, StreamLabel: label }]);
    assert.equal(listed.LastEvaluatedStreamArn, undefined);

    const { StreamDescription: d } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    assert.equal(d!.StreamArn, arn);
    assert.equal(d!.StreamLabel, label);
    assert.equal(d!.StreamStatus, 'ENABLED');
    assert.equal(d!.StreamViewType, 'NEW_IMAGE');
    assert.equal(d!.TableName, name);
    assert.equal(d!.CreationRequestDateTime!.toISOString(), `${label}Z`);
    assert.deepEqual(d!.KeySchema, [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    assert.equal(d!.Shards!.length, 1);
    const shard = d!.Shards![0]!;
    assert.match(shard.ShardId!, /^shardId-[0-9]{20}-[0-9a-f]{8}$/);
    assert.match(shard.SequenceNumberRange!.StartingSequenceNumber!, /^[0-9]{21}$/);
    assert.equal(shard.SequenceNumberRange!.EndingSequenceNumber, undefined, 'open');
    const after = await streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: shard.ShardId! }));
    assert.deepEqual(after.StreamDescription!.Shards, []);
  });

  it('ListStreams pages with Limit and ExclusiveStartStreamArn', async () => {
    const arns = [];
    for (let i = 0; i < 3; i++) arns.push((await streamedTable('KEYS_ONLY')).arn);
    const seen: string[] = [];
    let start: string | undefined;
    do {
      const page = await streams.send(new ListStreamsCommand({ Limit: 2, ...(start ? { ExclusiveStartStreamArn: start } : {}) }));
      assert.ok(page.Streams!.length <= 2);
      seen.push(...page.Streams!.map((s) => s.StreamArn!));
      start = page.LastEvaluatedStreamArn;
    } while (start !== undefined);
    for (const arn of arns) assert.equal(seen.filter((s) => s === arn).length, 1);
    assert.deepEqual([...seen].sort(), seen, 'in table name order');
  });

  it('disabling closes the stream: DISABLED, readable to its end, and enabling again makes a new stream', async () => {
    const { name, arn } = await streamedTable('KEYS_ONLY');
    const reader = await shardIterator(streams, arn, 'LATEST');
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'last' } } }));
    const disabled = await ddb.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: false } }));
    assert.equal(disabled.TableDescription!.LatestStreamArn, arn);
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'unrecorded' } } }));

    const { StreamDescription: d } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    assert.equal(d!.StreamStatus, 'DISABLED');
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: reader }));
    assert.deepEqual(page.Records!.map((r) => r.dynamodb!.Keys!.pk!.S), ['last']);
    assert.equal(d!.Shards![0]!.SequenceNumberRange!.EndingSequenceNumber, page.Records![0]!.dynamodb!.SequenceNumber);
    assert.equal(page.NextShardIterator, undefined, 'a closed shard read to its end');

    const enabled = await ddb.send(
      new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
    );
    const newArn = enabled.TableDescription!.LatestStreamArn!;
    assert.notEqual(newArn, arn);
    const listed = await streams.send(new ListStreamsCommand({ TableName: name }));
    assert.deepEqual(listed.Streams!.map((s) => s.StreamArn), [arn, newArn]);
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'new' } } }));
    const fresh = await readAll(streams, await shardIterator(streams, newArn, 'TRIM_HORIZON'));
    assert.deepEqual(fresh.map((r) => [r.dynamodb!.Keys!.pk!.S, r.dynamodb!.StreamViewType]), [['new', 'NEW_IMAGE']]);
    const old = await readAll(streams, await shardIterator(streams, arn, 'TRIM_HORIZON'));
    assert.deepEqual(old.map((r) => r.dynamodb!.Keys!.pk!.S), ['last']);
  });

  it("deleting the table disables its stream, which stays readable", async () => {
    const { name, arn } = await streamedTable('NEW_AND_OLD_IMAGES');
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'kept' } } }));
    await ddb.send(new DeleteTableCommand({ TableName: name }));
    await expectError(ddb.send(new DescribeTableCommand({ TableName: name })), 'ResourceNotFoundException');
    const { StreamDescription: d } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    assert.equal(d!.StreamStatus, 'DISABLED');
    assert.ok(d!.Shards![0]!.SequenceNumberRange!.EndingSequenceNumber);
    const records = await readAll(streams, await shardIterator(streams, arn, 'TRIM_HORIZON'));
    assert.deepEqual(summary(records), [['INSERT', 'kept', undefined, { pk: { S: 'kept' } }]]);
    const listed = await streams.send(new ListStreamsCommand({ TableName: name }));
    assert.deepEqual(listed.Streams!.map((s) => s.StreamArn), [arn]);
  });
});

describe('Streams API errors', () => {
  it('refuse malformed and unknown streams and shards', async () => {
    const { name, arn } = await streamedTable('KEYS_ONLY');
    await onlyShard(streams, arn);
    await expectError(
      streams.send(new DescribeStreamCommand({ StreamArn: 'sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf' })),
      'ValidationException',
      'Invalid StreamArn',
    );
    const unknown = arn.replace(/stream\/.*$/, 'stream/2000-01-01T00:00:00.000');
    await expectError(
      streams.send(new DescribeStreamCommand({ StreamArn: unknown })),
      'ResourceNotFoundException',
      `Requested resource not found: Stream: ${unknown} not found`,
    );
    await expectError(
      streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: 'shardId-00000000000000000000-00000000', ShardIteratorType: 'LATEST' })),
      'ResourceNotFoundException',
      'Requested resource not found: Shard does not exist',
    );
    await expectError(
      streams.send(new ListStreamsCommand({ TableName: `${name}-missing` })),
      'ResourceNotFoundException',
      `Requested resource not found: Table: ${name}-missing not found`,
    );
    const other = await streams.send(new ListStreamsCommand({ TableName: name, ExclusiveStartStreamArn: arn }));
    assert.deepEqual(other.Streams, []);
  });

  it('check iterator types against sequence numbers', async () => {
    const { arn } = await streamedTable('KEYS_ONLY');
    const shardId = await onlyShard(streams, arn);
    await expectError(
      streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER' })),
      'ValidationException',
    );
    await expectError(
      streams.send(
        new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'LATEST', SequenceNumber: '1'.repeat(21) }),
      ),
      'ValidationException',
    );
    await expectError(
      streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: 'sdfsafglldfngjdafnasdflgnaldklkafdsgklnasdlv'.slice(0, 40),
        }),
      ),
      'ValidationException',
    );
    await expectError(
      streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'bulle' as 'LATEST' })),
      'ValidationException',
      "1 validation error detected: Value 'bulle' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]",
    );
  });

  it('check GetRecords limits and iterators', async () => {
    const { arn } = await streamedTable('KEYS_ONLY');
    const iterator = await shardIterator(streams, arn, 'LATEST');
    await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    await expectError(
      streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1001 })),
      'ValidationException',
      "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    await expectError(
      streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 0 })),
      'ValidationException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await expectError(
      streams.send(new GetRecordsCommand({ ShardIterator: 'sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg' })),
      'ValidationException',
      'Invalid ShardIterator',
    );
    await expectError(
      streams.send(new ListStreamsCommand({ Limit: 101 })),
      'ValidationException',
      "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
  });

  it("answer in DynamoDB's error envelope", async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDBStreams_20120810.DescribeStream',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
        'x-amz-date': '20260101T000000Z',
      },
      body: JSON.stringify({ StreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/none/stream/2000-01-01T00:00:00.000' }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message:
        'Requested resource not found: Stream: arn:aws:dynamodb:us-east-1:123456789012:table/none/stream/2000-01-01T00:00:00.000 not found',
    });
  });
});
