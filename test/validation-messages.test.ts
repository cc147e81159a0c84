/**
 * Black-box tests of DynamoDB's exact validation texts where a request's
 * shape is wrong: null list members and map values, constraint messages
 * (member paths, rendered values, every violation counted), empty attribute
 * names, ExclusiveStartKey on tables with and without a sort key, tags and
 * their limits (TagResource, UntagResource, CreateTable), duplicate
 * AttributeDefinitions. Raw HTTP, because the SDK refuses some of these
 * shapes before sending them. Sources of each text: dynalite's
 * DynamoDB-verified tests, AWS's observed message catalogue, and DynamoDB
 * Local where DynamoDB's own service code speaks (see docs/compatibility.md
 * for the texts that are our best reading).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { defineTable, hashKeyTable } from './helpers/tables.js';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

let server: ServerProcess;
let tableArn: string;

async function call(op: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${op}`,
      authorization: AUTH,
      'x-amz-date': '20260101T000000Z',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function ok(op: string, body: unknown): Promise<Record<string, any>> {
  const r = await call(op, body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

async function expectError(op: string, body: unknown, type: string, message: string): Promise<void> {
  const r = await call(op, body);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.equal(String(r.json.__type).split('#')[1], type, JSON.stringify(r.json));
  assert.equal(r.json.message ?? r.json.Message, message);
}

const validation = (op: string, body: unknown, message: string) => expectError(op, body, 'ValidationException', message);

const HASH = 'vm_hash';
const RANGE = 'vm_range';

before(async () => {
  server = await startServerProcess();
  const created = await ok('CreateTable', hashKeyTable(HASH));
  tableArn = created.TableDescription.TableArn;
  await ok('CreateTable', defineTable(RANGE, 'pk:S sk:N'));
});
after(async () => {
  await server.stop();
});

describe('null list members and map values', () => {
  it('BatchGetItem: a null key, a null KeysAndAttributes', async () => {
    await validation(
      'BatchGetItem',
      { RequestItems: { [HASH]: { Keys: [null] } } },
      `The list of keys in RequestItems for BatchGetItem may not contain null or empty values: ${HASH} has one or more empty keys`,
    );
    await validation(
      'BatchGetItem',
      { RequestItems: { [HASH]: null } },
      `The list of keys in RequestItems for BatchGetItem is required: ${HASH} has empty list`,
    );
  });

  it('BatchWriteItem: a null write request, a null request list', async () => {
    await validation(
      'BatchWriteItem',
      { RequestItems: { [HASH]: [{ PutRequest: { Item: { pk: { S: 'a' } } } }, null] } },
      'The batch write request list for a table cannot be null or empty',
    );
    await validation(
      'BatchWriteItem',
      { RequestItems: { [HASH]: null } },
      `The batch write request list for a table cannot be null or empty: ${HASH}`,
    );
  });

  it('TransactWriteItems and TransactGetItems: a null member is a constraint violation, counted with the others', async () => {
    await validation(
      'TransactWriteItems',
      { TransactItems: [{ Put: { TableName: HASH, Item: { pk: { S: 'a' } } } }, null] },
      "1 validation error detected: Value null at 'transactItems.2.member' failed to satisfy constraint: Member must not be null",
    );
    await validation(
      'TransactGetItems',
      { TransactItems: [null], ReturnConsumedCapacity: 'hi' },
      "2 validation errors detected: Value null at 'transactItems.1.member' failed to satisfy constraint: Member must not be null; " +
        "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
    );
  });

  it('PartiQL: a null statement', async () => {
    await validation('BatchExecuteStatement', { Statements: [null] }, 'The statement was empty.');
    await validation('ExecuteTransaction', { TransactStatements: [null] }, 'ExecutePartiQLTransaction can not have empty statement.');
  });

  it('legacy conditions: a null condition or expected value', async () => {
    await validation('Scan', { TableName: HASH, ScanFilter: { a: null } }, 'The filter condition for an attribute cannot be null: a');
    await validation(
      'Query',
      { TableName: HASH, KeyConditions: { pk: null } },
      'The filter condition for an attribute cannot be null: pk',
    );
    await validation(
      'PutItem',
      { TableName: HASH, Item: { pk: { S: 'a' } }, Expected: { a: null } },
      'One or more parameter values were invalid: ExpectedAttributeValue must not be null for Attribute: a',
    );
    await validation(
      'UpdateItem',
      { TableName: HASH, Key: { pk: { S: 'a' } }, AttributeUpdates: { a: null } },
      "1 validation error detected: Value null at 'attributeUpdates.a.member' failed to satisfy constraint: Member must not be null",
    );
  });

  it('CreateTable: a null key schema element, attribute definition or tag', async () => {
    const base = hashKeyTable('vm_null');
    await validation('CreateTable', { ...base, KeySchema: [null] }, 'Key schema element is invalid.');
    await validation(
      'CreateTable',
      { ...base, AttributeDefinitions: [null] },
      "1 validation error detected: Value null at 'attributeDefinitions.1.member' failed to satisfy constraint: Member must not be null",
    );
    await validation(
      'CreateTable',
      { ...base, Tags: [{ Key: 'a', Value: 'b' }, null] },
      "1 validation error detected: Value null at 'tags.2.member' failed to satisfy constraint: Member must not be null",
    );
    assert.equal((await call('DescribeTable', { TableName: 'vm_null' })).status, 400);
  });
});

describe('constraint messages', () => {
  it('name the member in camelCase with the rendered value, and count every violation', async () => {
    await validation(
      'Scan',
      { TableName: HASH, Limit: -1 },
      "1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await validation(
      'Scan',
      { TableName: 'ab', Limit: 0, Segment: -1, ConditionalOperator: 'AN' },
      "4 validation errors detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]; " +
        "Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
    await validation(
      'ListTables',
      { Limit: 101 },
      "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
  });

  it('walk into list members and map values', async () => {
    await validation(
      'Query',
      { TableName: HASH, QueryFilter: { a: {}, b: { ComparisonOperator: '' } } },
      "2 validation errors detected: Value null at 'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null; " +
        "Value '' at 'queryFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: " +
        '[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]',
    );
    await validation(
      'CreateTable',
      {
        TableName: 'vm_proj',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [{ IndexName: 'gsi', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'abc' } }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      "1 validation error detected: Value 'abc' at 'globalSecondaryIndexes.1.member.projection.projectionType' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]',
    );
  });

  it("report a map's keys once against the whole map, and name a map value's members through .member", async () => {
    await validation(
      'BatchWriteItem',
      { RequestItems: { 'aa;': [{ PutRequest: {}, DeleteRequest: {} }] }, ReturnConsumedCapacity: 'hi' },
      "4 validation errors detected: Value '{aa;=[WriteRequest(putRequest=PutRequest(), deleteRequest=DeleteRequest())]}' at 'requestItems' " +
        'failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, ' +
        'Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]; ' +
        "Value null at 'requestItems.aa;.member.1.member.putRequest.item' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'requestItems.aa;.member.1.member.deleteRequest.key' failed to satisfy constraint: Member must not be null; " +
        "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
    );
  });

  it('the table operations ask for a missing TableName before any constraint', async () => {
    for (const op of ['CreateTable', 'DescribeTable', 'DeleteTable', 'UpdateTable', 'DescribeTimeToLive']) {
      await validation(op, { BillingMode: 'hi' }, "The parameter 'TableName' is required but was not present in the request");
    }
  });

  it('stop at ten violations', async () => {
    const r = await call('TransactGetItems', { TransactItems: Array.from({ length: 12 }, () => ({ Get: {} })) });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /^10 validation errors detected: /);
    assert.equal(r.json.message.split('; ').length, 10);
  });
});

describe('attribute names', () => {
  it('refuses the empty attribute name in items, keys, projections and legacy parameters', async () => {
    await validation('PutItem', { TableName: HASH, Item: { pk: { S: 'a' }, '': { S: 'x' } } }, 'Empty attribute name');
    await validation('GetItem', { TableName: HASH, Key: { pk: { S: 'a' } }, AttributesToGet: [''] }, 'Empty attribute name');
    await validation('Scan', { TableName: HASH, ScanFilter: { '': { ComparisonOperator: 'NULL' } } }, 'Empty attribute name');
    await validation(
      'UpdateItem',
      { TableName: HASH, Key: { pk: { S: 'a' } }, AttributeUpdates: { '': { Action: 'PUT', Value: { S: 'x' } } } },
      'Empty attribute name',
    );
    await validation(
      'PutItem',
      { TableName: HASH, Item: { pk: { S: 'a' } }, Expected: { '': { Exists: false } } },
      'Empty attribute name',
    );
    assert.deepEqual((await ok('GetItem', { TableName: HASH, Key: { pk: { S: 'a' } } })).Item, undefined);
  });

  it('refuses a name of 65,536 UTF-8 bytes or more, at the top of an item, as a map key at any depth, or through #names', async () => {
    const tooLarge = 'a'.repeat(65_536);
    // 21,846 three-byte characters: short in UTF-16, 65,538 bytes in UTF-8.
    const tooLargeInUtf8 = '€'.repeat(21_846);
    const message = '1 validation error detected: Attribute name is too large, must be less than 65536 bytes';
    await validation('PutItem', { TableName: HASH, Item: { pk: { S: 'n1' }, [tooLarge]: { S: 'x' } } }, message);
    await validation('PutItem', { TableName: HASH, Item: { pk: { S: 'n1' }, [tooLargeInUtf8]: { S: 'x' } } }, message);
    await validation(
      'PutItem',
      { TableName: HASH, Item: { pk: { S: 'n1' }, doc: { M: { a: { L: [{ M: { [tooLarge]: { N: '1' } } }] } } } } },
      message,
    );
    await validation(
      'UpdateItem',
      {
        TableName: HASH,
        Key: { pk: { S: 'n1' } },
        UpdateExpression: 'SET #n = :v',
        ExpressionAttributeNames: { '#n': tooLarge },
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      message,
    );
    assert.equal((await ok('GetItem', { TableName: HASH, Key: { pk: { S: 'n1' } } })).Item, undefined);
    // 65,535 bytes is the longest name DynamoDB takes.
    const longest = 'b'.repeat(65_535);
    await ok('PutItem', { TableName: HASH, Item: { pk: { S: 'n2' }, [longest]: { S: 'x' }, m: { M: { [longest]: { S: 'y' } } } } });
    const got = await ok('GetItem', { TableName: HASH, Key: { pk: { S: 'n2' } } });
    assert.equal(got.Item[longest].S, 'x');
  });

  it('refuses an expression attribute name that resolves to the empty name', async () => {
    await validation(
      'UpdateItem',
      {
        TableName: HASH,
        Key: { pk: { S: 'a' } },
        UpdateExpression: 'SET #a = :v',
        ExpressionAttributeNames: { '#a': '' },
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      'ExpressionAttributeNames contains invalid value: Empty attribute name for key #a',
    );
    await validation(
      'GetItem',
      { TableName: HASH, Key: { pk: { S: 'a' } }, ProjectionExpression: '#a', ExpressionAttributeNames: { '#a': '' } },
      'ExpressionAttributeNames contains invalid value: Empty attribute name for key #a',
    );
  });
});

describe('ExclusiveStartKey', () => {
  const query = (table: string, esk: unknown) => ({
    TableName: table,
    KeyConditionExpression: 'pk = :v',
    ExpressionAttributeValues: { ':v': { S: 'a' } },
    ExclusiveStartKey: esk,
  });
  const SCAN_MISMATCH = 'The provided starting key is invalid: The provided key element does not match the schema';

  it('on a table without a sort key: extra, missing and mistyped attributes', async () => {
    for (const esk of [{}, { pk: { S: 'a' }, x: { S: 'b' } }, { x: { S: 'b' } }, { pk: { N: '1' } }]) {
      await validation('Scan', { TableName: HASH, ExclusiveStartKey: esk }, SCAN_MISMATCH);
    }
    for (const esk of [{}, { pk: { S: 'a' }, x: { S: 'b' } }, { x: { S: 'b' } }]) {
      await validation('Query', query(HASH, esk), 'The provided starting key is invalid');
    }
    await validation('Query', query(HASH, { pk: { N: '1' } }), 'The provided key element does not match the schema');
    await validation(
      'Scan',
      { TableName: HASH, ExclusiveStartKey: { pk: { S: '' } } },
      'The provided starting key is invalid: One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
    );
  });

  it('on a table with a sort key: missing sort key, extra attribute, mistyped sort key', async () => {
    await validation('Scan', { TableName: RANGE, ExclusiveStartKey: { pk: { S: 'a' } } }, SCAN_MISMATCH);
    await validation('Scan', { TableName: RANGE, ExclusiveStartKey: { pk: { S: 'a' }, sk: { N: '1' }, x: { S: 'b' } } }, SCAN_MISMATCH);
    await validation('Scan', { TableName: RANGE, ExclusiveStartKey: { pk: { S: 'a' }, sk: { S: '1' } } }, SCAN_MISMATCH);
    await validation('Query', query(RANGE, { pk: { S: 'a' } }), 'The provided starting key is invalid');
    await validation('Query', query(RANGE, { pk: { S: 'a' }, sk: { S: '1' } }), 'The provided key element does not match the schema');
    // A valid one pages on.
    assert.equal((await ok('Query', query(RANGE, { pk: { S: 'a' }, sk: { N: '1' } }))).Count, 0);
  });
});

describe('tags', () => {
  it('TagResource: at least one tag, valid keys and values, no aws: prefix, no duplicate key', async () => {
    await validation('TagResource', { ResourceArn: tableArn, Tags: [] }, 'Atleast one Tag needs to be provided as Input.');
    await validation('TagResource', { ResourceArn: tableArn, Tags: [{ Key: 'a*b', Value: 'v' }] }, 'The Tag Key provided is invalid, Key: a*b');
    await validation('TagResource', { ResourceArn: tableArn, Tags: [{ Key: 'k', Value: 'v{' }] }, 'The Tag Value provided is invalid, Value: v{');
    await validation('TagResource', { ResourceArn: tableArn, Tags: [{ Key: 'k' }] }, 'The Tag Value provided is invalid, Value: null');
    await validation('TagResource', { ResourceArn: tableArn, Tags: [{ Key: 'aws:x', Value: 'v' }] }, 'Tag Key cannot be prefixed with aws:, Key: aws:x');
    await validation(
      'TagResource',
      { ResourceArn: tableArn, Tags: [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }] },
      'Duplicate Tag Keys provided as input: Duplicate Tag Key found k',
    );
    await validation(
      'TagResource',
      { ResourceArn: tableArn, Tags: [{ Key: 'x'.repeat(129), Value: 'v' }] },
      `1 validation error detected: Value '${'x'.repeat(129)}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
    await validation(
      'TagResource',
      { ResourceArn: tableArn, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] },
      `1 validation error detected: Value '${'v'.repeat(257)}' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
    assert.deepEqual((await ok('ListTagsOfResource', { ResourceArn: tableArn })).Tags, []);
  });

  it('refuses ARNs that are not ARNs or name no valid table', async () => {
    await validation(
      'TagResource',
      { ResourceArn: 'not-an-arn', Tags: [{ Key: 'k', Value: 'v' }] },
      "One or more parameter values were invalid: ARNs must start with 'arn:': not-an-arn",
    );
    const shortName = tableArn.replace(/table\/.*$/, 'table/ab');
    await validation(
      'ListTagsOfResource',
      { ResourceArn: shortName },
      `Invalid TableArn: Invalid ResourceArn provided as input ${shortName}`,
    );
    const missing = tableArn.replace(/table\/.*$/, 'table/vm_missing');
    await expectError('UntagResource', { ResourceArn: missing, TagKeys: ['a'] }, 'ResourceNotFoundException', 'Requested resource not found');
    await validation('UntagResource', { ResourceArn: missing, TagKeys: [] }, 'Atleast one Tag Key needs to be provided as Input.');
  });

  it('at most 50 tags per resource, counted over the tags already there (TagResource and CreateTable)', async () => {
    const tags = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: 'v' }));
    await ok('TagResource', { ResourceArn: tableArn, Tags: tags(49) });
    await validation(
      'TagResource',
      { ResourceArn: tableArn, Tags: tags(2, 'u') },
      'Number of Tags exceed the current limit for the provided ResourceArn',
    );
    await ok('TagResource', { ResourceArn: tableArn, Tags: tags(1, 'u') });
    assert.equal((await ok('ListTagsOfResource', { ResourceArn: tableArn })).Tags.length, 50);
    await validation(
      'CreateTable',
      hashKeyTable('vm_tags', { Tags: tags(51) }),
      'Number of Tags exceed the current limit for the provided ResourceArn',
    );
    await ok('UntagResource', { ResourceArn: tableArn, TagKeys: [...tags(49), ...tags(1, 'u')].map((t) => t.Key) });
  });
});

describe('AttributeDefinitions', () => {
  it('refuses an attribute defined twice, on CreateTable and UpdateTable', async () => {
    await validation(
      'CreateTable',
      {
        TableName: 'vm_dup',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'pk', AttributeType: 'N' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      'Attribute Name is duplicated: pk',
    );
    await validation(
      'UpdateTable',
      {
        TableName: HASH,
        AttributeDefinitions: [
          { AttributeName: 'g', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: 'gsi', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
        ],
      },
      'Attribute Name is duplicated: g',
    );
  });
});
