/**
 * Black-box tests of time to live: with TTL enabled, the server deletes
 * expired items within its sweep interval (`--ttl-interval-ms`, short
 * here), leaves every other item, and the table's stream shows each
 * deletion as a REMOVE by the service.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { client, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { readAll, shardIterator, streamsClient } from './helpers/streams.js';
import { hashKeyTable } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

before(async () => {
  server = await startServerProcess({ extraArgs: ['--ttl-interval-ms', '50'] });
  ddb = client(server.url);
  streams = streamsClient(server.url);
});
after(async () => {
  ddb.destroy();
  streams.destroy();
  await server.stop();
});

const epoch = (offsetSeconds: number) => String(Math.floor(Date.now() / 1000) + offsetSeconds);

async function remainingKeys(table: string): Promise<string[]> {
  const out = await ddb.send(new ScanCommand({ TableName: table }));
  return out.Items!.map((i) => i.pk!.S!).sort();
}

describe('TTL', () => {
  it('deletes expired items soon after expiry, leaves the others, and streams service REMOVEs', async () => {
    const created = await ddb.send(
      new CreateTableCommand(hashKeyTable('sessions', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } })),
    );
    const arn = created.TableDescription!.LatestStreamArn!;
    await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }),
    );
    const items: Record<string, AttributeValue | undefined> = {
      expired: { N: epoch(-30) },
      'expires-soon': { N: epoch(1) },
      future: { N: epoch(3600) },
      'not-a-number': { S: epoch(-30) },
      'six-years-ago': { N: epoch(-6 * 366 * 86400) },
      'no-ttl': undefined,
    };
    for (const [pk, expiresAt] of Object.entries(items)) {
      await ddb.send(
        new PutItemCommand({ TableName: 'sessions', Item: { pk: { S: pk }, ...(expiresAt ? { expiresAt } : {}) } }),
      );
    }

    const survivors = ['future', 'no-ttl', 'not-a-number', 'six-years-ago'];
    const deadline = Date.now() + 10_000;
    while ((await remainingKeys('sessions')).length > survivors.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await remainingKeys('sessions'), survivors);

    const removes = (await readAll(streams, await shardIterator(streams, arn, 'TRIM_HORIZON'))).filter(
      (r) => r.eventName === 'REMOVE',
    );
    assert.deepEqual(removes.map((r) => r.dynamodb!.Keys!.pk!.S).sort(), ['expired', 'expires-soon']);
    for (const record of removes) {
      assert.deepEqual(record.userIdentity, { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' });
      assert.ok(record.dynamodb!.OldImage!.expiresAt!.N);
    }
  });

  it('refuses a bad --ttl-interval-ms', async () => {
    await assert.rejects(startServerProcess({ extraArgs: ['--ttl-interval-ms', 'soon'] }), /--ttl-interval-ms must be a whole number/);
  });
});
