/**
 * Tests of the node:net front end (`openddb serve --http fast`) at the HTTP
 * level: real clients (AWS SDK v3, boto3), and raw sockets for what clients
 * hide — pipelining, chunked bodies, 100-continue, malformed requests,
 * clients that vanish, keep-alive reuse, timeouts and backpressure. The
 * protocol itself is covered for both front ends by protocol.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { defineTable } from './helpers/tables.js';
import { startFastHttpServer } from '../src/server/fast-http/fast-http-server.js';
import { MAX_PIPELINED } from '../src/server/fast-http/connection.js';
import type { Dispatcher } from '../src/api/dispatcher.js';
import { RawJson } from '../src/data/raw-json.js';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

/** A raw POST of one operation, as bytes; `extra` adds header lines. */
function request(target: string, body: string, extra = ''): string {
  return (
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.${target}\r\n` +
    `Authorization: ${AUTH}\r\nX-Amz-Date: 20260101T000000Z\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
  );
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw client: collects bytes and parses Content-Length-framed responses
 * (all this server sends) as they complete.
 */
class RawClient {
  readonly socket: net.Socket;
  private buf = Buffer.alloc(0);
  readonly responses: RawResponse[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const s = net.connect(Number(port), hostname, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Raw bytes received and not yet parsed as a response (e.g. a 100 Continue). */
  get unparsed(): string {
    return this.buf.toString('latin1');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private parse(): void {
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const lines = this.buf.toString('latin1', 0, end).split('\r\n');
      const status = Number(lines[0]!.split(' ')[1]);
      if (status === 100) {
        // An interim answer: keep it visible in `interim`, not as a response.
        this.interim.push(lines[0]!);
        this.buf = this.buf.subarray(end + 4);
        continue;
      }
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (this.buf.length < end + 4 + length) return;
      this.responses.push({ status, headers, body: this.buf.toString('utf8', end + 4, end + 4 + length) });
      this.buf = this.buf.subarray(end + 4 + length);
    }
  }

  readonly interim: string[] = [];

  /** Waits until `predicate` holds (checked on every arrival and on close). */
  async until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; have ${this.responses.length} responses, closed=${this.closed}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async responsesAndClose(n: number): Promise<RawResponse[]> {
    await this.until(() => this.responses.length >= n && this.closed);
    return this.responses;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('fast HTTP front end (server process)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ extraArgs: ['--http', 'fast'] });
  });
  after(async () => {
    await server.stop();
  });

  it('serves the AWS SDK v3 through a table lifecycle', async () => {
    const ddb = client(server.url);
    try {
      await ddb.send(new CreateTableCommand(defineTable('fast_sdk', 'pk:S sk:N')));
      await Promise.all(
        [1, 2, 3].map((n) => ddb.send(new PutItemCommand({ TableName: 'fast_sdk', Item: { pk: { S: 'a' }, sk: { N: String(n) }, v: { S: 'é'.repeat(n) } } }))),
      );
      const got = await ddb.send(new GetItemCommand({ TableName: 'fast_sdk', Key: { pk: { S: 'a' }, sk: { N: '2' } } }));
      assert.equal(got.Item?.v?.S, 'éé');
      const upd = await ddb.send(
        new UpdateItemCommand({
          TableName: 'fast_sdk',
          Key: { pk: { S: 'a' }, sk: { N: '1' } },
          UpdateExpression: 'ADD c :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      assert.equal(upd.Attributes?.c?.N, '1');
      const q = await ddb.send(
        new QueryCommand({ TableName: 'fast_sdk', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'a' } } }),
      );
      assert.deepEqual(
        q.Items?.map((i) => i.sk?.N),
        ['1', '2', '3'],
      );
      await ddb.send(new DeleteItemCommand({ TableName: 'fast_sdk', Key: { pk: { S: 'a' }, sk: { N: '3' } } }));
      const gone = await ddb.send(new GetItemCommand({ TableName: 'fast_sdk', Key: { pk: { S: 'a' }, sk: { N: '3' } } }));
      assert.equal(gone.Item, undefined);
      await ddb.send(new DeleteTableCommand({ TableName: 'fast_sdk' }));
    } finally {
      ddb.destroy();
    }
  });

  it('serves boto3', (t) => {
    const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) {
      t.skip(`boto3 is not available: ${probe.error?.message ?? probe.stderr.trim()}`);
      return;
    }
    const script = `
import boto3, json, sys
c = boto3.client('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='secret')
c.create_table(TableName='fast_boto', KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
               AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
c.put_item(TableName='fast_boto', Item={'pk': {'S': 'k'}, 'n': {'N': '42'}})
item = c.get_item(TableName='fast_boto', Key={'pk': {'S': 'k'}})['Item']
try:
    c.get_item(TableName='no_such_table', Key={'pk': {'S': 'k'}})
    err = None
except c.exceptions.ResourceNotFoundException as e:
    err = e.response['Error']['Code']
print(json.dumps({'n': item['n']['N'], 'tables': c.list_tables()['TableNames'], 'err': err}))
`;
    const run = spawnSync('python3', ['-c', script, server.url], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { n: string; tables: string[]; err: string };
    assert.equal(out.n, '42');
    assert.ok(out.tables.includes('fast_boto'));
    assert.equal(out.err, 'ResourceNotFoundException');
  });

  it('answers three pipelined requests from one write in order', async () => {
    const c = await RawClient.connect(server.url);
    try {
      // An async write, then a health GET that needs no storage, then a read:
      // the quick answer must not overtake the write's.
      c.write(
        request('CreateTable', JSON.stringify({
          TableName: 'fast_pipe',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        })) +
          'GET / HTTP/1.1\r\nHost: x\r\n\r\n' +
          request('DescribeTable', '{"TableName":"fast_pipe"}'),
      );
      await c.until(() => c.responses.length >= 3);
      const [a, b, d] = c.responses;
      assert.equal(a!.status, 200, a!.body);
      assert.match(a!.body, /"TableDescription"/);
      assert.match(b!.body, /^healthy: /);
      assert.equal(d!.status, 200);
      assert.match(d!.body, /"TableName":"fast_pipe"/);
      assert.ok(!c.closed);
    } finally {
      c.destroy();
    }
  });

  it('reads chunked bodies, split anywhere, with extensions and trailers', async () => {
    const c = await RawClient.connect(server.url);
    try {
      const head =
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n` +
        `Authorization: ${AUTH}\r\nX-Amz-Date: 20260101T000000Z\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const wire = head + '3;ext=1\r\n{"L\r\n8\r\nimit":2}\r\n0\r\nX-Trailer: t\r\n\r\n';
      for (let i = 0; i < wire.length; i += 7) {
        c.write(wire.slice(i, i + 7));
        await new Promise((r) => setTimeout(r, 1));
      }
      await c.until(() => c.responses.length >= 1);
      assert.equal(c.responses[0]!.status, 200);
      assert.match(c.responses[0]!.body, /"TableNames"/);
      // A malformed chunk size ends the connection with 400.
      c.write(head + 'xyz\r\n');
      const all = await c.responsesAndClose(2);
      assert.equal(all[1]!.status, 400);
    } finally {
      c.destroy();
    }
  });

  it('answers Expect: 100-continue before the body is sent', async () => {
    const c = await RawClient.connect(server.url);
    try {
      const body = '{"Limit":1}';
      const full = request('ListTables', body, 'Expect: 100-continue\r\n');
      c.write(full.slice(0, full.length - body.length));
      await c.until(() => c.interim.length > 0);
      assert.equal(c.interim[0], 'HTTP/1.1 100 Continue');
      assert.equal(c.responses.length, 0);
      c.write(body);
      await c.until(() => c.responses.length >= 1);
      assert.equal(c.responses[0]!.status, 200);
    } finally {
      c.destroy();
    }
  });

  for (const [name, wire, status] of [
    ['a bad request line', 'GARBAGE\r\n\r\n', 400],
    ['a bad Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n', 400],
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    // DynamoDB answers an oversized head with 400, not 431 (server/fast-http/connection).
    ['oversized headers', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 400],
    ['oversized headers that never end', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}`, 400],
    ['an oversized request line', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 400],
    ['a request without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['a request with two Host lines', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['a body over the limit', 'POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n', 413],
  ] as const) {
    it(`answers ${name} with ${status} and closes`, async () => {
      const c = await RawClient.connect(server.url);
      try {
        // A good request first: the refusal comes after its answer.
        c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + wire);
        const [first, second] = await c.responsesAndClose(2);
        assert.equal(first!.status, 200);
        assert.equal(second!.status, status);
        assert.equal(second!.headers.connection, 'close');
      } finally {
        c.destroy();
      }
    });
  }

  it('survives clients that vanish mid-body and mid-operation', async () => {
    const a = await RawClient.connect(server.url);
    a.write(request('ListTables', '{"Limit":1}').slice(0, -4));
    await new Promise((r) => setTimeout(r, 20));
    a.destroy();
    for (let i = 0; i < 20; i++) {
      const b = await RawClient.connect(server.url);
      b.write(request('ListTables', '{}'));
      b.destroy();
    }
    const c = await RawClient.connect(server.url);
    try {
      c.write(request('ListTables', '{}'));
      await c.until(() => c.responses.length >= 1);
      assert.equal(c.responses[0]!.status, 200);
    } finally {
      c.destroy();
    }
  });

  it('keeps one connection alive across 100 requests', async () => {
    const c = await RawClient.connect(server.url);
    try {
      for (let i = 1; i <= 100; i++) {
        c.write(request('ListTables', '{}'));
        await c.until(() => c.responses.length >= i);
      }
      assert.equal(c.responses.length, 100);
      assert.ok(c.responses.every((r) => r.status === 200 && r.headers.connection === 'keep-alive'));
      assert.equal(new Set(c.responses.map((r) => r.headers['x-amzn-requestid'])).size, 100);
      assert.ok(!c.closed);
    } finally {
      c.destroy();
    }
  });

  it('closes after Connection: close and after an HTTP/1.0 request', async () => {
    const c = await RawClient.connect(server.url);
    c.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [only] = await c.responsesAndClose(1);
    assert.equal(only!.headers.connection, 'close');
    assert.equal(c.responses.length, 1);
    const old = await RawClient.connect(server.url);
    old.write('GET / HTTP/1.0\r\n\r\n');
    const [r] = await old.responsesAndClose(1);
    assert.equal(r!.status, 200);
    assert.equal(r!.headers.connection, 'close');
  });

  it('answers a client that half-closes after its request', async () => {
    const c = await RawClient.connect(server.url);
    c.socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [r] = await c.responsesAndClose(1);
    assert.equal(r!.status, 200);
  });
});

describe('fast HTTP front end (in process)', () => {
  /** A stand-in dispatcher: one operation that answers `size` bytes, counting calls. */
  function fakeDispatcher(size: number, delayMs = 0): { dispatcher: Dispatcher; calls: () => number } {
    let calls = 0;
    const answer = new RawJson(`{"x":"${'a'.repeat(size)}"}`);
    const dispatcher = {
      find: () => ({}),
      run: async () => {
        calls++;
        await new Promise((r) => (delayMs > 0 ? setTimeout(r, delayMs) : setImmediate(r)));
        return answer;
      },
    } as unknown as Dispatcher;
    return { dispatcher, calls: () => calls };
  }

  it('closes idle connections and refuses slow request heads with 408', async () => {
    const { dispatcher } = fakeDispatcher(1);
    const srv = await startFastHttpServer({
      host: '127.0.0.1',
      port: 0,
      dispatcher,
      log: () => {},
      keepAliveTimeoutMs: 200,
      headersTimeoutMs: 200,
    });
    try {
      const idle = await RawClient.connect(srv.url);
      idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const started = Date.now();
      const [first] = await idle.responsesAndClose(1);
      assert.equal(first!.status, 200);
      assert.ok(Date.now() - started < 3_000, 'the idle connection was closed by the keep-alive timeout');
      const slow = await RawClient.connect(srv.url);
      slow.write('GET / HTTP/1.1\r\nX-Slow: ');
      const [r] = await slow.responsesAndClose(1);
      assert.equal(r!.status, 408);
    } finally {
      await srv.close();
    }
  });

  it('stops reading from a client that does not read, and catches up when it does', async () => {
    const { dispatcher, calls } = fakeDispatcher(1024 * 1024);
    const srv = await startFastHttpServer({ host: '127.0.0.1', port: 0, dispatcher, log: () => {} });
    const c = await RawClient.connect(srv.url);
    try {
      c.socket.pause();
      const total = 60;
      c.write(request('Anything', '{}').repeat(total));
      await new Promise((r) => setTimeout(r, 300));
      // 60 MB of answers were asked for; the server ran only what fits its
      // window (MAX_PIPELINED, plus what the kernel's socket buffers absorbed).
      assert.ok(calls() < total - MAX_PIPELINED, `ran ${calls()} operations for a client that reads nothing`);
      c.socket.resume();
      await c.until(() => c.responses.length >= total, 20_000);
      assert.equal(calls(), total);
      assert.ok(c.responses.every((r) => r.status === 200 && r.body.length === 1024 * 1024 + 8));
    } finally {
      c.destroy();
      await srv.close();
    }
  });

  it('finishes a request in flight on close', async () => {
    const { dispatcher } = fakeDispatcher(10, 300);
    const srv = await startFastHttpServer({ host: '127.0.0.1', port: 0, dispatcher, log: () => {} });
    const c = await RawClient.connect(srv.url);
    c.write(request('Anything', '{}'));
    await new Promise((r) => setTimeout(r, 20));
    const closed = srv.close();
    const [r] = await c.responsesAndClose(1);
    await closed;
    assert.equal(r!.status, 200);
    assert.equal(r!.headers.connection, 'close');
  });
});
