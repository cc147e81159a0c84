import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigningKeyCache, verifySignature, type SignedRequest } from '../auth/sigv4.js';
import { ApiError, backoffMs, clientOptionsFromEnv, isLoopback, isRetryable, signedHeaders } from './client.js';

const NOW = Date.UTC(2026, 11, 5, 14, 0, 0);
const OPTIONS = { endpoint: 'http://127.0.0.1:8000', region: 'eu-west-1', accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret' };

test('signedHeaders: the server verifies them; a changed body does not verify', async () => {
  const body = '{"TableName":"t"}';
  const headers = signedHeaders(OPTIONS, 'DynamoDB_20120810.GetItem', body, NOW);
  const req: SignedRequest = { method: 'POST', path: '/', query: '', headers, body: Buffer.from(body) };
  const credential = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret', keys: new SigningKeyCache() };
  const result = verifySignature(req, NOW, (id) => (id === 'AKIDALICE' ? credential : undefined));
  assert.ok('credential' in result, JSON.stringify(result));
  assert.equal(result.region, 'eu-west-1');
  const tampered = verifySignature({ ...req, body: Buffer.from('{"TableName":"u"}') }, NOW, () => credential);
  assert.ok(!('credential' in tampered));
});

test('a session token is signed', () => {
  const headers = signedHeaders({ ...OPTIONS, sessionToken: 'tok' }, 'DynamoDB_20120810.ListTables', '{}', NOW);
  assert.equal(headers['x-amz-security-token'], 'tok');
  assert.match(headers.authorization!, /SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,/);
});

test('clientOptionsFromEnv: loopback needs no credentials; a remote endpoint does; the region comes from the endpoint name', () => {
  assert.equal(isLoopback('http://localhost:8000'), true);
  assert.equal(isLoopback('http://127.0.0.1:8000'), true);
  assert.equal(isLoopback('https://dynamodb.us-east-1.amazonaws.com'), false);
  const local = clientOptionsFromEnv('http://127.0.0.1:8000', undefined, {});
  assert.equal(local.region, 'us-east-1');
  assert.equal(local.accessKeyId, 'local');
  assert.throws(() => clientOptionsFromEnv('https://dynamodb.eu-west-1.amazonaws.com', undefined, {}), /no credentials/);
  const remote = clientOptionsFromEnv('https://dynamodb.eu-west-1.amazonaws.com', undefined, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'us-west-2' });
  assert.equal(remote.region, 'eu-west-1');
  assert.equal(clientOptionsFromEnv('http://127.0.0.1:8000', 'ap-northeast-1', {}).region, 'ap-northeast-1');
  assert.throws(() => clientOptionsFromEnv('ftp://x', undefined, {}), /http:\/\/ or https:\/\//);
});

test('retries: throttling, 5xx and dropped connections; not client errors', () => {
  assert.equal(isRetryable(new ApiError('ProvisionedThroughputExceededException', '', 400, 'PutItem')), true);
  assert.equal(isRetryable(new ApiError('ThrottlingException', '', 400, 'PutItem')), true);
  assert.equal(isRetryable(new ApiError('InternalServerError', '', 500, 'PutItem')), true);
  assert.equal(isRetryable(new ApiError('ValidationException', '', 400, 'PutItem')), false);
  assert.equal(isRetryable(new TypeError('fetch failed')), true);
  assert.equal(backoffMs(1, 50, () => 0.999), 49);
  assert.equal(backoffMs(4, 50, () => 0.5), 200);
  assert.equal(backoffMs(20, 50, () => 0.999), 4995);
});
