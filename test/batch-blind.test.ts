/**
 * Black-box tests of BatchWriteItem's blind path (api/items/batch-write-item): a
 * batch for tables without indexes or stream, asking no capacity, is
 * written in one commit without reading the items it replaces, and its
 * item-size check is short-cut by the items' JSON length. Run on the
 * durable store, whose engine writes such a commit without a nested
 * transaction (storage/lmdb-engine).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';

type Item = Record<string, AttributeValue>;

const dataDir = mkdtempSync(join(tmpdir(), 'openddb-batch-blind-'));
let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess({ dataDir });
  ddb = client(server.url);
  await ddb.send(
    new CreateTableCommand({
      TableName: 'plain',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'n', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'n', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

after(async () => {
  ddb.destroy();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const write = (requests: WriteRequest[], extra: Record<string, WriteRequest[]> = {}) =>
  ddb.send(new BatchWriteItemCommand({ RequestItems: { plain: requests, ...extra } }));
const put = (item: Item): WriteRequest => ({ PutRequest: { Item: item } });
const get = async (pk: string, n: string) =>
  (await ddb.send(new GetItemCommand({ TableName: 'plain', Key: { pk: { S: pk }, n: { N: n } } }))).Item;

describe('BatchWriteItem, blind path', () => {
  it('writes puts and deletes of one batch, items read back whole', async () => {
    const items = Array.from({ length: 25 }, (_, i): Item => ({
      pk: { S: `p${i % 3}` },
      n: { N: String(i) },
      text: { S: `grüße ${i} — 😀` },
      list: { L: [{ N: '1' }, { BOOL: true }, { NULL: true }] },
    }));
    const result = await write(items.map(put));
    assert.deepEqual(result.UnprocessedItems, {});
    assert.deepEqual(await get('p1', '4'), items[4]);
    await write([{ DeleteRequest: { Key: { pk: { S: 'p1' }, n: { N: '4' } } } }, put({ pk: { S: 'p9' }, n: { N: '1' } })]);
    assert.equal(await get('p1', '4'), undefined);
    assert.deepEqual(await get('p9', '1'), { pk: { S: 'p9' }, n: { N: '1' } });
  });

  it('refuses duplicate keys, however the numbers are spelled, and writes nothing', async () => {
    await expectError(
      write([put({ pk: { S: 'dup' }, n: { N: '1' } }), put({ pk: { S: 'dup' }, n: { N: '1.0' } })]),
      'ValidationException',
      'Provided list of item keys contains duplicates',
    );
    assert.equal(await get('dup', '1'), undefined);
  });

  it('checks item size by DynamoDB rules beyond the JSON-length shortcut', async () => {
    // JSON longer than 409,600 / 3 characters, yet within the limit.
    const fits = { pk: { S: 'big' }, n: { N: '1' }, s: { S: 'x'.repeat(300_000) } };
    await write([put(fits)]);
    assert.equal((await get('big', '1'))?.s?.S?.length, 300_000);
    // Short in characters, over the limit in UTF-8 bytes.
    await expectError(
      write([put({ pk: { S: 'big' }, n: { N: '2' }, s: { S: '€'.repeat(140_000) } })]),
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
    await expectError(
      write([put({ pk: { S: 'big' }, n: { N: '3' }, s: { S: 'x'.repeat(409_600) } })]),
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
  });

  it('reports a missing table in the batch, writing nothing', async () => {
    await expectError(
      write([put({ pk: { S: 'lost' }, n: { N: '1' } })], { missing: [put({ pk: { S: 'x' }, n: { N: '1' } })] }),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
    assert.equal(await get('lost', '1'), undefined);
    const all = await ddb.send(new ScanCommand({ TableName: 'plain', Select: 'COUNT' }));
    assert.equal(all.Count, 26);
  });
});
