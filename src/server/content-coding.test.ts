/** @module server/content-coding.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { compressBody, decodeRequestBody, negotiateCoding } from './content-coding.js';

describe('negotiateCoding', () => {
  it("chooses as DynamoDB does (its recorded answers, ScyllaDB's test_compressed_response.py)", () => {
    const cases: [string, 'gzip' | 'deflate' | undefined][] = [
      ['gzip', 'gzip'],
      ['deflate', 'deflate'],
      ['identity', undefined],
      ['', undefined],
      ['br', undefined],
      ['zstd', undefined],
      ['compress', undefined],
      ['x-gzip', undefined],
      ['gzip, deflate', 'gzip'],
      ['br, identity, deflate, gzip', 'deflate'],
      ['GZIP, identity', 'gzip'],
      ['dog, gzip ,, cat', 'gzip'],
      ['gzip;q=0.8, deflate;q=0.5', 'gzip'],
      ['br, gzip;q=0, deflate; q = 0.5 , identity;q=0', 'deflate'],
      ['*', 'gzip'],
      ['*, deflate;q=0.5', 'gzip'],
      ['*, deflate', 'deflate'],
      ['*, identity', 'gzip'],
      ['*, gzip;q=0.5', 'deflate'],
      ['gzip ;q=0', undefined],
      ['identity;q=0', undefined],
      ['*;q=0', undefined],
      ['*;q=0.5,identity', 'gzip'],
      ['gzip;q=0.5,identity;q=0.8', 'gzip'],
      ['br;q=0.8,identity;q=0.5,*;q=0', undefined],
      ['"gzip"', undefined],
      ['gzip br', undefined],
      ['gzip:q=1', undefined],
      ['deflate;q=0.5, gzip;q=31', 'gzip'],
      ['gzip;q=31,deflate;q=51', 'gzip'],
      ['deflate;q=0.5, gzip;q=0.2', 'deflate'],
      ['deflate;q=0.5, gzip;q=1;q=0.2', 'gzip'],
      ['deflate;q=0.5,gzip;q=0.', 'deflate'],
      ['deflate;q=0.5,gzip;q=0.x', 'gzip'],
      ['deflate;q=-0.5,gzip;q=0.2', 'gzip'],
      ['gzip;nq=1;q=0 ', undefined],
      ['gzip;q=0, gzip;q=1, gzip;q=0', 'gzip'],
      ['br,identity;q=0.5,gzip;q=0.0001', 'gzip'],
    ];
    for (const [accept, expected] of cases) assert.equal(negotiateCoding(accept), expected, JSON.stringify(accept));
  });
});

describe('compressBody', () => {
  it('writes gzip and zlib streams, synchronously when small and on the thread pool when large', async () => {
    const small = Buffer.from('{"a":"' + 'x'.repeat(5000) + '"}');
    const gz = compressBody(small, 'gzip');
    assert.ok(Buffer.isBuffer(gz));
    assert.ok(zlib.gunzipSync(gz).equals(small));
    const large = Buffer.alloc(200_000, 'ab');
    const df = compressBody(large, 'deflate');
    assert.ok(df instanceof Promise);
    assert.ok(zlib.inflateSync(await df).equals(large));
  });
});

describe('decodeRequestBody', () => {
  const body = Buffer.from('{"TableName":"t"}');
  it('decodes gzip (several members too) and deflate, and passes identity through', async () => {
    assert.ok(((await decodeRequestBody(zlib.gzipSync(body), 'gzip', 1000)) as Buffer).equals(body));
    const twoMembers = Buffer.concat([zlib.gzipSync(body.subarray(0, 5)), zlib.gzipSync(body.subarray(5))]);
    assert.ok(((await decodeRequestBody(twoMembers, ' GZip ', 1000)) as Buffer).equals(body));
    assert.ok(((await decodeRequestBody(zlib.deflateSync(body), 'deflate', 1000)) as Buffer).equals(body));
    assert.equal(await decodeRequestBody(body, undefined, 1000), body);
    assert.equal(await decodeRequestBody(body, 'identity', 1000), body);
    assert.equal(await decodeRequestBody(body, '', 1000), body);
  });

  it('names why a body cannot be decoded', async () => {
    assert.equal(await decodeRequestBody(body, 'br', 1000), 'unsupported-coding');
    assert.equal(await decodeRequestBody(body, 'gzip', 1000), 'bad-stream');
    assert.equal(await decodeRequestBody(Buffer.alloc(0), 'gzip', 1000), 'bad-stream');
    assert.equal(await decodeRequestBody(Buffer.alloc(0), 'deflate', 1000), 'bad-stream');
    const df = zlib.deflateSync(body);
    assert.equal(await decodeRequestBody(df.subarray(0, df.length - 1), 'deflate', 1000), 'bad-stream');
    assert.equal(await decodeRequestBody(Buffer.concat([df, df]), 'deflate', 1000), 'bad-stream');
    assert.equal(await decodeRequestBody(zlib.gzipSync(Buffer.alloc(2000)), 'gzip', 1000), 'too-large');
    assert.equal(await decodeRequestBody(zlib.deflateSync(Buffer.alloc(2000)), 'deflate', 1000), 'too-large');
  });
});
