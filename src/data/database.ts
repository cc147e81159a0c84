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
 */
import type { StorageEngine } from '../storage/engine.js';
import { Catalog } from '../catalog/catalog.js';
import { ScopedCatalog } from '../catalog/scoped-catalog.js';
import { scopeKey, type TableScope } from '../catalog/table-scope.js';
import { CATALOG_DROPPED_PREFIX, successor, tablePrefix } from '../catalog/key-space.js';
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
  private readonly log: (line: string) => void;
  private erasing: Promise<void> | undefined;
  private readonly background = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

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
  }

  static async open(engine: StorageEngine, options: DatabaseOptions): Promise<Database> {
    const catalog = await Catalog.load(engine, {
      account: options.accountId ?? '123456789012',
      region: options.region ?? 'us-east-1',
    });
    const db = new Database(engine, catalog, options);
    db.eraseDroppedTables();
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
   * Starts (or continues) erasing the data of dropped tables in the
   * background. Safe to call often: one erase runs at a time.
   */
  eraseDroppedTables(): void {
    if (this.erasing || this.closed) return;
    this.erasing = this.eraseAll()
      .catch((e: unknown) => this.log(`erasing dropped tables failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.erasing = undefined;
      });
  }

  private async eraseAll(): Promise<void> {
    for (;;) {
      const dropped = await this.engine.range(CATALOG_DROPPED_PREFIX, successor(CATALOG_DROPPED_PREFIX), { limit: 1 });
      const marker = dropped[0];
      if (marker === undefined || this.closed) return;
      const tableId = new DataView(marker.key.buffer, marker.key.byteOffset).getUint32(2);
      const start = tablePrefix(tableId);
      const end = successor(start);
      for (;;) {
        if (this.closed) return;
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
   */
  runPeriodically(what: string, intervalMs: number, task: () => Promise<void>): void {
    const schedule = (): void => {
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.runInBackground(what, async () => {
          try {
            // The sweeps act on tables: see what other processes changed.
            await this.catalog.refresh();
            await task();
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
    await this.engine.close();
  }
}
