import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from './prng.js';

test('one seed gives one sequence; another seed another', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const xs = Array.from({ length: 20 }, () => a.next());
  assert.deepEqual(Array.from({ length: 20 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 20 }, () => c.next()), xs);
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

test('between() stays within its bounds and reaches both', () => {
  const p = new Prng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const n = p.between(3, 6);
    assert.ok(n >= 3 && n <= 6);
    seen.add(n);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  assert.equal(p.between(5, 5), 5);
});
