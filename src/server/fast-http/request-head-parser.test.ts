/** @module server/fast-http/request-head-parser.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeadError, parseRequestHead, type RequestHead } from './request-head-parser.js';

const MAX = 1000;

/** Parses `text`, given a Host line if it is HTTP/1.1 without one (a head must have it). */
function ok(text: string): RequestHead {
  const withHost = /^[^\r]* HTTP\/1\.1/.test(text) && !/\r\nhost:/i.test(text) ? `${text}\r\nHost: x` : text;
  const r = parseRequestHead(withHost, MAX);
  if (r === 'too-large' || isHeadError(r)) throw new Error(`expected a head, got ${JSON.stringify(r)}`);
  return r;
}

function status(text: string): number | 'too-large' {
  const r = parseRequestHead(text, MAX);
  if (r === 'too-large') return r;
  if (!isHeadError(r)) throw new Error(`expected an error for ${JSON.stringify(text)}`);
  return r.status;
}

describe('parseRequestHead', () => {
  it('reads the request line, lower-cases names and trims only OWS', () => {
    const h = ok('POST /?a=b HTTP/1.1\r\nX-Amz-Target:  DynamoDB_20120810.ListTables \t\r\nContent-Length: 2\r\nX-Nbsp: \xa0v\xa0');
    assert.equal(h.method, 'POST');
    assert.equal(h.url, '/?a=b');
    assert.equal(h.minorVersion, 1);
    assert.equal(h.headers['x-amz-target'], 'DynamoDB_20120810.ListTables');
    assert.equal(h.headers['x-nbsp'], '\xa0v\xa0');
    assert.deepEqual(h.body, { kind: 'length', length: 2 });
    assert.equal(h.keepAlive, true);
  });

  it('refuses control characters in the target and in field values, and a bare CR or LF', () => {
    assert.equal(status('GET /a\tb HTTP/1.1\r\nHost: x'), 400);
    assert.equal(status('GET /a\x01b HTTP/1.1\r\nHost: x'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nX-A: a\x00b'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nX-A: a\x7fb'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nX-A: a\rb'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nX-A: a\nX-B: b'), 400);
    // A tab inside a value is allowed (RFC 9110 §5.5).
    assert.equal(ok('GET / HTTP/1.1\r\nX-A: a\tb').headers['x-a'], 'a\tb');
  });

  it('merges repeated fields as node:http does', () => {
    const h = ok('GET / HTTP/1.1\r\nAccept: a\r\naccept: b\r\nContent-Type: x\r\nContent-Type: y\r\nCookie: c=1\r\nCookie: d=2\r\nAuthorization: one\r\nAuthorization: two');
    assert.equal(h.headers.accept, 'a, b');
    assert.equal(h.headers['content-type'], 'x');
    assert.equal(h.headers.cookie, 'c=1; d=2');
    assert.equal(h.headers.authorization, 'one');
  });

  it('decides keep-alive from the version and Connection', () => {
    assert.equal(ok('GET / HTTP/1.1\r\nConnection: close').keepAlive, false);
    assert.equal(ok('GET / HTTP/1.1\r\nConnection: Upgrade, Close').keepAlive, false);
    assert.equal(ok('GET / HTTP/1.0').keepAlive, false);
    assert.equal(ok('GET / HTTP/1.0\r\nConnection: keep-alive').keepAlive, true);
  });

  it('frames bodies by Content-Length or chunked, and refuses ambiguity', () => {
    assert.deepEqual(ok('POST / HTTP/1.1\r\nTransfer-Encoding: Chunked').body, { kind: 'chunked' });
    assert.deepEqual(ok('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5').body, { kind: 'length', length: 5 });
    assert.deepEqual(ok('POST / HTTP/1.1').body, { kind: 'length', length: 0 });
    assert.equal(status('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6'), 400);
    assert.equal(status('POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked'), 400);
    assert.equal(status('POST / HTTP/1.1\r\nTransfer-Encoding: gzip'), 501);
    assert.equal(status('POST / HTTP/1.1\r\nContent-Length: -1'), 400);
    assert.equal(status('POST / HTTP/1.1\r\nContent-Length: 1e3'), 400);
    assert.equal(status('POST / HTTP/1.1\r\nContent-Length: '), 400);
    assert.equal(status('POST / HTTP/1.1\r\nContent-Length: 1001'), 'too-large');
  });

  it('refuses malformed request lines and fields', () => {
    for (const bad of [
      'GET /',
      'GET  / HTTP/1.1',
      'GET / HTTP/1.1 x',
      'G(T / HTTP/1.1',
      'GET / HTTP/1.x',
      'GET /a\x01 HTTP/1.1',
      'GET / HTTP/1.1\r\nNoColon',
      'GET / HTTP/1.1\r\nName : v',
      'GET / HTTP/1.1\r\n folded: v',
      'GET / HTTP/1.1\r\n: v',
      'GET / HTTP/1.1\r\nX: a\x00b',
      'GET / HTTP/1.1\r\nX: a\rb',
    ]) {
      assert.equal(status(bad), 400, JSON.stringify(bad));
    }
    assert.equal(status('GET / HTTP/2.0'), 505);
  });

  it('requires one Host in HTTP/1.1 (RFC 9112 §3.2), none in HTTP/1.0', () => {
    assert.equal(status('GET / HTTP/1.1'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nX-A: a'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nHost: a\r\nHost: b'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nHost: a\r\nhost: a'), 400);
    assert.equal(ok('GET / HTTP/1.1\r\nHost: a').headers.host, 'a');
    assert.equal(ok('GET / HTTP/1.1\r\nHost:').headers.host, '');
    assert.equal(ok('GET / HTTP/1.0').headers.host, undefined);
  });

  it('keeps the last Accept-Encoding line, as DynamoDB reads it', () => {
    const h = ok('GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\nAccept-Encoding: identity');
    assert.equal(h.headers['accept-encoding'], 'identity');
  });

  it('notices Expect', () => {
    assert.equal(ok('POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1').expectContinue, true);
    assert.equal(ok('POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1').expectContinue, false);
    const odd = ok('POST / HTTP/1.1\r\nExpect: something');
    assert.equal(odd.expectContinue, false);
    assert.equal(odd.unknownExpectation, true);
  });

  it('reads names it has seen before as it read them the first time, and any number of new ones', () => {
    for (let round = 0; round < 2; round++) {
      const h = ok('POST / HTTP/1.1\r\nX-Amz-Target: a\r\nx-amz-TARGET-2: b\r\nContent-Length: 1');
      assert.equal(h.headers['x-amz-target'], 'a');
      assert.equal(h.headers['x-amz-target-2'], 'b');
      assert.equal(status('POST / HTTP/1.1\r\nHost: x\r\nX-Amz Target: a'), 400);
      assert.equal(status('POST / HTTP/1.1\r\nHost: x\r\n X-Amz-Target: a'), 400);
      assert.equal(status('POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: a\x01'), 400);
    }
    // Past the cache's bound (it starts over), names still parse.
    for (let i = 0; i < 1200; i++) assert.equal(ok(`GET / HTTP/1.1\r\nX-Name-${i}: ${i}`).headers[`x-name-${i}`], String(i));
    assert.equal(ok('GET / HTTP/1.1\r\nX-Amz-Target: a').headers['x-amz-target'], 'a');
  });

  it('refuses an empty line or a bare LF among the fields, and a line without a colon after one with', () => {
    assert.equal(status('GET / HTTP/1.1\r\nHost: x\r\n\r\nX: y'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\nX: y'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nHost: x\nX: y'), 400);
    assert.equal(status('GET / HTTP/1.1\r\nHost: x\r\n'), 400);
  });
});
