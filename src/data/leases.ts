/**
 * @module data/leases
 * Leases: which process owns which piece of background work, so that with
 * several processes on one store (`--workers N`, independent servers on one
 * data directory) each piece runs once, not N times, and another process
 * resumes it when its owner dies (docs/architecture.md, "Many processes").
 *
 * A lease is one key in the store (`0x02 0x01 <name>`, catalog/key-space)
 * whose value names its owner and when it expires. Taking, renewing and
 * releasing it are conditional commits through the ordinary engine.commit:
 * each expects the exact bytes it read (or the key's absence), so of two
 * processes racing for a lease exactly one commit succeeds, whatever the
 * engine (LMDB's single writer, the memory engine, PostgreSQL's locks).
 *
 * - Owner: the process identity (storage/process-identity: pid, host, boot
 *   id, start time) plus a random id per Leases object, so two databases in
 *   one process (tests) are two owners too.
 * - Expiry: by the injected clock. A lease whose expiry has passed may be
 *   taken by anyone. So may one whose owner is provably dead (same kernel
 *   boot, that pid no longer that process): a worker killed with `kill -9`
 *   hands its work over at once instead of after its lease runs out.
 * - Progress: a lease carries an optional string the owner records as it
 *   works (a backfill's last key done); whoever takes the lease over gets
 *   it and continues from there.
 * - Fencing: `commitHolding` commits the owner's own writes together with
 *   the lease's renewal, expecting the lease unchanged, so an owner that
 *   lost its lease (it stalled past the expiry and another took over) can
 *   no longer write progress over the new owner's.
 *
 * Work done under a lease must still be correct if it happens twice (an
 * owner that stalls past its expiry may finish a step the next owner also
 * does): the lease saves the repeated work, the work's own conditional
 * commits keep it correct.
 */
import { randomBytes } from 'node:crypto';
import { leaseKey } from '../catalog/key-space.js';
import { CommitConflictError, type KvExpectation, type KvWrite, type StorageEngine } from '../storage/engine.js';
import { currentProcessIdentity, isProcessAlive, type ProcessIdentity } from './process-identity.js';

export interface LeaseOwner {
  readonly process: ProcessIdentity;
  /** Random, per Leases object. */
  readonly id: string;
}

export interface LeaseRecord {
  readonly owner: LeaseOwner;
  /** Epoch ms (the injected clock) after which anyone may take the lease. */
  readonly expiresAt: number;
  /** The work's own record of how far it got. */
  readonly progress?: string;
}

/** A lease this process holds, as last written. Each renewal gives a new one. */
export interface HeldLease {
  readonly name: string;
  readonly key: Uint8Array;
  /** The stored bytes: what the next renewal or release expects. */
  readonly raw: Uint8Array;
  readonly record: LeaseRecord;
  /** acquire() only: the record found before taking the lease (another owner's, expired or dead). */
  readonly previous?: LeaseRecord;
}

export interface LeasesOptions {
  readonly clock: { now(): number };
  /** Default: this process, with a fresh random id. */
  readonly owner?: LeaseOwner;
  /** Whether a lease's owning process may still run; default storage/process-identity's check. */
  readonly isAlive?: (owner: ProcessIdentity) => boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function newLeaseOwner(): LeaseOwner {
  return { process: currentProcessIdentity(), id: randomBytes(8).toString('hex') };
}

export function encodeLease(record: LeaseRecord): Uint8Array {
  const { process: p, id } = record.owner;
  return encoder.encode(
    JSON.stringify({
      o: { pid: p.pid, host: p.hostname, ...(p.bootId !== undefined ? { boot: p.bootId } : {}), ...(p.startTicks !== undefined ? { start: p.startTicks } : {}) },
      id,
      x: record.expiresAt,
      ...(record.progress !== undefined ? { p: record.progress } : {}),
    }),
  );
}

export function decodeLease(raw: Uint8Array): LeaseRecord {
  const json = JSON.parse(decoder.decode(raw)) as {
    o: { pid: number; host: string; boot?: string; start?: string };
    id: string;
    x: number;
    p?: string;
  };
  const process: ProcessIdentity = {
    pid: json.o.pid,
    hostname: json.o.host,
    ...(json.o.boot !== undefined ? { bootId: json.o.boot } : {}),
    ...(json.o.start !== undefined ? { startTicks: json.o.start } : {}),
  };
  return { owner: { process, id: json.id }, expiresAt: json.x, ...(json.p !== undefined ? { progress: json.p } : {}) };
}

/** Leases taken on behalf of one owner (one Database) in one store. */
export class Leases {
  readonly owner: LeaseOwner;
  private readonly clock: { now(): number };
  private readonly isAlive: (owner: ProcessIdentity) => boolean;

  constructor(
    private readonly engine: StorageEngine,
    options: LeasesOptions,
  ) {
    this.clock = options.clock;
    this.owner = options.owner ?? newLeaseOwner();
    this.isAlive = options.isAlive ?? isProcessAlive;
  }

  /** The lease's current record, whoever holds it. */
  async read(name: string): Promise<LeaseRecord | undefined> {
    const raw = await this.engine.get(leaseKey(name));
    return raw === undefined ? undefined : decodeLease(raw);
  }

  /** Whether `record` is ours. */
  isMine(record: LeaseRecord): boolean {
    return record.owner.id === this.owner.id;
  }

  /** Whether the owner's process may still run (storage/process-identity's check, or the injected one). */
  isAliveOwner(owner: LeaseOwner): boolean {
    return this.isAlive(owner.process);
  }

  /** Whether anyone may take the lease now: expired, or its owner is dead. */
  isFree(record: LeaseRecord): boolean {
    return record.expiresAt <= this.clock.now() || !this.isAlive(record.owner.process);
  }

  /**
   * Takes the lease for `durationMs` if it is free (absent, expired, its
   * owner dead, or already ours). Resolves undefined if another owner holds
   * it or took it first. The record keeps the previous owner's progress.
   */
  async acquire(name: string, durationMs: number): Promise<HeldLease | undefined> {
    const key = leaseKey(name);
    const raw = await this.engine.get(key);
    const previous = raw === undefined ? undefined : decodeLease(raw);
    if (previous !== undefined && !this.isMine(previous) && !this.isFree(previous)) return undefined;
    const record: LeaseRecord = {
      owner: this.owner,
      expiresAt: this.clock.now() + durationMs,
      ...(previous?.progress !== undefined ? { progress: previous.progress } : {}),
    };
    const taken = await this.write(name, key, raw ?? null, record, [], []);
    return taken === undefined || previous === undefined ? taken : { ...taken, previous };
  }

  /** Extends a held lease; resolves undefined if it was lost meanwhile (taken over after expiring). */
  renew(lease: HeldLease, durationMs: number): Promise<HeldLease | undefined> {
    return this.commitHolding(lease, durationMs, [], []);
  }

  /**
   * Commits `writes` (if `expectations` hold) together with the lease's
   * renewal and, if given, new progress; only while the lease is still as
   * held. Resolves the renewed lease, or undefined if the lease was lost
   * (nothing written). A failed expectation of the caller's rejects with
   * CommitConflictError, its index into `expectations`, as engine.commit does.
   */
  async commitHolding(
    lease: HeldLease,
    durationMs: number,
    writes: readonly KvWrite[],
    expectations: readonly KvExpectation[],
    progress: string | undefined = lease.record.progress,
  ): Promise<HeldLease | undefined> {
    const record: LeaseRecord = {
      owner: this.owner,
      expiresAt: this.clock.now() + durationMs,
      ...(progress !== undefined ? { progress } : {}),
    };
    return this.write(lease.name, lease.key, lease.raw, record, writes, expectations);
  }

  /** Gives the lease up (deleting its record and progress), if it is still as held. */
  async release(lease: HeldLease, writes: readonly KvWrite[] = []): Promise<boolean> {
    try {
      await this.engine.commit([...writes, { key: lease.key, value: null }], [{ key: lease.key, value: lease.raw }]);
      return true;
    } catch (e) {
      if (e instanceof CommitConflictError) return false;
      throw e;
    }
  }

  private async write(
    name: string,
    key: Uint8Array,
    expected: Uint8Array | null,
    record: LeaseRecord,
    writes: readonly KvWrite[],
    expectations: readonly KvExpectation[],
  ): Promise<HeldLease | undefined> {
    const raw = encodeLease(record);
    try {
      // The lease's expectation comes last, so the caller's keep their indexes.
      await this.engine.commit([...writes, { key, value: raw }], [...expectations, { key, value: expected }]);
    } catch (e) {
      if (e instanceof CommitConflictError && e.expectationIndex === expectations.length) return undefined;
      throw e;
    }
    return { name, key, raw, record };
  }
}
