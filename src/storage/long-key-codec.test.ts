/**
 * @module storage/long-key-codec.test
 * Unit tests of the long-key codec and prefixSuccessor; the codec's use
 * inside a real engine is covered by the contract suite run with a tiny key
 * limit (lmdb-engine.test.ts).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prefixSuccessor } from './byte-order.js';
import { LongKeyCodec } from './long-key-codec.js';

const hex = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');

describe('prefixSuccessor', () => {
  test('increments the last byte that is not 0xff and drops the rest', () => {
    assert.equal(hex(prefixSuccessor(Uint8Array.of(1, 2, 3))), '010204');
    assert.equal(hex(prefixSuccessor(Uint8Array.of(1, 0xff, 0xff))), '02');
    assert.equal(prefixSuccessor(Uint8Array.of(0xff, 0xff)), undefined);
    assert.equal(prefixSuccessor(new Uint8Array(0)), undefined);
  });

  test('never writes into its argument, even a Buffer', () => {
    const prefix = Buffer.from([5, 6]);
    prefixSuccessor(prefix);
    assert.equal(hex(prefix), '0506');
  });
});

describe('LongKeyCodec', () => {
  const codec = new LongKeyCodec(40); // inline limit 8
  const long = (tail: number[]): Uint8Array => Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, ...tail]);

  test('keys up to the inline limit are stored as themselves', () => {
    const key = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    assert.equal(codec.storedKey(key), key);
    assert.equal(codec.storedValue(key, Uint8Array.of(9)).length, 1);
  });

  test('a long key is stored as prefix ++ SHA-256 and decodes back', () => {
    const key = long([9, 10, 11]);
    const storedKey = codec.storedKey(key);
    assert.equal(storedKey.length, 40);
    assert.equal(hex(storedKey.subarray(0, 8)), '0102030405060708');
    const storedValue = codec.storedValue(key, Uint8Array.of(0xaa, 0xbb));
    const entry = codec.decode(storedKey, storedValue);
    assert.equal(hex(entry.key), hex(key));
    assert.equal(hex(entry.value), 'aabb');
    assert.equal(hex(codec.valueFor(key, storedValue)), 'aabb');
  });

  test('an entry whose stored tail differs (a hash collision) reads as absent', () => {
    const stored = codec.storedValue(long([9]), Uint8Array.of(1));
    assert.equal(codec.valueFor(long([10]), stored), undefined);
    assert.equal(codec.valueFor(long([9, 0]), stored), undefined);
  });

  test('a corrupt long-key value is reported, not misread', () => {
    assert.throws(() => codec.decode(codec.storedKey(long([1])), Uint8Array.of(0, 0)), /corrupt/);
    assert.throws(() => codec.decode(codec.storedKey(long([1])), Uint8Array.of(0, 0, 0, 9, 1)), /corrupt/);
  });

  test('stored bounds cover the range; an all-0xff long end is unbounded', () => {
    const bounds = codec.storedBounds(long([5]), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    assert.equal(hex(bounds.start), '0102030405060708');
    assert.equal(bounds.end, undefined);
    assert.equal(codec.storedBounds(new Uint8Array(0), Uint8Array.of(3)).start, undefined);
    assert.equal(hex(codec.storedBounds(Uint8Array.of(1), long([1])).end), '0102030405060709');
  });

  test('collectRange sorts a group, filters long bounds, honours limit and reverse', () => {
    const keys = [long([3]), long([1]), long([2, 0]), long([2]), long([0xff])];
    // In stored order: sorted by stored key (hash order inside the group).
    const stored = keys
      .map((key) => ({ key: codec.storedKey(key), value: codec.storedValue(key, key.subarray(8)) }))
      .sort((a, b) => Buffer.compare(a.key, b.key));
    const prefixOnly = { key: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), value: Uint8Array.of(0) };
    const forward = [prefixOnly, ...stored];
    const reverse = [...stored].reverse().concat(prefixOnly);
    const tails = (entries: { key: Uint8Array }[]): string[] => entries.map((e) => hex(e.key.subarray(8)) ?? '');
    const all = codec.collectRange(forward, new Uint8Array(0), Uint8Array.of(2), false, Infinity);
    assert.deepEqual(tails(all), ['', '01', '02', '0200', '03', 'ff']);
    assert.deepEqual(tails(codec.collectRange(reverse, new Uint8Array(0), Uint8Array.of(2), true, 3)), ['ff', '03', '0200']);
    // Long bounds: [long(2), long(3)) keeps 02 and 0200 only.
    assert.deepEqual(tails(codec.collectRange(forward, long([2]), long([3]), false, Infinity)), ['02', '0200']);
    assert.deepEqual(tails(codec.collectRange(reverse, long([2]), long([3]), true, Infinity)), ['0200', '02']);
    assert.deepEqual(tails(codec.collectRange(forward, long([2]), long([3]), false, 1)), ['02']);
  });
});
