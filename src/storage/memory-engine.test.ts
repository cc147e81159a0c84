/**
 * @module storage/memory-engine.test
 * The in-memory engine against the shared storage contract, and what it
 * keeps or changes in place (the sequence counter, records copied into its
 * log arena) against its snapshots.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runContractSuite } from './contract.js';
import { SEQUENCE_COUNTER_KEY } from './engine.js';
import { MemoryEngine } from './memory-engine.js';

runContractSuite('memory', async () => new MemoryEngine());

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('latin1'));
const counterOf = async (read: { get(key: Uint8Array): Promise<Uint8Array | undefined> }): Promise<bigint | undefined> => {
  const raw = await read.get(SEQUENCE_COUNTER_KEY);
  return raw === undefined ? undefined : Buffer.from(raw).readBigUInt64BE(0);
};

// What the engine changes in place — the sequence counter — must never show
// through a snapshot taken before; nor may a write after a snapshot.
describe('memory engine: entries changed in place', () => {
  const numbered = (prefix: string, value: string) => ({
    sequence: { count: 1, floor: 0n, writes: (first: bigint) => [{ key: bytes(`${prefix}${first}`), value: bytes(value) }] },
  });

  test('a readAndCommit overwrite after a snapshot leaves the snapshot as it was', async () => {
    const engine = new MemoryEngine();
    await engine.commit([{ key: bytes('item'), value: bytes('v1') }]);
    await engine.readAndCommit([bytes('item')], () => ({ writes: [{ key: bytes('item'), value: bytes('v2') }], result: undefined }));
    const snapshot = await engine.snapshot();
    await engine.readAndCommit([bytes('item')], ([old]) => ({ writes: [{ key: bytes('item'), value: bytes(`${text(old)}+v3`) }], result: undefined }));
    await engine.readAndCommit([bytes('item')], ([old]) => ({ writes: [{ key: bytes('item'), value: bytes(`${text(old)}+v4`) }], result: undefined }));
    assert.equal(text(await snapshot.get(bytes('item'))), 'v2');
    assert.equal(text(await engine.get(bytes('item'))), 'v2+v3+v4');
    await snapshot.release();
  });

  test('a value read from readAndCommit is a copy: changing it changes nothing stored', async () => {
    const engine = new MemoryEngine();
    await engine.commit([{ key: bytes('item'), value: bytes('abc') }]);
    await engine.readAndCommit([bytes('item')], ([old]) => {
      old![0] = 0x7a;
      return { writes: [], result: undefined };
    });
    const written = bytes('def');
    await engine.readAndCommit([bytes('item')], () => ({ writes: [{ key: bytes('item'), value: written }], result: undefined }));
    written[0] = 0x7a;
    assert.equal(text(await engine.get(bytes('item'))), 'def');
  });

  test('the sequence counter a snapshot holds stays at its value while numbered commits go on', async () => {
    const engine = new MemoryEngine();
    await engine.commit([], [], numbered('log/', 'a'));
    await engine.commit([], [], numbered('log/', 'b'));
    const snapshot = await engine.snapshot();
    const held = await counterOf(snapshot);
    await engine.readAndCommit([bytes('item')], () => ({ writes: [{ key: bytes('item'), value: bytes('x') }], options: numbered('log/', 'c'), result: undefined }));
    await engine.commit([], [], numbered('log/', 'd'));
    assert.equal(await counterOf(snapshot), held);
    assert.equal(await counterOf(engine), held! + 2n);
    assert.deepEqual(
      (await snapshot.range(bytes('log/'), bytes('log0'))).map((e) => text(e.value)),
      ['a', 'b'],
    );
    assert.deepEqual(
      (await engine.range(bytes('log/'), bytes('log0'))).map((e) => text(e.value)),
      ['a', 'b', 'c', 'd'],
    );
    await snapshot.release();
  });

  test('numbers go on from a counter written from outside the engine', async () => {
    const engine = new MemoryEngine();
    await engine.commit([], [], numbered('log/', 'a'));
    const raw = Buffer.alloc(8);
    raw.writeBigUInt64BE(1000n);
    await engine.commit([{ key: SEQUENCE_COUNTER_KEY, value: raw }]);
    await engine.commit([], [], numbered('log/', 'b'));
    assert.equal(await counterOf(engine), 1001n);
    assert.ok(await engine.get(bytes('log/1001')));
  });
});
