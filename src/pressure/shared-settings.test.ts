import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine } from '../storage/memory-engine.js';
import { normalizePatch, readShared, updateShared } from './shared-settings.js';

test('normalizePatch keeps the members named, in one form, and refuses bad input', () => {
  assert.deepEqual(normalizePatch({ lagMs: 200, txnMs: 'off', faults: null, seed: 7, throttle: true, reset: true }), {
    patch: { lagMs: '200', txnMs: null, faults: '', seed: 7, throttle: true },
    reset: true,
  });
  assert.deepEqual(normalizePatch({ lagMs: '10-20' }), { patch: { lagMs: '10-20' }, reset: false });
  assert.match(normalizePatch({ lagMs: '20-10' }) as string, /lagMs/);
  assert.match(normalizePatch({ faults: 'bogus:1' }) as string, /unknown kind/);
  assert.match(normalizePatch({ processes: 0 }) as string, /processes must be a whole number, at least 1/);
  assert.match(normalizePatch({ nope: 1 }) as string, /unknown setting/);
});

test('updateShared merges into the stored record and raises its version; two handles see one record', async () => {
  const engine = new MemoryEngine();
  assert.deepEqual(await readShared(engine), { version: 0, resets: 0, patch: {} });
  await updateShared(engine, (c) => ({ resets: c.resets, patch: { ...c.patch, throttle: true } }));
  const r = await updateShared(engine, (c) => ({ resets: c.resets + 1, patch: { ...c.patch, lagMs: '5' } }));
  assert.equal(r.version, 2);
  assert.deepEqual((await readShared(engine)).patch, { throttle: true, lagMs: '5' });
  assert.equal((await readShared(engine)).resets, 1);
});
