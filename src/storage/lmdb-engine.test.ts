/**
 * @module storage/lmdb-engine.test
 * The LMDB engine against the shared storage contract, twice: as configured
 * for real use, and with a 48-byte key limit so that nearly every key in
 * the suite takes the long-key path (LongKeyCodec), including groups of
 * long keys sharing a prefix. Plus what only this engine has: reopening,
 * the layout record, handles sharing one environment, and one memory map
 * however the file grows.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { open } from 'lmdb';
import { runContractSuite } from './contract.js';
import type { SharedAccess } from './contract.js';
import type { StorageEngine } from './engine.js';
import { LmdbEngine, mapSizeFor } from './lmdb-engine.js';
import { LongKeyCodec } from './long-key-codec.js';

const root = mkdtempSync(join(tmpdir(), 'openddb-lmdb-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, String(dirs++));

/** Where each engine under test lives, so the shared-data tests can open it again. */
const places = new WeakMap<StorageEngine, { path: string; maxStoredKeyBytes?: number }>();

async function openAt(path: string, maxStoredKeyBytes?: number): Promise<StorageEngine> {
  const engine = await LmdbEngine.open({ path, ...(maxStoredKeyBytes === undefined ? {} : { maxStoredKeyBytes }) });
  places.set(engine, { path, ...(maxStoredKeyBytes === undefined ? {} : { maxStoredKeyBytes }) });
  return engine;
}

const shared: SharedAccess = {
  openAnother: (engine) => {
    const place = places.get(engine)!;
    return openAt(place.path, place.maxStoredKeyBytes);
  },
  childSpec: (engine) => ({ engine: 'lmdb', ...places.get(engine)! }),
};

runContractSuite('lmdb', () => openAt(freshDir()), { shared });
runContractSuite('lmdb, 48-byte key limit', () => openAt(freshDir(), 48), { manyKeys: 5_000, shared });

describe('lmdb engine', () => {
  test('data survives close and reopen, long keys included', async () => {
    const path = freshDir();
    const long = new Uint8Array(6000).fill(7);
    const first = await LmdbEngine.open({ path });
    await first.commit([
      { key: Uint8Array.of(1), value: Uint8Array.of(2) },
      { key: long, value: Uint8Array.of(3) },
    ]);
    await first.close();
    const second = await LmdbEngine.open({ path });
    try {
      assert.deepEqual([...((await second.get(Uint8Array.of(1))) ?? [])], [2]);
      assert.deepEqual([...((await second.get(long)) ?? [])], [3]);
      const all = await second.range(new Uint8Array(0), Uint8Array.of(0xff));
      assert.equal(all.length, 2);
      assert.equal(all[1]!.key.length, 6000);
    } finally {
      await second.close();
    }
  });

  test('the key limit of a directory cannot change', async () => {
    const path = freshDir();
    await (await LmdbEngine.open({ path, maxStoredKeyBytes: 100 })).close();
    await assert.rejects(LmdbEngine.open({ path, maxStoredKeyBytes: 200 }), /created with maxStoredKeyBytes 100/);
    // Nor while another handle has it open.
    const holder = await LmdbEngine.open({ path });
    await assert.rejects(LmdbEngine.open({ path, maxStoredKeyBytes: 200 }), /created with maxStoredKeyBytes 100/);
    await holder.close();
    // Without an explicit limit the recorded one is used.
    const engine = await LmdbEngine.open({ path });
    try {
      const key = new Uint8Array(150).fill(1);
      await engine.commit([{ key, value: Uint8Array.of(9) }]);
      assert.deepEqual([...((await engine.get(key)) ?? [])], [9]);
    } finally {
      await engine.close();
    }
  });

  test('a long key whose slot holds another key (a forged hash collision) is absent and protected', async () => {
    const path = freshDir();
    await (await LmdbEngine.open({ path, maxStoredKeyBytes: 48 })).close();
    const codec = new LongKeyCodec(48);
    const ours = new Uint8Array(40).fill(1);
    const theirs = new Uint8Array(40).fill(1);
    theirs[39] = 2;
    // Forge: `theirs` stored in the slot that `ours` hashes to.
    const raw = open({ path });
    const rawKv = raw.openDB<Uint8Array, Uint8Array>({ name: 'kv', keyEncoding: 'binary', encoding: 'binary' });
    rawKv.putSync(codec.storedKey(ours), codec.storedValue(theirs, Uint8Array.of(7)));
    await raw.close();
    const engine = await LmdbEngine.open({ path, maxStoredKeyBytes: 48 });
    try {
      assert.equal(await engine.get(ours), undefined);
      await engine.commit([], [{ key: ours, value: null }]);
      await assert.rejects(engine.commit([{ key: ours, value: Uint8Array.of(1) }]), /collides/);
      await engine.commit([{ key: ours, value: null }]);
      const all = await engine.range(new Uint8Array(0), Uint8Array.of(0xff));
      assert.equal(all.length, 1);
      assert.deepEqual([...all[0]!.key], [...theirs]);
    } finally {
      await engine.close();
    }
  });

  test('handles in one process share the directory; closing one leaves the others working', async () => {
    const path = freshDir();
    const [a, b] = await Promise.all([LmdbEngine.open({ path }), LmdbEngine.open({ path })]);
    await a.commit([{ key: Uint8Array.of(1), value: Uint8Array.of(1) }]);
    assert.deepEqual([...((await b.get(Uint8Array.of(1))) ?? [])], [1]);
    const pending = a.commit([{ key: Uint8Array.of(2), value: Uint8Array.of(2) }]);
    await a.close();
    await pending;
    await assert.rejects(a.get(Uint8Array.of(1)), /closed/);
    assert.deepEqual([...((await b.get(Uint8Array.of(2))) ?? [])], [2]);
    await b.commit([{ key: Uint8Array.of(3), value: Uint8Array.of(3) }], [{ key: Uint8Array.of(3), value: null }]);
    await b.close();
    const c = await LmdbEngine.open({ path });
    try {
      assert.equal((await c.range(new Uint8Array(0), Uint8Array.of(0xff))).length, 3);
    } finally {
      await c.close();
    }
  });

  test('close waits for commits in flight', async () => {
    const engine = await LmdbEngine.open({ path: freshDir() });
    const commits = Array.from({ length: 50 }, (_, i) => engine.commit([{ key: Uint8Array.of(i + 1), value: Uint8Array.of(i) }]));
    await engine.close();
    const results = await Promise.allSettled(commits);
    assert.ok(results.every((r) => r.status === 'fulfilled'));
  });

  test('a growing store keeps one mapping of data.mdb, and the file only as large as its data', {
    skip: existsSync('/proc/self/maps') ? false : 'needs /proc',
  }, async () => {
    const path = freshDir();
    const engine = await LmdbEngine.open({ path });
    try {
      // ~5 MB: lmdb-js's default 128 KiB map would have been remapped (and
      // the old mappings kept) about six times on the way.
      const value = new Uint8Array(10_000).fill(1);
      for (let c = 0; c < 20; c++) {
        await engine.commit(Array.from({ length: 25 }, (_, i) => ({ key: Uint8Array.of(1, c, i), value })));
      }
      const file = join(realpathSync(path), 'data.mdb');
      const mappings = readFileSync('/proc/self/maps', 'latin1')
        .split('\n')
        .filter((line) => line.endsWith(` ${file}`));
      assert.equal(mappings.length, 1, mappings.join('\n'));
      assert.ok(statSync(file).size < 16 * 2 ** 20, `data.mdb is ${statSync(file).size} bytes`);
    } finally {
      await engine.close();
    }
  });

  test('the map reservation shrinks under a capped address space', () => {
    assert.equal(mapSizeFor(Infinity), 64 * 2 ** 30);
    assert.equal(mapSizeFor(1000 * 2 ** 30), 64 * 2 ** 30);
    assert.equal(mapSizeFor(16 * 2 ** 30), 2 * 2 ** 30);
    assert.equal(mapSizeFor(2 ** 20), 2 ** 20);
  });
});
