/** @module data/key-range.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compositeEntryKey, entryKey } from '../catalog/key-space.js';
import { compareKeyValues } from '../values/compare.js';
import type { KeyConditionPlan, KeyOperator } from '../expr/index.js';
import { keyConditionMatches } from '../expr/index.js';
import type { AttributeValue } from '../values/types.js';
import { after, compareKeys, queryRange, resumeAfter, segmentRange } from './key-range.js';

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

describe('queryRange on a multi-attribute key', () => {
  it('selects exactly the entries of the partition whose RANGE values satisfy the equalities and the last condition', () => {
    const partition = [{ S: 'a' }, { N: '7' }];
    const firsts: AttributeValue[] = [{ S: 'x' }, { S: 'xy' }, { S: 'y' }, { S: '\u0000' }];
    const seconds = samples.N.slice(0, 6);
    const operators: KeyOperator[] = ['EQ', 'LT', 'LE', 'GT', 'GE', 'BETWEEN'];
    for (const operator of operators) {
      for (const prefixValue of firsts) {
        for (const bound of seconds) {
          const condition = { name: 'r2', operator, values: operator === 'BETWEEN' ? [bound, seconds[4]!] : [bound] };
          const plan: KeyConditionPlan = {
            hash: { name: 'h1', value: partition[0]! },
            partition: [
              { name: 'h1', value: partition[0]! },
              { name: 'h2', value: partition[1]! },
            ],
            rangePrefix: [{ name: 'r1', value: prefixValue }],
            range: condition,
          };
          const range = queryRange(5, 1, plan);
          for (const first of firsts) {
            for (const second of seconds) {
              const key = compositeEntryKey(5, 1, partition, [first, second, { S: 'pk' }]);
              const expected = compareKeyValues(first, prefixValue) === 0 && keyConditionMatches(condition, second);
              assert.equal(inRange(key, range), expected, `${operator} ${JSON.stringify([first, second])}`);
              // Another partition (the same values, split differently) never falls in.
              const other = compositeEntryKey(5, 1, [{ S: 'a7' }, { N: '7' }], [first, second, { S: 'pk' }]);
              assert.equal(inRange(other, range), false);
            }
          }
        }
      }
    }
  });

  it('a partition alone, and begins_with on a later RANGE attribute', () => {
    const partition = [{ B: Buffer.from([0, 1]).toString('base64') }];
    const all = queryRange(5, 1, { hash: { name: 'h', value: partition[0]! }, partition: [{ name: 'h', value: partition[0]! }], rangePrefix: [] });
    const begins = queryRange(5, 1, {
      hash: { name: 'h', value: partition[0]! },
      partition: [{ name: 'h', value: partition[0]! }],
      rangePrefix: [{ name: 'r1', value: { N: '1' } }],
      range: { name: 'r2', operator: 'BEGINS_WITH', values: [{ S: 'ab' }] },
    });
    for (const [r1, r2, inBegins] of [
      ['1', 'ab', true],
      ['1', 'abc', true],
      ['1', 'a', false],
      ['2', 'ab', false],
      ['0.5', 'abz', false],
    ] as const) {
      const key = compositeEntryKey(5, 1, partition, [{ N: r1 }, { S: r2 }, { S: 'pk' }]);
      assert.ok(inRange(key, all));
      assert.equal(inRange(key, begins), inBegins, `${r1} ${r2}`);
    }
    const elsewhere = compositeEntryKey(5, 1, [{ B: Buffer.from([0]).toString('base64') }], [{ N: '1' }, { S: 'ab' }, { S: 'pk' }]);
    assert.ok(!inRange(elsewhere, all));
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

describe('resumeAfter', () => {
  const range = { start: Uint8Array.of(2), end: Uint8Array.of(8) };
  it('reads on above the position, or below it in reverse', () => {
    assert.deepEqual(resumeAfter(range, Uint8Array.of(5), false), { start: after(Uint8Array.of(5)), end: Uint8Array.of(8) });
    assert.deepEqual(resumeAfter(range, Uint8Array.of(5), true), { start: Uint8Array.of(2), end: Uint8Array.of(5) });
  });
  it('leaves the range as it is for a position outside it', () => {
    assert.deepEqual(resumeAfter(range, Uint8Array.of(1), false), range);
    assert.deepEqual(resumeAfter(range, Uint8Array.of(9), true), range);
  });
});
