/**
 * Request-shape fuzzing: for every operation openddb implements
 * (src/api/all-operations.ts), a valid request is mutated at every depth —
 * each member or list element replaced by null, by every wrong JSON type,
 * by an empty object or list, by a list holding a null; members removed;
 * a null appended to every list — and each mutant is sent through raw HTTP.
 * Bad input must get one of DynamoDB's 400 answers (SerializationException,
 * ValidationException, ResourceNotFoundException, …), never a 500.
 * Deterministic: the same mutants in the same order on every run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allOperations } from '../src/api/all-operations.js';
import { startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = readonly (string | number)[];

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
const DYNAMODB = 'DynamoDB_20120810.';
const STREAMS = 'DynamoDBStreams_20120810.';

/** What a value may become: null, every wrong JSON type, empty containers, containers of nulls. */
const REPLACEMENTS: readonly Json[] = [null, 0, 1.5, 2 ** 40, '', 'x', true, [], {}, [null], { x: null }, [{}]];

async function post(url: string, target: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': target,
      authorization: AUTH,
      'x-amz-date': '20260101T000000Z',
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

async function call(url: string, target: string, input: Json): Promise<Record<string, any>> {
  const r = await post(url, target, JSON.stringify(input));
  assert.equal(r.status, 200, `${target} failed during set-up: ${r.text}`);
  return JSON.parse(r.text) as Record<string, any>;
}

function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? {} : value;
  const copy = structuredClone(root);
  let node: any = copy;
  for (const step of path.slice(0, -1)) node = node[step];
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else {
    node[last] = value;
  }
  return copy;
}

interface Mutant {
  /** Where and how the request was changed, for the failure report. */
  readonly change: string;
  readonly body: string;
}

/** Every mutant of a request, once each, in a fixed order. */
function mutants(request: Json): Mutant[] {
  const out: Mutant[] = [];
  const seen = new Set<string>([JSON.stringify(request)]);
  const add = (path: Path, what: string, m: Json) => {
    const body = JSON.stringify(m);
    if (!seen.has(body)) {
      seen.add(body);
      out.push({ change: `${path.join('.') || '(root)'} ${what}`, body });
    }
  };
  const walk = (value: Json, path: Path) => {
    if (path.length > 0) {
      for (const r of REPLACEMENTS) add(path, `= ${JSON.stringify(r)}`, setAt(request, path, r));
      add(path, 'removed', setAt(request, path, undefined));
    } else {
      for (const r of [null, [], 'x', 1, true, [{}]] as Json[]) add(path, `= ${JSON.stringify(r)}`, r);
    }
    if (Array.isArray(value)) {
      add(path, '+ null', setAt(request, path, [...value, null]));
      add(path, 'null +', setAt(request, path, [null, ...value]));
      value.forEach((v, i) => walk(v, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      add(path, '+ Unknown: null', setAt(request, path, { ...value, Unknown: null }));
      for (const k of Object.keys(value)) walk(value[k]!, [...path, k]);
    }
  };
  walk(request, []);
  return out;
}

const T = 'fuzz_main';
const key = { pk: { S: 'k1' }, sk: { S: 's1' } };
const fullItem: Json = {
  ...key,
  gk: { S: 'g' },
  n: { N: '1' },
  l: { L: [{ S: 'a' }, { NULL: true }] },
  m: { M: { a: { BOOL: true }, b: { SS: ['x', 'y'] } } },
  b: { B: 'AAEC' },
  ns: { NS: ['1', '2'] },
};

/** Valid requests per operation (several where the legacy and expression forms differ). */
function validRequests(ctx: { arn: string; streamArn: string; shardId: string; iterator: string; sequence: string }): Record<string, Json[]> {
  return {
    CreateTable: [
      {
        TableName: 'fuzz_created_vectors',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'cat', AttributeType: 'N' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        VectorIndexes: [
          {
            IndexName: 'vidx',
            VectorAttribute: { AttributeName: 'v' },
            Dimensions: 8,
            DistanceFunction: 'EUCLIDEAN',
            Projection: { ProjectionType: 'ALL' },
            SearchSchema: [{ AttributeName: 'cat', SearchSchemaElementType: 'HASH' }],
          },
        ],
      },
      {
        TableName: 'fuzz_created',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'g', AttributeType: 'B' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'lsi',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'g', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a'] },
          },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
            ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
          },
        ],
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        SSESpecification: { Enabled: true, SSEType: 'KMS' },
        Tags: [{ Key: 'k', Value: 'v' }],
        TableClass: 'STANDARD',
        DeletionProtectionEnabled: false,
      },
    ],
    DescribeTable: [{ TableName: T }],
    ListTables: [{ ExclusiveStartTableName: 'abc', Limit: 5 }],
    DeleteTable: [{ TableName: 'fuzz_missing' }],
    SearchVectors: [
      {
        TableName: 'fuzz_vectors',
        IndexName: 'vidx',
        SearchVector: [{ N: '1' }, { N: '0.5' }],
        TopK: 3,
        SearchConditionExpression: '#c = :c AND color = :r',
        ExpressionAttributeNames: { '#c': 'cat' },
        ExpressionAttributeValues: { ':c': { S: 'a' }, ':r': { S: 'red' } },
        ProjectionExpression: 'pk, v',
        ReturnConsumedCapacity: 'TOTAL',
      },
    ],
    UpdateTable: [
      {
        TableName: 'fuzz_vectors',
        AttributeDefinitions: [{ AttributeName: 'color', AttributeType: 'S' }],
        VectorIndexUpdates: [
          {
            Create: {
              IndexName: 'vidx2',
              VectorAttribute: { AttributeName: 'w' },
              Dimensions: 3,
              DistanceFunction: 'DOT_PRODUCT',
              Projection: { ProjectionType: 'KEYS_ONLY' },
              SearchSchema: [{ AttributeName: 'color', SearchSchemaElementType: 'INLINE_FILTER' }],
            },
          },
        ],
      },
      {
        TableName: 'fuzz_update',
        AttributeDefinitions: [{ AttributeName: 'x', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: 'gix',
              KeySchema: [{ AttributeName: 'x', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['y'] },
            },
          },
        ],
      },
      {
        TableName: 'fuzz_update',
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
        StreamSpecification: { StreamEnabled: false },
        GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'gi0', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } } }, { Delete: { IndexName: 'gi0' } }],
      },
    ],
    TagResource: [{ ResourceArn: ctx.arn, Tags: [{ Key: 'a', Value: 'b' }, { Key: 'c', Value: '' }] }],
    UntagResource: [{ ResourceArn: ctx.arn, TagKeys: ['a', 'zz'] }],
    ListTagsOfResource: [{ ResourceArn: ctx.arn, NextToken: 'x' }],
    PutResourcePolicy: [{
      ResourceArn: ctx.arn,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'dynamodb:GetItem', Resource: ctx.arn }] }),
      ExpectedRevisionId: 'NO_POLICY',
      ConfirmRemoveSelfResourceAccess: false,
    }],
    GetResourcePolicy: [{ ResourceArn: ctx.arn }],
    DeleteResourcePolicy: [{ ResourceArn: ctx.arn, ExpectedRevisionId: '1' }],
    UpdateTimeToLive: [{ TableName: 'fuzz_update', TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } }],
    DescribeTimeToLive: [{ TableName: T }],
    DescribeLimits: [{}],
    DescribeEndpoints: [{}],
    DescribeContinuousBackups: [{ TableName: T }],
    UpdateContinuousBackups: [{ TableName: 'fuzz_update', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 } }],
    PutItem: [
      {
        TableName: T,
        Item: fullItem,
        ConditionExpression: 'attribute_not_exists(#p) OR #n < :v',
        ExpressionAttributeNames: { '#p': 'pk', '#n': 'n' },
        ExpressionAttributeValues: { ':v': { N: '5' } },
        ReturnValues: 'ALL_OLD',
        ReturnConsumedCapacity: 'INDEXES',
        ReturnItemCollectionMetrics: 'SIZE',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
      {
        TableName: T,
        Item: { ...key, a: { S: 'x' } },
        Expected: { a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ S: 'a' }, { S: 'z' }] }, n: { Exists: false } },
        ConditionalOperator: 'OR',
      },
    ],
    GetItem: [
      {
        TableName: T,
        Key: key,
        ProjectionExpression: '#n, l[0], m.a',
        ExpressionAttributeNames: { '#n': 'n' },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      },
      { TableName: T, Key: key, AttributesToGet: ['n', 'l'] },
    ],
    DeleteItem: [
      {
        TableName: T,
        Key: { pk: { S: 'k2' }, sk: { S: 's2' } },
        ConditionExpression: 'attribute_exists(#p)',
        ExpressionAttributeNames: { '#p': 'pk' },
        ReturnValues: 'ALL_OLD',
      },
      { TableName: T, Key: { pk: { S: 'k2' }, sk: { S: 's2' } }, Expected: { n: { Value: { N: '1' }, Exists: true } } },
    ],
    UpdateItem: [
      {
        TableName: T,
        Key: key,
        UpdateExpression: 'SET #n = #n + :one, l = list_append(l, :l) REMOVE m.a ADD ns :ns DELETE m.b :ss',
        ConditionExpression: 'size(l) < :big',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':one': { N: '1' }, ':l': { L: [{ S: 'q' }] }, ':ns': { NS: ['3'] }, ':ss': { SS: ['x'] }, ':big': { N: '100' } },
        ReturnValues: 'UPDATED_NEW',
      },
      {
        TableName: T,
        Key: key,
        AttributeUpdates: { a: { Action: 'PUT', Value: { S: 'v' } }, z: { Action: 'DELETE' } },
        Expected: { a: { ComparisonOperator: 'NOT_NULL' } },
      },
    ],
    Query: [
      {
        TableName: T,
        IndexName: 'gsi',
        KeyConditionExpression: '#g = :g',
        FilterExpression: 'n > :z',
        ProjectionExpression: 'pk, sk, gk',
        ExpressionAttributeNames: { '#g': 'gk' },
        ExpressionAttributeValues: { ':g': { S: 'g' }, ':z': { N: '0' } },
        Limit: 5,
        ScanIndexForward: false,
        ExclusiveStartKey: { ...key, gk: { S: 'g' } },
        ReturnConsumedCapacity: 'INDEXES',
        Select: 'SPECIFIC_ATTRIBUTES',
      },
      {
        TableName: T,
        KeyConditions: {
          pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'k1' }] },
          sk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 's' }] },
        },
        QueryFilter: { n: { ComparisonOperator: 'GE', AttributeValueList: [{ N: '0' }] } },
        ConditionalOperator: 'AND',
        AttributesToGet: ['pk', 'n'],
        ConsistentRead: true,
      },
    ],
    Scan: [
      {
        TableName: T,
        FilterExpression: 'contains(l, :a)',
        ExpressionAttributeValues: { ':a': { S: 'a' } },
        Segment: 0,
        TotalSegments: 2,
        Limit: 10,
        ExclusiveStartKey: key,
        Select: 'COUNT',
      },
      { TableName: T, ScanFilter: { n: { ComparisonOperator: 'IN', AttributeValueList: [{ N: '1' }, { N: '2' }] } }, AttributesToGet: ['n'] },
    ],
    BatchGetItem: [
      {
        RequestItems: {
          [T]: {
            Keys: [key, { pk: { S: 'k9' }, sk: { S: 's9' } }],
            ProjectionExpression: '#n',
            ExpressionAttributeNames: { '#n': 'n' },
            ConsistentRead: true,
          },
        },
        ReturnConsumedCapacity: 'TOTAL',
      },
      { RequestItems: { [T]: { Keys: [key], AttributesToGet: ['n'] } } },
    ],
    BatchWriteItem: [
      {
        RequestItems: {
          [T]: [{ PutRequest: { Item: { pk: { S: 'b1' }, sk: { S: 'x' }, v: { N: '1' } } } }, { DeleteRequest: { Key: { pk: { S: 'b2' }, sk: { S: 'x' } } } }],
        },
        ReturnConsumedCapacity: 'INDEXES',
        ReturnItemCollectionMetrics: 'SIZE',
      },
    ],
    TransactWriteItems: [
      {
        TransactItems: [
          { Put: { TableName: T, Item: { pk: { S: 't1' }, sk: { S: 'x' } }, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
          { Update: { TableName: T, Key: { pk: { S: 't2' }, sk: { S: 'x' } }, UpdateExpression: 'SET #a = :v', ExpressionAttributeNames: { '#a': 'a' }, ExpressionAttributeValues: { ':v': { S: 'v' } } } },
          { Delete: { TableName: T, Key: { pk: { S: 't3' }, sk: { S: 'x' } } } },
          { ConditionCheck: { TableName: T, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
        ],
        ClientRequestToken: 'fuzz-token',
        ReturnConsumedCapacity: 'INDEXES',
        ReturnItemCollectionMetrics: 'SIZE',
      },
    ],
    TransactGetItems: [
      {
        TransactItems: [
          { Get: { TableName: T, Key: key, ProjectionExpression: '#n', ExpressionAttributeNames: { '#n': 'n' } } },
          { Get: { TableName: T, Key: { pk: { S: 'k9' }, sk: { S: 's9' } } } },
        ],
        ReturnConsumedCapacity: 'TOTAL',
      },
    ],
    ExecuteStatement: [
      { Statement: `SELECT * FROM "${T}" WHERE pk = ? AND sk = ?`, Parameters: [{ S: 'k1' }, { S: 's1' }], ConsistentRead: true, Limit: 2 },
      { Statement: `UPDATE "${T}" SET a = ? WHERE pk = ? AND sk = ?`, Parameters: [{ L: [{ N: '1' }] }, { S: 'k1' }, { S: 's1' }], ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
    ],
    BatchExecuteStatement: [
      {
        Statements: [
          { Statement: `SELECT * FROM "${T}" WHERE pk = ? AND sk = ?`, Parameters: [{ S: 'k1' }, { S: 's1' }], ConsistentRead: true },
          { Statement: `INSERT INTO "${T}" VALUE {'pk': ?, 'sk': 'x'}`, Parameters: [{ S: 'p1' }] },
        ],
        ReturnConsumedCapacity: 'TOTAL',
      },
    ],
    ExecuteTransaction: [
      {
        TransactStatements: [
          { Statement: `UPDATE "${T}" SET a = ? WHERE pk = ? AND sk = ?`, Parameters: [{ S: 'v' }, { S: 'e1' }, { S: 'x' }] },
          { Statement: `DELETE FROM "${T}" WHERE pk = 'e2' AND sk = 'x'` },
        ],
        ClientRequestToken: 'fuzz-tx',
        ReturnConsumedCapacity: 'TOTAL',
      },
    ],
    ListStreams: [{ TableName: T, Limit: 5, ExclusiveStartStreamArn: ctx.streamArn }],
    DescribeStream: [{ StreamArn: ctx.streamArn, Limit: 5, ExclusiveStartShardId: ctx.shardId, ShardFilter: { Type: 'CHILD_SHARDS', ShardId: ctx.shardId } }],
    GetShardIterator: [
      { StreamArn: ctx.streamArn, ShardId: ctx.shardId, ShardIteratorType: 'TRIM_HORIZON' },
      { StreamArn: ctx.streamArn, ShardId: ctx.shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: ctx.sequence },
    ],
    GetRecords: [{ ShardIterator: ctx.iterator, Limit: 5 }],
    // Export, import and bulk operations: the server has --export-dir (the buckets are empty folders).
    ExportTableToPointInTime: [
      { TableArn: ctx.arn, S3Bucket: 'fuzz-bucket', S3Prefix: 'p', ExportFormat: 'ION', ExportType: 'FULL_EXPORT', ClientToken: 'fuzz-export' },
    ],
    DescribeExport: [{ ExportArn: `${ctx.arn}/export/01234567890123-abcdef01` }],
    ListExports: [{ TableArn: ctx.arn, MaxResults: 5 }],
    ImportTable: [
      {
        S3BucketSource: { S3Bucket: 'fuzz-bucket', S3KeyPrefix: 'in/' },
        InputFormat: 'CSV',
        InputFormatOptions: { Csv: { Delimiter: ';', HeaderList: ['pk'] } },
        InputCompressionType: 'NONE',
        TableCreationParameters: {
          TableName: 'fuzz_import',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      },
    ],
    DescribeImport: [{ ImportArn: `${ctx.arn}/import/01234567890123-abcdef01` }],
    ListImports: [{ TableArn: ctx.arn, PageSize: 5 }],
    StartBulkPutItems: [
      {
        TableName: T,
        InputS3Configuration: { S3Bucket: 'fuzz-bucket', S3KeyPrefix: 'bulk/', InputFormat: 'DYNAMODB_JSON', InputCompressionType: 'GZIP' },
        OutputS3Configuration: { S3Bucket: 'fuzz-bucket', S3KeyPrefix: 'out', OutputType: ['ERROR'] },
        MaxWriteRequestUnits: 2048,
        PerformanceTier: 'STANDARD',
        ClientToken: 'fuzz-bulk',
      },
    ],
    DescribeBulkOperation: [{ BulkOperationArn: `${ctx.arn}/bulk-operation/01234567890123-abcdef01` }],
    ListBulkOperations: [{ MaxResults: 5 }],
    CancelBulkOperation: [{ BulkOperationArn: `${ctx.arn}/bulk-operation/01234567890123-abcdef01` }],
  };
}

/** A DynamoDB error envelope: `__type` names a DynamoDB or Coral error, and a message. */
const ERROR_TYPE = /^com\.amazon(?:aws\.dynamodb\.v20120810|\.coral\.(?:service|validate))#[A-Za-z]+$/;

describe('request-shape fuzzing of every operation', () => {
  let server: ServerProcess;
  let requests: Record<string, Json[]>;

  let buckets: { path: string; remove(): void };

  before(async () => {
    buckets = tempDir('openddb-fuzz-buckets-');
    server = await startServerProcess({ extraArgs: ['--export-dir', buckets.path] });
    const url = server.url;
    await call(url, DYNAMODB + 'CreateTable', {
      TableName: T,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'gsi', KeySchema: [{ AttributeName: 'gk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    await call(url, DYNAMODB + 'CreateTable', {
      TableName: 'fuzz_update',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'g', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{ IndexName: 'gi0', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await call(url, DYNAMODB + 'CreateTable', {
      TableName: 'fuzz_vectors',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'cat', AttributeType: 'S' },
        { AttributeName: 'color', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      VectorIndexes: [
        {
          IndexName: 'vidx',
          VectorAttribute: { AttributeName: 'v' },
          Dimensions: 2,
          DistanceFunction: 'COSINE',
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['title'] },
          SearchSchema: [
            { AttributeName: 'cat', SearchSchemaElementType: 'HASH' },
            { AttributeName: 'color', SearchSchemaElementType: 'INLINE_FILTER' },
          ],
        },
      ],
    });
    await call(url, DYNAMODB + 'PutItem', { TableName: 'fuzz_vectors', Item: { pk: { S: 'p' }, cat: { S: 'a' }, color: { S: 'red' }, v: { L: [{ N: '1' }, { N: '1' }] } } });
    await call(url, DYNAMODB + 'PutItem', { TableName: T, Item: fullItem });
    const described = await call(url, DYNAMODB + 'DescribeTable', { TableName: T });
    const streamArn = described.Table.LatestStreamArn as string;
    const stream = await call(url, STREAMS + 'DescribeStream', { StreamArn: streamArn });
    const shard = stream.StreamDescription.Shards[0];
    const iterator = await call(url, STREAMS + 'GetShardIterator', { StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' });
    requests = validRequests({
      arn: described.Table.TableArn,
      streamArn,
      shardId: shard.ShardId,
      iterator: iterator.ShardIterator,
      sequence: shard.SequenceNumberRange.StartingSequenceNumber,
    });
  });
  after(async () => {
    await server.stop();
    buckets.remove();
  });

  it('has a valid request for every operation', () => {
    const names = allOperations.map((op) => op.name).sort();
    assert.deepEqual(Object.keys(requests).sort(), names);
  });

  it("answers every mutant with a DynamoDB 400 error or a success, never a 500", async (t) => {
    const failures: string[] = [];
    let sent = 0;
    const perOperation: string[] = [];
    for (const op of allOperations) {
      const before = sent;
      const target = (op.service ?? DYNAMODB) + op.name;
      for (const request of requests[op.name] ?? []) {
        for (const { change, body } of [{ change: 'unchanged', body: JSON.stringify(request) }, ...mutants(request)]) {
          const r = await post(server.url, target, body);
          sent++;
          let problem: string | undefined;
          if (r.status === 200) continue;
          if (r.status !== 400) problem = `status ${r.status}`;
          else {
            const json = JSON.parse(r.text) as Record<string, unknown>;
            const type = String(json.__type);
            const message = json.message ?? json.Message;
            if (!ERROR_TYPE.test(type) || /InternalServerError|InternalFailure/.test(type)) problem = `type ${type}`;
            else if (typeof message !== 'string' && !/#(?:ConditionalCheckFailed|TransactionCanceled)/.test(type)) problem = 'no message';
          }
          if (problem !== undefined) failures.push(`${op.name} ${change} -> ${problem}: ${r.text.slice(0, 160)}`);
        }
      }
      perOperation.push(`${op.name} ${sent - before}`);
    }
    t.diagnostic(perOperation.join(', '));
    t.diagnostic(`${sent} requests`);
    assert.ok(sent > 2000, `only ${sent} requests were sent`);
    assert.deepEqual(failures.slice(0, 200), [], `${failures.length} of ${sent} mutants failed`);
  });
});
