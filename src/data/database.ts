/**
 * @module data/database
 * One openddb database: its storage engine, its catalog of tables, its clock,
 * the hooks the data plane calls upward through (data/hooks), and the
 * background work that belongs to it (erasing dropped tables, and the
 * periodic sweeps others start: stream trimming, TTL expiry). The request
 * context every operation receives points here.
 */
import type { StorageEngine } from '../storage/engine.js';
import { Catalog } from '../catalog/catalog.js';
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
  readonly region?: string;
  readonly accountId?: string;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
}

/** How many keys one erase commit deletes: small enough to keep commits short. */
const ERASE_BATCH = 1000;

export class Database {
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly hooks: DataPlaneHooks;
  private readonly log: (line: string) => void;
  private erasing: Promise<void> | undefined;
  private readonly background = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

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
  }

  static async open(engine: StorageEngine, options: DatabaseOptions): Promise<Database> {
    const catalog = await Catalog.load(engine);
    const db = new Database(engine, catalog, options);
    db.eraseDroppedTables();
    return db;
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
