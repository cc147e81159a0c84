/**
 * Black-box: `--auth FILE` with the real SDK v3 — signatures verified,
 * every authentication error, presigned requests, per-account tables,
 * identity-based policies (the seeds' two verbatim), reloads of the file,
 * and the refusal to serve anonymous requests beyond loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DescribeStreamCommand, DynamoDBStreamsClient, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { join } from 'node:path';
import {
  BatchGetItemCommand, BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand,
  PutItemCommand, QueryCommand, ScanCommand, TransactWriteItemsCommand, DeleteTableCommand, ExecuteStatementCommand, DescribeLimitsCommand, TagResourceCommand, UpdateItemCommand,
  PutResourcePolicyCommand, GetResourcePolicyCommand, DeleteResourcePolicyCommand, DeleteItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CLI, expectError, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { signer } from './helpers/sigv4-signer.js';

const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0;

const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';
const tableArn = (account: string, table: string) => `arn:aws:dynamodb:us-east-1:${account}:table/${table}`;
const ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] };

function identities(extra: object[] = []) {
  return {
    identities: [
      { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/admin`, policies: [ALL] },
      { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret', arn: `arn:aws:iam::${ACCOUNT_B}:user/other`, policies: [ALL] },
      {
        accessKeyId: 'AKIDTEMP', secretAccessKey: 'temp-secret', sessionToken: 'session-1',
        arn: `arn:aws:sts::${ACCOUNT_A}:assumed-role/app/temp`, policies: [ALL],
      },
      {
        accessKeyId: 'AKIDEXPIRED', secretAccessKey: 'x', sessionToken: 't', sessionTokenExpires: '2020-01-01T00:00:00Z',
        arn: `arn:aws:sts::${ACCOUNT_A}:assumed-role/app/old`, policies: [ALL],
      },
      // Seed (a): item access to one table ARN, verbatim.
      {
        accessKeyId: 'AKIDAPP', secretAccessKey: 'app-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/app`,
        policies: [{
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan'],
            Resource: tableArn(ACCOUNT_A, 'security_orders'),
          }],
        }],
      },
      // Seed (b): each user reads and writes only the items under their own partition key.
      {
        accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/alice`, userId: 'alice',
        policies: [{
          Version: '2012-10-17',
          Statement: [{
            Sid: 'AllowAccessToOnlyItemsMatchingUserID',
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
            Resource: [tableArn(ACCOUNT_A, 'security_scores')],
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:userid}'] } },
          }],
        }],
      },
      // Allow everything on the tables, but deny deletes explicitly; index reads only on one index.
      {
        accessKeyId: 'AKIDDENY', secretAccessKey: 'deny-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/denied`,
        policies: [{
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['dynamodb:*'], Resource: [tableArn(ACCOUNT_A, 'security_*')] },
            { Effect: 'Deny', Action: ['dynamodb:DeleteItem', 'dynamodb:DeleteTable'], Resource: '*' },
            { Effect: 'Deny', NotAction: 'dynamodb:Get*', Resource: tableArn(ACCOUNT_A, 'security_scores') },
          ],
        }],
      },
      // Tags: item reads on tables tagged with the principal's team; updates of two attributes only.
      {
        accessKeyId: 'AKIDTEAM', secretAccessKey: 'team-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/teamer`, tags: { team: 'blue' },
        policies: [{
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } },
            { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['status', 'note'] } } },
          ],
        }],
      },
      // No identity-based policy at all: only resource-based policies can grant it anything.
      { accessKeyId: 'AKIDNOPOL', secretAccessKey: 'nopol-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/nopol` },
      // aws:SourceIp: ListTables from loopback, DescribeLimits only from 10/8.
      {
        accessKeyId: 'AKIDIP', secretAccessKey: 'ip-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/ip`,
        policies: [{
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'dynamodb:ListTables', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } },
            { Effect: 'Allow', Action: 'dynamodb:DescribeLimits', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } } },
            // Item operations read their condition keys lazily (api/authorize): the request's own keys must be there too.
            { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' }, Bool: { 'aws:SecureTransport': 'false' } } },
            { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
            { Effect: 'Deny', Action: 'dynamodb:Scan', Resource: '*', Condition: { NumericGreaterThan: { 'aws:EpochTime': '1700000000' } } },
          ],
        }],
      },
      ...extra,
    ],
  };
}

function sdk(url: string, accessKeyId: string, secretAccessKey: string, sessionToken?: string, region = 'us-east-1'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url, region, maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
  });
}

describe('--auth', () => {
  let server: ServerProcess;
  let dir: { path: string; remove(): void };
  let file: string;
  let admin: DynamoDBClient;

  before(async () => {
    dir = tempDir('openddb-auth-');
    file = join(dir.path, 'auth.json');
    writeFileSync(file, JSON.stringify(identities()));
    server = await startServerProcess({ extraArgs: ['--auth', file] });
    admin = sdk(server.url, 'AKIDADMIN', 'admin-secret');
    for (const name of ['security_orders', 'security_scores', 'security_other']) {
      await admin.send(new CreateTableCommand({
        TableName: name, BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, { AttributeName: 'g', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      }));
    }
  });
  after(async () => {
    await server.stop();
    dir.remove();
  });

  describe('authentication', () => {
    test('right keys work; a session token with its identity', async () => {
      await admin.send(new PutItemCommand({ TableName: 'security_orders', Item: { pk: { S: 'o1' }, sk: { S: 'a' } } }));
      const temp = sdk(server.url, 'AKIDTEMP', 'temp-secret', 'session-1');
      const got = await temp.send(new GetItemCommand({ TableName: 'security_orders', Key: { pk: { S: 'o1' }, sk: { S: 'a' } } }));
      assert.equal(got.Item?.pk?.S, 'o1');
    });

    test('InvalidSignatureException: a wrong secret', async () => {
      const err = await expectError(sdk(server.url, 'AKIDADMIN', 'wrong').send(new ListTablesCommand({})), 'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
      assert.equal(err.$metadata?.httpStatusCode, 400);
    });

    test('UnrecognizedClientException: an unknown access key; a wrong or missing session token', async () => {
      await expectError(sdk(server.url, 'AKIDNOBODY', 'x').send(new ListTablesCommand({})), 'UnrecognizedClientException',
        'The security token included in the request is invalid.');
      await expectError(sdk(server.url, 'AKIDTEMP', 'temp-secret', 'session-2').send(new ListTablesCommand({})), 'UnrecognizedClientException');
      await expectError(sdk(server.url, 'AKIDTEMP', 'temp-secret').send(new ListTablesCommand({})), 'UnrecognizedClientException');
    });

    test('ExpiredTokenException', async () => {
      await expectError(sdk(server.url, 'AKIDEXPIRED', 'x', 't').send(new ListTablesCommand({})), 'ExpiredTokenException',
        'The security token included in the request is expired');
    });

    test('MissingAuthenticationTokenException and IncompleteSignatureException', async () => {
      const post = (headers: Record<string, string>) =>
        fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', ...headers }, body: '{}' });
      const missing = await post({});
      assert.equal(missing.status, 400);
      assert.match(await missing.text(), /MissingAuthenticationTokenException/);
      const unknown = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Nope' }, body: '{}' });
      assert.match(await unknown.text(), /UnknownOperationException/);
      const incomplete = await post({ authorization: 'AWS4-HMAC-SHA256 Signature=abc', 'x-amz-date': '20261205T140000Z' });
      assert.match(await incomplete.text(), /IncompleteSignatureException.*Authorization header requires 'Credential' parameter/);
    });

    test('a gzip body is verified as sent, before it is inflated; without credentials it is never inflated', async () => {
      const url = new URL(server.url);
      const body = gzipSync(JSON.stringify({ TableName: 'security_orders', Key: { pk: { S: 'o1' }, sk: { S: 'a' } } }));
      const headers = {
        host: url.host, 'content-type': 'application/x-amz-json-1.0', 'content-encoding': 'gzip', 'x-amz-target': 'DynamoDB_20120810.GetItem',
      };
      const signed = await signer({ accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' }).sign({
        method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body,
      });
      const ok = await fetch(server.url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.equal(((await ok.json()) as { Item: { pk: { S: string } } }).Item.pk.S, 'o1');
      // A broken gzip stream would be InternalFailure (500) once inflated; unauthenticated, it is refused first.
      const { host: _host, ...unsigned } = headers;
      const refused = await fetch(server.url, { method: 'POST', headers: unsigned, body: Buffer.from('not gzip') });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /MissingAuthenticationTokenException/);
    });

    test('signed header values with runs of spaces, tabs, repeated lines and white space around them verify as the SDK signs them', async () => {
      const url = new URL(server.url);
      const body = JSON.stringify({ TableName: 'security_orders', Key: { pk: { S: 'o1' }, sk: { S: 'a' } } });
      /** One request over a socket of its own: the header lines written as given. */
      const raw = (lines: string[]) => new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(url.port), url.hostname);
        const chunks: Buffer[] = [];
        socket.on('data', (c) => chunks.push(c));
        socket.on('error', reject);
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.end(`POST / HTTP/1.1\r\n${lines.join('\r\n')}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      // The note's lines as sent, and the value the SDK signs (it trims it and folds its white space).
      const cases: [string[], string][] = [
        [['x-amz-meta-note:   two  spaces\there  '], 'two  spaces\there'],
        [['x-amz-meta-note: a', 'X-Amz-Meta-Note:  b '], 'a, b'],
        [['x-amz-meta-note: a', 'x-amz-meta-note:'], 'a,'],
        [['x-amz-meta-note: plain'], 'plain'],
      ];
      for (const [noteLines, signedAs] of cases) {
        for (const secret of ['admin-secret', 'wrong']) {
          const headers = {
            host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', 'x-amz-meta-note': signedAs,
          };
          const signed = await signer({ accessKeyId: 'AKIDADMIN', secretAccessKey: secret }).sign({
            method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body,
          });
          const lines = Object.entries(signed.headers as Record<string, string>).filter(([k]) => k.toLowerCase() !== 'x-amz-meta-note').map(([k, v]) => `${k}: ${v}`);
          const answer = await raw([...lines, ...noteLines]);
          if (secret === 'wrong') assert.match(answer, /^HTTP\/1\.1 400[^]*InvalidSignatureException/, JSON.stringify(noteLines));
          else assert.match(answer, /^HTTP\/1\.1 200[^]*"pk":\{"S":"o1"\}/, `${JSON.stringify(noteLines)}: ${answer}`);
        }
      }
    });

    test('clock skew: a signature 20 minutes old is expired', async () => {
      const old = new DynamoDBClient({
        endpoint: server.url, region: 'us-east-1', maxAttempts: 1, systemClockOffset: -20 * 60 * 1000,
        credentials: { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' },
      });
      await expectError(old.send(new ListTablesCommand({})), 'InvalidSignatureException', /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    });

    test('a presigned URL (query-string signature) works, and fails once tampered with', async () => {
      const url = new URL(server.url);
      const body = JSON.stringify({ TableName: 'security_orders', Key: { pk: { S: 'o1' }, sk: { S: 'a' } } });
      const request = {
        method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
        headers: { host: url.host }, query: {}, body,
      };
      const presigned = await signer({ accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' }).presign(request, { expiresIn: 60 });
      const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
      const send = (q: string) => fetch(`${server.url}/?${q}`, {
        method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' }, body,
      });
      const ok = await send(query);
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.equal(((await ok.json()) as { Item: { pk: { S: string } } }).Item.pk.S, 'o1');
      const bad = await send(query.replace(/X-Amz-Signature=[0-9a-f]{8}/, 'X-Amz-Signature=00000000'));
      assert.match(await bad.text(), /InvalidSignatureException/);
    });
  });

  describe('accounts', () => {
    test("two accounts see separate tables; a table's ARN carries its account", async () => {
      const other = sdk(server.url, 'AKIDOTHER', 'other-secret');
      const mine = await admin.send(new ListTablesCommand({}));
      assert.ok(mine.TableNames?.includes('security_orders'));
      assert.deepEqual((await other.send(new ListTablesCommand({}))).TableNames, []);
      await other.send(new CreateTableCommand({
        TableName: 'security_orders', BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }));
      const created = await other.send(new ScanCommand({ TableName: 'security_orders' }));
      assert.equal(created.Count, 0);
      await other.send(new DeleteTableCommand({ TableName: 'security_orders' }));
    });
  });

  describe('policies', () => {
    const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'a' } });

    test('seed (a): the six item actions on one table ARN, nothing else', async () => {
      const app = sdk(server.url, 'AKIDAPP', 'app-secret');
      await app.send(new PutItemCommand({ TableName: 'security_orders', Item: { ...key('o2'), g: { S: 'x' } } }));
      await app.send(new GetItemCommand({ TableName: 'security_orders', Key: key('o2') }));
      await app.send(new QueryCommand({ TableName: 'security_orders', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'o2' } } }));
      await app.send(new ScanCommand({ TableName: 'security_orders' }));
      await expectError(app.send(new GetItemCommand({ TableName: 'security_other', Key: key('o2') })), 'AccessDeniedException',
        `User: arn:aws:iam::${ACCOUNT_A}:user/app is not authorized to perform: dynamodb:GetItem on resource: ${tableArn(ACCOUNT_A, 'security_other')} because no identity-based policy allows the dynamodb:GetItem action`);
      await expectError(app.send(new QueryCommand({ TableName: 'security_orders', IndexName: 'byG', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': { S: 'x' } } })),
        'AccessDeniedException',
        `User: arn:aws:iam::${ACCOUNT_A}:user/app is not authorized to perform: dynamodb:Query on resource: ${tableArn(ACCOUNT_A, 'security_orders')}/index/byG because no identity-based policy allows the dynamodb:Query action`);
      await expectError(app.send(new ListTablesCommand({})), 'AccessDeniedException', /dynamodb:ListTables on resource: arn:aws:dynamodb:us-east-1:111122223333:table\/\*/);
      await expectError(app.send(new DeleteTableCommand({ TableName: 'security_orders' })), 'AccessDeniedException', /dynamodb:DeleteTable/);
    });

    test('seed (b): dynamodb:LeadingKeys with ${aws:userid}', async () => {
      const alice = sdk(server.url, 'AKIDALICE', 'alice-secret');
      await alice.send(new PutItemCommand({ TableName: 'security_scores', Item: key('alice') }));
      assert.equal((await alice.send(new GetItemCommand({ TableName: 'security_scores', Key: key('alice') }))).Item?.pk?.S, 'alice');
      await alice.send(new QueryCommand({ TableName: 'security_scores', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'pk' }, ExpressionAttributeValues: { ':p': { S: 'alice' } } }));
      await expectError(alice.send(new GetItemCommand({ TableName: 'security_scores', Key: key('bob') })), 'AccessDeniedException',
        `User: arn:aws:iam::${ACCOUNT_A}:user/alice is not authorized to perform: dynamodb:GetItem on resource: ${tableArn(ACCOUNT_A, 'security_scores')} because no identity-based policy allows the dynamodb:GetItem action`);
      await expectError(alice.send(new PutItemCommand({ TableName: 'security_scores', Item: key('bob') })), 'AccessDeniedException');
      await expectError(alice.send(new QueryCommand({ TableName: 'security_scores', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'bob' } } })), 'AccessDeniedException');
      // Batch items with mixed permissions: one foreign key denies the whole batch, and nothing is written.
      await expectError(alice.send(new BatchWriteItemCommand({ RequestItems: { security_scores: [{ PutRequest: { Item: key('alice') } }, { PutRequest: { Item: key('mallory') } }] } })),
        'AccessDeniedException', /dynamodb:BatchWriteItem on resource/);
      assert.equal((await admin.send(new GetItemCommand({ TableName: 'security_scores', Key: key('mallory') }))).Item, undefined);
      const got = await alice.send(new BatchGetItemCommand({ RequestItems: { security_scores: { Keys: [key('alice')] } } }));
      assert.equal(got.Responses?.security_scores?.length, 1);
      // A batch over two tables is checked per table.
      await expectError(alice.send(new BatchGetItemCommand({ RequestItems: { security_scores: { Keys: [key('alice')] }, security_orders: { Keys: [key('o1')] } } })),
        'AccessDeniedException', new RegExp(`dynamodb:BatchGetItem on resource: ${tableArn(ACCOUNT_A, 'security_orders')} `));
    });

    test('explicit deny wins over an allow; NotAction; transaction items each checked', async () => {
      const denied = sdk(server.url, 'AKIDDENY', 'deny-secret');
      await denied.send(new PutItemCommand({ TableName: 'security_orders', Item: key('d1') }));
      await expectError(denied.send(new DeleteTableCommand({ TableName: 'security_other' })), 'AccessDeniedException',
        `User: arn:aws:iam::${ACCOUNT_A}:user/denied is not authorized to perform: dynamodb:DeleteTable on resource: ${tableArn(ACCOUNT_A, 'security_other')} with an explicit deny in an identity-based policy`);
      await denied.send(new GetItemCommand({ TableName: 'security_scores', Key: key('alice') }));
      await expectError(denied.send(new PutItemCommand({ TableName: 'security_scores', Item: key('x') })), 'AccessDeniedException', /with an explicit deny/);
      await expectError(denied.send(new TransactWriteItemsCommand({ TransactItems: [
        { Put: { TableName: 'security_orders', Item: key('t1') } },
        { Delete: { TableName: 'security_orders', Key: key('d1') } },
      ] })), 'AccessDeniedException', /dynamodb:DeleteItem on resource: .*table\/security_orders with an explicit deny/);
      assert.equal((await admin.send(new GetItemCommand({ TableName: 'security_orders', Key: key('t1') }))).Item, undefined);
      // PartiQL is checked as dynamodb:PartiQL<Verb>: seed (a) names only the item actions.
      const app = sdk(server.url, 'AKIDAPP', 'app-secret');
      await expectError(app.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "security_orders" WHERE pk = 'd1'` })),
        'AccessDeniedException', /dynamodb:PartiQLSelect on resource: .*table\/security_orders because no identity-based policy/);
      await denied.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "security_orders"."byG" WHERE g = 'x'` }));
    });
  });

  test('aws:ResourceTag / aws:PrincipalTag, and dynamodb:Attributes of an UpdateItem', async () => {
    const team = sdk(server.url, 'AKIDTEAM', 'team-secret');
    const k = { pk: { S: 'o1' }, sk: { S: 'a' } };
    await expectError(team.send(new GetItemCommand({ TableName: 'security_other', Key: k })), 'AccessDeniedException');
    await admin.send(new TagResourceCommand({ ResourceArn: tableArn(ACCOUNT_A, 'security_other'), Tags: [{ Key: 'team', Value: 'blue' }] }));
    await team.send(new GetItemCommand({ TableName: 'security_other', Key: k }));
    await expectError(team.send(new GetItemCommand({ TableName: 'security_orders', Key: k })), 'AccessDeniedException');
    await team.send(new UpdateItemCommand({ TableName: 'security_orders', Key: k, UpdateExpression: 'SET #s = :s, note = :n', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'ok' }, ':n': { S: 'x' } } }));
    await expectError(team.send(new UpdateItemCommand({ TableName: 'security_orders', Key: k, UpdateExpression: 'SET price = :p', ExpressionAttributeValues: { ':p': { N: '1' } } })),
      'AccessDeniedException', /dynamodb:UpdateItem/);
  });

  test('the Streams API signs for service dynamodb and is checked on the stream ARN', async () => {
    const streamsOf = (key: string, secret: string) => new DynamoDBStreamsClient({
      endpoint: server.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: key, secretAccessKey: secret },
    });
    await admin.send(new CreateTableCommand({
      TableName: 'security_streamed', BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }));
    const listed = await streamsOf('AKIDADMIN', 'admin-secret').send(new ListStreamsCommand({ TableName: 'security_streamed' }));
    const streamArn = listed.Streams?.[0]?.StreamArn;
    assert.match(streamArn ?? '', new RegExp(`^${tableArn(ACCOUNT_A, 'security_streamed')}/stream/`));
    await expectError(streamsOf('AKIDAPP', 'app-secret').send(new DescribeStreamCommand({ StreamArn: streamArn })), 'AccessDeniedException',
      `User: arn:aws:iam::${ACCOUNT_A}:user/app is not authorized to perform: dynamodb:DescribeStream on resource: ${streamArn} because no identity-based policy allows the dynamodb:DescribeStream action`);
    await expectError(streamsOf('AKIDADMIN', 'wrong').send(new ListStreamsCommand({})), 'InvalidSignatureException');

    // A stream's own resource-based policy: it governs the stream, not the table, and the table's does not reach the stream.
    const nopolStreams = streamsOf('AKIDNOPOL', 'nopol-secret');
    const nopol = sdk(server.url, 'AKIDNOPOL', 'nopol-secret');
    await expectError(admin.send(new GetResourcePolicyCommand({ ResourceArn: streamArn })), 'PolicyNotFoundException');
    await admin.send(new PutResourcePolicyCommand({
      ResourceArn: tableArn(ACCOUNT_A, 'security_streamed'),
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_A}:user/nopol` }, Action: 'dynamodb:*', Resource: tableArn(ACCOUNT_A, 'security_streamed') }] }),
    }));
    await nopol.send(new GetItemCommand({ TableName: 'security_streamed', Key: { pk: { S: 'x' } } }));
    await expectError(nopolStreams.send(new DescribeStreamCommand({ StreamArn: streamArn })), 'AccessDeniedException', /because no identity-based policy allows the dynamodb:DescribeStream action$/);
    const streamPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_A}:user/nopol` }, Action: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'], Resource: streamArn }],
    });
    const put = await admin.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: streamPolicy, ExpectedRevisionId: 'NO_POLICY' }));
    assert.deepEqual(await admin.send(new GetResourcePolicyCommand({ ResourceArn: streamArn })).then((r) => [r.Policy, r.RevisionId]), [streamPolicy, put.RevisionId]);
    const described = await nopolStreams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    assert.equal(described.StreamDescription?.StreamArn, streamArn);
    // The table's policy is untouched by the stream's.
    assert.notEqual((await admin.send(new GetResourcePolicyCommand({ ResourceArn: tableArn(ACCOUNT_A, 'security_streamed') }))).Policy, streamPolicy);
    await expectError(admin.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: streamPolicy, ExpectedRevisionId: '1' })), 'PolicyNotFoundException');
    await expectError(admin.send(new GetResourcePolicyCommand({ ResourceArn: `${tableArn(ACCOUNT_A, 'security_streamed')}/stream/2020-01-01T00:00:00.000` })), 'ResourceNotFoundException');
    // Deleted with its revision id, the stream is closed to the principal again.
    await admin.send(new DeleteResourcePolicyCommand({ ResourceArn: streamArn, ExpectedRevisionId: put.RevisionId }));
    await expectError(nopolStreams.send(new DescribeStreamCommand({ StreamArn: streamArn })), 'AccessDeniedException');
    await expectError(admin.send(new DeleteResourcePolicyCommand({ ResourceArn: streamArn })), 'PolicyNotFoundException');
  });

  test('resource-based policies: revisions, cross-account grants, same-account grants, explicit denies', async () => {
    const other = sdk(server.url, 'AKIDOTHER', 'other-secret');
    const nopol = sdk(server.url, 'AKIDNOPOL', 'nopol-secret');
    const arn = tableArn(ACCOUNT_A, 'security_other');
    const k = { pk: { S: 'r1' }, sk: { S: 'a' } };
    await admin.send(new PutItemCommand({ TableName: 'security_other', Item: k }));
    await expectError(admin.send(new GetResourcePolicyCommand({ ResourceArn: arn })), 'PolicyNotFoundException',
      `Resource-based policy not found for the provided ResourceArn: ${arn}`);
    // Another account's table by ARN: its identity policy allows everything, but no resource policy does.
    await expectError(other.send(new GetItemCommand({ TableName: arn, Key: k })), 'AccessDeniedException',
      `User: arn:aws:iam::${ACCOUNT_B}:user/other is not authorized to perform: dynamodb:GetItem on resource: ${arn} because no resource-based policy allows the dynamodb:GetItem action`);
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:user/other` }, Action: 'dynamodb:GetItem', Resource: arn },
        { Effect: 'Allow', Principal: { AWS: ACCOUNT_A }, Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [arn, `${arn}/index/*`] },
        { Effect: 'Deny', Principal: '*', Action: 'dynamodb:DeleteItem', Resource: arn },
      ],
    });
    const put = await admin.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: document }));
    assert.match(put.RevisionId ?? '', /^\d{13,}$/);
    assert.equal((await admin.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: document }))).RevisionId, put.RevisionId);
    const got = await admin.send(new GetResourcePolicyCommand({ ResourceArn: arn }));
    assert.deepEqual([got.Policy, got.RevisionId], [document, put.RevisionId]);
    await expectError(admin.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: document, ExpectedRevisionId: 'NO_POLICY' })), 'PolicyNotFoundException');
    await expectError(admin.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: '{"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}' })),
      'ValidationException', /Invalid policy document: .*needs a Principal/);

    assert.equal((await other.send(new GetItemCommand({ TableName: arn, Key: k }))).Item?.pk?.S, 'r1');
    await expectError(other.send(new PutItemCommand({ TableName: arn, Item: k })), 'AccessDeniedException', /because no resource-based policy allows the dynamodb:PutItem action$/);
    await expectError(other.send(new GetItemCommand({ TableName: 'security_other', Key: k })), 'ResourceNotFoundException');
    // Same account: the resource policy alone grants it; its explicit deny beats the admin's allow.
    assert.equal((await nopol.send(new GetItemCommand({ TableName: 'security_other', Key: k }))).Item?.pk?.S, 'r1');
    await expectError(nopol.send(new PutItemCommand({ TableName: 'security_other', Item: k })), 'AccessDeniedException', /because no identity-based policy allows/);
    await expectError(admin.send(new DeleteItemCommand({ TableName: 'security_other', Key: k })), 'AccessDeniedException',
      `User: arn:aws:iam::${ACCOUNT_A}:user/admin is not authorized to perform: dynamodb:DeleteItem on resource: ${arn} with an explicit deny in a resource-based policy`);

    await expectError(admin.send(new DeleteResourcePolicyCommand({ ResourceArn: arn, ExpectedRevisionId: '1' })), 'PolicyNotFoundException');
    const deleted = await admin.send(new DeleteResourcePolicyCommand({ ResourceArn: arn, ExpectedRevisionId: put.RevisionId }));
    assert.ok(Number(deleted.RevisionId) > Number(put.RevisionId));
    await expectError(admin.send(new DeleteResourcePolicyCommand({ ResourceArn: arn })), 'PolicyNotFoundException');
    await expectError(other.send(new GetItemCommand({ TableName: arn, Key: k })), 'AccessDeniedException');
    await expectError(nopol.send(new GetItemCommand({ TableName: 'security_other', Key: k })), 'AccessDeniedException');

    // CreateTable's ResourcePolicy attaches one at creation.
    const createdArn = tableArn(ACCOUNT_A, 'security_withpolicy');
    await admin.send(new CreateTableCommand({
      TableName: 'security_withpolicy', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_A}:user/nopol` }, Action: 'dynamodb:PutItem', Resource: createdArn }] }),
    }));
    await nopol.send(new PutItemCommand({ TableName: 'security_withpolicy', Item: { pk: { S: 'x' } } }));
    assert.match((await admin.send(new GetResourcePolicyCommand({ ResourceArn: createdArn }))).RevisionId ?? '', /^\d+$/);
  });

  test('aws:SourceIp is the client address', async () => {
    const ip = sdk(server.url, 'AKIDIP', 'ip-secret');
    await ip.send(new ListTablesCommand({}));
    await expectError(ip.send(new DescribeLimitsCommand({})), 'AccessDeniedException', /dynamodb:DescribeLimits/);
    // Allowed, so the table's absence is what answers.
    await expectError(ip.send(new GetItemCommand({ TableName: 'ip_none', Key: { pk: { S: 'a' } } })), 'ResourceNotFoundException');
    await expectError(ip.send(new QueryCommand({ TableName: 'ip_none', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'a' } } })), 'ResourceNotFoundException');
    await expectError(ip.send(new PutItemCommand({ TableName: 'ip_none', Item: { pk: { S: 'a' } } })), 'AccessDeniedException', /no identity-based policy allows the dynamodb:PutItem action/);
    await expectError(ip.send(new ScanCommand({ TableName: 'ip_none' })), 'AccessDeniedException', /with an explicit deny in an identity-based policy/);
  });

  test('boto3 signs with right and wrong keys', { skip: !hasBoto3 && 'python3 with boto3 is not installed' }, () => {
    const script = `
import sys, boto3
from botocore.exceptions import ClientError
def client(key, secret):
    return boto3.client('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=key, aws_secret_access_key=secret)
print(len(client('AKIDADMIN', 'admin-secret').list_tables()['TableNames']))
for key, secret in (('AKIDADMIN', 'wrong'), ('AKIDNOBODY', 'x')):
    try:
        client(key, secret).list_tables()
    except ClientError as e:
        print(e.response['Error']['Code'])
`;
    const run = spawnSync('python3', ['-c', script, server.url], { encoding: 'utf8', timeout: 60000 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.ok(Number(lines[0]) >= 3);
    assert.deepEqual(lines.slice(1), ['InvalidSignatureException', 'UnrecognizedClientException']);
  });

  test('a changed file applies without a restart; a broken one is refused and the old identities stay', async () => {
    const newcomer = sdk(server.url, 'AKIDNEW', 'new-secret');
    await expectError(newcomer.send(new ListTablesCommand({})), 'UnrecognizedClientException');
    writeFileSync(file, JSON.stringify(identities([{ accessKeyId: 'AKIDNEW', secretAccessKey: 'new-secret', arn: `arn:aws:iam::${ACCOUNT_A}:user/new`, policies: [ALL] }])));
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await newcomer.send(new ListTablesCommand({}));
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    writeFileSync(file, '{"identities": [ broken');
    await new Promise((r) => setTimeout(r, 2500));
    await newcomer.send(new ListTablesCommand({}));
    assert.match(server.output(), /not reloaded, the previous identities stay in force/);
    assert.doesNotMatch(server.output(), /admin-secret|new-secret/);
  });
});

describe('anonymous access beyond loopback', () => {
  test('serve --host 0.0.0.0 without --auth refuses to start, and says why', () => {
    const run = spawnSync(process.execPath, [CLI, 'serve', '--in-memory', '--port', '0', '--host', '0.0.0.0'], { encoding: 'utf8', timeout: 15000 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /refusing to serve anonymous requests on 0\.0\.0\.0.*--auth FILE.*--allow-anonymous/);
  });

  test('--allow-anonymous lets it start', async () => {
    const server = await startServerProcess({ extraArgs: ['--host', '0.0.0.0', '--allow-anonymous'] });
    try {
      assert.match(server.url, /^http:\/\//);
    } finally {
      await server.stop();
    }
  });

  test('a broken credentials file stops the start', () => {
    const dir = tempDir('openddb-auth-');
    try {
      const file = join(dir.path, 'auth.json');
      writeFileSync(file, JSON.stringify({ identities: [{ accessKeyId: 'A', secretAccessKey: 's', arn: 'arn:aws:iam::1:user/x' }] }));
      const run = spawnSync(process.execPath, [CLI, 'serve', '--in-memory', '--port', '0', '--auth', file], { encoding: 'utf8', timeout: 15000 });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /identities\[0\]\.arn: must be an IAM or STS ARN with a 12-digit account/);
    } finally {
      dir.remove();
    }
  });
});

describe('TLS and connection limits', () => {
  let dir: { path: string; remove(): void };
  let cert: Buffer;
  let args: string[];

  before(() => {
    dir = tempDir('openddb-tls-');
    const certFile = join(dir.path, 'cert.pem');
    const keyFile = join(dir.path, 'key.pem');
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
    ], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    cert = readFileSync(certFile);
    const authFile = join(dir.path, 'auth.json');
    writeFileSync(authFile, JSON.stringify({
      identities: [{
        accessKeyId: 'AKIDTLS', secretAccessKey: 'tls-secret', arn: 'arn:aws:iam::111122223333:user/tls',
        policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] }],
      }],
    }));
    args = ['--auth', authFile, '--tls-cert', certFile, '--tls-key', keyFile];
  });
  after(() => dir.remove());

  for (const front of ['fast', 'node']) {
    test(`HTTPS with a self-signed certificate (--http ${front}); aws:SecureTransport is true`, async () => {
      const server = await startServerProcess({ extraArgs: [...args, '--http', front] });
      try {
        assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const client = new DynamoDBClient({
          endpoint: server.url, region: 'us-east-1', maxAttempts: 1,
          credentials: { accessKeyId: 'AKIDTLS', secretAccessKey: 'tls-secret' },
          requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: cert }) }),
        });
        assert.deepEqual((await client.send(new ListTablesCommand({}))).TableNames, []);
      } finally {
        await server.stop();
      }
    });
  }

  test('--tls-port: plain HTTP on --port and HTTPS on its own port, one database', async () => {
    // Port 0 for both: with --workers node:cluster would share one socket for the two, so one process.
    const server = await startServerProcess({ workers: 1, extraArgs: [...args, '--tls-port', '0'] });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const secureUrl = /and (https:\/\/127\.0\.0\.1:\d+)/.exec(server.output())?.[1];
      assert.ok(secureUrl, `no HTTPS address in: ${server.output()}`);
      assert.notEqual(new URL(secureUrl).port, new URL(server.url).port);
      const secure = new DynamoDBClient({
        endpoint: secureUrl, region: 'us-east-1', maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDTLS', secretAccessKey: 'tls-secret' },
        requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: cert }) }),
      });
      await secure.send(new CreateTableCommand({
        TableName: 'tlsport', BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }));
      assert.deepEqual((await secure.send(new ListTablesCommand({}))).TableNames, ['tlsport']);
      // The policy asks for aws:SecureTransport: the plain port reaches the same server, and is refused.
      await expectError(sdk(server.url, 'AKIDTLS', 'tls-secret').send(new ListTablesCommand({})), 'AccessDeniedException');
    } finally {
      await server.stop();
    }
  });

  test('--tls-port is refused without a certificate, or equal to --port', async () => {
    for (const [extra, message] of [
      [['--tls-port', '8443'], /--tls-port needs --tls-cert and --tls-key/],
      [[...args.slice(2), '--port', '8999', '--tls-port', '8999'], /--tls-port must differ from --port/],
    ] as const) {
      const run = spawnSync(process.execPath, [CLI, 'serve', '--in-memory', ...extra], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
    }
  });

  test('over plain HTTP the same policy denies (aws:SecureTransport is false)', async () => {
    const server = await startServerProcess({ extraArgs: args.slice(0, 2) });
    try {
      await expectError(sdk(server.url, 'AKIDTLS', 'tls-secret').send(new ListTablesCommand({})), 'AccessDeniedException');
    } finally {
      await server.stop();
    }
  });

  test('--max-connections closes connections beyond the limit', async () => {
    // The limit is per server process: with --workers, each worker has its own.
    const server = await startServerProcess({ workers: 1, extraArgs: ['--max-connections', '1'] });
    try {
      const { port, hostname } = new URL(server.url);
      const first = net.connect(Number(port), hostname);
      await new Promise((r) => first.once('connect', r));
      await new Promise((r) => setTimeout(r, 100));
      const second = net.connect(Number(port), hostname);
      const closed = await new Promise<boolean>((resolve) => {
        second.once('close', () => resolve(true));
        second.once('error', () => resolve(true));
        setTimeout(() => resolve(false), 3000);
      });
      assert.ok(closed, 'the second connection stayed open');
      first.destroy();
    } finally {
      await server.stop();
    }
  });
});
