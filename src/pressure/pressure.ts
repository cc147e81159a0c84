/**
 * @module pressure/pressure
 * What production does to a client, on request (docs/pressure.md):
 * throttling (pressure/throttle), eventual consistency (pressure/lag),
 * transaction conflicts and faults (500, 503, held answers, dropped
 * connections, latency). Every mode is off unless a server flag, a table's
 * `openddb:` tag or the admin endpoint turns it on.
 *
 * The dispatcher calls `run` instead of the operation only while `on` is
 * true, so a server with every mode off pays one property read per request.
 * `on` is recomputed when the settings change and when the catalog's tables
 * may have changed their tags (`rescan`: after this process's tagging and
 * table operations, and every RESCAN_MS for other processes').
 *
 * Decisions that are random (a fault at a rate, a lag within bounds) come
 * from one seeded generator per process (`--seed`), consulted in request
 * order: the same requests in the same order meet the same faults.
 */
import { DynamoError, errors } from '../errors/index.js';
import type { Database } from '../data/database.js';
import type { IndexRecord, TableRecord } from '../catalog/table-record.js';
import type { UsageMeter } from '../metrics/server-metrics.js';
import type { StorageEngine } from '../storage/engine.js';
import { requireTable } from '../data/table-lookup.js';
import { tableStats } from '../data/table-stats.js';
import { itemKey } from '../indexes/index-entries.js';
import { conflictCancellation, transactionCanceled, NO_REASON, type CancellationReason } from '../txn/cancellation.js';
import { decodeShardIterator } from '../streams/shard-iterator.js';
import type { Item } from '../values/types.js';
import { RawJson } from '../data/raw-json.js';
import { Prng } from './prng.js';
import { hasPressureTags, parseFaults, parseLag, tableSettings, TAG_LAG, type FaultRule, type LagRange, type TableSettings } from './settings.js';
import { BURST_SECONDS, Throttle, type Access, type Refusal } from './throttle.js';
import { LagLog, LaggedEngine, tableIdOf } from './lag.js';
import { inFlight } from '../txn/in-flight.js';
import { bytesToLatin1 } from '../storage/byte-order.js';
import { EMPTY_RECORD, normalizePatch, readShared, updateShared, type SharedRecord } from './shared-settings.js';

/** Thrown to make the HTTP edge close the connection without an answer (a dropped connection, a timed-out request). */
export class DropConnection extends Error {
  constructor() {
    super('connection dropped by fault injection');
    this.name = 'DropConnection';
  }
}

/** The server-wide settings (flags, then the admin endpoint). */
export interface PressureOptions {
  readonly throttle?: boolean;
  readonly lag?: LagRange;
  readonly faults?: readonly FaultRule[];
  readonly seed?: number;
  /** Processes sharing the store's capacity (`--workers`): each enforces 1/processes of it. Default 1. */
  readonly processes?: number;
  /** Seconds of unused capacity a bucket keeps; default DynamoDB's 300. */
  readonly burstSeconds?: number;
  /**
   * Contention mode: a write transaction holds its items this long before
   * it commits, as DynamoDB's two-phase commit does, so that overlapping
   * requests conflict by DynamoDB's rules whatever the engine's speed.
   */
  readonly txnMs?: LagRange;
}

/** How often tags set through other processes are looked for. */
const RESCAN_MS = 1000;

const PROVISIONED_TABLE =
  'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.';
const PROVISIONED_INDEX =
  'The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. ' +
  'Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API';
const ON_DEMAND =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. ' +
  'If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html';
const DYNAMO = 'com.amazonaws.dynamodb.v20120810#';

/** One table a request reads or writes, as far as the request names it before it runs. */
interface Target {
  readonly table: TableRecord;
  readonly index: IndexRecord | undefined;
  /** 'none': a table the request names without reading or writing items (control plane), for fault rules only. */
  readonly access: Access | 'none';
  readonly consistent: boolean;
  /** The partition-key hash of a single-item request. */
  readonly hash: number | undefined;
  /** The item's storage key, for a single-item request or a transaction's action. */
  readonly storageKey?: Uint8Array | undefined;
}

const SINGLE_READS = new Set(['GetItem']);
const SINGLE_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const CONFLICT_OPS = new Set(['TransactWriteItems', 'TransactGetItems', 'ExecuteTransaction', 'PutItem', 'UpdateItem', 'DeleteItem']);

export class Pressure {
  /** True when any mode may act on a request: the dispatcher's one check. */
  on = false;
  private throttleOn: boolean;
  private lag: LagRange | undefined;
  private txnMs: LagRange | undefined;
  /** Items plain writes are writing now (contention mode): a TransactGetItems on one conflicts. */
  private readonly writing = new Map<string, number>();
  private faults: readonly FaultRule[];
  private seed: number;
  private processes: number;
  private burstSeconds: number;
  private prng: Prng;
  /** Rules of `next=N`: how many firings each has left. */
  private readonly remaining = new WeakMap<FaultRule, number>();
  /** Each table's tags, parsed (with its rules' `next=N` counts in `remaining`); renewed by a reset. */
  private perTable = new WeakMap<TableRecord, TableSettings>();
  private tagged = false;
  /** Some table has an openddb:lag-ms tag. */
  private lagTagged = false;
  /** Sizes of throttled provisioned tables and their indexes ("<table id>/<index id>"), counted in the background. */
  private readonly sizes = new Map<string, number>();
  private counting = false;
  /** Every table by id, as of the last rescan. */
  private byId = new Map<number, TableRecord>();
  private readonly throttle: Throttle;
  /** Lagged tables' recent writes, kept in the store: every process lags them alike (pressure/lag). */
  private readonly history: LagLog;
  private timer: NodeJS.Timeout | undefined;
  /** The admin endpoint's settings last applied (pressure/shared-settings): a patch over `flags`. */
  private applied: SharedRecord = EMPTY_RECORD;
  /** The fault spec the current rules were parsed from, when they came from the shared patch. */
  private faultsText: string | undefined;
  private syncing = false;
  private trimming = false;
  /** Lag was on lately: records may be left to trim. */
  private lagRecordsLeft = false;
  /** The process's own settings (its flags), which the shared settings overlay. */
  private readonly flags: PressureOptions;

  constructor(
    private readonly db: Database,
    options: PressureOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.throttleOn = options.throttle ?? false;
    this.lag = options.lag;
    this.txnMs = options.txnMs;
    this.faults = options.faults ?? [];
    this.seed = options.seed ?? Date.now() % 2147483647;
    this.flags = { ...options, seed: this.seed };
    this.processes = options.processes ?? 1;
    this.burstSeconds = options.burstSeconds ?? BURST_SECONDS;
    this.prng = new Prng(this.seed);
    const now = () => db.clock.now();
    this.throttle = new Throttle(now, () => 1 / this.processes, () => this.burstSeconds, (table, index) => this.sizes.get(`${table.id}/${index?.id ?? 0}`) ?? 0);
    this.history = new LagLog(now);
    this.rescan();
    this.timer = setInterval(() => {
      const stale = db.catalog.refresh();
      if (stale === undefined) this.rescan();
      else stale.then(() => this.rescan(), () => {});
      // The admin endpoint's settings, set through any process: one read a second, none per request.
      void this.sync();
      // Lag records past their moment: any process may delete them (twice is harmless). After lag
      // is turned off, until a trim finds none left.
      const lagging = this.lag !== undefined || this.lagTagged;
      if ((lagging || this.lagRecordsLeft) && !this.trimming) {
        this.trimming = true;
        this.history
          .trim(db.engine)
          .then((deleted) => {
            this.lagRecordsLeft = lagging || deleted > 0;
          })
          .catch((e: unknown) => {
            if (this.timer !== undefined) this.log(`trimming lag records failed: ${e instanceof Error ? e.message : String(e)}`);
          })
          .finally(() => {
            this.trimming = false;
          });
      }
    }, RESCAN_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Looks at every table's tags again (after a tag or table change). */
  rescan(): void {
    const tables = this.db.catalog.all();
    this.byId = new Map(tables.map((t) => [t.id, t]));
    this.tagged = tables.some((t) => hasPressureTags(t.tags));
    this.lagTagged = tables.some((t) => t.tags[TAG_LAG] !== undefined);
    this.countSizes(tables);
    this.recompute();
  }

  /**
   * Partitions also follow size (10 GB each): the sizes of throttled
   * provisioned tables are counted in the background, one table at a time
   * (data/table-stats caches a count for a hundred times as long as it took).
   */
  private countSizes(tables: readonly TableRecord[]): void {
    if (this.counting || !this.on) return;
    const throttled = tables.filter((t) => t.billingMode === 'PROVISIONED' && this.throttles(t));
    if (throttled.length === 0) return;
    this.counting = true;
    void (async () => {
      for (const t of throttled) {
        const stats = await tableStats(this.db, t);
        this.sizes.set(`${t.id}/0`, stats.sizeBytes);
        for (const [id, index] of stats.indexes) this.sizes.set(`${t.id}/${id}`, index.sizeBytes);
      }
    })()
      .catch((e: unknown) => {
        if (this.timer !== undefined) this.log(`counting table sizes for throttling failed: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => {
        this.counting = false;
      });
  }

  private recompute(): void {
    this.on = this.throttleOn || this.lag !== undefined || this.txnMs !== undefined || this.faults.length > 0 || this.tagged;
  }

  /** The settings as the admin endpoint shows them. */
  async describe(): Promise<Record<string, unknown>> {
    const pending = this.lag !== undefined || this.lagTagged ? (await this.history.pending(this.db.engine)).size : 0;
    return {
      throttle: this.throttleOn,
      lagMs: rangeText(this.lag),
      txnMs: rangeText(this.txnMs),
      faults: this.faults.map((r) => r.text).join(' '),
      seed: this.seed,
      processes: this.processes,
      burstSeconds: this.burstSeconds,
      taggedTables: this.db.catalog
        .all()
        .filter((t) => hasPressureTags(t.tags))
        .map((t) => ({ region: t.region, table: t.name, tags: Object.fromEntries(Object.entries(t.tags).filter(([k]) => k.startsWith('openddb:'))) })),
      pendingLaggedKeys: pending,
      // What the admin endpoint set (kept in the store, shared by every process), over this process's flags.
      shared: this.applied.patch,
      sharedVersion: this.applied.version,
      on: this.on,
    };
  }

  /**
   * Applies the admin endpoint's POST body: any of throttle (boolean),
   * lagMs / txnMs ("MS", "MIN-MAX", a number, or null for off), faults (a
   * spec, or null / "" for none), seed (restarts the generator), processes,
   * burstSeconds, reset (true: empty the buckets, forget the write history
   * and `next=N` counts, restart the generator from the seed). Validates
   * everything before changing anything; returns the problem, or undefined.
   * The change is kept in the store (pressure/shared-settings) and reaches
   * every process on the same data within about a second; this one at once.
   */
  async configure(body: Record<string, unknown>): Promise<string | undefined> {
    const normalized = normalizePatch(body);
    if (typeof normalized === 'string') return normalized;
    const { patch, reset } = normalized;
    // A reset forgets the lagged writes: once, here; the store is every process's.
    if (reset) await this.history.clear(this.db.engine);
    const record = await updateShared(this.db.engine, (current) => ({
      resets: current.resets + (reset ? 1 : 0),
      seeds: (current.seeds ?? 0) + (patch.seed !== undefined ? 1 : 0),
      faultSpecs: (current.faultSpecs ?? 0) + (patch.faults !== undefined ? 1 : 0),
      patch: { ...current.patch, ...patch },
    }));
    this.applyShared(record);
    return undefined;
  }

  /** The admin endpoint's DELETE: forgets every setting made through it, so each process returns to its flags. */
  async clearShared(): Promise<void> {
    const record = await updateShared(this.db.engine, (current) => ({
      resets: current.resets,
      seeds: current.seeds ?? 0,
      faultSpecs: current.faultSpecs ?? 0,
      patch: {},
    }));
    this.applyShared(record);
  }

  /** Reads the shared settings and applies them if they changed (start-up, then once a second). */
  async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      this.applyShared(await readShared(this.db.engine));
    } catch (e) {
      if (this.timer !== undefined) this.log(`reading the shared pressure settings failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.syncing = false;
    }
  }

  /** Makes the flags overlaid with the shared patch the settings, once per stored version. */
  private applyShared(record: SharedRecord): void {
    if (record.version <= this.applied.version) return;
    const before = this.applied;
    const p = record.patch;
    const f = this.flags;
    const range = (text: string | null | undefined, flag: LagRange | undefined): LagRange | undefined => {
      if (text === undefined) return flag;
      if (text === null) return undefined;
      const parsed = parseLag(text);
      return typeof parsed === 'string' ? flag : parsed;
    };
    this.throttleOn = p.throttle ?? f.throttle ?? false;
    this.lag = range(p.lagMs, f.lag);
    this.txnMs = range(p.txnMs, f.txnMs);
    if (p.faults === undefined) {
      if (this.faultsText !== undefined) this.faults = f.faults ?? [];
      this.faultsText = undefined;
    } else if (p.faults !== this.faultsText || (record.faultSpecs ?? 0) !== (before.faultSpecs ?? 0)) {
      const parsed = parseFaults(p.faults);
      // Kept rules keep their `next=N` counts; a spec POSTed (again) starts its own.
      this.faults = typeof parsed === 'string' ? [] : parsed;
      this.faultsText = p.faults;
    }
    const processes = p.processes ?? f.processes ?? 1;
    if (processes !== this.processes) {
      this.processes = processes;
      this.throttle.clear();
    }
    this.burstSeconds = p.burstSeconds ?? f.burstSeconds ?? BURST_SECONDS;
    const seed = p.seed ?? f.seed ?? this.seed;
    if (seed !== this.seed || (record.seeds ?? 0) !== (before.seeds ?? 0)) {
      this.seed = seed;
      this.prng = new Prng(seed);
    }
    if (record.resets !== before.resets) {
      this.prng = new Prng(this.seed);
      this.throttle.clear();
      // New rule objects: their `next=N` counts start again.
      this.faults = this.faults.map((r) => ({ ...r }));
      this.perTable = new WeakMap();
    }
    this.applied = record;
    this.recompute();
  }

  private settingsOf(table: TableRecord): TableSettings {
    let s = this.perTable.get(table);
    if (s === undefined) {
      s = tableSettings(table.name, table.tags);
      for (const p of s.problems) this.log(`table ${table.name}: ignoring tag: ${p}`);
      this.perTable.set(table, s);
    }
    return s;
  }

  private throttles(table: TableRecord): boolean {
    return this.settingsOf(table).throttle ?? this.throttleOn;
  }

  private txnMsOf(table: TableRecord): LagRange | undefined {
    const own = this.settingsOf(table).txnMs;
    return own === null ? undefined : (own ?? this.txnMs);
  }

  private lagOf(table: TableRecord): LagRange | undefined {
    const own = this.settingsOf(table).lag;
    return own === null ? undefined : (own ?? this.lag);
  }

  /**
   * Runs one request under the modes that apply to it. `call` runs the
   * operation against the database it is given (a view with a charging
   * meter and a lagging engine when those modes apply).
   */
  async run(operation: string, db: Database, input: Record<string, unknown>, call: (db: Database, input: Record<string, unknown>) => Promise<unknown>): Promise<unknown> {
    const targets = this.targets(operation, db, input);
    await this.injectFaults(operation, targets, input);

    // Requests naming no table up front (PartiQL batches and transactions) are charged what they consume.
    const throttled = targets.some((t) => t.access !== 'none' && this.throttles(t.table)) || (this.throttleOn && targets.length === 0);
    let prepaid: Map<string, number> | undefined;
    let unprocessed: Record<string, unknown> | undefined;
    let runInput = input;
    if (throttled) {
      if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
        prepaid = new Map();
        const split = this.splitBatch(operation, db, input, prepaid);
        runInput = split.admitted;
        unprocessed = split.unprocessed;
      } else {
        this.admit(operation, targets, input);
      }
    }

    const contended = await this.contend(operation, db, targets, input);

    const lagged = this.laggedIds(operation, db, input, targets);
    const recorded = this.recordedIds(targets);
    const view = throttled || lagged !== undefined || recorded !== undefined ? this.view(db, throttled, targets, prepaid, lagged, recorded) : db;
    let result: unknown;
    try {
      result = await call(view, runInput);
    } finally {
      contended?.();
    }
    return unprocessed === undefined ? result : withUnprocessed(operation, result, unprocessed);
  }

  /** The tables (and GSIs, keys) a request names, as far as that is known before it runs. */
  private targets(operation: string, db: Database, input: Record<string, unknown>): Target[] {
    const find = (name: unknown): TableRecord | undefined => {
      if (typeof name !== 'string') return undefined;
      try {
        return requireTable(db, name);
      } catch {
        return undefined;
      }
    };
    const storageKeyOf = (table: TableRecord, key: unknown): Uint8Array | undefined => {
      try {
        return itemKey(table, key as Item);
      } catch {
        return undefined;
      }
    };
    const hashOf = (k: Uint8Array | undefined): number | undefined => (k === undefined ? undefined : ((k[6]! << 24) | (k[7]! << 16) | (k[8]! << 8) | k[9]!) >>> 0);
    const out: Target[] = [];
    const table = find(input.TableName);
    if (SINGLE_READS.has(operation) || SINGLE_WRITES.has(operation)) {
      if (table === undefined) return out;
      const write = SINGLE_WRITES.has(operation);
      const storageKey = storageKeyOf(table, operation === 'PutItem' ? keyOnly(table, input.Item) : input.Key);
      out.push({ table, index: undefined, access: write ? 'write' : 'read', consistent: input.ConsistentRead === true, hash: hashOf(storageKey), storageKey });
      return out;
    }
    if (operation === 'Query' || operation === 'Scan') {
      if (table === undefined) return out;
      const index = typeof input.IndexName === 'string' ? table.globalIndexes.find((i) => i.name === input.IndexName) : undefined;
      out.push({ table, index, access: 'read', consistent: input.ConsistentRead === true, hash: undefined });
      return out;
    }
    if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
      const items = input.RequestItems;
      if (items === null || typeof items !== 'object') return out;
      for (const [name, request] of Object.entries(items as Record<string, { ConsistentRead?: unknown }>)) {
        const t = find(name);
        if (t !== undefined) out.push({ table: t, index: undefined, access: operation === 'BatchGetItem' ? 'read' : 'write', consistent: request?.ConsistentRead === true, hash: undefined });
      }
      return out;
    }
    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Record<string, { TableName?: unknown; Key?: unknown; Item?: unknown }>[]) : [];
      for (const action of items) {
        const member = Object.values(action)[0];
        const t = find(member?.TableName);
        if (t !== undefined) {
          const storageKey = storageKeyOf(t, member?.Item !== undefined ? keyOnly(t, member.Item) : member?.Key);
          out.push({ table: t, index: undefined, access: operation === 'TransactGetItems' ? 'read' : 'write', consistent: true, hash: hashOf(storageKey), storageKey });
        }
      }
      return out;
    }
    if (operation === 'ExecuteStatement' && typeof input.Statement === 'string') {
      // The statement's table, for per-table settings (PartiQL is not parsed twice).
      const m = /^\s*(select\b[\s\S]*?\bfrom|insert\s+into|update|delete\s+from)\s+"?([A-Za-z0-9_.-]+)"?/i.exec(input.Statement);
      const t = m === null ? undefined : find(m[2]);
      const select = m !== null && /^select/i.test(m[1]!);
      if (t !== undefined) out.push({ table: t, index: undefined, access: select ? 'read' : 'write', consistent: input.ConsistentRead === true, hash: undefined });
      return out;
    }
    if (operation === 'GetRecords' && typeof input.ShardIterator === 'string') {
      const iterator = decodeShardIterator(input.ShardIterator);
      const t = iterator === undefined ? undefined : (this.byId.get(iterator.tableId) ?? db.catalog.all().find((r) => r.id === iterator.tableId));
      if (t !== undefined) out.push({ table: t, index: undefined, access: 'read', consistent: false, hash: undefined });
      return out;
    }
    if (table !== undefined) out.push({ table, index: undefined, access: 'none', consistent: true, hash: undefined });
    return out;
  }

  private fires(rule: FaultRule): boolean {
    if (rule.count !== undefined) {
      const left = this.remaining.get(rule) ?? rule.count;
      if (left <= 0) return false;
      this.remaining.set(rule, left - 1);
      return true;
    }
    return this.prng.next() < rule.rate!;
  }

  private async injectFaults(operation: string, targets: readonly Target[], input: Record<string, unknown>): Promise<void> {
    const names = new Set(targets.map((t) => t.table.name));
    let rules: FaultRule[] = [...this.faults];
    for (const t of new Set(targets.map((x) => x.table))) {
      const own = this.settingsOf(t).faults;
      if (own !== undefined) rules = rules.concat(own);
    }
    if (rules.length === 0) return;
    let delay = 0;
    for (const rule of rules) {
      if (rule.operations !== undefined && !rule.operations.includes(operation)) continue;
      if (rule.table !== undefined && !names.has(rule.table)) continue;
      if (rule.kind === 'conflict' && !CONFLICT_OPS.has(operation)) continue;
      if (!this.fires(rule)) continue;
      switch (rule.kind) {
        case 'latency':
          delay += this.prng.between(rule.minMs, rule.maxMs);
          continue;
        case 'internal':
          await sleep(delay);
          throw errors.internal();
        case 'unavailable':
          await sleep(delay);
          throw new DynamoError(`${DYNAMO}ServiceUnavailable`, 'DynamoDB is currently unavailable. (This should be a temporary state.)', 503);
        case 'timeout':
          await sleep(delay + this.prng.between(rule.minMs, rule.maxMs));
          throw new DropConnection();
        case 'drop':
          await sleep(delay);
          throw new DropConnection();
        case 'conflict': {
          await sleep(delay);
          if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') throw errors.transactionConflict();
          const count = Array.isArray(input.TransactItems) ? input.TransactItems.length : Array.isArray(input.TransactStatements) ? input.TransactStatements.length : 1;
          throw conflictCancellation(count, [this.prng.between(0, Math.max(0, count - 1))]);
        }
      }
    }
    if (delay > 0) await sleep(delay);
  }

  /**
   * Contention mode (docs/pressure.md, "Contention"), DynamoDB's conflict
   * rules with DynamoDB's timing: a TransactWriteItems takes its items in
   * the in-flight table (txn/in-flight) and keeps them for the configured
   * time before it runs, so another transaction or a plain write on one of
   * them meets TransactionConflict meanwhile; a plain write marks its item
   * while it runs, so a TransactGetItems on it is cancelled
   * (TransactionConflict), which openddb's own holds do not cover. Returns
   * what to undo once the request is done.
   */
  private async contend(operation: string, db: Database, targets: readonly Target[], input: Record<string, unknown>): Promise<(() => void) | undefined> {
    if (operation === 'TransactWriteItems') {
      const hold = targets.map((t) => this.txnMsOf(t.table)).find((r) => r !== undefined);
      const count = Array.isArray(input.TransactItems) ? input.TransactItems.length : 0;
      if (hold === undefined || targets.length !== count || targets.some((t) => t.storageKey === undefined)) return undefined;
      const { conflicts, release } = inFlight(db).acquire(targets.map((t) => t.storageKey!), 'write');
      if (conflicts.length > 0) throw conflictCancellation(count, conflicts);
      try {
        await sleep(this.prng.between(hold.minMs, hold.maxMs));
      } finally {
        // Released just before the transaction runs, which takes the items again before it yields.
        release();
      }
      return undefined;
    }
    if (operation === 'TransactGetItems') {
      if (this.writing.size === 0 || !targets.some((t) => this.txnMsOf(t.table) !== undefined)) return undefined;
      const positions: number[] = [];
      targets.forEach((t, i) => {
        if (t.storageKey !== undefined && this.writing.has(bytesToLatin1(t.storageKey))) positions.push(i);
      });
      if (positions.length > 0) throw conflictCancellation(targets.length, positions);
      return undefined;
    }
    if (SINGLE_WRITES.has(operation)) {
      const t = targets[0];
      if (t === undefined || t.storageKey === undefined || this.txnMsOf(t.table) === undefined) return undefined;
      const name = bytesToLatin1(t.storageKey);
      this.writing.set(name, (this.writing.get(name) ?? 0) + 1);
      return () => {
        const n = this.writing.get(name)! - 1;
        if (n === 0) this.writing.delete(name);
        else this.writing.set(name, n);
      };
    }
    return undefined;
  }

  /** Refuses a request whose buckets cannot pay its smallest cost. */
  private admit(operation: string, targets: readonly Target[], input: Record<string, unknown>): void {
    const transaction = operation === 'TransactWriteItems' || operation === 'TransactGetItems';
    const reasons: CancellationReason[] = [];
    let refused: { refusal: Refusal; table: TableRecord } | undefined;
    for (const t of targets) {
      let refusal: Refusal | undefined;
      if (t.access !== 'none' && this.throttles(t.table)) {
        // A transactional item costs twice a plain one (two-phase commit).
        const units = (t.access === 'read' && !t.consistent ? 0.5 : 1) * (transaction ? 2 : 1);
        refusal = this.throttle.admit(t.table, t.index, t.access, units, t.hash);
        if (refusal === undefined && t.access === 'write') {
          for (const gsi of t.table.globalIndexes) {
            refusal = this.throttle.admit(t.table, gsi, 'write', 1);
            if (refusal !== undefined) break;
          }
        }
      }
      if (refusal !== undefined && refused === undefined) refused = { refusal, table: t.table };
      reasons.push(refusal === undefined ? NO_REASON : { Code: refusal.onDemand ? 'ThrottlingError' : 'ProvisionedThroughputExceeded', Message: messageOf(refusal) });
    }
    if (refused === undefined) return;
    if (transaction && Array.isArray(input.TransactItems) && reasons.length === input.TransactItems.length) throw transactionCanceled(reasons);
    throw throttlingError(refused.refusal, refused.table);
  }

  /**
   * A batch under throttling: each member takes its smallest cost from its
   * table's buckets in order; those that cannot are left unprocessed. All
   * left: the request fails, as DynamoDB's does.
   */
  private splitBatch(operation: string, db: Database, input: Record<string, unknown>, prepaid: Map<string, number>): { admitted: Record<string, unknown>; unprocessed: Record<string, unknown> | undefined } {
    const items = input.RequestItems as Record<string, unknown> | undefined;
    if (items === null || typeof items !== 'object') return { admitted: input, unprocessed: undefined };
    const admitted: Record<string, unknown> = {};
    const unprocessed: Record<string, unknown> = {};
    let refused: { refusal: Refusal; table: TableRecord } | undefined;
    let any = false;
    for (const [name, request] of Object.entries(items)) {
      let table: TableRecord | undefined;
      try {
        table = requireTable(db, name);
      } catch {
        table = undefined;
      }
      if (table === undefined || !this.throttles(table)) {
        admitted[name] = request;
        any = true;
        continue;
      }
      const t = table;
      const take = (access: Access, units: number, key: unknown): boolean => {
        let hash: number | undefined;
        try {
          const k = itemKey(t, key as Item);
          hash = ((k[6]! << 24) | (k[7]! << 16) | (k[8]! << 8) | k[9]!) >>> 0;
        } catch {
          hash = undefined;
        }
        const refusal = this.throttle.take(t, undefined, access, units, hash);
        if (refusal !== undefined) {
          refused ??= { refusal, table: t };
          return false;
        }
        const slot = `${t.name}\u0000${access}`;
        prepaid.set(slot, (prepaid.get(slot) ?? 0) + units);
        return true;
      };
      if (operation === 'BatchWriteItem') {
        if (!Array.isArray(request)) {
          admitted[name] = request;
          continue;
        }
        const ok: unknown[] = [];
        const left: unknown[] = [];
        for (const w of request as { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]) {
          const key = w?.PutRequest !== undefined ? keyOnly(t, w.PutRequest.Item) : w?.DeleteRequest?.Key;
          (take('write', 1, key) ? ok : left).push(w);
        }
        if (ok.length > 0) {
          admitted[name] = ok;
          any = true;
        }
        if (left.length > 0) unprocessed[name] = left;
      } else {
        const r = request as { Keys?: unknown; ConsistentRead?: unknown } | null;
        if (r === null || typeof r !== 'object' || !Array.isArray(r.Keys)) {
          admitted[name] = request;
          continue;
        }
        const units = r.ConsistentRead === true ? 1 : 0.5;
        const ok: unknown[] = [];
        const left: unknown[] = [];
        for (const key of r.Keys) (take('read', units, key) ? ok : left).push(key);
        if (ok.length > 0) {
          admitted[name] = { ...r, Keys: ok };
          any = true;
        }
        if (left.length > 0) unprocessed[name] = { ...r, Keys: left };
      }
    }
    if (Object.keys(unprocessed).length === 0) return { admitted: input, unprocessed: undefined };
    if (!any && refused !== undefined) {
      const { refusal, table } = refused;
      throw throttlingError(refusal, table);
    }
    return { admitted: { ...input, RequestItems: admitted }, unprocessed };
  }

  /** The tables whose reads lag in this request, or undefined for none. */
  private laggedIds(operation: string, db: Database, input: Record<string, unknown>, targets: readonly Target[]): Set<number> | undefined {
    let ids: Set<number> | undefined;
    for (const t of targets) {
      if (t.access !== 'read' || this.lagOf(t.table) === undefined) continue;
      // GSIs are always eventually consistent (they refuse ConsistentRead); LSIs and tables follow ConsistentRead.
      const consistent = t.index === undefined && t.consistent;
      if (consistent || operation === 'TransactGetItems') continue;
      (ids ??= new Set()).add(t.table.id);
    }
    void db;
    void input;
    return ids;
  }

  /** The tables whose writes this request's commits must remember, or undefined for none. */
  private recordedIds(targets: readonly Target[]): Set<number> | undefined {
    let ids: Set<number> | undefined;
    for (const t of targets) if (t.access === 'write' && this.lagOf(t.table) !== undefined) (ids ??= new Set()).add(t.table.id);
    // A lag remembers every write to a lagged table, also those whose table the request does not name up front (PartiQL).
    if ((this.lag !== undefined || this.lagTagged) && ids === undefined) ids = new Set();
    return ids;
  }

  private view(
    db: Database,
    throttled: boolean,
    targets: readonly Target[],
    prepaid: Map<string, number> | undefined,
    lagged: Set<number> | undefined,
    recorded: Set<number> | undefined,
  ): Database {
    // A view of the request's database: plain assignments shadow the prototype's
    // fields (cheaper than property descriptors, and every view has one shape).
    const view = Object.create(db) as { meter: UsageMeter; engine: StorageEngine };
    if (throttled) view.meter = this.chargingMeter(db, targets, prepaid);
    if (lagged !== undefined || recorded !== undefined) {
      const serverLag = this.lag !== undefined;
      const lagTables = lagged ?? new Set<number>();
      const recordTables = recorded ?? new Set<number>();
      const lagOfRequest = targets.map((t) => this.lagOf(t.table)).find((l) => l !== undefined) ?? this.lag ?? { minMs: 0, maxMs: 0 };
      view.engine = new LaggedEngine(
          db.engine,
          this.history,
          (key) => lagTables.size > 0 && lagTables.has(tableIdOf(key)),
          (key) => {
            const id = tableIdOf(key);
            return id >= 0 && (recordTables.has(id) || ((serverLag || this.lagTagged) && this.lagById(db, id)));
          },
          () => this.prng.between(lagOfRequest.minMs, lagOfRequest.maxMs),
      );
    }
    return view as unknown as Database;
  }

  /** Whether writes of the table with this id lag (a server-wide lag, unless its tag says off). */
  private lagById(db: Database, id: number): boolean {
    const t = this.byId.get(id) ?? db.catalog.all().find((r) => r.id === id);
    return t === undefined ? this.lag !== undefined : this.lagOf(t) !== undefined;
  }

  /** The request's meter: counts as before, and takes what was consumed from the buckets. */
  private chargingMeter(db: Database, targets: readonly Target[], prepaid: Map<string, number> | undefined): UsageMeter {
    const inner = db.meter;
    const charge = (access: Access, tableName: string, units: number, indexName: string | undefined) => {
      const table = db.catalog.get(tableName);
      if (table === undefined || !this.throttles(table)) return;
      if (prepaid !== undefined && indexName === undefined) {
        const slot = `${tableName}\u0000${access}`;
        const paid = prepaid.get(slot) ?? 0;
        const used = Math.min(paid, units);
        if (used > 0) prepaid.set(slot, paid - used);
        units -= used;
        if (units <= 0) return;
      }
      const index = indexName === undefined ? undefined : table.globalIndexes.find((i) => i.name === indexName);
      const single = targets.length === 1 && targets[0]!.table.id === table.id ? targets[0]!.hash : undefined;
      this.throttle.charge(table, index, access, units, index === undefined ? single : undefined);
    };
    return {
      read(table, units, index) {
        inner.read(table, units, index);
        charge('read', table, units, index);
      },
      write(table, units, index) {
        inner.write(table, units, index);
        charge('write', table, units, index);
      },
      returnedItems: (table, operation, count) => inner.returnedItems(table, operation, count),
      ttlDeleted: (table, count) => inner.ttlDeleted(table, count),
      streamRecordsWritten: (table, count) => inner.streamRecordsWritten(table, count),
      streamRead: (table, records, bytes, ageMs) => inner.streamRead(table, records, bytes, ageMs),
      backfillProgress: (table, index, percent) => inner.backfillProgress(table, index, percent),
    };
  }
}

/** A batch's answer with the members throttling left out added to those the operation left (BatchGetItem's 16 MB). */
function withUnprocessed(operation: string, result: unknown, unprocessed: Record<string, unknown>): unknown {
  const out = (result instanceof RawJson ? JSON.parse(result.text()) : result) as Record<string, Record<string, unknown>>;
  const member = operation === 'BatchWriteItem' ? 'UnprocessedItems' : 'UnprocessedKeys';
  const merged: Record<string, unknown> = { ...(out[member] ?? {}) };
  for (const [table, left] of Object.entries(unprocessed)) {
    const already = merged[table];
    if (already === undefined) merged[table] = left;
    else if (Array.isArray(already)) merged[table] = [...already, ...(left as unknown[])];
    else {
      const a = already as { Keys: unknown[] };
      merged[table] = { ...a, Keys: [...a.Keys, ...(left as { Keys: unknown[] }).Keys] };
    }
  }
  out[member] = merged;
  return out;
}

/** An item's key attributes (for its partition), or undefined. */
function keyOnly(table: TableRecord, item: unknown): Item | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const i = item as Item;
  const out: Item = {};
  const hash = i[table.keySchema.hash];
  if (hash === undefined) return undefined;
  out[table.keySchema.hash] = hash;
  if (table.keySchema.range !== undefined) {
    const range = i[table.keySchema.range];
    if (range === undefined) return undefined;
    out[table.keySchema.range] = range;
  }
  return out;
}

function messageOf(refusal: Refusal): string {
  if (refusal.onDemand) return ON_DEMAND;
  return refusal.index === undefined ? PROVISIONED_TABLE : PROVISIONED_INDEX;
}

/**
 * DynamoDB's throttling error: ProvisionedThroughputExceededException for a
 * provisioned table or GSI, ThrottlingException for an on-demand one, with
 * the ThrottlingReasons member (2025) naming the resource and the limit.
 */
export function throttlingError(refusal: Refusal, table: TableRecord): DynamoError {
  const resource = `arn:aws:dynamodb:${table.region}:${table.account}:table/${table.name}${refusal.index === undefined ? '' : `/index/${refusal.index}`}`;
  const reason = `${refusal.index === undefined ? 'Table' : 'Index'}${refusal.access === 'read' ? 'Read' : 'Write'}${refusal.limit}`;
  const type = refusal.onDemand ? 'ThrottlingException' : 'ProvisionedThroughputExceededException';
  // The SDK's model spells the member ThrottlingReasons on one error and throttlingReasons on the other.
  const member = refusal.onDemand ? 'throttlingReasons' : 'ThrottlingReasons';
  return new DynamoError(`${DYNAMO}${type}`, messageOf(refusal), 400, { [member]: [{ reason, resource }] });
}

function rangeText(range: LagRange | undefined): string | null {
  return range === undefined ? null : range.minMs === range.maxMs ? `${range.minMs}` : `${range.minMs}-${range.maxMs}`;
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
