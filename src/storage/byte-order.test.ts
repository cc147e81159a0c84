import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesEqual, bytesToLatin1, compareBytes } from './byte-order.js';

describe('bytesEqual', () => {
  for (const length of [0, 1, 25, 64, 65, 3000]) {
    it(`tells ${length}-byte arrays apart by any byte and by length`, () => {
      const a = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);
      assert.equal(bytesEqual(a, Uint8Array.from(a)), true);
      for (const at of length === 0 ? [] : [0, length >> 1, length - 1]) {
        const b = Uint8Array.from(a);
        b[at] = (b[at]! + 1) & 0xff;
        assert.equal(bytesEqual(a, b), false, `byte ${at}`);
      }
      assert.equal(bytesEqual(a, Uint8Array.from([...a, 0])), false);
    });
  }

  it('compares a Buffer view with a plain array of the same bytes', () => {
    const pool = Buffer.from('xxabcxx', 'latin1');
    assert.equal(bytesEqual(pool.subarray(2, 5), Uint8Array.of(97, 98, 99)), true);
  });
});

describe('bytesToLatin1', () => {
  it('keeps distinct byte strings distinct and orders them as bytes', () => {
    const keys = [Uint8Array.of(0), Uint8Array.of(0, 0), Uint8Array.of(0x7f), Uint8Array.of(0x80), Uint8Array.of(0xff, 1)];
    const strings = keys.map(bytesToLatin1);
    assert.equal(new Set(strings).size, keys.length);
    const byString = [...keys].sort((a, b) => (bytesToLatin1(a) < bytesToLatin1(b) ? -1 : 1));
    assert.deepEqual(byString, [...keys].sort(compareBytes));
  });
});
