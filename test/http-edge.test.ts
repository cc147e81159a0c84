/**
 * Black-box tests of the HTTP edge as DynamoDB's: response compression by
 * Accept-Encoding (and what x-amz-crc32 then describes), compressed request
 * bodies and the errors for undecodable ones, CORS, the Server header,
 * Host and oversized heads, and the refusal of text that is not Unicode.
 * Raw HTTP where the bytes on the wire are the point (node:http's client
 * does not decompress); the AWS SDK v3 and boto3 where a client must be
 * satisfied. The suite runs on the front end OPENDDB_TEST_HTTP names (CI
 * runs it on both).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { boto3Available, CLIENT_ENV } from './helpers/other-clients.js';
import { client, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { defineTable, hashKeyTable } from './helpers/tables.js';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
const INTERNAL_FAILURE = 'com.amazonaws.dynamodb.v20120810#InternalFailure';
const SERIALIZATION = 'com.amazon.coral.service#SerializationException';

const hasBoto3 = await boto3Available();

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as sent, not decompressed. */
  raw: Buffer;
}

let server: ServerProcess;
let ddb: DynamoDBClient;
const BIG = 'x'.repeat(6000);

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable('edge')));
  await ddb.send(new PutItemCommand({ TableName: 'edge', Item: { pk: { S: 'big' }, v: { S: BIG } } }));
  await ddb.send(new PutItemCommand({ TableName: 'edge', Item: { pk: { S: 'small' }, v: { S: 'tiny' } } }));
  await ddb.send(new CreateTableCommand(defineTable('many', 'pk:S sk:N')));
  // ~600 KB of poorly compressible items: a Query answer spliced from stored bytes, compressed off the event loop.
  for (let i = 0; i < 300; i++) {
    const v = randomBytes(1500).toString('base64');
    await ddb.send(new PutItemCommand({ TableName: 'many', Item: { pk: { S: 'p' }, sk: { N: String(i) }, v: { S: v } } }));
  }
});

after(async () => {
  ddb.destroy();
  await server.stop();
});

/** A POST of one operation through node:http (which leaves the body as sent). */
function post(target: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  const { hostname, port } = new URL(server.url);
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port: Number(port),
        method: 'POST',
        path: '/',
        agent: false,
        timeout: 10_000,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${target}`,
          authorization: AUTH,
          'x-amz-date': '20260101T000000Z',
          'content-length': String(payload.length),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The body of a reply, decoded by its Content-Encoding. */
function decoded(r: Reply): Buffer {
  const coding = r.headers['content-encoding'];
  if (coding === 'gzip') return zlib.gunzipSync(r.raw);
  if (coding === 'deflate') return zlib.inflateSync(r.raw);
  assert.equal(coding, undefined);
  return r.raw;
}

function json(r: Reply): Record<string, unknown> {
  return JSON.parse(decoded(r).toString('utf8')) as Record<string, unknown>;
}

/** Sends raw bytes on a new connection and collects everything until the server closes it (or a timeout). */
function exchange(bytes: string | Buffer, timeoutMs = 5_000): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
    socket.write(bytes);
  });
}

const getBig = '{"TableName":"edge","Key":{"pk":{"S":"big"}}}';
const getSmall = '{"TableName":"edge","Key":{"pk":{"S":"small"}}}';

describe('response compression', () => {
  for (const coding of ['gzip', 'deflate'] as const) {
    it(`compresses an answer of 4 KB or more with ${coding}, the CRC and length describing the bytes sent`, async () => {
      const r = await post('GetItem', getBig, { 'accept-encoding': coding });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], coding);
      assert.equal(r.headers['content-type'], 'application/x-amz-json-1.0');
      assert.equal(r.headers['content-length'], String(r.raw.length));
      assert.equal(r.headers['x-amz-crc32'], String(zlib.crc32(r.raw)));
      assert.ok(r.raw.length < 500, `compressed to ${r.raw.length} bytes`);
      assert.deepEqual(json(r), { Item: { pk: { S: 'big' }, v: { S: BIG } } });
    });
  }

  it('leaves answers under 4 KB, and requests without Accept-Encoding, uncompressed', async () => {
    const small = await post('GetItem', getSmall, { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.deepEqual(json(small), { Item: { pk: { S: 'small' }, v: { S: 'tiny' } } });
    const plain = await post('GetItem', getBig);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['x-amz-crc32'], String(zlib.crc32(plain.raw)));
    assert.ok(plain.raw.length > 6000);
  });

  it('negotiates the coding from Accept-Encoding as DynamoDB does', async () => {
    // DynamoDB's recorded choices (ScyllaDB's test_compressed_response.py); the whole table is in content-coding.test.
    const cases: [string, string | undefined][] = [
      ['identity', undefined],
      ['br', undefined],
      ['x-gzip', undefined],
      ['gzip, deflate', 'gzip'],
      ['br, identity, deflate, gzip', 'deflate'],
      ['GZIP, identity', 'gzip'],
      ['gzip;q=0.8, deflate;q=0.5', 'gzip'],
      ['br, gzip;q=0, deflate; q = 0.5 , identity;q=0', 'deflate'],
      ['*', 'gzip'],
      ['*, deflate', 'deflate'],
      ['*, gzip;q=0.5', 'deflate'],
      ['gzip ;q=0', undefined],
      ['*;q=0', undefined],
      ['"gzip"', undefined],
    ];
    for (const [accept, expected] of cases) {
      const r = await post('GetItem', getBig, { 'accept-encoding': accept });
      assert.equal(r.headers['content-encoding'], expected, `Accept-Encoding: ${accept}`);
      assert.equal(json(r).Item !== undefined, true);
    }
  });

  it('heeds only the last Accept-Encoding line', async () => {
    const head = (lines: string) =>
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n` +
      `Authorization: ${AUTH}\r\nX-Amz-Date: 20260101T000000Z\r\nConnection: close\r\n${lines}Content-Length: ${getBig.length}\r\n\r\n${getBig}`;
    const gzipLast = await exchange(head('Accept-Encoding: identity\r\nAccept-Encoding: gzip\r\n'));
    assert.match(gzipLast.text, /\r\nContent-Encoding: gzip\r\n/i);
    const identityLast = await exchange(head('Accept-Encoding: gzip\r\nAccept-Encoding: identity\r\n'));
    assert.match(identityLast.text, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(identityLast.text, /Content-Encoding/i);
  });

  it('compresses a large Query answer (stored bytes spliced in chunks) to the same JSON', async () => {
    const query = '{"TableName":"many","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}';
    const plain = await post('Query', query);
    assert.ok(plain.raw.length > 200_000, `answer of ${plain.raw.length} bytes`);
    for (const coding of ['gzip', 'deflate']) {
      const r = await post('Query', query, { 'accept-encoding': coding });
      assert.equal(r.headers['content-encoding'], coding);
      assert.equal(r.headers['x-amz-crc32'], String(zlib.crc32(r.raw)));
      assert.ok(r.raw.length < plain.raw.length);
      assert.ok(decoded(r).equals(plain.raw));
    }
  });

  it('gives the AWS SDK v3 uncompressed answers by default, and compressed ones it can read when it asks', async () => {
    const seen: (string | undefined)[] = [];
    const sdk = client(server.url);
    sdk.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const response = out.response as { headers: Record<string, string>; body: Readable };
        seen.push(response.headers['content-encoding']);
        if (response.headers['content-encoding'] === 'gzip') {
          const chunks: Buffer[] = [];
          for await (const c of response.body) chunks.push(c as Buffer);
          response.body = Readable.from([zlib.gunzipSync(Buffer.concat(chunks))]);
        }
        return out;
      },
      // Below the deserializer: this sees the HTTP response before it is parsed.
      { step: 'deserialize', priority: 'low', name: 'testGunzip' },
    );
    try {
      const plain = await sdk.send(new GetItemCommand({ TableName: 'edge', Key: { pk: { S: 'big' } } }));
      assert.equal(plain.Item?.v?.S, BIG);
      sdk.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers['accept-encoding'] = 'gzip';
          return next(args);
        },
        { step: 'build', name: 'testAcceptGzip' },
      );
      const compressed = await sdk.send(new GetItemCommand({ TableName: 'edge', Key: { pk: { S: 'big' } } }));
      assert.equal(compressed.Item?.v?.S, BIG);
      const page = await sdk.send(
        new QueryCommand({ TableName: 'many', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }),
      );
      assert.equal(page.Count, 300);
      assert.deepEqual(seen, [undefined, 'gzip', 'gzip']);
    } finally {
      sdk.destroy();
    }
  });

  it('satisfies boto3, which checks x-amz-crc32 against the compressed bytes', { skip: !hasBoto3 && 'python3 with boto3 is not installed' }, async () => {
    // botocore reads bodies undecoded and verifies the CRC of those bytes; a
    // handler decompresses before parsing, as boto3 does not itself.
    const script = `
import sys, gzip, zlib, boto3, botocore
c = boto3.client('dynamodb', endpoint_url=sys.argv[1], config=botocore.config.Config(retries={'max_attempts': 1}))
def accept(params, **kwargs):
    params['headers']['Accept-Encoding'] = sys.argv[2]
def decompress(response_dict, **kwargs):
    coding = response_dict['headers'].get('Content-Encoding')
    seen.append(coding)
    if coding == 'gzip':
        response_dict['body'] = gzip.decompress(response_dict['body'])
    elif coding == 'deflate':
        response_dict['body'] = zlib.decompress(response_dict['body'])
seen = []
c.meta.events.register('before-call', accept)
c.meta.events.register('before-parse', decompress)
item = c.get_item(TableName='edge', Key={'pk': {'S': 'big'}})['Item']
assert item['v']['S'] == 'x' * 6000, item
n = c.query(TableName='many', KeyConditionExpression='pk = :p', ExpressionAttributeValues={':p': {'S': 'p'}})['Count']
assert n == 300, n
print('ok', seen)
`;
    for (const coding of ['gzip', 'deflate']) {
      const { stdout } = await promisify(execFile)('python3', ['-c', script, server.url, coding], { env: CLIENT_ENV, timeout: 60_000 });
      assert.equal(stdout.trim(), `ok ['${coding}', '${coding}']`);
    }
  });
});

describe('compressed request bodies', () => {
  const put = (pk: string) => `{"TableName":"edge","Item":{"pk":{"S":"${pk}"},"v":{"S":"compressed"}}}`;
  const stored = async (pk: string) => (await ddb.send(new GetItemCommand({ TableName: 'edge', Key: { pk: { S: pk } } }))).Item;

  it('accepts gzip (one member or several) and deflate (zlib) bodies', async () => {
    const gz = await post('PutItem', zlib.gzipSync(put('gz')), { 'content-encoding': 'gzip' });
    assert.equal(gz.status, 200, gz.raw.toString());
    const body = put('gz2');
    const members = Buffer.concat([zlib.gzipSync(body.slice(0, 10)), zlib.gzipSync(body.slice(10))]);
    assert.equal((await post('PutItem', members, { 'content-encoding': 'gzip' })).status, 200);
    const df = await post('PutItem', zlib.deflateSync(put('df')), { 'content-encoding': 'deflate' });
    assert.equal(df.status, 200, df.raw.toString());
    const upper = await post('PutItem', zlib.deflateSync(put('DF')), { 'content-encoding': 'Deflate' });
    assert.equal(upper.status, 200);
    for (const pk of ['gz', 'gz2', 'df', 'DF']) assert.equal((await stored(pk))?.v?.S, 'compressed', pk);
  });

  const gz = zlib.gzipSync(put('bad'));
  const df = zlib.deflateSync(put('bad'));
  const cases: [string, Buffer, string][] = [
    ['an unknown coding', Buffer.from(put('bad')), 'garbage'],
    ['two codings', zlib.gzipSync(gz), 'gzip, gzip'],
    ['a body that is not gzip', Buffer.from(put('bad')), 'gzip'],
    ['a body that is not deflate', Buffer.from(put('bad')), 'deflate'],
    ['raw deflate without the zlib wrapper', zlib.deflateRawSync(put('bad')), 'deflate'],
    ['a truncated gzip stream', gz.subarray(0, gz.length - 1), 'gzip'],
    ['a truncated deflate stream', df.subarray(0, df.length - 3), 'deflate'],
    ['an empty gzip body', Buffer.alloc(0), 'gzip'],
    ['an empty deflate body', Buffer.alloc(0), 'deflate'],
    ['junk after a gzip stream', Buffer.concat([gz, Buffer.from('junk')]), 'gzip'],
    ['a second zlib stream', Buffer.concat([df, zlib.deflateSync('{}')]), 'deflate'],
  ];
  for (const [name, body, coding] of cases) {
    it(`answers ${name} with DynamoDB's 500 and changes nothing`, async () => {
      const r = await post('PutItem', body, { 'content-encoding': coding });
      assert.equal(r.status, 500);
      assert.deepEqual(json(r), {
        __type: INTERNAL_FAILURE,
        message: 'The request processing has failed because of an unknown error, exception or failure.',
      });
      assert.equal(await stored('bad'), undefined);
    });
  }

  it('refuses a body that inflates past the 16 MB request limit, for either coding', async () => {
    const huge = put('bad').slice(0, -1) + ' '.repeat(17 * 1024 * 1024) + '}';
    for (const [coding, body] of [
      ['gzip', zlib.gzipSync(huge)],
      ['deflate', zlib.deflateSync(huge)],
    ] as const) {
      assert.ok(body.length < 100_000);
      const r = await post('PutItem', body, { 'content-encoding': coding });
      assert.equal(r.status, 500);
      assert.equal(json(r).__type, INTERNAL_FAILURE);
    }
    assert.equal(await stored('bad'), undefined);
    // The server is still fine.
    assert.equal((await post('GetItem', getSmall)).status, 200);
  });
});

describe('CORS', () => {
  const EXPOSE = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date';

  it('answers a preflight as DynamoDB does, echoing every requested SDK header', async () => {
    const requested = 'content-type,x-amz-target,x-amz-date,x-amz-user-agent,authorization,amz-sdk-invocation-id,amz-sdk-request,x-amz-security-token';
    const res = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': requested },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-headers'), requested);
    assert.equal(res.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(res.headers.get('access-control-expose-headers'), EXPOSE);
    assert.equal(res.headers.get('access-control-max-age'), '172800');
    assert.equal(res.headers.get('server'), 'Server');
    assert.match(res.headers.get('x-amzn-requestid')!, /^[A-Z0-9]{52}$/);
    assert.equal(await res.text(), '');
  });

  it('adds Allow-Origin and Expose-Headers to answers, errors and the health check for a request with an Origin', async () => {
    const origin = { origin: 'http://app.example', 'access-control-request-method': 'dog' };
    for (const r of [await post('GetItem', getSmall, origin), await post('GetItem', '{"TableName":"nope","Key":{}}', origin)]) {
      assert.equal(r.headers['access-control-allow-origin'], '*');
      assert.equal(r.headers['access-control-expose-headers'], EXPOSE);
      // Preflight-only headers stay off ordinary answers.
      assert.equal(r.headers['access-control-max-age'], undefined);
      assert.equal(r.headers['access-control-allow-methods'], undefined);
    }
    const health = await fetch(server.url, { headers: { origin: 'http://app.example' } });
    assert.equal(health.headers.get('access-control-allow-origin'), '*');
    await health.text();
  });

  it('sends no CORS headers without an Origin', async () => {
    const r = await post('GetItem', getSmall);
    for (const name of Object.keys(r.headers)) assert.doesNotMatch(name, /^access-control-/);
    const options = await fetch(server.url, { method: 'OPTIONS' });
    assert.equal(options.headers.get('access-control-allow-origin'), null);
    await options.text();
  });
});

describe('the HTTP head', () => {
  it('sends DynamoDB\'s Server header on answers and errors', async () => {
    assert.equal((await post('GetItem', getSmall)).headers.server, 'Server');
    assert.equal((await post('GetItem', '{"TableName":"nope","Key":{}}')).headers.server, 'Server');
    assert.equal((await post('Nope', '{}')).headers.server, 'Server');
    const health = await fetch(server.url);
    assert.equal(health.headers.get('server'), 'Server');
    await health.text();
  });

  for (const [name, wire] of [
    ['a request without Host', 'GET / HTTP/1.1\r\n\r\n'],
    ['a request with two Host lines', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['an oversized header block', `GET / HTTP/1.1\r\nHost: a\r\nX-A: ${'a'.repeat(9000)}\r\nX-B: ${'b'.repeat(9000)}\r\n\r\n`],
    ['an oversized request line', `POST /${'x'.repeat(17_000)} HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}`],
    ['a header block that never ends', `GET / HTTP/1.1\r\nHost: a\r\nX-A: ${'a'.repeat(20_000)}`],
  ]) {
    it(`answers ${name} with 400 and closes, without waiting`, async () => {
      const started = Date.now();
      const { text, closed } = await exchange(wire!);
      assert.match(text, /^HTTP\/1\.1 400 /);
      assert.match(text, /\r\nServer: Server\r\n/);
      assert.match(text, /\r\nConnection: close\r\n/i);
      assert.ok(closed);
      assert.ok(Date.now() - started < 4_000);
    });
  }

  it('serves HTTP/1.0 without Host', async () => {
    const { text } = await exchange('GET / HTTP/1.0\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /healthy: /);
  });
});

describe('strings must be Unicode', () => {
  const putWithKey = (key: Buffer | string) =>
    Buffer.concat([Buffer.from('{"TableName":"uni","Item":{"pk":{"S":"'), Buffer.from(key), Buffer.from('"},"v":{"S":"x"}}}')]);
  const count = async () => (await ddb.send(new ScanCommand({ TableName: 'uni' }))).Count;

  before(async () => {
    await ddb.send(new CreateTableCommand(hashKeyTable('uni')));
  });

  const refused: [string, Buffer][] = [
    ['an invalid UTF-8 byte', Buffer.from([0x61, 0xff])],
    ['a different invalid byte (the key that used to collide with it)', Buffer.from([0x61, 0xfe])],
    ['a truncated UTF-8 sequence', Buffer.from([0x61, 0xc3])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
    ['a surrogate encoded in UTF-8 (CESU-8)', Buffer.from([0xed, 0xa0, 0x80])],
    ['a lone high surrogate escape', Buffer.from('a\\ud800')],
    ['a lone low surrogate escape', Buffer.from('a\\uDC00b')],
    ['a high surrogate escape followed by a non-surrogate', Buffer.from('\\ud83d\\u0041')],
    ['a reversed surrogate pair', Buffer.from('\\ude00\\ud83d')],
    ['a lone surrogate after an escaped backslash', Buffer.from('\\\\\\ud800')],
  ];
  for (const [name, key] of refused) {
    it(`refuses ${name} with SerializationException and stores nothing`, async () => {
      const r = await post('PutItem', putWithKey(key));
      assert.equal(r.status, 400);
      assert.deepEqual(json(r), { __type: SERIALIZATION });
      assert.equal(await count(), 0);
    });
  }

  it('refuses such text anywhere in the body, also in a compressed one', async () => {
    const nameEscape = await post('Scan', '{"TableName":"uni","ExpressionAttributeNames":{"#a":"\\udfff"},"ProjectionExpression":"#a"}');
    assert.deepEqual(json(nameEscape), { __type: SERIALIZATION });
    const gz = await post('PutItem', zlib.gzipSync(putWithKey(Buffer.from([0x62, 0xff]))), { 'content-encoding': 'gzip' });
    assert.deepEqual(json(gz), { __type: SERIALIZATION });
    assert.equal(await count(), 0);
  });

  it('stores every valid string as sent: escaped pairs, U+FFFD itself, and backslash-u text', async () => {
    const keys: [Buffer, string][] = [
      [Buffer.from('\\ud83d\\ude00'), '\u{1F600}'],
      [Buffer.from('\u{1F600}x'), '\u{1F600}x'],
      [Buffer.from('\ufffd'), '\ufffd'],
      [Buffer.from('\\\\ud800'), '\\ud800'],
      [Buffer.from('\\u00e9t\\u00E9'), 'été'],
    ];
    for (const [wire, value] of keys) {
      const r = await post('PutItem', putWithKey(wire));
      assert.equal(r.status, 200, decoded(r).toString());
      const got = await ddb.send(new GetItemCommand({ TableName: 'uni', Key: { pk: { S: value } } }));
      assert.equal(got.Item?.pk?.S, value);
    }
    assert.equal(await count(), keys.length);
  });
});
