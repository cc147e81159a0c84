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
 * it. `inScope` gives the view of another scope; all views of one database
 * share everything else (engine, catalog, clock, hooks, background work),
 * and `root` is the one view state kept per database is keyed on.
 */
import type { StorageEngine } from '../storage/engine.js';
import { Catalog } from '../catalog/catalog.js';
import { ScopedCatalog } from '../catalog/scoped-catalog.js';
import { scopeKey, type TableScope } from '../catalog/table-scope.js';
import { CATALOG_DROPPED_PREFIX, successor, tablePrefix } from '../catalog/key-space.js';
import type { DataPlaneHooks } from './hooks.js';

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
}

/** How many keys one erase commit deletes: small enough to keep commits short. */
const ERASE_BATCH = 1000;

/** What every view of one database shares. */
interface Shared {
  readonly log: (line: string) => void;
  erasing: Promise<void> | undefined;
  readonly background: Set<Promise<void>>;
  readonly timers: Set<NodeJS.Timeout>;
  closed: boolean;
  /** Views by scope, so a scope's view stays one object (and `root` keys stay few). */
  readonly views: Map<string, Database>;
}

/** Views kept per database; past this (clients naming ever new regions) old ones are dropped. */
const MAX_VIEWS = 1000;

export class Database {
  readonly scope: TableScope;
  readonly region: string;
  readonly accountId: string;
  /** This scope's tables by name. */
  readonly catalog: ScopedCatalog;
  readonly clock: Clock;
  readonly hooks: DataPlaneHooks;
  /** The default scope's view: key per-database state (WeakMaps) on this, never on a view. */
  readonly root: Database;

  private constructor(
    readonly engine: StorageEngine,
    private readonly tables: Catalog,
    scope: TableScope,
    root: Database | undefined,
    private readonly shared: Shared,
    options: { clock: Clock; hooks: DataPlaneHooks },
  ) {
    this.scope = scope;
    this.region = scope.region;
    this.accountId = scope.account;
    this.catalog = new ScopedCatalog(tables, scope);
    this.clock = options.clock;
    this.hooks = options.hooks;
    this.root = root ?? this;
  }

  static async open(engine: StorageEngine, options: DatabaseOptions): Promise<Database> {
    const scope = { account: options.accountId ?? '123456789012', region: options.region ?? 'us-east-1' };
    const catalog = await Catalog.load(engine, scope);
    const shared: Shared = {
      log: options.log ?? (() => {}),
      erasing: undefined,
      background: new Set(),
      timers: new Set(),
      closed: false,
      views: new Map(),
    };
    const db = new Database(engine, catalog, scope, undefined, shared, {
      clock: options.clock ?? systemClock,
      hooks: options.hooks,
    });
    db.eraseDroppedTables();
    return db;
  }

  /** The database as another account and region see it. */
  inScope(scope: TableScope): Database {
    if (scope.account === this.scope.account && scope.region === this.scope.region) return this;
    const root = this.root;
    if (scope.account === root.scope.account && scope.region === root.scope.region) return root;
    const key = scopeKey(scope);
    let view = this.shared.views.get(key);
    if (view === undefined) {
      if (this.shared.views.size >= MAX_VIEWS) this.shared.views.clear();
      view = new Database(this.engine, this.tables, { account: scope.account, region: scope.region }, root, this.shared, this);
      this.shared.views.set(key, view);
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
    if (this.shared.erasing || this.shared.closed) return;
    this.shared.erasing = this.eraseAll()
      .catch((e: unknown) => this.shared.log(`erasing dropped tables failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.shared.erasing = undefined;
      });
  }

  private async eraseAll(): Promise<void> {
    for (;;) {
      const dropped = await this.engine.range(CATALOG_DROPPED_PREFIX, successor(CATALOG_DROPPED_PREFIX), { limit: 1 });
      const marker = dropped[0];
      if (marker === undefined || this.shared.closed) return;
      const tableId = new DataView(marker.key.buffer, marker.key.byteOffset).getUint32(2);
      const start = tablePrefix(tableId);
      const end = successor(start);
      for (;;) {
        if (this.shared.closed) return;
        const batch = await this.engine.range(start, end, { limit: ERASE_BATCH });
        if (batch.length === 0) break;
        await this.engine.commit(batch.map((e) => ({ key: e.key, value: null })));
      }
      await this.engine.commit([{ key: marker.key, value: null }]);
    }
  }

  /** Runs a task in the background; close() waits for it, and a failure is logged, never lost. */
  runInBackground(what: string, task: () => Promise<void>): void {
    if (this.shared.closed) return;
    const p: Promise<void> = task()
      .catch((e: unknown) => this.shared.log(`${what} failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.shared.background.delete(p));
    this.shared.background.add(p);
  }

  /**
   * Runs a task in the background again and again, `intervalMs` after each
   * run ends (runs never overlap), until close(). Used by the sweepers
   * (stream trimming, TTL). The timers do not keep the process alive.
   */
  runPeriodically(what: string, intervalMs: number, task: () => Promise<void>): void {
    const schedule = (): void => {
      if (this.shared.closed) return;
      const timer = setTimeout(() => {
        this.shared.timers.delete(timer);
        this.runInBackground(what, async () => {
          try {
            await task();
          } finally {
            schedule();
          }
        });
      }, intervalMs);
      timer.unref();
      this.shared.timers.add(timer);
    };
    schedule();
  }

  get isClosed(): boolean {
    return this.shared.closed;
  }

  async close(): Promise<void> {
    this.shared.closed = true;
    for (const timer of this.shared.timers) clearTimeout(timer);
    this.shared.timers.clear();
    await this.shared.erasing;
    await Promise.all(this.shared.background);
    await this.engine.close();
  }
}
