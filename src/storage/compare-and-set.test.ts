/**
 * @module storage/compare-and-set.test
 * The one read → decide → commit loop: retries on conflict, stops on
 * `done`, gives up with the caller's error, lets other errors through, and
 * (keyed form) decides inside the commit after a lost race, or retries when
 * the engine cannot.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareAndSet, compareAndSetKeys } from './compare-and-set.js';
import type { StorageEngine } from './engine.js';
import { MemoryEngine } from './memory-engine.js';

const enc = new TextEncoder();
const key = enc.encode('k');

/** A memory engine without readAndCommit, that lets `interfere` write once before a commit. */
function racing(engine: MemoryEngine, interfere: { once?: () => Promise<void> }): StorageEngine {
  return {
    capabilities: engine.capabilities,
    get: (k) => engine.get(k),
    getMany: (keys) => engine.getMany(keys),
    range: (a, b, o) => engine.range(a, b, o),
    snapshot: () => engine.snapshot(),
    close: () => engine.close(),
    commit: async (writes, expectations, options) => {
      const once = interfere.once;
      interfere.once = undefined;
      if (once !== undefined) await once();
      return engine.commit(writes, expectations, options);
    },
  };
}

describe('compareAndSet', () => {
  test('reads again after a conflict and commits on what it finds', async () => {
    const memory = new MemoryEngine();
    const interfere = { once: () => memory.commit([{ key, value: enc.encode('theirs') }]) };
    const engine = racing(memory, interfere);
    const seen: (string | undefined)[] = [];
    const result = await compareAndSet(engine, async (attempt) => {
      const current = await engine.get(key);
      seen.push(current === undefined ? undefined : Buffer.from(current).toString());
      return { writes: [{ key, value: enc.encode('mine') }], expectations: [{ key, value: current ?? null }], result: attempt };
    });
    assert.equal(result, 1);
    assert.deepEqual(seen, [undefined, 'theirs']);
    assert.equal(Buffer.from((await engine.get(key))!).toString(), 'mine');
  });

  test('done finishes without a commit; other errors and exhaustion throw', async () => {
    const engine = new MemoryEngine();
    assert.equal(await compareAndSet(engine, () => ({ done: 'nothing to do' })), 'nothing to do');
    await assert.rejects(
      compareAndSet(engine, () => ({ writes: [{ key: new Uint8Array(0), value: null }], expectations: [], result: 1 })),
      TypeError,
    );
    await engine.commit([{ key, value: enc.encode('x') }]);
    let conflicts = 0;
    await assert.rejects(
      compareAndSet(engine, () => ({ writes: [], expectations: [{ key, value: null }], result: 1 }), {
        maxAttempts: 3,
        onConflict: () => conflicts++,
        exhausted: () => new Error('gave up'),
      }),
      /gave up/,
    );
    assert.equal(conflicts, 3);
  });
});

describe('compareAndSetKeys', () => {
  const increment = (values: readonly (Uint8Array | undefined)[]) => {
    const n = values[0] === undefined ? 0 : Number(Buffer.from(values[0]).toString());
    return { writes: [{ key, value: enc.encode(String(n + 1)) }], result: n + 1 };
  };

  test('after a lost race, decides inside the commit once', async () => {
    const memory = new MemoryEngine();
    let decisions = 0;
    // The first decision's commit loses to a write made after its read.
    const original = memory.commit.bind(memory);
    let interfered = false;
    memory.commit = async (writes, expectations, options) => {
      if (!interfered) {
        interfered = true;
        await original([{ key, value: enc.encode('10') }]);
      }
      return original(writes, expectations, options);
    };
    const result = await compareAndSetKeys(memory, { keys: [key], decide: (values) => (decisions++, increment(values)) });
    assert.equal(result, 11);
    assert.equal(decisions, 2);
  });

  test('without readAndCommit, retries optimistically', async () => {
    const memory = new MemoryEngine();
    const interfere = { once: () => memory.commit([{ key, value: enc.encode('5') }]) };
    const engine = racing(memory, interfere);
    assert.equal(engine.readAndCommit, undefined);
    assert.equal(await compareAndSetKeys(engine, { keys: [key], decide: increment }), 6);
    assert.equal(Buffer.from((await engine.get(key))!).toString(), '6');
  });
});
