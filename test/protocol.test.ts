/**
 * Black-box tests of the wire protocol, with raw HTTP where the SDK would
 * hide what is on the wire: envelopes, headers, checksums, gzip, auth checks.
 * Every test runs against both HTTP front ends (`--http fast`, the default,
 * and `--http node`): they must be indistinguishable to a client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { gzipSync, crc32 } from 'node:zlib';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

async function post(
  server: ServerProcess,
  target: string | undefined,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string; headers: Headers }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      ...(target ? { 'x-amz-target': target } : {}),
      authorization: AUTH,
      'x-amz-date': '20260101T000000Z',
      ...headers,
    },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Sends raw bytes on a new connection; everything received until the server closes it. */
function rawExchange(server: ServerProcess, bytes: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error('the server did not close the connection')), 5_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

for (const frontEnd of ['node', 'fast'] as const) {
describe(`protocol (--http ${frontEnd})`, () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ extraArgs: ['--http', frontEnd] });
  });
  after(async () => {
    await server.stop();
  });

  it('answers GET / with a health line', async () => {
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^healthy: /);
  });

  it('sends a request id and a correct CRC32 of the body', async () => {
    const r = await post(server, 'DynamoDB_20120810.ListTables', '{}');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('x-amzn-requestid')!, /^[A-Z0-9]{52}$/);
    assert.equal(r.headers.get('x-amz-crc32'), String(crc32(Buffer.from(r.text))));
    assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.0');
  });

  it('rejects unknown targets with UnknownOperationException', async () => {
    const r = await post(server, 'DynamoDB_20120810.Frobnicate', '{}');
    assert.equal(r.status, 400);
    assert.equal(r.json!.__type, 'com.amazon.coral.service#UnknownOperationException');
    const none = await post(server, undefined, '{}');
    assert.equal(none.json!.__type, 'com.amazon.coral.service#UnknownOperationException');
  });

  it('names an operation it does not support yet instead of pretending', async () => {
    const r = await post(server, 'DynamoDB_20120810.UpdateGlobalTableSettings', '{"GlobalTableName":"x"}');
    assert.equal(r.status, 400);
    assert.equal(r.json!.__type, 'com.amazon.coral.validate#ValidationException');
    assert.match(String(r.json!.message), /UpdateGlobalTableSettings/);
  });

  it('rejects malformed JSON and wrongly typed members with SerializationException', async () => {
    const bad = await post(server, 'DynamoDB_20120810.ListTables', '{"Limit":');
    assert.equal(bad.status, 400);
    assert.equal(bad.json!.__type, 'com.amazon.coral.service#SerializationException');
    const typed = await post(server, 'DynamoDB_20120810.ListTables', '{"Limit":"ten"}');
    assert.equal(typed.json!.__type, 'com.amazon.coral.service#SerializationException');
    assert.equal(typed.json!.Message, 'class java.lang.String can not be converted to an Integer');
  });

  it('requires an Authorization header and checks its parts', async () => {
    const missing = await post(server, 'DynamoDB_20120810.ListTables', '{}', { authorization: '' });
    assert.equal(missing.json!.__type, 'com.amazon.coral.service#MissingAuthenticationTokenException');
    assert.equal(missing.json!.message, 'Request is missing Authentication Token');
    const incomplete = await post(server, 'DynamoDB_20120810.ListTables', '{}', { authorization: 'AWS4-HMAC-SHA256 Signature=x' });
    assert.equal(incomplete.json!.__type, 'com.amazon.coral.service#IncompleteSignatureException');
    assert.match(String(incomplete.json!.message), /requires 'Credential' parameter/);
  });

  it('accepts gzip-encoded bodies and application/json', async () => {
    const r = await post(server, 'DynamoDB_20120810.ListTables', gzipSync('{"Limit":5}'), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json!.TableNames));
    const j = await post(server, 'DynamoDB_20120810.ListTables', '{}', { 'content-type': 'application/json' });
    assert.equal(j.status, 200);
    assert.equal(j.headers.get('content-type'), 'application/json');
  });

  it('answers a wrong content type with 404 UnknownOperationException', async () => {
    const r = await post(server, 'DynamoDB_20120810.ListTables', '{}', { 'content-type': 'text/plain' });
    assert.equal(r.status, 404);
    assert.match(r.text, /UnknownOperationException/);
  });

  it('refuses an oversized body without buffering it all', async () => {
    const big = Buffer.alloc(17 * 1024 * 1024, 0x20);
    const r = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', authorization: AUTH },
      body: new Uint8Array(big),
    }).catch((e: Error) => e);
    if (r instanceof Error) return; // the server may close the connection before the client finishes sending
    assert.equal(r.status, 413);
  });

  it('survives deeply nested JSON', async () => {
    const deep = '{"Item":{"pk":{"S":"x"},"a":' + '{"L":['.repeat(5000) + ']}'.repeat(5000) + '},"TableName":"nope"}';
    const r = await post(server, 'DynamoDB_20120810.PutItem', deep);
    assert.equal(r.status, 400);
    // the server is still alive
    const ok = await post(server, 'DynamoDB_20120810.ListTables', '{}');
    assert.equal(ok.status, 200);
  });

  it('answers CORS preflights and adds CORS headers to answers', async () => {
    const pre = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.com', 'access-control-request-headers': 'x-amz-target', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'x-amz-target');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(pre.headers.get('access-control-max-age'), '172800');
    assert.equal(pre.headers.get('access-control-expose-headers'), 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date');
    assert.match(pre.headers.get('x-amzn-requestid')!, /^[A-Z0-9]{52}$/);
    assert.equal(await pre.text(), '');
    const r = await post(server, 'DynamoDB_20120810.ListTables', '{}', { origin: 'http://example.com' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('access-control-expose-headers'), 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date');
    assert.equal(r.headers.get('access-control-max-age'), null);
    assert.equal(r.headers.get('x-amz-crc32'), String(crc32(Buffer.from(r.text))));
  });

  it('answers anything but POST (and GET /) with 404 UnknownOperationException', async () => {
    const res = await fetch(`${server.url}/other`);
    assert.equal(res.status, 404);
    const text = await res.text();
    assert.equal(text, '<UnknownOperationException/>\n');
    assert.equal(res.headers.get('x-amz-crc32'), String(crc32(Buffer.from(text))));
    assert.match(res.headers.get('x-amzn-requestid')!, /^[A-Z0-9]{52}$/);
    const put = await fetch(server.url, { method: 'PUT', body: '{}' });
    assert.equal(put.status, 404);
    await put.body?.cancel();
  });

  it('sends Server, Date, Content-Length and keep-alive', async () => {
    const r = await post(server, 'DynamoDB_20120810.ListTables', '{}');
    assert.equal(r.headers.get('server'), 'Server');
    assert.ok(!Number.isNaN(Date.parse(r.headers.get('date')!)));
    assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)));
    assert.equal(r.headers.get('connection'), 'keep-alive');
  });

  it('answers a head without Host, or over 16 KB, with the same bare 400 on both front ends', async () => {
    for (const wire of ['GET / HTTP/1.1\r\n\r\n', `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`]) {
      const text = await rawExchange(server, wire);
      const head = text.replace(/\r\nDate: [^\r]+/, '').split('\r\n').sort();
      assert.deepEqual(head, ['', '', 'Connection: close', 'Content-Length: 0', 'HTTP/1.1 400 Bad Request', 'Server: Server']);
    }
  });

  it('works with the AWS SDK v3', async () => {
    const ddb = client(server.url);
    const r = await ddb.send(new ListTablesCommand({}));
    assert.ok(Array.isArray(r.TableNames));
    ddb.destroy();
  });
});
}
