/**
 * @module test/index-correctness
 * Secondary-index correctness against DynamoDB's documented and observed
 * behaviour: which items a global index added by UpdateTable takes in
 * (index key violations are left out), the index key size limits on write,
 * attribute redefinition, UpdateTable's refusals, and the table and index
 * statuses CreateTable, UpdateTable and DeleteTable report.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  DynamoDBClient,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { createGlobalIndex, defineTable, hashKeyTable, waitForIndexes } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

const S = (s: string): AttributeValue => ({ S: s });

async function addIndex(input: Omit<UpdateTableCommandInput, 'TableName'> & { TableName: string }): Promise<void> {
  await ddb.send(new UpdateTableCommand(input));
  await waitForIndexes(ddb, input.TableName);
}

async function scanIndex(table: string, index: string): Promise<string[]> {
  const res = await ddb.send(new ScanCommand({ TableName: table, IndexName: index }));
  return res.Items!.map((i) => i.pk!.S!).sort();
}

describe('a global index added by UpdateTable', () => {
  it('leaves out items whose key attribute has the wrong type, is empty or is too long', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('ic_backfill')));
    const items: Record<string, AttributeValue>[] = [
      { pk: S('good1'), g: S('x'), r: { N: '1' } },
      { pk: S('good2'), g: S('y'), r: { N: '2' } },
      { pk: S('num'), g: { N: '7' }, r: { N: '3' } },
      { pk: S('empty'), g: S(''), r: { N: '4' } },
      { pk: S('bin'), g: { B: new Uint8Array([1]) }, r: { N: '5' } },
      { pk: S('longhash'), g: S('h'.repeat(2049)), r: { N: '6' } },
      { pk: S('atlimit'), g: S('h'.repeat(2048)), r: { N: '7' } },
      { pk: S('strrange'), g: S('z'), r: S('not a number') },
      { pk: S('norange'), g: S('z') },
      { pk: S('nohash'), r: { N: '9' } },
    ];
    for (const item of items) await ddb.send(new PutItemCommand({ TableName: 'ic_backfill', Item: item }));

    await addIndex({ TableName: 'ic_backfill', ...createGlobalIndex('by-g', 'g:S') });
    assert.deepEqual(await scanIndex('ic_backfill', 'by-g'), ['atlimit', 'good1', 'good2', 'norange', 'strrange']);
    const q = await ddb.send(
      new QueryCommand({
        TableName: 'ic_backfill',
        IndexName: 'by-g',
        KeyConditionExpression: 'g = :g',
        ExpressionAttributeValues: { ':g': { S: '7' } },
      }),
    );
    assert.equal(q.Count, 0, 'a number 7 is not found as the string "7"');

    await addIndex({ TableName: 'ic_backfill', ...createGlobalIndex('by-g-r', { key: 'g:S r:N', projection: 'KEYS_ONLY' }) });
    assert.deepEqual(await scanIndex('ic_backfill', 'by-g-r'), ['atlimit', 'good1', 'good2']);
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_backfill' }))).Table!;
    assert.equal(d.GlobalSecondaryIndexes!.find((g) => g.IndexName === 'by-g-r')!.ItemCount, 3);

    // Once the index exists, the same values are refused on write.
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'ic_backfill', Item: { pk: S('num'), g: { N: '7' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g',
    );
    // An update that leaves the stray attribute alone keeps the item out of the index.
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'ic_backfill',
        Key: { pk: S('num') },
        UpdateExpression: 'SET extra = :o',
        ExpressionAttributeValues: { ':o': S('o') },
      }),
    );
    assert.deepEqual(await scanIndex('ic_backfill', 'by-g'), ['atlimit', 'good1', 'good2', 'norange', 'strrange']);
  });

  it('leaves out items whose sort key is over 1,024 bytes', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('ic_backfill_range')));
    await ddb.send(new PutItemCommand({ TableName: 'ic_backfill_range', Item: { pk: S('a'), g: S('g'), r: S('r'.repeat(1024)) } }));
    await ddb.send(new PutItemCommand({ TableName: 'ic_backfill_range', Item: { pk: S('b'), g: S('g'), r: S('r'.repeat(1025)) } }));
    // Two-byte characters: 513 of them are 1,026 bytes.
    await ddb.send(new PutItemCommand({ TableName: 'ic_backfill_range', Item: { pk: S('c'), g: S('g'), r: S('é'.repeat(513)) } }));
    await addIndex({ TableName: 'ic_backfill_range', ...createGlobalIndex('by-g-r', 'g:S r:S') });
    assert.deepEqual(await scanIndex('ic_backfill_range', 'by-g-r'), ['a']);
  });
});

describe('a backfill cut short', () => {
  it('resumes when the server starts again, after kill -9 (in a region other than the default)', async () => {
    const dir = tempDir();
    // Tables live in the region of the request's credential scope.
    const westClient = (url: string) =>
      new DynamoDBClient({
        endpoint: url,
        region: 'us-west-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 1,
      });
    try {
      let durable = await startServerProcess({ dataDir: dir.path });
      let db = westClient(durable.url);
      await db.send(new CreateTableCommand(hashKeyTable('ic_resume')));
      for (let i = 0; i < 50; i++) {
        await db.send(new PutItemCommand({ TableName: 'ic_resume', Item: { pk: S(`p${i}`), g: S(i % 2 === 0 ? 'even' : 'odd') } }));
      }
      await db.send(new UpdateTableCommand({ TableName: 'ic_resume', ...createGlobalIndex('by-g', 'g:S') }));
      // Killed before (or while) the backfill runs: it starts 50 ms after the answer.
      await durable.kill();
      db.destroy();
      durable = await startServerProcess({ dataDir: dir.path });
      db = westClient(durable.url);
      try {
        await waitForIndexes(db, 'ic_resume', 'the index stayed CREATING after a restart');
        const q = await db.send(
          new QueryCommand({
            TableName: 'ic_resume',
            IndexName: 'by-g',
            KeyConditionExpression: 'g = :g',
            ExpressionAttributeValues: { ':g': S('even') },
          }),
        );
        assert.equal(q.Count, 25);
      } finally {
        db.destroy();
        await durable.stop();
      }
    } finally {
      dir.remove();
    }
  });
});

describe('index key size limits on write', () => {
  before(async () => {
    await ddb.send(
      new CreateTableCommand(
        defineTable('ic_limits', 'pk:S sk:S', {
          gsi: { gsi1: 'g:S gr:B' },
          lsi: { lsi1: { key: 'pk:S l:S', projection: 'KEYS_ONLY' } },
        }),
      ),
    );
  });
  const key = { pk: S('p'), sk: S('s') };
  /** How many items gsi1 holds under the longest partition key it takes. */
  const countAtLimit = async (): Promise<number | undefined> =>
    (
      await ddb.send(
        new QueryCommand({
          TableName: 'ic_limits',
          IndexName: 'gsi1',
          KeyConditionExpression: 'g = :g',
          ExpressionAttributeValues: { ':g': S('g'.repeat(2048)) },
        }),
      )
    ).Count;
  const tooLongHash =
    'One or more parameter values were invalid: Size limit exceeded for Index Key g Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: gsi1';

  it('accepts values at the limits', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: 'ic_limits',
        Item: { ...key, g: S('g'.repeat(2048)), gr: { B: new Uint8Array(1024) }, l: S('l'.repeat(1024)) },
      }),
    );
    assert.equal(await countAtLimit(), 1);
  });

  it('refuses a global index partition key over 2,048 bytes on every write path', async () => {
    const item = { ...key, g: S('g'.repeat(2049)) };
    await expectError(ddb.send(new PutItemCommand({ TableName: 'ic_limits', Item: item })), 'ValidationException', tooLongHash);
    await expectError(
      ddb.send(
        new UpdateItemCommand({
          TableName: 'ic_limits',
          Key: key,
          UpdateExpression: 'SET g = :g',
          ExpressionAttributeValues: { ':g': S('g'.repeat(2049)) },
        }),
      ),
      'ValidationException',
      tooLongHash,
    );
    await expectError(
      ddb.send(new BatchWriteItemCommand({ RequestItems: { ic_limits: [{ PutRequest: { Item: item } }] } })),
      'ValidationException',
      tooLongHash,
    );
    // The stored item is unchanged.
    assert.equal(await countAtLimit(), 1);
  });

  it('refuses a global index sort key over 1,024 bytes', async () => {
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'ic_limits', Item: { ...key, g: S('g'), gr: { B: new Uint8Array(1025) } } })),
      'ValidationException',
      'One or more parameter values were invalid: Size limit exceeded for Index Key gr Actual Size: 1025 bytes Max Size: 1024 bytes IndexName: gsi1',
    );
  });

  it('refuses a local index sort key over 1,024 bytes, counting UTF-8 bytes', async () => {
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'ic_limits', Item: { ...key, l: S('€'.repeat(342)) } })),
      'ValidationException',
      'One or more parameter values were invalid: Size limit exceeded for Index Key l Actual Size: 1026 bytes Max Size: 1024 bytes IndexName: lsi1',
    );
  });

  it('cancels a transaction whose Put carries an oversized index key', async () => {
    const err = await expectError(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: 'ic_limits', Item: { pk: S('t'), sk: S('t'), g: S('g'.repeat(2049)) } } }],
        }),
      ),
      'TransactionCanceledException',
      'Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]',
    );
    const reasons = (err as unknown as { CancellationReasons: { Code: string; Message: string }[] }).CancellationReasons;
    assert.deepEqual(reasons, [{ Code: 'ValidationError', Message: tooLongHash }]);
  });
});

describe('attribute redefinition', () => {
  it('CreateTable refuses one attribute defined with two types', async () => {
    await expectError(
      ddb.send(
        new CreateTableCommand({
          TableName: 'ic_redefine_create',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'pk', AttributeType: 'N' },
          ],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            { IndexName: 'by-pk', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
          ],
        }),
      ),
      'ValidationException',
    );
    await expectError(ddb.send(new DescribeTableCommand({ TableName: 'ic_redefine_create' })), 'ResourceNotFoundException');
  });

  it('UpdateTable refuses a new index that gives an existing key attribute another type', async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('ic_redefine', { gsi: { index1: 'xyz:S' } })));
    const create = (name: string, attr: string, type: 'S' | 'N') =>
      ddb.send(new UpdateTableCommand({ TableName: 'ic_redefine', ...createGlobalIndex(name, `${attr}:${type}`) }));
    await expectError(
      create('index2', 'xyz', 'N'),
      'ValidationException',
      'One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Existing schema: Schema:[SchemaElement: key{xyz:S:HASH}] New schema: Schema:[SchemaElement: key{xyz:N:HASH}]',
    );
    await expectError(
      create('index3', 'pk', 'N'),
      'ValidationException',
      /^One or more parameter values were invalid: Attributes cannot be redefined\. .* Existing schema: Schema:\[SchemaElement: key\{pk:S:HASH\}\] New schema: Schema:\[SchemaElement: key\{pk:N:HASH\}\]$/,
    );
    // A multi-attribute key lists every element of both schemas.
    await expectError(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'ic_redefine',
          AttributeDefinitions: [
            { AttributeName: 'xyz', AttributeType: 'B' },
            { AttributeName: 'h2', AttributeType: 'S' },
            { AttributeName: 'r1', AttributeType: 'N' },
          ],
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: 'index4',
                KeySchema: [
                  { AttributeName: 'h2', KeyType: 'HASH' },
                  { AttributeName: 'xyz', KeyType: 'HASH' },
                  { AttributeName: 'r1', KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'ALL' },
              },
            },
          ],
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Existing schema: Schema:[SchemaElement: key{xyz:S:HASH}] New schema: Schema:[SchemaElement: key{h2:S:HASH}, SchemaElement: key{xyz:B:HASH}, SchemaElement: key{r1:N:RANGE}]',
    );
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_redefine' }))).Table!;
    assert.deepEqual(
      d.GlobalSecondaryIndexes!.map((g) => g.IndexName),
      ['index1'],
    );
    // A conflicting definition of an attribute the new index does not use is ignored.
    await ddb.send(
      new UpdateTableCommand({
        TableName: 'ic_redefine',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'N' },
          { AttributeName: 'other', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: 'by-other', KeySchema: [{ AttributeName: 'other', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
        ],
      }),
    );
    await waitForIndexes(ddb, 'ic_redefine');
    const after = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_redefine' }))).Table!;
    assert.deepEqual(
      Object.fromEntries(after.AttributeDefinitions!.map((a) => [a.AttributeName, a.AttributeType])),
      { pk: 'S', xyz: 'S', other: 'S' },
    );
  });
});

describe('UpdateTable refusals', () => {
  before(async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('ic_refuse', { gsi: { gsa: 'a:S', gsb: 'b:S' } })));
  });
  const nothing =
    'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required';
  const create = (name: string, attr: string) => ({
    Create: { IndexName: name, KeySchema: [{ AttributeName: attr, KeyType: 'HASH' as const }], Projection: { ProjectionType: 'ALL' as const } },
  });

  it('refuses a request that changes nothing', async () => {
    await expectError(ddb.send(new UpdateTableCommand({ TableName: 'ic_refuse' })), 'ValidationException', nothing);
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: 'ic_refuse', GlobalSecondaryIndexUpdates: [] })),
      'ValidationException',
      nothing,
    );
    await expectError(
      ddb.send(
        new UpdateTableCommand({ TableName: 'ic_refuse', AttributeDefinitions: [{ AttributeName: 'c', AttributeType: 'S' }] }),
      ),
      'ValidationException',
      nothing,
    );
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: 'ic_refuse', GlobalSecondaryIndexUpdates: [], DeletionProtectionEnabled: true })),
      'ValidationException',
      'One or more parameter values were invalid: List of GlobalSecondaryIndexUpdates is empty',
    );
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_refuse' }))).Table!;
    assert.equal(d.DeletionProtectionEnabled, false, 'a refused request changes nothing');
  });

  it('refuses more than one index created or deleted at once', async () => {
    const limit = 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table';
    const defs = [
      { AttributeName: 'c', AttributeType: 'S' as const },
      { AttributeName: 'd', AttributeType: 'S' as const },
    ];
    await expectError(
      ddb.send(
        new UpdateTableCommand({ TableName: 'ic_refuse', AttributeDefinitions: defs, GlobalSecondaryIndexUpdates: [create('gsc', 'c'), create('gsd', 'd')] }),
      ),
      'LimitExceededException',
      limit,
    );
    await expectError(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'ic_refuse',
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'gsa' } }, { Delete: { IndexName: 'gsb' } }],
        }),
      ),
      'LimitExceededException',
      limit,
    );
    await expectError(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'ic_refuse',
          AttributeDefinitions: defs,
          GlobalSecondaryIndexUpdates: [create('gsc', 'c'), { Delete: { IndexName: 'gsa' } }],
        }),
      ),
      'LimitExceededException',
      limit,
    );
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_refuse' }))).Table!;
    assert.deepEqual(d.GlobalSecondaryIndexes!.map((g) => g.IndexName).sort(), ['gsa', 'gsb']);
  });

  it('refuses malformed GlobalSecondaryIndexUpdates before looking up the table', async () => {
    await expectError(
      ddb.send(new UpdateTableCommand({ TableName: 'ic_missing', GlobalSecondaryIndexUpdates: [{}] })),
      'ValidationException',
      'One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null',
    );
    await expectError(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'ic_missing',
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'abc' } }, { Delete: { IndexName: 'abc' } }],
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: abc',
    );
    await expectError(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'ic_missing',
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'abc' }, Update: { IndexName: 'abc', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } } }],
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object',
    );
  });

  it('wants the new index key attributes in the request itself', async () => {
    await expectError(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'ic_refuse',
          AttributeDefinitions: [{ AttributeName: 'zz', AttributeType: 'S' }],
          GlobalSecondaryIndexUpdates: [create('by-pk', 'pk')],
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [zz]',
    );
  });
});

describe('table and index status', () => {
  it('CreateTable answers with the table and its global indexes CREATING', async () => {
    const res = await ddb.send(new CreateTableCommand(hashKeyTable('ic_status', { gsi: { gsa: 'a:S' } })));
    assert.equal(res.TableDescription!.TableStatus, 'CREATING');
    const g = res.TableDescription!.GlobalSecondaryIndexes![0]!;
    assert.equal(g.IndexStatus, 'CREATING');
    assert.equal(g.Backfilling, undefined, 'an index created with its table does not backfill');
    await waitForIndexes(ddb, 'ic_status');
  });

  it('UpdateTable that adds an index answers UPDATING with the index CREATING', async () => {
    const res = await ddb.send(new UpdateTableCommand({ TableName: 'ic_status', ...createGlobalIndex('gsb', 'b:S') }));
    assert.equal(res.TableDescription!.TableStatus, 'UPDATING');
    const gb = res.TableDescription!.GlobalSecondaryIndexes!.find((g) => g.IndexName === 'gsb')!;
    assert.equal(gb.IndexStatus, 'CREATING');
    assert.equal(gb.Backfilling, false);
    await waitForIndexes(ddb, 'ic_status');
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_status' }))).Table!;
    assert.equal(d.TableStatus, 'ACTIVE');
    assert.equal(d.GlobalSecondaryIndexes!.find((g) => g.IndexName === 'gsb')!.Backfilling, undefined);
  });

  it('UpdateTable that deletes an index answers UPDATING with the index DELETING', async () => {
    const res = await ddb.send(new UpdateTableCommand({ TableName: 'ic_status', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'gsb' } }] }));
    assert.equal(res.TableDescription!.TableStatus, 'UPDATING');
    assert.equal(res.TableDescription!.GlobalSecondaryIndexes!.find((g) => g.IndexName === 'gsb')!.IndexStatus, 'DELETING');
    await waitForIndexes(ddb, 'ic_status');
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_status' }))).Table!;
    assert.deepEqual(d.GlobalSecondaryIndexes!.map((g) => g.IndexName), ['gsa']);
    assert.deepEqual(d.AttributeDefinitions!.map((a) => a.AttributeName).sort(), ['a', 'pk']);
  });

  it('DeleteTable answers without the schema or the indexes', async () => {
    await ddb.send(new CreateTableCommand(defineTable('ic_delete', 'pk:S sk:S', { gsi: { hello: 'x:S' }, lsi: { hithere: 'pk:S x:S' } })));
    const described = (await ddb.send(new DescribeTableCommand({ TableName: 'ic_delete' }))).Table!;
    const deleted = (await ddb.send(new DeleteTableCommand({ TableName: 'ic_delete' }))).TableDescription!;
    for (const field of ['KeySchema', 'AttributeDefinitions', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'CreationDateTime']) {
      assert.ok(field in described, `DescribeTable has ${field}`);
      assert.ok(!(field in deleted), `DeleteTable leaves out ${field}`);
    }
    assert.equal(deleted.TableName, 'ic_delete');
    assert.equal(deleted.TableStatus, 'DELETING');
    assert.equal(deleted.TableArn, described.TableArn);
    assert.equal(deleted.TableId, described.TableId);
    assert.equal(deleted.ItemCount, 0);
    assert.equal(deleted.TableSizeBytes, 0);
    assert.deepEqual(deleted.ProvisionedThroughput, { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 });
    assert.equal(deleted.BillingModeSummary!.BillingMode, 'PAY_PER_REQUEST');
    assert.ok(deleted.BillingModeSummary!.LastUpdateToPayPerRequestDateTime instanceof Date);
  });
});
