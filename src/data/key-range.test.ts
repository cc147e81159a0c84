/** @module data/key-range.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryKey } from '../catalog/key-space.js';
import type { KeyConditionPlan, KeyOperator } from '../expr/index.js';
import { keyConditionMatches } from '../expr/index.js';
import type { AttributeValue } from '../values/types.js';
import { after, compareKeys, queryRange, segmentRange } from './key-range.js';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Canonical spellings, as validation leaves request values.
const NUMBERS = ['-10000000000', '-100', '-5.5', '-0.001', '0', '0.00001', '0.5', '2', '10', '1500', '999' + '0'.repeat(123)];
const STRINGS = ['a', 'ab', 'b', '\u0000', 'a\u0000', 'é', '\ue000', '\uffff', '😀', '😀x'];
const BYTES = ['00', '0000', '01', '0102', '7f', '80', 'ff', 'ff00', 'ffff'].map((h) => Buffer.from(h, 'hex').toString('base64'));

const samples: Record<'S' | 'N' | 'B', AttributeValue[]> = {
  S: STRINGS.map((S) => ({ S })),
  N: NUMBERS.map((N) => ({ N })),
  B: BYTES.map((B) => ({ B })),
};

const inRange = (key: Uint8Array, range: { start: Uint8Array; end: Uint8Array }) =>
  compareKeys(key, range.start) >= 0 && compareKeys(key, range.end) < 0;

describe('queryRange', () => {
  it('selects exactly the entries whose sort key satisfies the condition, for every operator and type', () => {
    const partition: AttributeValue = { S: 'p' };
    const other: AttributeValue = { S: 'q' };
    for (const type of ['S', 'N', 'B'] as const) {
      const values = samples[type];
      const operators: KeyOperator[] = ['EQ', 'LT', 'LE', 'GT', 'GE', 'BETWEEN'];
      if (type !== 'N') operators.push('BEGINS_WITH');
      for (const operator of operators) {
        for (const a of values) {
          for (const b of operator === 'BETWEEN' ? values : [a]) {
            const condition = { name: 'sk', operator, values: operator === 'BETWEEN' ? [a, b] : [a] };
            const plan: KeyConditionPlan = { hash: { name: 'pk', value: partition }, range: condition };
            const range = queryRange(7, 0, plan);
            for (const value of values) {
              const key = entryKey(7, 0, partition, [value]);
              assert.equal(
                inRange(key, range),
                keyConditionMatches(condition, value),
                `${type} ${operator} ${JSON.stringify(condition.values)} on ${JSON.stringify(value)}`,
              );
              // Nothing of another partition, another table or another index ever falls in.
              assert.equal(inRange(entryKey(7, 0, other, [value]), range), false);
              assert.equal(inRange(entryKey(8, 0, partition, [value]), range), false);
              assert.equal(inRange(entryKey(7, 1, partition, [value]), range), false);
            }
          }
        }
      }
    }
  });

  it('keeps index entries that tie on the index key inside the range', () => {
    const plan: KeyConditionPlan = {
      hash: { name: 'g', value: { S: 'x' } },
      range: { name: 'r', operator: 'EQ', values: [{ N: '5' }] },
    };
    const range = queryRange(3, 2, plan);
    for (const tablePk of ['a', 'b', '😀']) {
      assert.ok(inRange(entryKey(3, 2, { S: 'x' }, [{ N: '5' }, { S: tablePk }, { N: '1' }]), range));
      assert.ok(!inRange(entryKey(3, 2, { S: 'x' }, [{ N: '50' }, { S: tablePk }, { N: '1' }]), range));
    }
  });
});

describe('segmentRange', () => {
  it('splits the hash space into adjacent segments that cover it exactly once', () => {
    for (const total of [1, 2, 3, 7, 1000, 1_000_000]) {
      let expectedFrom = 0;
      const probe = total > 1000 ? [0, 1, 499_999, total - 2, total - 1] : Array.from({ length: total }, (_, i) => i);
      for (const segment of probe) {
        const range = segmentRange(1, 0, segment, total);
        if (segment === 0) assert.equal(range.fromHash, 0);
        if (total <= 1000) {
          assert.equal(range.fromHash, expectedFrom);
          expectedFrom = range.toHash;
        }
        assert.ok(range.toHash > range.fromHash);
        if (segment === total - 1) assert.equal(range.toHash, 0x1_0000_0000);
      }
    }
  });

  it('puts each entry in the segment of its partition hash', () => {
    const random = rng(42);
    for (let i = 0; i < 200; i++) {
      const key = entryKey(1, 0, { S: `k${Math.floor(random() * 1e9)}` }, []);
      const hash = new DataView(key.buffer, key.byteOffset).getUint32(6);
      const total = 1 + Math.floor(random() * 50);
      let found = 0;
      for (let segment = 0; segment < total; segment++) {
        const range = segmentRange(1, 0, segment, total);
        if (inRange(key, range)) {
          found++;
          assert.ok(hash >= range.fromHash && hash < range.toHash);
        }
      }
      assert.equal(found, 1);
    }
  });
});

describe('after', () => {
  it('is the smallest key greater than a key', () => {
    const key = Uint8Array.of(1, 2, 0xff);
    assert.ok(compareKeys(after(key), key) > 0);
    assert.deepEqual([...after(key)], [1, 2, 0xff, 0]);
  });
});
