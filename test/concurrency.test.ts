/**
 * Black-box tests that conditional writes are atomic: many clients racing
 * on one key through a real server process, both in memory and on disk.
 * Of 50 conditional creates exactly one wins; concurrent read-modify-write
 * updates lose no increment.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { tally } from './helpers/races.js';
import { hashKeyTable } from './helpers/tables.js';

const WRITERS = 50;

for (const storage of ['in-memory', 'data directory'] as const) {
  describe(`concurrent conditional writes (${storage})`, () => {
    let server: ServerProcess;
    let ddb: DynamoDBClient;
    const dir = storage === 'data directory' ? tempDir() : undefined;

    before(async () => {
      server = await startServerProcess(dir ? { dataDir: dir.path } : {});
      ddb = client(server.url);
      await ddb.send(new CreateTableCommand(hashKeyTable('race')));
    });
    after(async () => {
      ddb.destroy();
      await server.stop();
      dir?.remove();
    });

    it(`${WRITERS} PutItem attribute_not_exists creates of one key: exactly one wins`, async () => {
      const counts = tally(await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, i) =>
          ddb.send(
            new PutItemCommand({
              TableName: 'race',
              Item: { pk: { S: 'put-race' }, writer: { N: String(i) } },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        ),
      ));
      assert.deepEqual(counts, { ok: 1, ConditionalCheckFailedException: WRITERS - 1 });
      const item = (await ddb.send(new GetItemCommand({ TableName: 'race', Key: { pk: { S: 'put-race' } } }))).Item;
      assert.ok(item?.writer?.N !== undefined);
    });

    it(`${WRITERS} UpdateItem upserts guarded by attribute_not_exists: exactly one wins`, async () => {
      const counts = tally(await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, i) =>
          ddb.send(
            new UpdateItemCommand({
              TableName: 'race',
              Key: { pk: { S: 'update-race' } },
              UpdateExpression: 'SET #o = if_not_exists(#o, :me)',
              ConditionExpression: 'attribute_not_exists(pk)',
              ExpressionAttributeNames: { '#o': 'owner' },
              ExpressionAttributeValues: { ':me': { N: String(i) } },
            }),
          ),
        ),
      ));
      assert.deepEqual(counts, { ok: 1, ConditionalCheckFailedException: WRITERS - 1 });
    });

    it('concurrent ADD increments lose no update', async () => {
      const counts = tally(await Promise.allSettled(
        Array.from({ length: WRITERS }, () =>
          ddb.send(
            new UpdateItemCommand({
              TableName: 'race',
              Key: { pk: { S: 'counter' } },
              UpdateExpression: 'ADD n :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            }),
          ),
        ),
      ));
      assert.deepEqual(counts, { ok: WRITERS });
      const item = (await ddb.send(new GetItemCommand({ TableName: 'race', Key: { pk: { S: 'counter' } }, ConsistentRead: true })))
        .Item;
      assert.equal(item?.n?.N, String(WRITERS));
    });
  });
}
