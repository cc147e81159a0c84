/**
 * @module data/leases.test
 * Leases between two owners sharing one store, as two processes would: here
 * two Leases objects (two owners) on one memory engine, with a clock the
 * test drives; and two engine handles on one LMDB directory where the
 * engine allows it.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { leaseKey } from '../catalog/key-space.js';
import { CommitConflictError, type StorageEngine } from '../storage/engine.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import { decodeLease, encodeLease, Leases, newLeaseOwner } from './leases.js';
import { currentProcessIdentity } from './process-identity.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);

function twoOwners(engineA: StorageEngine = new MemoryEngine(), engineB: StorageEngine = engineA) {
  const clock = { t: T0, now: () => clock.t };
  return { clock, a: new Leases(engineA, { clock }), b: new Leases(engineB, { clock }), engine: engineA };
}

/** The identity of a process that has exited: a dead owner. */
function deadProcess() {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const me = currentProcessIdentity();
  return { ...me, pid: Number(child.stdout), startTicks: '1' };
}

describe('leases', () => {
  it('one owner at a time: the second is refused while the first renews', async () => {
    const { clock, a, b } = twoOwners();
    const held = await a.acquire('ttl', 10_000);
    assert.ok(held);
    assert.equal(await b.acquire('ttl', 10_000), undefined);
    clock.t += 9_000;
    const renewed = await a.renew(held, 10_000);
    assert.ok(renewed);
    clock.t += 9_000; // past the first expiry, not the renewed one
    assert.equal(await b.acquire('ttl', 10_000), undefined);
    assert.equal((await b.read('ttl'))?.owner.id, a.owner.id);
  });

  it('an expired lease goes to the next owner with its progress; the old owner can no longer renew or write', async () => {
    const { clock, a, b, engine } = twoOwners();
    const held = await a.acquire('backfill/1/1', 5_000);
    assert.ok(held);
    const progressed = await a.commitHolding(held, 5_000, [{ key: Uint8Array.of(0x10, 1), value: Uint8Array.of(1) }], [], 'abcd');
    assert.ok(progressed);
    clock.t += 5_000;
    const taken = await b.acquire('backfill/1/1', 5_000);
    assert.ok(taken);
    assert.equal(taken.record.progress, 'abcd');
    assert.equal(await a.renew(progressed, 5_000), undefined);
    const late = await a.commitHolding(progressed, 5_000, [{ key: Uint8Array.of(0x10, 2), value: Uint8Array.of(2) }], [], 'ffff');
    assert.equal(late, undefined);
    assert.equal(await engine.get(Uint8Array.of(0x10, 2)), undefined, 'the fenced-off write did not happen');
    assert.equal((await b.read('backfill/1/1'))?.progress, 'abcd');
  });

  it('a released lease is free at once', async () => {
    const { a, b, engine } = twoOwners();
    const held = await a.acquire('stream-trim', 60_000);
    assert.ok(held);
    assert.equal(await a.release(held), true);
    assert.equal(await engine.get(leaseKey('stream-trim')), undefined);
    assert.ok(await b.acquire('stream-trim', 60_000));
    assert.equal(await a.release(held), false, 'releasing a lease no longer held changes nothing');
    assert.equal((await b.read('stream-trim'))?.owner.id, b.owner.id);
  });

  it('the lease of a dead process on this machine is free before it expires', async () => {
    const { b, engine, clock } = twoOwners();
    const dead = { process: deadProcess(), id: 'dead' };
    await engine.commit([{ key: leaseKey('ttl'), value: encodeLease({ owner: dead, expiresAt: clock.t + 60_000, progress: 'p' }) }]);
    const taken = await b.acquire('ttl', 10_000);
    assert.ok(taken);
    assert.equal(taken.record.progress, 'p');
  });

  it('the lease of a live owner on another host waits for its expiry', async () => {
    const { b, engine, clock } = twoOwners();
    const elsewhere = { process: { pid: 1, hostname: 'another-host', bootId: 'another-boot' }, id: 'far' };
    await engine.commit([{ key: leaseKey('ttl'), value: encodeLease({ owner: elsewhere, expiresAt: clock.t + 1_000 }) }]);
    assert.equal(await b.acquire('ttl', 10_000), undefined);
    clock.t += 1_000;
    assert.ok(await b.acquire('ttl', 10_000));
  });

  it('of owners racing for a free lease exactly one wins', async () => {
    const engine = new MemoryEngine();
    const clock = { now: () => T0 };
    for (let round = 0; round < 20; round++) {
      const owners = Array.from({ length: 5 }, () => new Leases(engine, { clock }));
      const results = await Promise.all(owners.map((o) => o.acquire(`race-${round}`, 10_000)));
      assert.equal(results.filter((r) => r !== undefined).length, 1);
    }
  });

  it("a failed expectation of the caller's rejects with its own index and keeps the lease", async () => {
    const { a } = twoOwners();
    const held = await a.acquire('backfill/2/1', 5_000);
    assert.ok(held);
    await assert.rejects(
      a.commitHolding(held, 5_000, [], [{ key: Uint8Array.of(0x10, 9), value: Uint8Array.of(9) }]),
      (e: unknown) => e instanceof CommitConflictError && e.expectationIndex === 0,
    );
    assert.ok(await a.renew(held, 5_000), 'the lease is still as held');
  });

  it('acquiring a lease one already holds renews it', async () => {
    const { clock, a } = twoOwners();
    assert.ok(await a.acquire('ttl', 1_000));
    clock.t += 500;
    const again = await a.acquire('ttl', 1_000);
    assert.equal(again?.record.expiresAt, T0 + 1_500);
  });

  it('records round-trip through their stored form', () => {
    const owner = newLeaseOwner();
    const record = { owner, expiresAt: T0, progress: '00ff' };
    assert.deepEqual(decodeLease(encodeLease(record)), record);
  });
});

describe('leases on two LMDB handles of one directory', async () => {
  const { LmdbEngine } = await import('../storage/lmdb-engine.js');
  const dir = mkdtempSync(join(tmpdir(), 'openddb-leases-'));
  const first = await LmdbEngine.open({ path: dir });
  const second = await LmdbEngine.open({ path: dir });

  it('hand a lease from one handle to the other', async () => {
    const { clock, a, b } = twoOwners(first, second);
    const held = await a.acquire('ttl', 10_000);
    assert.ok(held);
    assert.equal(await b.acquire('ttl', 10_000), undefined);
    const results = await Promise.all([a.renew(held, 10_000), b.acquire('ttl', 10_000)]);
    assert.ok(results[0]);
    assert.equal(results[1], undefined);
    clock.t += 10_000;
    assert.ok(await b.acquire('ttl', 10_000));
    assert.equal(await a.renew(results[0], 10_000), undefined);
  });

  it('let exactly one of two racing handles take a free lease', async () => {
    const { a, b } = twoOwners(first, second);
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all([a.acquire(`race-${round}`, 10_000), b.acquire(`race-${round}`, 10_000)]);
      assert.equal(results.filter((r) => r !== undefined).length, 1);
    }
  });

  it('closes', async () => {
    await second.close();
    await first.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
