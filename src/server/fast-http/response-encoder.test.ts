/** @module server/fast-http/response-encoder.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeResponse, HttpDate } from './response-encoder.js';

describe('encodeResponse', () => {
  const date = 'Sun, 01 Jan 2026 00:00:00 GMT';
  it('writes status line, headers, Date, Connection and body in one buffer', () => {
    const out = encodeResponse(200, ['Content-Type', 'text/plain', 'Content-Length', '2'], Buffer.from('hi'), {
      keepAlive: true,
      keepAliveSeconds: 65,
      omitBody: false,
      date,
    });
    assert.equal(
      out.toString('latin1'),
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nDate: ${date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\nhi`,
    );
  });

  it('closes, drops a caller Connection header, omits a HEAD body and keeps non-ASCII bytes', () => {
    const out = encodeResponse(413, ['Connection', 'close', 'X', '\xe9', 'Content-Length', '3'], Buffer.from('abc'), {
      keepAlive: false,
      keepAliveSeconds: 65,
      omitBody: true,
      date,
    });
    assert.equal(out.toString('latin1'), `HTTP/1.1 413 Payload Too Large\r\nX: \xe9\r\nContent-Length: 3\r\nDate: ${date}\r\nConnection: close\r\n\r\n`);
  });
});

describe('HttpDate', () => {
  it('formats RFC 9110 dates and changes with the second', () => {
    const d = new HttpDate();
    assert.equal(d.now(Date.UTC(2026, 0, 1, 0, 0, 0, 10)), 'Thu, 01 Jan 2026 00:00:00 GMT');
    assert.equal(d.now(Date.UTC(2026, 0, 1, 0, 0, 0, 999)), 'Thu, 01 Jan 2026 00:00:00 GMT');
    assert.equal(d.now(Date.UTC(2026, 0, 1, 0, 0, 1, 0)), 'Thu, 01 Jan 2026 00:00:01 GMT');
  });
});
