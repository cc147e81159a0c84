/** @module catalog/key-space.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeyValues } from '../values/compare.js';
import type { AttributeValue } from '../values/types.js';
import {
  compositeEntryKey,
  compositePartitionPrefix,
  entryKey,
  keyPartitionHash,
  partitionPrefix,
  successor,
} from './key-space.js';

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: string): AttributeValue => ({ N: n });
const B = (hex: string): AttributeValue => ({ B: Buffer.from(hex, 'hex').toString('base64') });

// Values chosen to tempt a naive concatenation into collisions: prefixes of
// one another, NUL characters and zero bytes next to the terminators.
const samples: Record<'S' | 'N' | 'B', AttributeValue[]> = {
  S: ['a', 'ab', 'abc', 'b', 'bc', 'c', '\u0000', 'a\u0000', '\u0000a', 'a\u0000b', 'é', '😀'].map(S),
  N: ['-100', '-1', '-0.5', '0', '0.5', '1', '10', '100', '1E+3', '12345678901234567890123456789012345678'].map(N),
  B: ['00', '0000', '000001', '0001', '01', '0100', 'ff', 'ff00', '00ff'].map(B),
};

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  return key.length >= prefix.length && compareBytes(key.subarray(0, prefix.length), prefix) === 0;
}

/** Every tuple of the given types from the samples. */
function tuples(types: readonly ('S' | 'N' | 'B')[]): AttributeValue[][] {
  let out: AttributeValue[][] = [[]];
  for (const type of types) out = out.flatMap((t) => samples[type].map((v) => [...t, v]));
  return out;
}

function compareTuples(a: readonly AttributeValue[], b: readonly AttributeValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareKeyValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('compositeEntryKey', () => {
  it('with one HASH value writes exactly the single-attribute key (existing data stays readable)', () => {
    for (const type of ['S', 'N', 'B'] as const) {
      for (const value of samples[type]) {
        for (const rest of [[], [N('5')], [S('x'), undefined], [B('00'), S('pk'), N('1')]]) {
          assert.deepEqual(compositeEntryKey(9, 3, [value], rest), entryKey(9, 3, value, rest));
        }
        assert.deepEqual(compositePartitionPrefix(9, 3, [value]), partitionPrefix(9, 3, value));
      }
    }
  });

  it('never gives two different key tuples the same key', () => {
    for (const types of [['S', 'S'], ['S', 'N'], ['N', 'S'], ['B', 'B'], ['N', 'B', 'S'], ['B', 'S']] as const) {
      const seen = new Map<string, string>();
      for (const hash of tuples(types)) {
        for (const range of [[], [S('r')], [S('r'), S('')], [N('1'), B('00')]]) {
          const key = Buffer.from(compositeEntryKey(1, 1, hash, range)).toString('hex');
          const tuple = JSON.stringify([hash, range]);
          assert.equal(seen.get(key), undefined, `${tuple} collides with ${seen.get(key)}`);
          seen.set(key, tuple);
        }
      }
    }
  });

  it('keeps ("a","bc") and ("ab","c") apart, as partitions and as sort keys', () => {
    const one = compositePartitionPrefix(1, 1, [S('a'), S('bc')]);
    const two = compositePartitionPrefix(1, 1, [S('ab'), S('c')]);
    assert.notDeepEqual(one, two);
    assert.ok(!startsWith(one, two.subarray(10)) && !startsWith(two, one.subarray(10)));
    const sortOne = compositeEntryKey(1, 1, [S('h')], [S('a'), S('bc')]);
    const sortTwo = compositeEntryKey(1, 1, [S('h')], [S('ab'), S('c')]);
    assert.notDeepEqual(sortOne, sortTwo);
    // And in tuple order: "a" < "ab" decides, whatever follows.
    assert.ok(compareBytes(sortOne, sortTwo) < 0);
  });

  it('keeps binary values with zero bytes apart', () => {
    const keys = [
      [B('00'), B('0000')],
      [B('0000'), B('00')],
      [B('000000'), B('')],
      [B(''), B('000000')],
    ].map((hash) => Buffer.from(compositePartitionPrefix(1, 1, hash)).toString('hex'));
    assert.equal(new Set(keys).size, keys.length);
  });

  it('hashes the HASH values together, and the key carries that hash', () => {
    const key = compositeEntryKey(1, 1, [S('a'), N('1')], [S('r')]);
    const prefix = compositePartitionPrefix(1, 1, [S('a'), N('1')]);
    assert.ok(startsWith(key, prefix));
    assert.equal(keyPartitionHash(key), keyPartitionHash(prefix));
    assert.equal(keyPartitionHash(entryKey(1, 0, S('a'), [])), keyPartitionHash(partitionPrefix(1, 0, S('a'))));
  });

  it('orders the entries of a partition by the RANGE values, attribute by attribute, in DynamoDB order', () => {
    const partition = [S('h'), N('2')];
    for (const types of [['S', 'N'], ['N', 'S'], ['B', 'S'], ['S', 'B', 'N']] as const) {
      const all = tuples(types);
      for (const a of all) {
        for (const b of all) {
          const ka = compositeEntryKey(4, 2, partition, [...a, S('pk')]);
          const kb = compositeEntryKey(4, 2, partition, [...b, S('pk')]);
          assert.equal(sign(compareBytes(ka, kb)), sign(compareTuples(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        }
      }
    }
  });

  it('puts every entry of a partition, and only those, under its prefix', () => {
    const hashes = tuples(['S', 'S']);
    const prefix = compositePartitionPrefix(4, 2, [S('a'), S('bc')]);
    const end = successor(prefix);
    for (const hash of hashes) {
      const key = compositeEntryKey(4, 2, hash, [N('1'), S('pk')]);
      const inside = compareBytes(key, prefix) >= 0 && compareBytes(key, end) < 0;
      assert.equal(inside, compareTuples(hash, [S('a'), S('bc')]) === 0, JSON.stringify(hash));
    }
  });
});
