/** @module values/key-codec-prefix.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { successor } from '../catalog/key-space.js';
import { encodeKeyPrefix, encodeKeyValue } from './key-codec.js';
import type { AttributeValue } from './types.js';

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Keys as they sit in the key space: behind a partition prefix, which never ends the space. */
const HEAD = Uint8Array.of(0x10, 0x00);

function withHead(bytes: Uint8Array): Uint8Array {
  return Buffer.concat([HEAD, bytes]);
}

function inRange(value: AttributeValue, prefix: AttributeValue): boolean {
  const start = withHead(encodeKeyPrefix(prefix));
  const end = successor(start);
  const key = withHead(encodeKeyValue(value));
  return compareBytes(key, start) >= 0 && compareBytes(key, end) < 0;
}

const b = (...bytes: number[]): AttributeValue => ({ B: Buffer.from(bytes).toString('base64') });

describe('encodeKeyPrefix', () => {
  it('puts exactly the strings that begin with a prefix in its range', () => {
    const strings = ['', 'a', 'ab', 'abc', 'abd', 'b', 'a\u0000', 'a\u0000b', 'ab\u0000', '\uffff', '😀', '😀x', 'é'];
    for (const prefix of strings.filter((s) => s !== '')) {
      for (const value of strings.filter((s) => s !== '')) {
        assert.equal(inRange({ S: value }, { S: prefix }), value.startsWith(prefix), `${JSON.stringify(value)} / ${JSON.stringify(prefix)}`);
      }
    }
  });

  it('puts exactly the byte strings that begin with a prefix in its range, zero and 0xff bytes included', () => {
    const values = [b(0), b(0, 0), b(0, 0xff), b(0xff), b(0xff, 0), b(0xff, 0xff), b(1), b(1, 2), b(0x80), b(0x7f, 0xff)];
    for (const prefix of values) {
      for (const value of values) {
        const p = Buffer.from((prefix as { B: string }).B, 'base64');
        const v = Buffer.from((value as { B: string }).B, 'base64');
        const expected = v.length >= p.length && v.subarray(0, p.length).equals(p);
        assert.equal(inRange(value, prefix), expected, `${v.toString('hex')} / ${p.toString('hex')}`);
      }
    }
  });

  it('refuses numbers, which begins_with does not take', () => {
    assert.throws(() => encodeKeyPrefix({ N: '1' }));
  });
});
