import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after, changes, type TableEntry } from './point-in-time.js';

const e = (k: number, v: string): TableEntry => ({ keyTail: Uint8Array.of(0, k), raw: Buffer.from(v) });

async function* of<T>(items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i;
}

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

test('changes: inserted, deleted and modified items, in key order; unchanged ones left out', async () => {
  const from = [e(1, 'a'), e(2, 'b'), e(4, 'd'), e(6, 'f')];
  const to = [e(2, 'b'), e(3, 'c'), e(4, 'D'), e(7, 'g')];
  const got = (await all(changes(of(from), of(to)))).map((c) => [c.keyTail[1], c.oldRaw?.toString() ?? null, c.newRaw?.toString() ?? null]);
  assert.deepEqual(got, [
    [1, 'a', null],
    [3, null, 'c'],
    [4, 'd', 'D'],
    [6, 'f', null],
    [7, null, 'g'],
  ]);
});

test('changes with the period\'s writes: also items changed back, and items created and deleted within the period', async () => {
  const from = [e(2, 'b'), e(4, 'd'), e(6, 'f')];
  const to = [e(2, 'b'), e(4, 'D'), e(6, 'f'), e(8, 'h')];
  const key = (k: number) => Buffer.from([0, k]).toString('latin1');
  // 2 changed and changed back; 1, 5 and 9 created and deleted; 4 and 8 as without the log; 6 not written.
  const written = new Map([1, 2, 4, 5, 8, 9].map((k) => [key(k), 1000 + k]));
  const got = (await all(changes(of(from), of(to), written))).map((c) => [c.keyTail[1], c.oldRaw?.toString() ?? null, c.newRaw?.toString() ?? null, c.writeMs]);
  assert.deepEqual(got, [
    [1, null, null, 1001],
    [2, 'b', 'b', 1002],
    [4, 'd', 'D', 1004],
    [5, null, null, 1005],
    [8, null, 'h', 1008],
    [9, null, null, 1009],
  ]);
});

test('after: resumes past a checkpointed key', async () => {
  const got = await all(after(of([e(1, 'a'), e(2, 'b'), e(3, 'c')]), Uint8Array.of(0, 2)));
  assert.deepEqual(got.map((x) => x.keyTail[1]), [3]);
  assert.equal((await all(after(of([e(1, 'a')]), undefined))).length, 1);
});
