import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, hash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildStringToSign, canonicalRequest, deriveSigningKey, SigningKey, SigningKeyCache, verifySignature, type Credential, type SignedRequest } from './sigv4.js';
import { nativeSigV4 } from './sigv4-native.js';
import { signer } from '../../test/helpers/sigv4-signer.js';
import type { DynamoError } from '../errors/index.js';

// AWS's SigV4 test suite (aws-sig-v4-test-suite): example key pair, 20150830T123600Z, us-east-1, service `service`.
const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
function suiteSignature(method: string, query: [string, string][]): string {
  const req: SignedRequest = { method, path: '/', query: '', headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' }, body: Buffer.alloc(0) };
  const canonical = canonicalRequest(req, { query, presigned: false }, ['host', 'x-amz-date']);
  const sts = buildStringToSign('20150830T123600Z', '20150830/us-east-1/service/aws4_request', canonical);
  return createHmac('sha256', deriveSigningKey(SUITE_SECRET, '20150830', 'us-east-1', 'service')).update(sts).digest('hex');
}

test('AWS SigV4 test suite: get-vanilla, post-vanilla, get-vanilla-query-order-key-case', () => {
  assert.equal(suiteSignature('GET', []), '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  assert.equal(suiteSignature('POST', []), '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
  assert.equal(
    suiteSignature('GET', [['Param2', 'value2'], ['Param1', 'value1']]),
    'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  );
});

test('get-vanilla string to sign', () => {
  const req: SignedRequest = { method: 'GET', path: '/', query: '', headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' }, body: Buffer.alloc(0) };
  const sts = buildStringToSign('20150830T123600Z', '20150830/us-east-1/service/aws4_request', canonicalRequest(req, { query: [], presigned: false }, ['host', 'x-amz-date']));
  assert.equal(sts.split('\n')[3], 'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63');
});

const ALICE: Credential = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret', keys: new SigningKeyCache() };
const lookup = (id: string) => (id === ALICE.accessKeyId ? ALICE : undefined);
const NOW = Date.UTC(2026, 11, 5, 14, 0, 0);

async function sdkSigned(body = '{"TableName":"t"}', keys = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret' }, at = NOW, extra: Record<string, string> = {}) {
  const request = {
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8000,
    path: '/',
    headers: { host: '127.0.0.1:8000', 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', ...extra },
    body,
  };
  const signed = await signer(keys).sign(request, { signingDate: new Date(at) });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return { method: 'POST', path: '/', query: '', headers, body: Buffer.from(body) } satisfies SignedRequest;
}

function fails(result: unknown, type: string, message?: RegExp | string): void {
  const e = result as DynamoError;
  assert.ok(e.type?.endsWith(`#${type}`), `expected ${type}, got ${JSON.stringify(result)}`);
  if (typeof message === 'string') assert.equal(e.message, message);
  else if (message) assert.match(e.message ?? '', message);
}

test('a request the SDK signed verifies, and names its region', async () => {
  const result = verifySignature(await sdkSigned(), NOW, lookup);
  assert.ok(!('type' in result), JSON.stringify(result));
  assert.equal((result as { region: string }).region, 'us-east-1');
});

test('a changed body, a wrong secret, an unknown key', async () => {
  const req = await sdkSigned();
  fails(verifySignature({ ...req, body: Buffer.from('{"TableName":"u"}') }, NOW, lookup), 'InvalidSignatureException', /^The request signature we calculated does not match/);
  fails(verifySignature(await sdkSigned(undefined, { accessKeyId: 'AKIDALICE', secretAccessKey: 'wrong' }), NOW, lookup), 'InvalidSignatureException');
  fails(verifySignature(await sdkSigned(undefined, { accessKeyId: 'AKIDBOB', secretAccessKey: 'x' }), NOW, lookup), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
});

test('clock skew: 15 minutes either way', async () => {
  const at = NOW - 16 * 60 * 1000;
  fails(verifySignature(await sdkSigned(undefined, undefined, at), NOW, lookup), 'InvalidSignatureException',
    'Signature expired: 20261205T134400Z is now earlier than 20261205T134500Z (20261205T140000Z - 15 min.)');
  fails(verifySignature(await sdkSigned(undefined, undefined, NOW + 16 * 60 * 1000), NOW, lookup), 'InvalidSignatureException',
    'Signature not yet current: 20261205T141600Z is still later than 20261205T141500Z (20261205T140000Z + 15 min.)');
  assert.ok(!('type' in verifySignature(await sdkSigned(undefined, undefined, NOW - 14 * 60 * 1000), NOW, lookup)));
});

test('session tokens: required when the identity has one, checked after the signature; expiry', async () => {
  const carol: Credential = { accessKeyId: 'AKIDCAROL', secretAccessKey: 's', sessionToken: 'tok', expiresAt: NOW + 1000, keys: new SigningKeyCache() };
  const find = (id: string) => (id === 'AKIDCAROL' ? carol : undefined);
  const ok = await sdkSigned(undefined, { accessKeyId: 'AKIDCAROL', secretAccessKey: 's', sessionToken: 'tok' } as never);
  assert.ok(!('type' in verifySignature(ok, NOW, find)));
  fails(verifySignature(ok, NOW + 2000, find), 'ExpiredTokenException', 'The security token included in the request is expired');
  const wrong = await sdkSigned(undefined, { accessKeyId: 'AKIDCAROL', secretAccessKey: 's', sessionToken: 'other' } as never);
  fails(verifySignature(wrong, NOW, find), 'UnrecognizedClientException', 'The security token included in the request is invalid');
  fails(verifySignature(await sdkSigned(undefined, { accessKeyId: 'AKIDCAROL', secretAccessKey: 's' }), NOW, find), 'UnrecognizedClientException');
});

test('malformed Authorization headers', () => {
  const base = { method: 'POST', path: '/', query: '', body: Buffer.alloc(0) };
  fails(verifySignature({ ...base, headers: {} }, NOW, lookup), 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  fails(verifySignature({ ...base, headers: { authorization: 'AWS4-HMAC-SHA256 Signature=x', 'x-amz-date': '20261205T140000Z' } }, NOW, lookup), 'IncompleteSignatureException',
    "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Signature=x");
  const auth = (cred: string, signed = 'host;x-amz-date', alg = 'AWS4-HMAC-SHA256') => ({ ...base, headers: { host: 'h', 'x-amz-date': '20261205T140000Z', authorization: `${alg} Credential=${cred}, SignedHeaders=${signed}, Signature=abc` } });
  fails(verifySignature(auth('AKIDALICE/20261205/us-east-1/dynamodb/aws4_request', 'x-amz-date'), NOW, lookup), 'InvalidSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  fails(verifySignature(auth('a/b/c/d'), NOW, lookup), 'IncompleteSignatureException', "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'");
  fails(verifySignature(auth('AKIDALICE/20261205/us-east-1/dynamodb/aws4_request', undefined, 'AWS4-HMAC-SHA25'), NOW, lookup), 'IncompleteSignatureException', "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ");
  fails(verifySignature(auth('AKIDALICE/20261204/us-east-1/s3/aws4_requesx'), NOW, lookup), 'InvalidSignatureException',
    "Credential should be scoped to correct service: 'dynamodb'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requesx'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261204' != '20261205', from '20261205T140000Z'.");
  fails(verifySignature({ ...base, headers: { host: 'h', 'x-amz-date': '201', authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=abc' } }, NOW, lookup), 'IncompleteSignatureException',
    "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601");
});

test('presigned query-string form', async () => {
  const request = {
    method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8000, path: '/',
    headers: { host: '127.0.0.1:8000' }, query: {}, body: '{"TableName":"t"}',
  };
  const presigned = await signer({ accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret' }).presign(request, { signingDate: new Date(NOW), expiresIn: 300 });
  const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
  const req: SignedRequest = { method: 'POST', path: '/', query, headers: { host: '127.0.0.1:8000' }, body: Buffer.from(request.body) };
  assert.ok(!('type' in verifySignature(req, NOW + 299_000, lookup)));
  fails(verifySignature(req, NOW + 301_000, lookup), 'InvalidSignatureException', /^Signature expired: 20261205T140000Z is now earlier than/);
  fails(verifySignature({ ...req, query: query.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00') }, NOW, lookup), 'InvalidSignatureException');
});

test('the payload hash covers the body as sent (a compressed body hashed compressed)', async () => {
  const req = await sdkSigned('\u001f\u008b compressed bytes');
  assert.equal(createHash('sha256').update(req.body).digest('hex').length, 64);
  assert.ok(!('type' in verifySignature(req, NOW, lookup)));
});

test('SigningKey.sign is HMAC-SHA256: short, long and non-ASCII texts', () => {
  const raw = deriveSigningKey('alice-secret', '20261205', 'us-east-1', 'dynamodb');
  const key = new SigningKey(raw);
  for (const text of ['', 'AWS4-HMAC-SHA256\n20261205T140000Z\n20261205/us-east-1/dynamodb/aws4_request\nabc', 'x'.repeat(511), 'x'.repeat(512), 'y'.repeat(2000), 'é€\u0000']) {
    assert.equal(key.sign(text), createHmac('sha256', raw).update(text).digest('hex'), `${text.length} characters`);
  }
  // A short text after a long one: nothing of the long one is left in the pads' buffers.
  assert.equal(key.sign('ab'), createHmac('sha256', raw).update('ab').digest('hex'));
});

test('the signature sent may use upper-case hex digits; any other character fails', async () => {
  const req = await sdkSigned();
  const auth = req.headers.authorization!;
  const upper = auth.replace(/Signature=([0-9a-f]+)/, (_, sig: string) => `Signature=${sig.toUpperCase()}`);
  assert.ok(!('type' in verifySignature({ ...req, headers: { ...req.headers, authorization: upper } }, NOW, lookup)));
  const bent = auth.replace(/Signature=([0-9a-f])/, 'Signature=\u0010');
  fails(verifySignature({ ...req, headers: { ...req.headers, authorization: bent } }, NOW, lookup), 'InvalidSignatureException');
});

test('micro-benchmark: verification with a cached signing key', async () => {
  const req = await sdkSigned('{"TableName":"bench","Key":{"pk":{"S":"user#1"}}}');
  for (let i = 0; i < 2000; i++) verifySignature(req, NOW, lookup);
  const n = 20000;
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) verifySignature(req, NOW, lookup);
  const used = process.cpuUsage(start);
  const perRequestUs = (used.user + used.system) / n;
  process.stdout.write(`# SigV4 verification: ${perRequestUs.toFixed(2)} µs CPU per request (cached key)\n`);
  assert.ok(perRequestUs < 50, `${perRequestUs} µs`);
});

test('a header read after one with the same credential and signed headers is judged as if read in full', async () => {
  const req = await sdkSigned();
  const auth = req.headers.authorization!;
  const sig = /Signature=([0-9a-f]+)$/.exec(auth)![1]!;
  const prefix = auth.slice(0, auth.length - sig.length);
  // The first read remembers the header's head; then variations of the same head.
  assert.ok(!('type' in verifySignature(req, NOW, lookup)));
  const withAuth = (authorization: string) => ({ ...req, headers: { ...req.headers, authorization } });
  assert.ok(!('type' in verifySignature(withAuth(`${auth}  `), NOW, lookup)), 'trailing white space');
  assert.ok(!('type' in verifySignature(withAuth(`${prefix} ${sig}`), NOW, lookup)), 'a space before the signature');
  fails(verifySignature(withAuth(`${prefix}`), NOW, lookup), 'IncompleteSignatureException', `Authorization header requires 'Signature' parameter. Authorization=${prefix}`);
  fails(verifySignature(withAuth(`${prefix}  `), NOW, lookup), 'IncompleteSignatureException', `Authorization header requires 'Signature' parameter. Authorization=${prefix}  `);
  // A parameter after the signature: read in full, so a later Credential counts.
  fails(verifySignature(withAuth(`${auth}, Credential=AKIDBOB/20261205/us-east-1/dynamodb/aws4_request`), NOW, lookup), 'UnrecognizedClientException');
  fails(verifySignature(withAuth(`${auth}, SignedHeaders=host`), NOW, lookup), 'InvalidSignatureException', /^The request signature we calculated does not match/);
  fails(verifySignature(withAuth(`${prefix}${sig.slice(1)}0`), NOW, lookup), 'InvalidSignatureException', /^The request signature we calculated does not match/);
  // Leading white space: not the remembered header, and still accepted (the header is trimmed).
  assert.ok(!('type' in verifySignature(withAuth(` ${auth}`), NOW, lookup)));
  // The same prefix with another date header: the date is read from each request.
  fails(verifySignature({ ...req, headers: { ...req.headers, 'x-amz-date': '20261205T140001Z' } }, NOW, lookup), 'InvalidSignatureException');
  const { 'x-amz-date': _, ...noDate } = req.headers;
  fails(verifySignature({ ...req, headers: noDate }, NOW, lookup), 'IncompleteSignatureException', /^Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header\. Authorization=/);
});

test('requests alternating between secrets, dates and regions sign with the right key', async () => {
  const bob: Credential = { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret', keys: new SigningKeyCache() };
  const find = (id: string) => (id === 'AKIDBOB' ? bob : lookup(id));
  const requests = [
    await sdkSigned(),
    await sdkSigned(undefined, { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret' }),
    await sdkSigned(undefined, undefined, NOW - 1000),
    await sdkSigned(undefined, undefined, NOW - 10 * 60 * 1000),
    await sdkSigned('{"TableName":"other"}'),
  ];
  for (let round = 0; round < 3; round++) {
    for (const req of requests) assert.ok(!('type' in verifySignature(req, NOW, find)), `round ${round}`);
    // A wrong secret after right ones, and the other way round.
    fails(verifySignature(await sdkSigned(undefined, { accessKeyId: 'AKIDBOB', secretAccessKey: 'alice-secret' }), NOW, find), 'InvalidSignatureException');
  }
  // Around midnight: two days' keys in turn.
  const midnight = Date.UTC(2026, 11, 6);
  const [before, after] = [await sdkSigned(undefined, undefined, midnight - 5000), await sdkSigned(undefined, undefined, midnight + 5000)];
  for (let i = 0; i < 3; i++) {
    assert.ok(!('type' in verifySignature(before, midnight, find)));
    assert.ok(!('type' in verifySignature(after, midnight, find)));
  }
  // A key used by sign() in between: signCanonical writes its head again.
  const key = ALICE.keys.get('alice-secret', '20261205', 'us-east-1');
  key.sign('something else entirely');
  assert.ok(!('type' in verifySignature(requests[0]!, NOW, find)));
});

test('SigningKey.signCanonical equals sign(buildStringToSign(…))', () => {
  const raw = deriveSigningKey('alice-secret', '20261205', 'us-east-1', 'dynamodb');
  const key = new SigningKey(raw);
  const scope = '20261205/us-east-1/dynamodb/aws4_request';
  for (const [date, canonical] of [['20261205T140000Z', 'a'], ['20261205T140000Z', 'b\nc'], ['20261205T140001Z', 'é'], ['20261205T140001Z', '']]) {
    assert.equal(key.signCanonical(date!, scope, canonical!), createHmac('sha256', raw).update(buildStringToSign(date!, scope, canonical!)).digest('hex'));
  }
  // A head that is not ASCII or too long takes the general path.
  assert.equal(key.signCanonical('20261205T140000Z', 'é/x', 'a'), createHmac('sha256', raw).update(buildStringToSign('20261205T140000Z', 'é/x', 'a')).digest('hex'));
  assert.equal(key.signCanonical('20261205T140000Z', 'x'.repeat(600), 'a'), createHmac('sha256', raw).update(buildStringToSign('20261205T140000Z', 'x'.repeat(600), 'a')).digest('hex'));
});

// The remembered header (verifySignature's usual path) must reach what a reading in full reaches, whatever else differs.
const BOB: Credential = { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret', keys: new SigningKeyCache() };
const withBob = (id: string) => (id === 'AKIDBOB' ? BOB : lookup(id));

/** `req` verified twice: read in full (another header read just before), then as the remembered header. */
async function bothWays(req: SignedRequest, now = NOW, find: (id: string) => Credential | undefined = withBob): Promise<[object, object]> {
  // A header of another credential: the next request's header is not the remembered one.
  verifySignature(await sdkSigned(undefined, { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret' }), NOW, withBob);
  const full = verifySignature(req, now, find);
  const remembered = verifySignature(req, now, find);
  assert.deepEqual(remembered, full);
  return [full, remembered];
}

test('the remembered header: date, clock skew, scope day, key and token outcomes as read in full', async () => {
  const req = await sdkSigned();
  assert.ok(!('type' in (await bothWays(req))[0]!));
  const date = (d: string) => ({ ...req, headers: { ...req.headers, 'x-amz-date': d } });
  fails((await bothWays(date('20261205T140001Z')))[0], 'InvalidSignatureException', /^The request signature we calculated does not match/);
  fails((await bothWays(date('2026-12-05')))[0], 'IncompleteSignatureException', /^Date must be in ISO-8601 'basic format'/);
  fails((await bothWays(req, NOW + 16 * 60 * 1000))[0], 'InvalidSignatureException', /^Signature expired: /);
  fails((await bothWays(req, NOW - 16 * 60 * 1000))[0], 'InvalidSignatureException', /^Signature not yet current: /);
  // The scope's day against another day's date (within the skew window, around midnight).
  const midnight = Date.UTC(2026, 11, 6);
  const late = await sdkSigned(undefined, undefined, midnight + 5000);
  assert.ok(!('type' in (await bothWays(late, midnight))[0]!));
  fails((await bothWays({ ...late, headers: { ...late.headers, 'x-amz-date': '20261205T235959Z' } }, midnight))[0], 'InvalidSignatureException',
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261206' != '20261205', from '20261205T235959Z'.");
  // The key no longer known (a reloaded file), and a Date header in place of X-Amz-Date.
  fails((await bothWays(req, NOW, () => undefined))[0], 'UnrecognizedClientException');
  const { 'x-amz-date': amzDate, ...rest } = req.headers;
  fails((await bothWays({ ...req, headers: { ...rest, date: new Date(NOW).toUTCString() } }))[0], 'InvalidSignatureException', /^The request signature we calculated/);
  assert.equal(typeof amzDate, 'string');
  // A query string, repeated Authorization or token headers: read in full.
  fails((await bothWays({ ...req, query: 'a=b' }))[0], 'InvalidSignatureException', /^The request signature we calculated/);
  assert.ok(!('type' in (await bothWays({ ...req, headers: { ...req.headers, authorization: [req.headers.authorization!, 'AWS4-HMAC-SHA256 x'] } }))[0]!));
  // Session tokens: missing, wrong, repeated, expired.
  const carol: Credential = { accessKeyId: 'AKIDCAROL', secretAccessKey: 's', sessionToken: 'tok', expiresAt: NOW + 1000, keys: new SigningKeyCache() };
  const find = (id: string) => (id === 'AKIDCAROL' ? carol : withBob(id));
  const ok = await sdkSigned(undefined, { accessKeyId: 'AKIDCAROL', secretAccessKey: 's', sessionToken: 'tok' } as never);
  assert.ok(!('type' in (await bothWays(ok, NOW, find))[0]!));
  fails((await bothWays(ok, NOW + 2000, find))[0], 'ExpiredTokenException');
  // The token is signed: another one sent, two, or none, do not match the signature.
  fails((await bothWays({ ...ok, headers: { ...ok.headers, 'x-amz-security-token': 'other' } }, NOW, find))[0], 'InvalidSignatureException');
  fails((await bothWays({ ...ok, headers: { ...ok.headers, 'x-amz-security-token': ['tok', 'other'] } }, NOW, find))[0], 'InvalidSignatureException');
  const { 'x-amz-security-token': _, ...noToken } = ok.headers;
  fails((await bothWays({ ...ok, headers: noToken }, NOW, find))[0], 'InvalidSignatureException');
  // Signed right, but not the identity's token; a token from an identity without one.
  const renewed = (id: string) => (id === 'AKIDCAROL' ? { ...carol, sessionToken: 'tok2' } : withBob(id));
  fails((await bothWays(ok, NOW, renewed))[0], 'UnrecognizedClientException', 'The security token included in the request is invalid');
  const stray = await sdkSigned(undefined, { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret', sessionToken: 'x' } as never);
  fails((await bothWays(stray))[0], 'UnrecognizedClientException');
});

test('header values canonicalised on either path: runs of spaces, tabs, line breaks, white space at either end, repeats, non-ASCII', async () => {
  // The SDK signs each value trimmed with its white space folded; the request carries it as sent.
  for (const value of ['x  y', ' x y', 'x y ', 'x\ty', 'x \t y', 'x\ny', 'x\r\ny', 'é  ü', '  ', '', 'plain', 'a: b', 'a \n']) {
    const req = await sdkSigned(undefined, undefined, NOW, { 'x-amz-meta-note': value });
    assert.equal(req.headers['x-amz-meta-note'], value);
    assert.ok(!('type' in (await bothWays(req))[0]!), JSON.stringify(value));
    // The same value with one more space inside: another canonical value, so another signature.
    if (value.includes(' ') && value.trim() !== '') {
      const spaced = value.replace(' ', ' x ');
      fails((await bothWays({ ...req, headers: { ...req.headers, 'x-amz-meta-note': spaced } }))[0], 'InvalidSignatureException');
    }
  }
  // A repeated header (node:http's array, or joined by a front end): its values joined by commas.
  const req = await sdkSigned(undefined, undefined, NOW, { 'x-amz-meta-note': 'a,b' });
  assert.ok(!('type' in (await bothWays({ ...req, headers: { ...req.headers, 'x-amz-meta-note': ['a', 'b'] } }))[0]!));
  fails((await bothWays({ ...req, headers: { ...req.headers, 'x-amz-meta-note': ['b', 'a'] } }))[0], 'InvalidSignatureException');
  // A signed header the request lacks counts as empty.
  const empty = await sdkSigned(undefined, undefined, NOW, { 'x-amz-meta-note': '' });
  const { 'x-amz-meta-note': _, ...without } = empty.headers;
  assert.ok(!('type' in (await bothWays({ ...empty, headers: without }))[0]!));
});

test('alternating identities and signed-header sets, each request judged as its own', async () => {
  const requests = [
    await sdkSigned(),
    await sdkSigned(undefined, { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret' }),
    await sdkSigned(undefined, undefined, NOW, { 'x-amz-meta-note': 'one' }),
    await sdkSigned('{"TableName":"other"}'),
  ];
  const wrong = await sdkSigned(undefined, { accessKeyId: 'AKIDBOB', secretAccessKey: 'alice-secret' });
  for (let round = 0; round < 3; round++) {
    for (const req of requests) {
      assert.ok(!('type' in verifySignature(req, NOW, withBob)), `round ${round}`);
      assert.ok(!('type' in verifySignature(req, NOW, withBob)), `round ${round}, again`);
      fails(verifySignature(wrong, NOW, withBob), 'InvalidSignatureException');
    }
  }
  // Bob's header with Alice's signature, after Bob's was remembered.
  const alices = requests[0]!.headers.authorization!;
  const bobs = requests[1]!.headers.authorization!;
  const forged = { ...requests[1]!, headers: { ...requests[1]!.headers, authorization: bobs.replace(/Signature=.*/, alices.slice(alices.indexOf('Signature='))) } };
  fails(verifySignature(forged, NOW, withBob), 'InvalidSignatureException');
});

test('header values vouched for by the parser (trimmedValues): one look over the canonical request, the same outcome', async () => {
  // Values as fast-http's parser can leave them: no CR or LF, no white space at the start; a space at
  // the end only from two lines joined, the second empty.
  for (const value of ['x  y', 'x\ty', 'x \t y', 'x, ', 'a,  b', 'é  ü', 'a: b', '', 'plain', 'p l a i n']) {
    const req = await sdkSigned(undefined, undefined, NOW, { 'x-amz-meta-note': value });
    const vouched = { ...req, trimmedValues: true };
    assert.ok(!('type' in (await bothWays(vouched))[0]), JSON.stringify(value));
    assert.deepEqual(verifySignature(vouched, NOW, withBob), verifySignature(req, NOW, withBob));
    fails((await bothWays({ ...vouched, headers: { ...req.headers, 'x-amz-meta-note': `${value}x` } }))[0], 'InvalidSignatureException');
    if (value.includes(' ')) {
      fails((await bothWays({ ...vouched, headers: { ...req.headers, 'x-amz-meta-note': value.replace(' ', '  x') } }))[0], 'InvalidSignatureException');
    }
  }
  // A repeated header as an array (not what fast-http makes): the long way, the same outcome.
  const req = await sdkSigned(undefined, undefined, NOW, { 'x-amz-meta-note': 'a,b' });
  assert.ok(!('type' in (await bothWays({ ...req, trimmedValues: true, headers: { ...req.headers, 'x-amz-meta-note': ['a', 'b'] } }))[0]));
});

test('the signature compared: either case of a–f, nothing else', async () => {
  const req = await sdkSigned();
  const auth = req.headers.authorization!;
  const sig = auth.slice(auth.indexOf('Signature=') + 10);
  for (const trimmedValues of [false, true]) {
    const withSig = (s: string) => ({ ...req, trimmedValues, headers: { ...req.headers, authorization: auth.replace(sig, s) } });
    assert.ok(!('type' in verifySignature(withSig(sig.toUpperCase()), NOW, lookup)));
    // Each position: the upper case of a letter passes; the 0x20 twin of a digit (a control character),
    // another digit, a character beyond ASCII (beyond latin1 too, where no parser vouches) and one that
    // is not a hex digit fail.
    for (let i = 0; i < 64; i++) {
      const c = sig.charCodeAt(i);
      const at = (ch: string) => withSig(sig.slice(0, i) + ch + sig.slice(i + 1));
      if (c >= 0x61) assert.ok(!('type' in verifySignature(at(String.fromCharCode(c - 0x20)), NOW, lookup)), `${i} upper case`);
      else fails(verifySignature(at(String.fromCharCode(c - 0x20)), NOW, lookup), 'InvalidSignatureException');
      fails(verifySignature(at(c === 0x30 ? '1' : '0'), NOW, lookup), 'InvalidSignatureException');
      fails(verifySignature(at(String.fromCharCode(c + 0x80)), NOW, lookup), 'InvalidSignatureException');
      if (!trimmedValues) fails(verifySignature(at(String.fromCharCode(c + 0x100)), NOW, lookup), 'InvalidSignatureException');
      fails(verifySignature(at('g'), NOW, lookup), 'InvalidSignatureException');
    }
  }
  const withSig = (s: string) => ({ ...req, headers: { ...req.headers, authorization: auth.replace(sig, s) } });
  fails(verifySignature(withSig(`é${sig.slice(1)}`), NOW, lookup), 'InvalidSignatureException');
  fails(verifySignature(withSig(`${sig.slice(0, 63)}é`), NOW, lookup), 'InvalidSignatureException');
  fails(verifySignature(withSig(sig.slice(1)), NOW, lookup), 'InvalidSignatureException');
  // After a refusal whose bytes did not fit, the right signature still passes (nothing stale is read).
  assert.ok(!('type' in verifySignature(req, NOW, lookup)));
});

test('SigningKey.writeSignature equals signCanonical over the canonical request and its payload hash (with the addon if loaded)', () => {
  const raw = deriveSigningKey('alice-secret', '20261205', 'us-east-1', 'dynamodb');
  const key = new SigningKey(raw);
  const reference = new SigningKey(raw);
  const scope = '20261205/us-east-1/dynamodb/aws4_request';
  const out = Buffer.alloc(80, 0x7a);
  const written = (date: string, sc: string, canonical: string, body: Buffer) => {
    out.fill(0x7a);
    key.writeSignature(date, sc, canonical, body, out);
    assert.equal(out.toString('latin1', 64), 'z'.repeat(16), 'nothing past 64 bytes');
    return out.toString('latin1', 0, 64);
  };
  const expected = (date: string, sc: string, canonical: string, body: Buffer) =>
    createHmac('sha256', raw).update(buildStringToSign(date, sc, canonical + hash('sha256', body, 'hex'))).digest('hex');
  const big = Buffer.alloc(1 << 20, 0x41);
  const bodies = [Buffer.alloc(0), Buffer.from('{"TableName":"t"}'), big.subarray(7, 1000), big];
  // Around the addon's stack buffers (4,096 bytes for the canonical request, 256 for the head), in bytes of UTF-8.
  const texts: string[] = ['', 'POST\n/\n\nhost:h\n\nhost\n', 'é€\u0000😀'];
  for (const n of [248, 250, 251, 252, 253, 254, 255, 256, 257, 4088, 4090, 4091, 4092, 4093, 4094, 4095, 4096, 4097, 9000]) {
    texts.push('x'.repeat(n), `${'x'.repeat(n - 2)}é`, `${'x'.repeat(n - 3)}€`, `${'x'.repeat(n - 4)}😀`, `${'x'.repeat(n - 1)}é`);
  }
  for (const text of texts) {
    for (const body of [bodies[1]!, text.length % 3 === 0 ? bodies[2]! : bodies[0]!]) {
      assert.equal(written('20261205T140000Z', scope, text, body), expected('20261205T140000Z', scope, text, body), `canonical of ${text.length} characters`);
    }
    // Heads (scopes) of every length around the head's buffer, and dates changing between calls.
    assert.equal(written('20261205T140001Z', text.slice(0, 300), 'c', bodies[1]!), expected('20261205T140001Z', text.slice(0, 300), 'c', bodies[1]!), `scope of ${Math.min(300, text.length)} characters`);
  }
  assert.equal(written('20261205T140002Z', scope, 'c', big), expected('20261205T140002Z', scope, 'c', big));
  assert.equal(written('20261205T140002Z', scope, 'c', bodies[3]!), reference.signCanonical('20261205T140002Z', scope, `c${hash('sha256', big, 'hex')}`));
});

const nativeOff = process.env.OPENDDB_NATIVE === '0';
const nativeRequired = process.env.OPENDDB_REQUIRE_NATIVE === '1' && !nativeOff;

test('the native addon: loaded where it was built, checks its arguments', { skip: nativeSigV4() === undefined && !nativeRequired && (nativeOff ? 'turned off (OPENDDB_NATIVE=0)' : 'not built here') }, () => {
  const native = nativeSigV4();
  assert.ok(native, 'OPENDDB_REQUIRE_NATIVE=1, yet dist/openddb-native.node did not load');
  const state = native.hmacState(Buffer.alloc(32, 1));
  assert.equal(state.length > 64, true);
  const out = Buffer.alloc(64);
  assert.throws(() => native.hmacState(Buffer.alloc(65)), TypeError);
  assert.throws(() => (native.signCanonical as (...args: unknown[]) => void)(state, 'h', 'c', Buffer.alloc(0)), TypeError);
  assert.throws(() => (native.hmacState as (...args: unknown[]) => void)(), TypeError);
  assert.throws(() => native.signCanonical(Buffer.alloc(3), 'h', 'c', Buffer.alloc(0), out), TypeError);
  assert.throws(() => native.signCanonical(state, 'h', 'c', Buffer.alloc(0), Buffer.alloc(63)), TypeError);
  assert.throws(() => native.signCanonical(state, 1 as unknown as string, 'c', Buffer.alloc(0), out), TypeError);
  assert.throws(() => native.signCanonical(state, 'h', 'c', 'body' as unknown as Buffer, out), TypeError);
  native.signCanonical(state, 'h', 'c', new Uint8Array(3), out);
  assert.match(out.toString('latin1'), /^[0-9a-f]{64}$/);
});

test('without the addon (OPENDDB_NATIVE=0): the tests of this file once more', { skip: (nativeOff || nativeSigV4() === undefined) && 'the addon is not in use here' }, () => {
  // Without NODE_TEST_CONTEXT, which would make the child report to a parent runner instead of in TAP.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', fileURLToPath(import.meta.url)], { env: { ...env, OPENDDB_NATIVE: '0' }, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /# fail 0/);
});
