/** @module server/fast-http/chunked-decoder.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedDecoder } from './chunked-decoder.js';

const WIRE = Buffer.from('5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT', 'latin1');

describe('ChunkedDecoder', () => {
  it('decodes in one piece and leaves the bytes after the body', () => {
    const d = new ChunkedDecoder(1000);
    const r = d.feed(WIRE, 0);
    assert.ok(!('error' in r));
    assert.equal(r.done, true);
    assert.equal(WIRE.toString('latin1', r.consumed), 'NEXT');
    assert.equal(d.body().toString(), 'hello 0123456789');
  });

  it('decodes the same bytes fed one at a time', () => {
    const d = new ChunkedDecoder(1000);
    let done = false;
    let i = 0;
    for (; i < WIRE.length && !done; i++) {
      const r = d.feed(WIRE.subarray(i, i + 1), 0);
      assert.ok(!('error' in r));
      done = r.done;
      if (!done) assert.equal(r.consumed, 1);
    }
    assert.equal(done, true);
    assert.equal(WIRE.toString('latin1', i), 'NEXT');
    assert.equal(d.body().toString(), 'hello 0123456789');
  });

  it('refuses bad framing and oversized bodies', () => {
    const feed = (s: string, max = 1000) => new ChunkedDecoder(max).feed(Buffer.from(s, 'latin1'), 0);
    assert.deepEqual(feed('zz\r\n'), { error: 'malformed' });
    assert.deepEqual(feed('3\r\nabcX\r\n'), { error: 'malformed' });
    assert.deepEqual(feed('3\nabc\r\n'), { error: 'malformed' });
    assert.deepEqual(feed('123456789\r\n'), { error: 'malformed' });
    assert.deepEqual(feed('1' + ';x'.repeat(5000)), { error: 'malformed' });
    assert.deepEqual(feed('0\r\nnot a trailer\r\n\r\n'), { error: 'malformed' });
    assert.deepEqual(feed('20\r\n', 16), { error: 'too-large' });
    assert.deepEqual(feed('a\r\n0123456789\r\na\r\n', 15), { error: 'too-large' });
  });
});
