/**
 * @module data/database
 * One openddb database: its storage engine, its catalog of tables, its clock,
 * the hooks the data plane calls upward through (data/hooks), and the
 * background work that belongs to it (erasing dropped tables, and the
 * periodic sweeps others start: stream trimming, TTL expiry). The request
 * context every operation receives points here.
 *
 * Background work may be shared with other processes on the same store
 * (`--workers N`, independent servers on one data directory): each periodic
 * task names a lease (data/leases), and runs in whichever process holds it,
 * so it runs once, not once per process. A process keeps the leases it took
 * for as long as it runs, renewing each when its task comes round (a third
 * of the lease's duration after the last renewal at the latest), and
 * releases them on close so that another process takes over at once.
 */
import type { StorageEngine } from '../storage/engine.js';
import { Catalog } from '../catalog/catalog.js';
import { CATALOG_DROPPED_PREFIX, successor, tablePrefix } from '../catalog/key-space.js';
import { Leases, type HeldLease } from './leases.js';
import type { DataPlaneHooks } from './hooks.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface DatabaseOptions {
  /** Required: a data plane without them would drop stream records silently. */
  readonly hooks: DataPlaneHooks;
  readonly region?: string;
  readonly accountId?: string;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
}

/** How many keys one erase commit deletes: small enough to keep commits short. */
const ERASE_BATCH = 1000;
/**
 * How often each process looks for dropped tables to erase (another
 * process's DeleteTable included). DeleteTable in this process starts the
 * erase at once, if this process holds the erase lease.
 */
const ERASE_INTERVAL_MS = 5000;
const ERASE_LEASE = 'erase-dropped-tables';
/** The shortest lease a periodic task takes: renewals stay rare (a commit each). */
const MIN_LEASE_MS = 15_000;

/**
 * The lease of a task that runs every `intervalMs`: long enough that its
 * owner renews it on a run before it runs out, even after a slow run.
 */
export function leaseDurationFor(intervalMs: number): number {
  return Math.max(MIN_LEASE_MS, 3 * intervalMs);
}

export class Database {
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly hooks: DataPlaneHooks;
  /** Where background work reports what it does and what failed. */
  readonly log: (line: string) => void;
  private erasing: Promise<void> | undefined;
  private readonly background = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Leases for background work, owned by this database object. */
  readonly leases: Leases;
  private readonly held = new Map<string, { lease: HeldLease; renewedAt: number }>();
  private readonly leaseChecks = new Map<string, Promise<boolean>>();

  private constructor(
    readonly engine: StorageEngine,
    readonly catalog: Catalog,
    options: DatabaseOptions,
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.clock = options.clock ?? systemClock;
    this.hooks = options.hooks;
    this.log = options.log ?? (() => {});
    this.leases = new Leases(engine, { clock: this.clock });
  }

  static async open(engine: StorageEngine, options: DatabaseOptions): Promise<Database> {
    const catalog = await Catalog.load(engine);
    const db = new Database(engine, catalog, options);
    db.eraseDroppedTables();
    db.runPeriodically('erasing dropped tables', ERASE_INTERVAL_MS, () => {
      db.eraseDroppedTables();
      return db.erasing ?? Promise.resolve();
    });
    return db;
  }

  tableArn(name: string): string {
    return `arn:aws:dynamodb:${this.region}:${this.accountId}:table/${name}`;
  }

  /**
   * Whether this database (process) owns the lease `name` now: takes it if
   * it is free, renews it if a third of `durationMs` has passed since the
   * last renewal. Concurrent calls for one lease share one check.
   */
  holdLease(name: string, durationMs: number): Promise<boolean> {
    const pending = this.leaseChecks.get(name);
    if (pending !== undefined) return pending;
    const check = this.checkLease(name, durationMs).finally(() => this.leaseChecks.delete(name));
    this.leaseChecks.set(name, check);
    return check;
  }

  private async checkLease(name: string, durationMs: number): Promise<boolean> {
    if (this.closed) return false;
    const now = this.clock.now();
    const held = this.held.get(name);
    if (held !== undefined) {
      if (now < held.renewedAt + durationMs / 3 && now < held.lease.record.expiresAt) return true;
      const renewed = await this.leases.renew(held.lease, durationMs);
      if (renewed !== undefined) {
        this.held.set(name, { lease: renewed, renewedAt: now });
        return true;
      }
      this.held.delete(name);
      this.log(`background work '${name}' was taken over by another process (this one stalled past its lease)`);
    }
    const taken = await this.leases.acquire(name, durationMs);
    if (taken === undefined) return false;
    this.held.set(name, { lease: taken, renewedAt: now });
    return true;
  }

  /**
   * Starts (or continues) erasing the data of dropped tables in the
   * background, if this process holds the erase lease (or can take it).
   * Safe to call often: one erase runs at a time.
   */
  eraseDroppedTables(): void {
    if (this.erasing || this.closed) return;
    const lease = leaseDurationFor(ERASE_INTERVAL_MS);
    this.erasing = (async () => {
      if (await this.holdLease(ERASE_LEASE, lease)) await this.eraseAll(() => this.holdLease(ERASE_LEASE, lease));
    })()
      .catch((e: unknown) => this.log(`erasing dropped tables failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.erasing = undefined;
      });
  }

  /** Erases every dropped table, while `owned()` (checked between batches) says the lease is still ours. */
  private async eraseAll(owned: () => Promise<boolean>): Promise<void> {
    for (;;) {
      const dropped = await this.engine.range(CATALOG_DROPPED_PREFIX, successor(CATALOG_DROPPED_PREFIX), { limit: 1 });
      const marker = dropped[0];
      if (marker === undefined || this.closed) return;
      const tableId = new DataView(marker.key.buffer, marker.key.byteOffset).getUint32(2);
      const start = tablePrefix(tableId);
      const end = successor(start);
      for (;;) {
        if (this.closed || !(await owned())) return;
        const batch = await this.engine.range(start, end, { limit: ERASE_BATCH });
        if (batch.length === 0) break;
        await this.engine.commit(batch.map((e) => ({ key: e.key, value: null })));
      }
      await this.engine.commit([{ key: marker.key, value: null }]);
    }
  }

  /** Runs a task in the background; close() waits for it, and a failure is logged, never lost. */
  runInBackground(what: string, task: () => Promise<void>): void {
    if (this.closed) return;
    const p: Promise<void> = task()
      .catch((e: unknown) => this.log(`${what} failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  /**
   * Runs a task in the background again and again, `intervalMs` after each
   * run ends (runs never overlap), until close(). Used by the sweepers
   * (stream trimming, TTL). The timers do not keep the process alive.
   *
   * With `lease`, a run happens only while this process holds that lease
   * (see holdLease): among the processes sharing the store, one runs the
   * task; the others check each interval whether the lease became free.
   */
  runPeriodically(what: string, intervalMs: number, task: () => Promise<void>, lease?: string): void {
    const leaseMs = leaseDurationFor(intervalMs);
    const schedule = (): void => {
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.runInBackground(what, async () => {
          try {
            // The sweeps act on tables: see what other processes changed.
            if (lease === undefined || (await this.holdLease(lease, leaseMs))) {
              await this.catalog.refresh();
              await task();
            }
          } finally {
            schedule();
          }
        });
      }, intervalMs);
      timer.unref();
      this.timers.add(timer);
    };
    schedule();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.erasing;
    await Promise.all(this.background);
    await Promise.all(this.leaseChecks.values());
    // Another process takes the work over at once, not when the leases run out.
    for (const { lease } of this.held.values()) {
      try {
        await this.leases.release(lease);
      } catch (e) {
        this.log(`releasing the lease on ${lease.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.held.clear();
    await this.engine.close();
  }
}
