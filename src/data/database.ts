/**
 * @module data/database
 * One openddb database: its storage engine, its catalog of tables, its clock,
 * the hooks the data plane calls upward through (data/hooks), and the
 * background work that belongs to it (erasing dropped tables, and the
 * periodic sweeps others start: stream trimming, TTL expiry). The request
 * context every operation receives points here.
 *
 * Tables live in an account and a region (catalog/table-scope). A Database
 * object is the database as one such scope sees it: `catalog` finds that
 * scope's tables by name, and `region` / `accountId` / `tableArn` speak for
 * it. The opened object serves the default scope; `inScope` gives a view for
 * another, which shares everything else with it (see inScope). `root` is
 * the opened object: per-database state kept outside (WeakMaps) keys on it.
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
import { ScopedCatalog } from '../catalog/scoped-catalog.js';
import { scopeKey, type TableScope } from '../catalog/table-scope.js';
import { CATALOG_DROPPED_PREFIX, successor, tablePrefix, vectorLogTablePrefix } from '../catalog/key-space.js';
import { Leases, type HeldLease } from './leases.js';
import type { DataPlaneHooks } from './hooks.js';
import { NO_METER, type UsageMeter } from '../metrics/server-metrics.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface DatabaseOptions {
  /** Required: a data plane without them would drop stream records silently. */
  readonly hooks: DataPlaneHooks;
  /** The region of requests that name none (no credential scope), and of tables from before regions. */
  readonly region?: string;
  readonly accountId?: string;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  /** Where consumed capacity and other usage is counted (metrics/server-metrics); default: nowhere. */
  readonly meter?: UsageMeter;
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

/** Views kept per database; past this (clients naming ever new regions) they are made afresh. */
const MAX_VIEWS = 1000;

export class Database {
  readonly region: string;
  readonly accountId: string;
  readonly scope: TableScope;
  /** This scope's tables by name. */
  readonly catalog: ScopedCatalog;
  /** The opened database (the default scope's view); a view's root is the object it was made from. */
  readonly root: Database = this;
  private readonly views = new Map<string, Database>();
  readonly clock: Clock;
  readonly hooks: DataPlaneHooks;
  /** Counts consumed capacity, returned items, TTL deletions… for /metrics; shared by every scope's view. */
  readonly meter: UsageMeter;
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
    private readonly tables: Catalog,
    options: DatabaseOptions,
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.scope = { account: this.accountId, region: this.region };
    this.catalog = new ScopedCatalog(tables, this.scope);
    this.clock = options.clock ?? systemClock;
    this.hooks = options.hooks;
    this.meter = options.meter ?? NO_METER;
    this.log = options.log ?? (() => {});
    this.leases = new Leases(engine, { clock: this.clock });
  }

  static async open(engine: StorageEngine, options: DatabaseOptions): Promise<Database> {
    const catalog = await Catalog.load(engine, {
      account: options.accountId ?? '123456789012',
      region: options.region ?? 'us-east-1',
    });
    const db = new Database(engine, catalog, options);
    db.eraseDroppedTables();
    db.runPeriodically('erasing dropped tables', ERASE_INTERVAL_MS, () => {
      db.eraseDroppedTables();
      return db.erasing ?? Promise.resolve();
    });
    return db;
  }

  /**
   * The database as another account and region see it. A view is an object
   * whose prototype is the root: it has its own scope, region, account and
   * catalog view, and reads everything else (engine, clock, hooks, the
   * background-work state) from the root. The root's state that is assigned
   * rather than mutated in place (`erasing`, `closed`) is forwarded to the
   * root, and a view cannot grow properties of its own, so a write that
   * would silently split state between root and view throws instead.
   * (So Database keeps TypeScript `private` fields, never `#private` ones:
   * those exist on the root alone, and a view could not reach them.)
   */
  inScope(scope: TableScope): Database {
    const root = this.root;
    if (scope.account === this.accountId && scope.region === this.region) return this;
    if (scope.account === root.accountId && scope.region === root.region) return root;
    const key = scopeKey(scope);
    let view = root.views.get(key);
    if (view === undefined) {
      const own = { account: scope.account, region: scope.region };
      const forward = (name: 'erasing' | 'closed'): PropertyDescriptor => ({
        get: () => root[name],
        set: (value: never) => {
          root[name] = value;
        },
      });
      view = Object.create(root, {
        scope: { value: own },
        region: { value: own.region },
        accountId: { value: own.account },
        catalog: { value: new ScopedCatalog(root.tables, own) },
        erasing: forward('erasing'),
        closed: forward('closed'),
      }) as Database;
      Object.preventExtensions(view);
      if (root.views.size >= MAX_VIEWS) root.views.clear();
      root.views.set(key, view);
    }
    return view;
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
      // The table's items and index entries, then its vector indexes' change logs.
      for (const start of [tablePrefix(tableId), vectorLogTablePrefix(tableId)]) {
        const end = successor(start);
        for (;;) {
          if (this.closed || !(await owned())) return;
          const batch = await this.engine.range(start, end, { limit: ERASE_BATCH });
          if (batch.length === 0) break;
          await this.engine.commit(batch.map((e) => ({ key: e.key, value: null })));
        }
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
