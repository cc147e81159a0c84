/** @module values/compare.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareBase64, compareKeyValues, compareScalars, compareStrings, valuesEqual } from './compare.js';
import type { AttributeValue } from './types.js';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters around every boundary that matters: ASCII, NUL, 2- and 3-byte
// UTF-8, the U+E000–U+FFFF block that UTF-16 misorders against surrogates,
// and characters beyond the BMP.
const POOL = ['a', 'b', 'z', '\u0000', '\u007f', 'é', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '\ufffd', '😀', '\u{10000}', '\u{10ffff}'];

function randomString(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) s += POOL[Math.floor(r() * POOL.length)];
  return s;
}

function randomBytes(r: () => number): Buffer {
  const n = Math.floor(r() * 7);
  const b = Buffer.alloc(n);
  // Few distinct byte values so that prefixes and ties are common.
  const values = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
  for (let i = 0; i < n; i++) b[i] = values[Math.floor(r() * values.length)]!;
  return b;
}

describe('compareStrings', () => {
  it('orders by UTF-8 bytes, not UTF-16 units', () => {
    // UTF-16 puts the surrogate pair of U+1F600 before U+FFFF; UTF-8 does not.
    assert.equal('😀' < '\uffff', true);
    assert.equal(compareStrings('😀', '\uffff'), 1);
    assert.equal(compareStrings('\ue000', '\u{10000}'), -1);
    assert.equal(compareStrings('a', 'ab'), -1);
    assert.equal(compareStrings('ab', 'a'), 1);
    assert.equal(compareStrings('abc', 'abc'), 0);
    assert.equal(compareStrings('', 'a'), -1);
    assert.equal(compareStrings('B', 'a'), -1);
  });

  it('agrees with Buffer.compare of the UTF-8 encodings', () => {
    const r = rng(11);
    for (let i = 0; i < 20000; i++) {
      const a = randomString(r);
      const b = r() < 0.1 ? a : randomString(r);
      const expected = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
      assert.equal(compareStrings(a, b), expected, JSON.stringify([a, b]));
    }
  });
});

describe('compareBase64', () => {
  it('agrees with Buffer.compare of the decoded bytes', () => {
    const r = rng(12);
    for (let i = 0; i < 20000; i++) {
      const x = randomBytes(r);
      const y = r() < 0.1 ? x : randomBytes(r);
      assert.equal(compareBase64(x.toString('base64'), y.toString('base64')), Buffer.compare(x, y), `${x.toString('hex')} vs ${y.toString('hex')}`);
    }
  });

  it('orders bytes at and above 0x80 as unsigned', () => {
    assert.equal(compareBase64(Buffer.from([0x80]).toString('base64'), Buffer.from([0x7f]).toString('base64')), 1);
    assert.equal(compareBase64(Buffer.from([0xff]).toString('base64'), Buffer.from([0xff, 0x00]).toString('base64')), -1);
    assert.equal(compareBase64('', 'AA=='), -1);
  });
});

describe('compareKeyValues / compareScalars', () => {
  it('dispatches on type', () => {
    assert.equal(compareKeyValues({ S: 'a' }, { S: 'b' }), -1);
    assert.equal(compareKeyValues({ N: '10' }, { N: '9' }), 1);
    assert.equal(compareKeyValues({ N: '-10' }, { N: '-10' }), 0);
    assert.equal(compareKeyValues({ B: '/w==' }, { B: 'AA==' }), 1);
  });

  it('is undefined across types or for non-scalars', () => {
    assert.equal(compareScalars({ S: '1' }, { N: '1' }), undefined);
    assert.equal(compareScalars({ N: '1' }, { B: 'AQ==' }), undefined);
    assert.equal(compareScalars({ BOOL: true }, { BOOL: true }), undefined);
    assert.equal(compareScalars({ L: [] }, { L: [] }), undefined);
    assert.equal(compareScalars({ S: 'a' }, { S: 'a' }), 0);
    assert.equal(compareScalars({ N: '2' }, { N: '10' }), -1);
  });
});

describe('valuesEqual', () => {
  const equalPairs: [AttributeValue, AttributeValue][] = [
    [{ S: 'x' }, { S: 'x' }],
    [{ N: '1.5' }, { N: '1.5' }],
    [{ B: 'AQI=' }, { B: 'AQI=' }],
    [{ BOOL: false }, { BOOL: false }],
    [{ NULL: true }, { NULL: true }],
    [{ SS: ['a', 'b', 'c'] }, { SS: ['c', 'a', 'b'] }],
    [{ NS: ['1', '2'] }, { NS: ['2', '1'] }],
    [{ BS: ['AQ==', 'Ag=='] }, { BS: ['Ag==', 'AQ=='] }],
    [{ SS: Array.from({ length: 20 }, (_, i) => `m${i}`) }, { SS: Array.from({ length: 20 }, (_, i) => `m${19 - i}`) }],
    [{ L: [{ S: 'a' }, { N: '1' }] }, { L: [{ S: 'a' }, { N: '1' }] }],
    [{ M: { a: { S: 'x' }, b: { L: [{ NULL: true }] } } }, { M: { b: { L: [{ NULL: true }] }, a: { S: 'x' } } }],
    [{ M: {} }, { M: {} }],
  ];
  const unequalPairs: [AttributeValue, AttributeValue][] = [
    [{ S: 'x' }, { S: 'y' }],
    [{ S: '1' }, { N: '1' }],
    [{ N: '1' }, { N: '2' }],
    [{ B: 'AQ==' }, { S: 'AQ==' }],
    [{ BOOL: true }, { BOOL: false }],
    [{ NULL: true }, { BOOL: true }],
    [{ SS: ['a', 'b'] }, { SS: ['a', 'c'] }],
    [{ SS: ['a'] }, { SS: ['a', 'b'] }],
    [{ SS: ['1'] }, { NS: ['1'] }],
    [{ L: [{ S: 'a' }, { S: 'b' }] }, { L: [{ S: 'b' }, { S: 'a' }] }],
    [{ L: [{ S: 'a' }] }, { L: [{ S: 'a' }, { S: 'a' }] }],
    [{ M: { a: { S: 'x' } } }, { M: { a: { S: 'x' }, b: { S: 'x' } } }],
    [{ M: { a: { S: 'x' }, b: { S: 'x' } } }, { M: { a: { S: 'x' } } }],
    [{ M: { a: { S: 'x' } } }, { M: { b: { S: 'x' } } }],
    [{ M: {} }, { L: [] }],
  ];
  it('holds for equal values in both directions', () => {
    for (const [a, b] of equalPairs) {
      assert.equal(valuesEqual(a, b), true, JSON.stringify([a, b]));
      assert.equal(valuesEqual(b, a), true, JSON.stringify([b, a]));
    }
  });
  it('fails for different values in both directions', () => {
    for (const [a, b] of unequalPairs) {
      assert.equal(valuesEqual(a, b), false, JSON.stringify([a, b]));
      assert.equal(valuesEqual(b, a), false, JSON.stringify([b, a]));
    }
  });
});
