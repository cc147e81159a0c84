/** @module values/key-codec.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import { compareKeyValues } from './compare.js';
import { decodeKeyValue, encodeKeyValue, partitionHash } from './key-codec.js';
import { normalizeNumber } from './number.js';
import type { AttributeValue, KeyType } from './types.js';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POOL = ['a', 'b', '\u0000', '\u0001', '\u007f', 'é', '\u0800', '\ue000', '\uffff', '😀', '\u{10ffff}'];

function randomString(r: () => number): string {
  let s = '';
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) s += POOL[Math.floor(r() * POOL.length)];
  return s;
}

function randomBinary(r: () => number): string {
  const n = 1 + Math.floor(r() * 5);
  const values = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = values[Math.floor(r() * values.length)]!;
  return b.toString('base64');
}

function randomNumber(r: () => number): string {
  if (r() < 0.05) return '0';
  const count = 1 + Math.floor(r() * (r() < 0.3 ? 38 : 4));
  let digits = String(1 + Math.floor(r() * 9));
  // Mostly 0s and 9s, so that shared prefixes and carries are common.
  for (let i = 1; i < count; i++) digits += r() < 0.6 ? (r() < 0.5 ? '0' : '9') : String(Math.floor(r() * 10));
  const exponent = r() < 0.3 ? Math.floor(r() * 256) - 130 : Math.floor(r() * 6) - 3;
  const text = `${r() < 0.5 ? '-' : ''}${digits[0]}.${digits.slice(1)}0E${exponent}`;
  return normalizeNumber(text);
}

function randomValue(type: KeyType, r: () => number): AttributeValue {
  if (type === 'S') return { S: randomString(r) };
  if (type === 'B') return { B: randomBinary(r) };
  return { N: randomNumber(r) };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Math.sign(Buffer.compare(a, b));
}

function isProperPrefix(a: Uint8Array, b: Uint8Array): boolean {
  return a.length < b.length && Buffer.compare(a, b.subarray(0, a.length)) === 0;
}

describe('encodeKeyValue', () => {
  for (const type of ['S', 'N', 'B'] as const) {
    it(`${type}: byte order equals compareKeyValues, and no encoding prefixes another`, () => {
      const r = rng(type.charCodeAt(0));
      const values = Array.from({ length: 400 }, () => randomValue(type, r));
      const encoded = values.map(encodeKeyValue);
      for (let i = 0; i < values.length; i++) {
        for (let j = 0; j < values.length; j++) {
          const a = values[i]!;
          const b = values[j]!;
          const expected = compareKeyValues(a, b);
          assert.equal(compareBytes(encoded[i]!, encoded[j]!), expected, JSON.stringify([a, b]));
          assert.equal(isProperPrefix(encoded[i]!, encoded[j]!), false, JSON.stringify([a, b]));
        }
      }
    });

    it(`${type}: decodes back to the canonical value and reports the end`, () => {
      const r = rng(type.charCodeAt(0) + 100);
      for (let i = 0; i < 2000; i++) {
        const value = randomValue(type, r);
        const enc = encodeKeyValue(value);
        // Embed with bytes on both sides, as inside a storage key.
        const buf = new Uint8Array(enc.length + 5);
        buf.set([9, 9, 9], 0);
        buf.set(enc, 3);
        buf.set([0, 0], 3 + enc.length);
        const { value: decoded, end } = decodeKeyValue(buf, 3, type);
        assert.deepEqual(decoded, value);
        assert.equal(end, 3 + enc.length);
      }
    });
  }

  it('orders numbers at the edges of the range', () => {
    const ordered = [
      '-9.9999999999999999999999999999999999999E+125',
      '-1E125',
      '-1',
      '-0.99999999999999999999999999999999999999',
      '-1E-130',
      '0',
      '1E-130',
      '1.0000000000000000000000000000000000001E-130',
      '0.01',
      '0.1',
      '1',
      '1.01',
      '10',
      '99999999999999999999999999999999999999',
      '1E38',
      '9.9999999999999999999999999999999999999E+125',
    ].map((n) => encodeKeyValue({ N: normalizeNumber(n) }));
    for (let i = 1; i < ordered.length; i++) assert.equal(compareBytes(ordered[i - 1]!, ordered[i]!), -1, `index ${i}`);
    assert.ok(ordered.every((e) => e.length <= 22));
  });

  it('orders strings by UTF-8: non-BMP after U+E000–U+FFFF, NUL below everything', () => {
    const enc = (s: string) => encodeKeyValue({ S: s });
    assert.equal(compareBytes(enc('\uffff'), enc('😀')), -1);
    assert.equal(compareBytes(enc('a'), enc('a\u0000')), -1);
    assert.equal(compareBytes(enc('a\u0000'), enc('a\u0001')), -1);
    assert.equal(compareBytes(enc('ab'), enc('b')), -1);
  });

  it('writes the documented layout', () => {
    assert.deepEqual([...encodeKeyValue({ S: 'a\u0000' })], [0x61, 0x00, 0xff, 0x00, 0x01]);
    assert.deepEqual([...encodeKeyValue({ B: 'AP8=' })], [0x00, 0xff, 0xff, 0x00, 0x01]);
    assert.deepEqual([...encodeKeyValue({ N: '0' })], [0x02]);
    // 123.4 = 1.234E2: exponent byte 132, pairs 12 34 → 13 35.
    assert.deepEqual([...encodeKeyValue({ N: '123.4' })], [0x03, 132, 13, 35, 0x00]);
    assert.deepEqual([...encodeKeyValue({ N: '-5' })], [0x01, 255 - 130, 101 - 51, 0xff]);
  });

  it('rejects values that are not keys, and corrupt encodings', () => {
    const internal = (e: unknown) => isDynamoError(e) && e.shortType === 'InternalServerError';
    assert.throws(() => encodeKeyValue({ BOOL: true }), internal);
    assert.throws(() => decodeKeyValue(Uint8Array.of(0x61, 0x00), 0, 'S'), internal);
    assert.throws(() => decodeKeyValue(Uint8Array.of(0x03, 130, 11), 0, 'N'), internal);
    assert.throws(() => decodeKeyValue(Uint8Array.of(0x07), 0, 'N'), internal);
  });
});

describe('partitionHash', () => {
  it('is MurmurHash3 x86_32 with seed 0 (reference vectors)', () => {
    const text = (s: string) => partitionHash(Buffer.from(s, 'utf8'));
    assert.equal(partitionHash(new Uint8Array(0)), 0);
    assert.equal(partitionHash(Uint8Array.of(0)), 0x514e28b7);
    assert.equal(partitionHash(Uint8Array.of(0, 0, 0, 0)), 0x2362f9de);
    assert.equal(partitionHash(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), 0x76293b50);
    assert.equal(partitionHash(Uint8Array.of(0x21, 0x43, 0x65, 0x87)), 0xf55b516b);
    assert.equal(text('hello'), 0x248bfa47);
    assert.equal(text('Hello, world!'), 0xc0363e43);
    assert.equal(text('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
  });

  it('returns unsigned 32-bit integers spread over the range', () => {
    const r = rng(7);
    let high = 0;
    for (let i = 0; i < 1000; i++) {
      const h = partitionHash(encodeKeyValue({ S: randomString(r) + i }));
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff);
      if (h >= 0x80000000) high++;
    }
    assert.ok(high > 400 && high < 600);
  });
});
