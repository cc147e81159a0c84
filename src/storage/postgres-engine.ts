/**
 * @module storage/postgres-engine
 * The storage contract (storage/engine) over a PostgreSQL-family database,
 * for many stateless openddb servers sharing one database (issue 12;
 * docs/architecture.md, "The PostgreSQL engine").
 *
 * - One table, `kv (k bytea PRIMARY KEY, v bytea NOT NULL)`, in a schema of
 *   its own. bytea compares by memcmp, which is the key space's order. A
 *   btree entry holds at most about 2,700 bytes, so keys longer than
 *   MAX_STORED_KEY go through LongKeyCodec, exactly as on LMDB.
 * - get, getMany and range are each one statement, so each reads one
 *   snapshot even under READ COMMITTED, and costs one round trip. They go
 *   through read lanes (ReadLane): a connection or two in pipeline mode,
 *   where the reads of concurrent requests follow each other on the wire
 *   without waiting for the previous answer. A read never waits on a lock
 *   and every statement carries its own Sync (its own implicit
 *   transaction), so pipelining changes no result, but the backend reads
 *   and answers many statements per wake-up and the driver many per
 *   socket read: about half the CPU per read on both sides. Commits stay on
 *   the pool: each waits for its WAL flush, which on a shared connection
 *   would hold up everything queued behind it, and many connections let
 *   PostgreSQL flush concurrent commits together.
 * - Every statement is a named prepared statement (parsed and planned once
 *   per connection); statements whose shape varies (a range with or
 *   without an end, a limit) have one name per shape, so that PostgreSQL's
 *   generic plan is an index range scan, never a scan filtered by
 *   `$2 IS NULL OR …`.
 * - commit is one call of the `commit_batch` function, one round trip and
 *   one transaction: it takes a transaction-scoped advisory lock on a hash of
 *   every key it expects or writes, in ascending order (so two commits never
 *   wait on each other in a cycle), then checks the expectations and writes.
 *   The locks live in the database server, not in a process, so commits from
 *   any number of servers are serialized per key; an expectation that a key
 *   is absent needs them because there is no row to lock. A commit that
 *   writes without expectations takes the locks too, so it cannot slip
 *   between another commit's check and its write.
 * - A commit that asks for sequence numbers (CommitOptions.sequence), and
 *   every readAndCommit call, joins a commit group instead: classic group
 *   commit, one group in flight per engine, the calls made meanwhile
 *   queued for the next. A group is one explicit transaction that locks
 *   every member's keys and the counter key (SEQUENCE_COUNTER_KEY, in kv
 *   like every key) in one statement and reads them; decides the members
 *   in call order in JavaScript (expectations, decisions, numbers), each
 *   seeing the earlier members' writes; and writes the union and the
 *   counter once. The counter's lock is held until COMMIT, so a commit that
 *   becomes visible later always holds larger numbers; one group's lock
 *   and WAL flush serve all its members, where each numbered commit used
 *   to wait for the one before it (docs/backups.md: PITR on PostgreSQL).
 * - Durability is the server's: synchronous_commit must be on (checked at
 *   open). PostgreSQL's WAL flush already groups concurrent commits.
 *
 * Errors the database reports for its own reasons (connection lost, server
 * restarting, serialization failure) reject with the driver's error; the
 * protocol layer answers them as DynamoDB answers a service failure.
 */
import pg from 'pg';
import { assertEntries, assertKey, compareBytes } from './byte-order.js';
import { checkedLimit } from './range-limit.js';
import { CommitConflictError, SEQUENCE_COUNTER_KEY, StaleFenceError } from './engine.js';
import type {
  CommitDecision,
  CommitOptions,
  EngineCapabilities,
  KvEntry,
  KvExpectation,
  KvWrite,
  RangeOptions,
  SequenceRequest,
  StorageEngine,
  StorageSnapshot,
  FencedEngine,
} from './engine.js';
import { LongKeyCodec } from './long-key-codec.js';
import { checkedSequenceRequest, decodeSequenceCounter, encodeSequenceCounter, firstSequence } from './sequence-counter.js';

/** Longest key stored as itself: under the btree entry limit (~2,700 bytes) with room for the row header. */
export const MAX_STORED_KEY = 2_000;

/** Bump on any incompatible change of the tables or functions below; a newer openddb migrates or refuses. */
export const SCHEMA_VERSION = 4;

export interface PostgresEngineOptions {
  /** A libpq connection string (`postgres://user:pass@host:5432/db`); PG* environment variables fill the rest. */
  readonly connectionString?: string;
  /** The PostgreSQL schema that holds openddb's tables (default `openddb`). */
  readonly schema?: string;
  /** Connections to the database (default 10): READ_LANES of them pipeline reads, the rest are the pool for commits and transactions. */
  readonly poolSize?: number;
  /** Stored-key limit; tests lower it to exercise long keys. */
  readonly maxStoredKeyBytes?: number;
}

/** A schema name we can splice into SQL: lower-case letters, digits and underscores. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A fence in stored form (StorageEngine.fenced); undefined = unfenced. */
interface Fence {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** What a commit function answers: the failed expectation's index, -1 for none, -2 when the fence tripped. */
const FENCE_TRIPPED = -2;

/** Pipelined read connections (ReadLane) of an engine whose pool size allows it; one below MIN_POOL_FOR_TWO_LANES. */
const READ_LANES = 2;
const MIN_POOL_FOR_TWO_LANES = 4;

/**
 * A range read of more entries than this goes through the pool, not a read
 * lane: a long read at the head of a pipeline would hold up every short one
 * queued behind it. Query and Scan ask for 64 first (data/read-pages).
 */
const MAX_LANE_RANGE = 256;

/**
 * A commit group's bounds (#runGroups): keys locked (each an advisory lock,
 * which takes a slot of PostgreSQL's shared lock table: 64 per connection
 * by default) and bytes sent in its statements. A member larger than
 * either runs in a group of its own.
 */
const MAX_GROUP_LOCKS = 256;
const MAX_GROUP_BYTES = 1 << 20;
/** What a readAndCommit call is counted as in MAX_GROUP_BYTES beside its keys: its writes are not known before it is decided. */
const READ_AND_COMMIT_BYTES = 1024;

/** The sequence counter's key in stored form, as the groups' maps name keys. */
const COUNTER_ID = Buffer.from(SEQUENCE_COUNTER_KEY).toString('latin1');

/** One numbered commit or readAndCommit call, queued for a commit group (PostgresEngine #runGroup). */
interface GroupMember {
  readonly fence: Fence | undefined;
  /** Stored keys whose current values (null = absent) `decide` takes, in order. */
  readonly reads: readonly Buffer[];
  /** Stored keys locked exclusively for it; grows when a decision writes beyond them and the try-lock is refused. */
  readonly locks: Buffer[];
  /** Its weight against MAX_GROUP_BYTES. */
  readonly bytes: number;
  /** Decides from the current values, overlaid with the group's earlier writes; throws to fail the member alone. */
  readonly decide: (values: readonly (Buffer | null)[]) => MemberDecision;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface MemberDecision {
  readonly writes: WriteBatch;
  readonly sequence: SequenceRequest | undefined;
  readonly result: unknown;
}

export class PostgresEngine implements StorageEngine {
  readonly capabilities: EngineCapabilities = { durable: true, sharedAcrossProcesses: true };
  readonly #pool: pg.Pool;
  readonly #lanes: readonly ReadLane[];
  readonly #codec: LongKeyCodec;
  readonly #sql: Statements;
  readonly #counterKey = copy(SEQUENCE_COUNTER_KEY);
  /** Members waiting for the next commit group, in call order. */
  readonly #queue: GroupMember[] = [];
  /** The run of commit groups under way (#runGroups), if any. */
  #groups: Promise<void> | undefined;
  #closed = false;
  #statements = 0;

  private constructor(pool: pg.Pool, lanes: readonly ReadLane[], codec: LongKeyCodec, sql: Statements) {
    this.#pool = pool;
    this.#lanes = lanes;
    this.#codec = codec;
    this.#sql = sql;
  }

  static async open(options: PostgresEngineOptions = {}): Promise<PostgresEngine> {
    const schema = options.schema ?? 'openddb';
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
    const connection = options.connectionString === undefined ? {} : { connectionString: options.connectionString };
    const size = options.poolSize ?? 10;
    if (!Number.isInteger(size) || size < 1) throw new Error(`invalid PostgreSQL pool size ${size}`);
    const lanes = size >= MIN_POOL_FOR_TWO_LANES ? READ_LANES : 1;
    const pool = new pg.Pool({ ...connection, max: Math.max(1, size - lanes) });
    // An idle client that loses its connection emits 'error' on the pool;
    // unhandled, that would end the process. The next query reconnects.
    pool.on('error', () => {});
    try {
      await migrate(pool, schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresEngine(
      pool,
      Array.from({ length: lanes }, () => new ReadLane(connection)),
      new LongKeyCodec(options.maxStoredKeyBytes ?? MAX_STORED_KEY),
      statements(schema),
    );
  }

  /**
   * Statements sent to the database since open — each one round trip (BEGIN
   * and COMMIT of an explicit transaction included). Metrics publish it
   * (openddb_storage_round_trips_total), so the bench can report round
   * trips per operation.
   */
  roundTrips(): number {
    return this.#statements;
  }

  /** One statement on the pool, a connection of it (a transaction's) or a read lane. */
  #query<R extends pg.QueryResultRow>(on: Queryable, statement: Statement | string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    this.#statements++;
    if (typeof statement === 'string') return on.query<R>(statement, values);
    return on.query<R>({ name: statement.name, text: statement.text, ...(values === undefined ? {} : { values }) });
  }

  /** The read lane with the fewest statements in flight (the first of equals, so a quiet engine uses one and keeps it busy). */
  #lane(): ReadLane {
    if (this.#closed) throw new Error('storage engine is closed');
    let best = this.#lanes[0]!;
    for (const lane of this.#lanes) if (lane.inFlight < best.inFlight) best = lane;
    return best;
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#get(key, undefined);
  }

  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return this.#getMany(keys, undefined);
  }

  range(start: Uint8Array, end: Uint8Array, options: RangeOptions = {}): Promise<KvEntry[]> {
    return this.#range(start, end, options, undefined);
  }

  /**
   * One REPEATABLE READ READ ONLY transaction on a connection of its own,
   * held until release: PostgreSQL fixes its snapshot at the first
   * statement, run here before resolving. It holds one pooled connection
   * (and old row versions from VACUUM) while it lives.
   */
  async snapshot(): Promise<StorageSnapshot> {
    if (this.#closed) throw new Error('storage engine is closed');
    const client = await this.#pool.connect();
    try {
      await this.#query(client, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await this.#query(client, 'SELECT 1');
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    let open = true;
    const live = (): pg.PoolClient => {
      if (!open) throw new Error('storage snapshot was released');
      return client;
    };
    return {
      get: async (key) => {
        assertKey(key, 'key');
        const result = await this.#query<{ v: Buffer }>(live(), this.#sql.get, [buf(this.#codec.storedKey(key))]);
        const row = result.rows[0];
        return row === undefined ? undefined : this.#codec.valueFor(key, bytes(row.v));
      },
      range: async (start, end, options = {}) => this.#range(start, end, options, undefined, live()),
      release: async () => {
        if (!open) return;
        open = false;
        try {
          await this.#query(client, 'COMMIT');
          client.release();
        } catch (error) {
          client.release(error instanceof Error ? error : true);
        }
      },
    };
  }

  commit(writes: readonly KvWrite[], expectations: readonly KvExpectation[] = [], options: CommitOptions = {}): Promise<void> {
    return this.#commit(writes, expectations, options, undefined);
  }

  readAndCommit<T>(keys: readonly Uint8Array[], decide: (values: readonly (Uint8Array | undefined)[]) => CommitDecision<T>): Promise<T> {
    return this.#readAndCommit(keys, decide, undefined);
  }

  /**
   * The fence rides on the statement each call sends anyway (a second key
   * in a get, a joined scalar in a range, two more arguments of a commit
   * function), so a fenced request costs no extra round trip: a GetItem is
   * one statement, a blind PutItem one.
   */
  fenced(key: Uint8Array, value: Uint8Array | null): FencedEngine {
    assertKey(key, 'fence key');
    // Cleared once a commit lands: what follows in the request is not fenced (FencedEngine).
    let fence: Fence | undefined = {
      key: copy(this.#codec.storedKey(key)),
      value: value === null ? null : copy(this.#codec.storedValue(key, value)),
    };
    const landed = <T>(result: T): T => {
      fence = undefined;
      return result;
    };
    return {
      capabilities: this.capabilities,
      get: (k) => this.#get(k, fence),
      getMany: (ks) => this.#getMany(ks, fence),
      range: (start, end, options = {}) => this.#range(start, end, options, fence),
      commit: (writes, expectations = [], options = {}) => this.#commit(writes, expectations, options, fence).then(landed),
      readAndCommit: (ks, decide) => this.#readAndCommit(ks, decide, fence).then(landed),
      // A snapshot is a whole-store view for backups, not a cached-catalog request: unfenced.
      snapshot: () => this.snapshot(),
      committed: () => fence === undefined,
      close: () => Promise.reject(new Error('close the engine, not a fenced view of it')),
    };
  }

  async #get(key: Uint8Array, fence: Fence | undefined): Promise<Uint8Array | undefined> {
    assertKey(key, 'key');
    const stored = buf(this.#codec.storedKey(key));
    if (fence === undefined) {
      const result = await this.#query<{ v: Buffer }>(this.#lane(), this.#sql.get, [stored]);
      const row = result.rows[0];
      return row === undefined ? undefined : this.#codec.valueFor(key, bytes(row.v));
    }
    // One row: the value (NULL = absent) and whether the fence key holds its expected value, in one snapshot.
    const row = (await this.#query<{ v: Buffer | null; fresh: boolean }>(this.#lane(), this.#sql.fencedGet, [stored, fence.key, fence.value])).rows[0];
    if (row?.fresh !== true) throw new StaleFenceError();
    return row.v === null ? undefined : this.#codec.valueFor(key, bytes(row.v));
  }

  async #getMany(keys: readonly Uint8Array[], fence: Fence | undefined): Promise<(Uint8Array | undefined)[]> {
    keys.forEach((key, i) => assertKey(key, `keys[${i}]`));
    if (keys.length === 0 && fence === undefined) return [];
    const stored = keys.map((key) => buf(this.#codec.storedKey(key)));
    const result = await this.#query<{ k: Buffer; v: Buffer }>(this.#lane(), this.#sql.getMany, [
      fence === undefined ? stored : [...stored, fence.key],
    ]);
    if (fence !== undefined) checkFence(fence, result.rows);
    const found = new Map<string, Uint8Array>();
    for (const row of result.rows) found.set(row.k.toString('latin1'), bytes(row.v));
    return keys.map((key, i) => {
      const value = found.get(stored[i]!.toString('latin1'));
      return value === undefined ? undefined : this.#codec.valueFor(key, value);
    });
  }

  /** A range read by the pool (one statement, one snapshot) or within a snapshot's transaction (`client`). */
  async #range(start: Uint8Array, end: Uint8Array, options: RangeOptions, fence: Fence | undefined, client?: pg.PoolClient): Promise<KvEntry[]> {
    if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) {
      throw new TypeError('range bounds must be Uint8Arrays');
    }
    const reverse = options.reverse ?? false;
    const limit = checkedLimit(options.limit);
    if (limit <= 0 || compareBytes(start, end) >= 0) {
      // Nothing to read, but a fenced caller still learns whether its cache is stale.
      if (fence !== undefined) await this.#getMany([], fence);
      return [];
    }
    const bounds = this.#codec.storedBounds(start, end);
    const lo = buf(bounds.start ?? new Uint8Array(0));
    const hi = bounds.end === undefined ? null : buf(bounds.end);
    const longBound = start.length > this.#codec.inlineLimit || end.length > this.#codec.inlineLimit;
    if (!longBound) {
      // The usual case: one statement. Only a run of long keys sharing one
      // stored prefix at the page's end could be cut short by LIMIT, and a
      // cut group would sort wrongly, so then the slow path reads it whole.
      const rows = await this.#rangeRows(client ?? (limit <= MAX_LANE_RANGE ? this.#lane() : this.#pool), lo, hi, reverse, limit, null, fence);
      const last = rows[rows.length - 1];
      if (rows.length < limit || last === undefined || last.k.length <= this.#codec.inlineLimit) {
        return this.#codec.collectRange(rows.map(toStored), start, end, reverse, limit);
      }
    }
    if (client !== undefined) return this.#rangePages(client, lo, hi, start, end, reverse, limit, fence);
    return this.#inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (c) => this.#rangePages(c, lo, hi, start, end, reverse, limit, fence));
  }

  /**
   * A range whose stored form may hold entries outside it (a bound longer
   * than the inline limit) or a group of long keys cut by a page's end:
   * pages are read in one REPEATABLE READ snapshot (the caller's
   * transaction) until enough entries are collected and the last group is whole.
   */
  async #rangePages(
    client: pg.PoolClient,
    lo: Buffer,
    hi: Buffer | null,
    start: Uint8Array,
    end: Uint8Array,
    reverse: boolean,
    limit: number,
    fence: Fence | undefined,
  ): Promise<KvEntry[]> {
    const all: { key: Uint8Array; value: Uint8Array }[] = [];
    const page = Number.isFinite(limit) ? Math.max(limit, 256) : Number.POSITIVE_INFINITY;
    let after: Buffer | null = null;
    for (;;) {
      // The fence rides on the first page: the whole transaction reads that snapshot.
      const rows = await this.#rangeRows(client, lo, hi, reverse, page, after, after === null ? fence : undefined);
      for (const row of rows) all.push(toStored(row));
      const last = rows[rows.length - 1];
      if (rows.length < page || last === undefined) return this.#codec.collectRange(all, start, end, reverse, limit);
      after = last.k;
      const collected = this.#codec.collectRange(all, start, end, reverse, limit);
      if (collected.length >= limit && last.k.length <= this.#codec.inlineLimit) return collected;
    }
  }

  async #rangeRows(
    queryable: Queryable,
    lo: Buffer,
    hi: Buffer | null,
    reverse: boolean,
    limit: number,
    after: Buffer | null,
    fence: Fence | undefined,
  ): Promise<{ k: Buffer; v: Buffer }[]> {
    // Only the bounds there are: each shape is a statement of its own (statements()).
    const shape = { reverse, end: hi !== null, limit: Number.isFinite(limit), after: after !== null, fenced: fence !== undefined };
    const values: unknown[] = [lo];
    if (hi !== null) values.push(hi);
    if (after !== null) values.push(after);
    if (Number.isFinite(limit)) values.push(limit);
    const statement = this.#sql.range(shape);
    if (fence === undefined) return (await this.#query<{ k: Buffer; v: Buffer }>(queryable, statement, values)).rows;
    // One row per entry, each saying whether the fence key holds its expected value; one row with no entry when the range is empty.
    values.push(fence.key, fence.value);
    const rows = (await this.#query<{ fresh: boolean; k: Buffer | null; v: Buffer | null }>(queryable, statement, values)).rows;
    if (rows[0]?.fresh !== true) throw new StaleFenceError();
    return rows.filter((r): r is { fresh: boolean; k: Buffer; v: Buffer } => r.k !== null);
  }

  async #commit(
    writes: readonly KvWrite[],
    expectations: readonly KvExpectation[],
    options: CommitOptions,
    fence: Fence | undefined,
  ): Promise<void> {
    if (this.#closed) throw new Error('storage engine is closed');
    assertEntries(writes, 'writes');
    assertEntries(expectations, 'expectations');
    const sequence = checkedSequenceRequest(options.sequence);
    // Everything is copied now (copy() below): the driver serialises the
    // parameters later, and the caller may reuse its arrays at once.
    const batch = new WriteBatch(this.#codec);
    for (const write of writes) batch.add(write);
    const expectKeys = expectations.map((e) => copy(this.#codec.storedKey(e.key)));
    const expectValues = expectations.map((e) => (e.value === null ? null : copy(this.#codec.storedValue(e.key, e.value))));
    const fenceArgs = [fence?.key ?? null, fence?.value ?? null];
    if (sequence === undefined) {
      const [writeKeys, writeValues] = batch.columns();
      // The usual item write: one key, expected at most as itself (a blind or a conditional put or delete).
      if (writeKeys.length === 1 && expectKeys.length <= 1 && (expectKeys.length === 0 || expectKeys[0]!.equals(writeKeys[0]!))) {
        const result = await this.#query<{ failed: number }>(this.#pool, this.#sql.put, [
          ...fenceArgs,
          writeKeys[0],
          writeValues[0],
          expectKeys.length === 1,
          expectValues[0] ?? null,
        ]);
        failedCommit(result.rows[0]?.failed ?? -1);
        return;
      }
      const result = await this.#query<{ failed: number }>(this.#pool, this.#sql.commit, [...fenceArgs, expectKeys, expectValues, writeKeys, writeValues]);
      failedCommit(result.rows[0]?.failed ?? -1);
      return;
    }
    // Numbered: decided in this process's next commit group (#runGroup),
    // where the expectations are checked in JavaScript under the group's
    // locks. Every key it writes is known now, so it is locked up front.
    const [writeKeys] = batch.columns();
    const size = batch.bytes() + expectValues.reduce((n, v) => n + (v?.length ?? 0), 0);
    await this.#join<undefined>({
      fence,
      reads: expectKeys,
      locks: [...expectKeys, ...writeKeys],
      bytes: size,
      decide: (values) => {
        for (let i = 0; i < values.length; i++) {
          const expected = expectValues[i] ?? null;
          if (!sameBytes(values[i] ?? null, expected)) throw new CommitConflictError(i);
        }
        return { writes: batch, sequence, result: undefined };
      },
    });
  }

  /**
   * Decides a commit from `keys`' values while holding their locks, so the
   * decision cannot lose a race: compare-and-set's way out after a lost
   * optimistic try on a hot key (without it, N writers of one key retry
   * O(N²) times), and PITR's blind write (data/item-store
   * writeLoggedBlind), whose change-log record needs the old item. Decided
   * in this process's next commit group (#runGroup), as numbered commits
   * are: a group's keys are locked and read in one statement, and its
   * calls decided in call order, each seeing what the earlier ones wrote.
   * Keys a decision writes that the group has not locked are only tried
   * (pg_try_advisory_xact_lock: taken out of order, a wait could close a
   * cycle with a commit that holds it and wants ours); a refusal puts the
   * call, undecided and with those keys among its ordered locks, into the
   * next group, so `decide` may run more than once here.
   */
  #readAndCommit<T>(
    keys: readonly Uint8Array[],
    decide: (values: readonly (Uint8Array | undefined)[]) => CommitDecision<T>,
    fence: Fence | undefined,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('storage engine is closed'));
    try {
      keys.forEach((key, i) => assertKey(key, `keys[${i}]`));
    } catch (error) {
      return Promise.reject(error);
    }
    const copies = keys.map((key) => Uint8Array.from(key));
    const stored = copies.map((key) => copy(this.#codec.storedKey(key)));
    return this.#join<T>({
      fence,
      reads: stored,
      locks: [...stored],
      bytes: stored.reduce((n, key) => n + key.length, READ_AND_COMMIT_BYTES),
      decide: (values) => {
        const decision = decide(values.map((value, i) => (value === null ? undefined : this.#codec.valueFor(copies[i]!, bytes(value)))));
        assertEntries(decision.writes, 'writes');
        const sequence = checkedSequenceRequest(decision.options?.sequence);
        const batch = new WriteBatch(this.#codec);
        for (const write of decision.writes) batch.add(write);
        return { writes: batch, sequence, result: decision.result };
      },
    });
  }

  /** Queues a member for the next commit group; a group starts in the next turn when none is in flight. */
  #join<T>(member: Omit<GroupMember, 'resolve' | 'reject'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...member, resolve: resolve as (result: unknown) => void, reject });
      if (this.#groups === undefined) {
        this.#groups = new Promise<void>((turn) => setImmediate(turn)).then(() => this.#runGroups());
      }
    });
  }

  /**
   * Runs commit groups one after another while members are queued: classic
   * group commit. One group at a time per engine, since every group holds
   * the sequence counter's lock to its COMMIT anyway; the members that
   * arrive meanwhile all go into the next one.
   */
  async #runGroups(): Promise<void> {
    while (this.#queue.length > 0) {
      const members: GroupMember[] = [];
      let locks = 0;
      let size = 0;
      while (this.#queue.length > 0) {
        const next = this.#queue[0]!;
        const keys = next.locks.length + (next.fence === undefined ? 0 : 1);
        if (members.length > 0 && (locks + keys > MAX_GROUP_LOCKS || size + next.bytes > MAX_GROUP_BYTES)) break;
        members.push(this.#queue.shift()!);
        locks += keys;
        size += next.bytes;
      }
      let deferred: GroupMember[] = [];
      try {
        deferred = await this.#runGroup(members);
      } catch (error) {
        // #runGroup answers every member itself; this only keeps a bug from leaving callers waiting forever.
        for (const member of members) member.reject(error);
      }
      this.#queue.unshift(...deferred);
    }
    // No await between the loop's last check and this: a member queued
    // from now on starts a new run.
    this.#groups = undefined;
  }

  /**
   * One commit group: numbered commits and readAndCommit calls of this
   * process, in one transaction. BEGIN; lock every member's keys
   * (exclusively), its fence key (shared) and the sequence counter, in
   * ascending hash order, and read the keys the members decide from, the
   * fence keys and the counter (group_lock_and_read: one statement); then,
   * in JavaScript and in call order, check each member's fence and decide it
   * (a commit's expectations, a readAndCommit's decision) against those
   * values overlaid with the earlier members' writes, give it the next
   * numbers and take its writes; write the union (the last write of each
   * key winning) and the counter once; COMMIT. A member that fails (a
   * stale fence, a failed expectation, a throwing decision or
   * sequence.writes, a bad write) fails alone before anything of it is
   * taken, and takes no numbers. Every member is answered after COMMIT
   * returns; a database error fails every member of the group. Answers the
   * members to run again in the next group (see #readAndCommit).
   */
  async #runGroup(members: readonly GroupMember[]): Promise<GroupMember[]> {
    const exclusive = new Map<string, Buffer>([[COUNTER_ID, this.#counterKey]]);
    const shared = new Map<string, Buffer>();
    const readAt = new Map<string, number>();
    const readKeys: Buffer[] = [];
    const read = (key: Buffer): void => {
      const id = key.toString('latin1');
      if (!readAt.has(id)) {
        readAt.set(id, readKeys.length);
        readKeys.push(key);
      }
    };
    read(this.#counterKey);
    for (const member of members) {
      for (const key of member.locks) exclusive.set(key.toString('latin1'), key);
      for (const key of member.reads) read(key);
      if (member.fence !== undefined) {
        shared.set(member.fence.key.toString('latin1'), member.fence.key);
        read(member.fence.key);
      }
    }
    const outcomes = new Map<GroupMember, { ok: true; result: unknown } | { ok: false; error: unknown }>();
    const deferred: GroupMember[] = [];
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      await this.#query(client, 'BEGIN');
      const rows = (await this.#query<{ value: Buffer | null }>(client, this.#sql.groupLockAndRead, [[...exclusive.values()], [...shared.values()], readKeys]))
        .rows;
      // What each key holds for the member being decided: the group's earlier writes over what was read.
      const written = new WriteBatch(this.#codec);
      const current = (key: Buffer): Buffer | null => {
        const id = key.toString('latin1');
        const write = written.get(id);
        if (write !== undefined) return write.value;
        return rows[readAt.get(id)!]?.value ?? null;
      };
      let counterRead = false;
      let last: bigint | undefined;
      let numbered = false;
      for (const member of members) {
        let decided: MemberDecision;
        try {
          if (member.fence !== undefined && !sameBytes(current(member.fence.key), member.fence.value)) throw new StaleFenceError();
          decided = member.decide(member.reads.map(current));
        } catch (error) {
          outcomes.set(member, { ok: false, error });
          continue;
        }
        const missing: Buffer[] = [];
        for (const { key } of decided.writes.entries()) if (!exclusive.has(key.toString('latin1'))) missing.push(key);
        if (missing.length > 0) {
          // A database error here is the group's (the catch below), not the member's.
          const locked = await this.#query<{ ok: boolean }>(client, this.#sql.tryLock, [missing]);
          if (locked.rows[0]?.ok !== true) {
            member.locks.push(...missing);
            deferred.push(member);
            continue;
          }
          for (const key of missing) exclusive.set(key.toString('latin1'), key);
        }
        let sequenced: WriteBatch | undefined;
        const sequence = decided.sequence;
        if (sequence !== undefined) {
          try {
            if (!counterRead) {
              const stored = current(this.#counterKey);
              last = decodeSequenceCounter(stored === null ? undefined : bytes(stored));
              counterRead = true;
            }
            const first = firstSequence(last, sequence);
            const more = sequence.writes(first);
            assertEntries(more, 'sequence writes');
            sequenced = new WriteBatch(this.#codec);
            for (const write of more) sequenced.add(write);
            // Nothing after this throws: the member is taken whole.
            last = first + BigInt(sequence.count) - 1n;
            numbered = true;
          } catch (error) {
            outcomes.set(member, { ok: false, error });
            continue;
          }
        }
        written.merge(decided.writes);
        if (sequenced !== undefined) written.merge(sequenced);
        outcomes.set(member, { ok: true, result: decided.result });
      }
      if (numbered) written.add({ key: SEQUENCE_COUNTER_KEY, value: encodeSequenceCounter(last!) });
      if (written.size > 0) await this.#query(client, this.#sql.applyWrites, written.columns());
      await this.#query(client, 'COMMIT');
    } catch (error) {
      if (client !== undefined) {
        // A connection that cannot even roll back is closed, not returned to the pool.
        const rolledBack = await this.#query(client, 'ROLLBACK').then(
          () => true,
          () => false,
        );
        client.release(rolledBack ? undefined : error instanceof Error ? error : true);
        client = undefined;
      }
      for (const member of members) {
        const outcome = outcomes.get(member);
        member.reject(outcome !== undefined && !outcome.ok ? outcome.error : error);
      }
      return [];
    } finally {
      client?.release();
    }
    for (const member of members) {
      const outcome = outcomes.get(member);
      if (outcome === undefined) continue;
      if (outcome.ok) member.resolve(outcome.result);
      else member.reject(outcome.error);
    }
    return deferred;
  }

  /**
   * Runs `body` in one transaction on one pooled connection, opened with
   * `begin` (e.g. 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'):
   * committed when it resolves, rolled back when it throws, and the
   * connection always returned to the pool.
   */
  async #inTransaction<T>(begin: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await this.#query(client, begin);
      const result = await body(client);
      await this.#query(client, 'COMMIT');
      return result;
    } catch (error) {
      await this.#query(client, 'ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // The members queued before close are decided and answered first.
    await this.#groups;
    await Promise.all([this.#pool.end(), ...this.#lanes.map((lane) => lane.close())]);
  }
}

/** Where a statement can go: the pool, one of its connections (a transaction's), or a read lane. */
interface Queryable {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig | string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * One connection in pipeline mode for single-statement reads: statements
 * are written as they come, each with its own Sync, and answered in order.
 * Connects at first use; when the connection fails (the statements on it
 * then reject with the driver's error), the next statement opens a new one.
 */
class ReadLane {
  /** Statements sent and not answered yet: the engine picks the least busy lane. */
  inFlight = 0;
  #client: Promise<pg.Client> | undefined;
  #closed = false;
  #corked = false;

  constructor(private readonly config: pg.ClientConfig) {}

  async query<R extends pg.QueryResultRow>(config: pg.QueryConfig | string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    this.inFlight++;
    try {
      const client = await this.#connected();
      if (!this.#corked) {
        // The statements of every request served in this turn of the event
        // loop go out in one write (the driver's own cork per statement
        // nests inside): one system call instead of one each, and the
        // backend reads them all at once.
        const stream = client.connection.stream;
        stream.cork();
        this.#corked = true;
        setImmediate(() => {
          this.#corked = false;
          stream.uncork();
        });
      }
      return await (typeof config === 'string' ? client.query<R>(config, values) : client.query<R>(config));
    } finally {
      this.inFlight--;
    }
  }

  #connected(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('storage engine is closed'));
    if (this.#client !== undefined) return this.#client;
    const client = new pg.Client({ ...this.config, pipeline: true });
    const connecting: Promise<pg.Client> = client.connect().then(
      () => client,
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    const forget = (): void => {
      if (this.#client === connecting) this.#client = undefined;
    };
    // A lost connection emits 'error' (unhandled, it would end the process) and 'end'.
    client.on('error', forget);
    client.on('end', forget);
    // Whoever awaits it sees a failed connect; this only keeps it from being an unhandled rejection.
    connecting.catch(() => {});
    this.#client = connecting;
    return connecting;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = await this.#client?.catch(() => undefined);
    this.#client = undefined;
    await client?.end();
  }
}

/** A commit's writes in stored form, the last write of each key winning (one INSERT … ON CONFLICT may not touch a row twice). */
class WriteBatch {
  readonly #last = new Map<string, { key: Buffer; value: Buffer | null }>();
  constructor(private readonly codec: LongKeyCodec) {}

  add(write: KvWrite): void {
    const key = copy(this.codec.storedKey(write.key));
    this.#last.set(key.toString('latin1'), {
      key,
      value: write.value === null ? null : copy(this.codec.storedValue(write.key, write.value)),
    });
  }

  /** Each key's last write. */
  entries(): IterableIterator<{ key: Buffer; value: Buffer | null }> {
    return this.#last.values();
  }

  /** The last write of the key whose stored form is `id` (its latin1 string), if any. */
  get(id: string): { key: Buffer; value: Buffer | null } | undefined {
    return this.#last.get(id);
  }

  /** `other`'s writes, after this batch's (each key's last write wins). */
  merge(other: WriteBatch): void {
    for (const [id, write] of other.#last) this.#last.set(id, write);
  }

  get size(): number {
    return this.#last.size;
  }

  /** Bytes of keys and values. */
  bytes(): number {
    let n = 0;
    for (const { key, value } of this.#last.values()) n += key.length + (value?.length ?? 0);
    return n;
  }

  /** [keys, values (null = delete)], as the SQL functions take them. */
  columns(): [Buffer[], (Buffer | null)[]] {
    const keys: Buffer[] = [];
    const values: (Buffer | null)[] = [];
    for (const { key, value } of this.#last.values()) {
      keys.push(key);
      values.push(value);
    }
    return [keys, values];
  }
}

/** A named prepared statement: parsed and planned once per connection. */
interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Which range statement: the bounds it has, its direction, and whether it checks a fence. */
interface RangeShape {
  readonly reverse: boolean;
  readonly end: boolean;
  readonly limit: boolean;
  readonly after: boolean;
  readonly fenced: boolean;
}

interface Statements {
  readonly get: Statement;
  readonly fencedGet: Statement;
  readonly getMany: Statement;
  /** Parameters in order: start, end (if any), after (if any), limit (if any), then the fence key and value (if fenced). */
  range(shape: RangeShape): Statement;
  readonly commit: Statement;
  readonly put: Statement;
  readonly applyWrites: Statement;
  readonly groupLockAndRead: Statement;
  readonly tryLock: Statement;
}

function statements(schema: string): Statements {
  const kv = `${schema}.kv`;
  const named = (name: string, text: string): Statement => ({ name: `openddb_${name}`, text });
  const ranges = new Map<string, Statement>();
  const range = (shape: RangeShape): Statement => {
    const id = `range_${shape.reverse ? 'down' : 'up'}${shape.end ? '_end' : ''}${shape.after ? '_after' : ''}${shape.limit ? '_limit' : ''}${shape.fenced ? '_fenced' : ''}`;
    let statement = ranges.get(id);
    if (statement !== undefined) return statement;
    let n = 1;
    const where = [`k >= $${n++}`];
    if (shape.end) where.push(`k < $${n++}`);
    // `after` continues a page of the slow path (#rangePages), in the range's direction.
    if (shape.after) where.push(`k ${shape.reverse ? '<' : '>'} $${n++}`);
    const order = shape.reverse ? 'DESC' : 'ASC';
    let text = `SELECT k, v FROM ${kv} WHERE ${where.join(' AND ')} ORDER BY k ${order}${shape.limit ? ` LIMIT $${n++}` : ''}`;
    if (shape.fenced) {
      // Whether the fence key holds its expected value, beside every entry:
      // one snapshot, and one row (k NULL) when the range is empty.
      text =
        `SELECT f.fresh, r.k, r.v FROM (SELECT (SELECT v FROM ${kv} WHERE k = $${n}) IS NOT DISTINCT FROM $${n + 1}::bytea AS fresh) AS f ` +
        `LEFT JOIN LATERAL (${text}) AS r ON true ORDER BY r.k ${order}`;
    }
    statement = named(id, text);
    ranges.set(id, statement);
    return statement;
  };
  return {
    get: named('get', `SELECT v FROM ${kv} WHERE k = $1`),
    // The fence's check as a scalar beside the value: one row, whatever is found.
    fencedGet: named(
      'fenced_get',
      `SELECT (SELECT v FROM ${kv} WHERE k = $1) AS v, (SELECT v FROM ${kv} WHERE k = $2) IS NOT DISTINCT FROM $3::bytea AS fresh`,
    ),
    getMany: named('get_many', `SELECT k, v FROM ${kv} WHERE k = ANY($1::bytea[])`),
    range,
    // $1, $2: the fence key and value (both NULL: no fence).
    commit: named('commit', `SELECT ${schema}.fenced_commit($1::bytea, $2::bytea, $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[]) AS failed`),
    // fence key, fence value, key, value (NULL = delete), whether an expectation on the key is checked, the expected value (NULL = absent).
    put: named('put', `SELECT ${schema}.fenced_put($1::bytea, $2::bytea, $3::bytea, $4::bytea, $5::boolean, $6::bytea) AS failed`),
    applyWrites: named('apply_writes', `SELECT ${schema}.apply_writes($1::bytea[], $2::bytea[])`),
    // Keys to lock exclusively, keys to lock shared (fences), keys to read: one value per read key, in order.
    groupLockAndRead: named('group_lock_and_read', `SELECT value FROM ${schema}.group_lock_and_read($1::bytea[], $2::bytea[], $3::bytea[])`),
    // Each key's lock only if free now (see readAndCommit); locks this transaction holds already count as free.
    tryLock: named(
      'try_lock',
      `SELECT coalesce(bool_and(pg_try_advisory_xact_lock(hashtextextended(encode(key, 'base64'), 0))), true) AS ok ` +
        `FROM unnest($1::bytea[]) AS key`,
    ),
  };
}

/**
 * Creates the schema on first start; checks its version on every start. A
 * transaction-scoped advisory lock keeps two servers starting at once from
 * racing on CREATE.
 */
async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  await inTransaction(pool, 'BEGIN', async (client) => {
    const sync = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    if (sync.rows[0]?.synchronous_commit === 'off') {
      throw new Error('PostgreSQL has synchronous_commit = off: openddb acknowledges a write only once it is durable; turn it on');
    }
    // CockroachDB speaks the protocol, but its advisory locks are missing or
    // no-op stubs: commits would not be serialized (docs/postgres-family.md).
    const server = await client.query<{ version: string }>('SELECT version() AS version');
    if (/cockroachdb/i.test(server.rows[0]?.version ?? '')) {
      throw new Error("openddb's PostgreSQL engine needs PostgreSQL's advisory locks, which CockroachDB does not implement (docs/postgres-family.md)");
    }
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`openddb schema ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.meta (name text PRIMARY KEY, value bigint NOT NULL)`);
    const found = await client.query<{ value: string }>(`SELECT value FROM ${schema}.meta WHERE name = 'schema_version'`);
    const version = found.rows[0] === undefined ? undefined : Number(found.rows[0].value);
    if (version !== undefined && version > SCHEMA_VERSION) {
      throw new Error(
        `the PostgreSQL schema ${schema} was written by a newer openddb (schema version ${version}; this openddb knows ${SCHEMA_VERSION}); upgrade openddb`,
      );
    }
    if (version === undefined || version < SCHEMA_VERSION) {
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.kv (k bytea PRIMARY KEY, v bytea NOT NULL)`);
      for (const sql of commitFunctions(schema)) await client.query(sql);
      await client.query(
        `INSERT INTO ${schema}.meta (name, value) VALUES ('schema_version', $1)
         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
        [SCHEMA_VERSION],
      );
    }
  });
}

/** Runs `body` in one transaction on one pooled connection: committed when it resolves, rolled back when it throws. */
async function inTransaction<T>(pool: pg.Pool, begin: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The SQL functions. lock_and_check(expect keys, expect values (NULL =
 * absent), keys to lock) takes a transaction-scoped advisory lock on every
 * key in ascending hash order, then returns the index of the first
 * expectation that fails, or -1. apply_writes(keys, values (NULL = delete))
 * writes. commit_batch is both, as one statement and so one transaction.
 * sequenced_begin also returns the sequence counter's value, read under its
 * lock (the caller includes the counter key among the keys to lock).
 *
 * Schema version 2 added the fenced_ forms, which take a fence (key and
 * expected value; both NULL for none) first: fenced_lock_and_check takes
 * the fence key's lock SHARED in the same ascending order (a commit that
 * writes the key — a catalog change — takes it exclusively, so it waits
 * for the fenced commits under way and they for it), then answers -2 if the
 * fence key no longer holds its value. fenced_commit and
 * fenced_sequenced_begin are commit_batch and sequenced_begin over it;
 * fenced_lock_and_read(fence, keys to lock, keys to read) locks, then
 * returns the read keys' values in order (NULL = absent) for
 * readAndCommit, or one row with stale = true. The version 1 functions stay,
 * so an older openddb still running on the schema keeps working.
 *
 * Schema version 3 added fenced_put(fence key, fence value, key, value
 * (NULL = delete), expect, expected value (NULL = absent)): fenced_commit
 * for the commit nearly every item write is — one key written, expected
 * at most as itself — without arrays, the lock query's sort and the nested
 * calls: the same locks in the same order (the fence key's shared, the
 * key's exclusive, ascending by hash; one exclusive lock when they share a
 * hash, as bool_or gives there), the same checks, the same answers. About
 * half of PostgreSQL's CPU of a PutItem was fenced_commit's own work.
 *
 * Schema version 4 added lock_keys(keys to lock exclusively, keys to lock
 * shared), the one loop that takes the locks in ascending hash order (a
 * key in both lists locked exclusively), which fenced_lock_and_check now
 * calls and lock_and_check (version 1) is fenced_lock_and_check without a
 * fence; and group_lock_and_read(exclusive keys, shared keys, keys to read)
 * for commit groups (PostgresEngine #runGroup): locks, then returns the
 * read keys' values in order (NULL = absent). sequenced_begin,
 * fenced_sequenced_begin and fenced_lock_and_read stay for version 3
 * servers still running on the schema; this version no longer calls them.
 */
function commitFunctions(schema: string): string[] {
  return [
    `
CREATE OR REPLACE FUNCTION ${schema}.lock_and_check(ek bytea[], ev bytea[], lk bytea[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN ${schema}.fenced_lock_and_check(NULL, NULL, ek, ev, lk);
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.apply_writes(wk bytea[], wv bytea[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM ${schema}.kv WHERE k IN (SELECT x.k FROM unnest(wk, wv) AS x(k, v) WHERE x.v IS NULL);
  INSERT INTO ${schema}.kv (k, v) SELECT x.k, x.v FROM unnest(wk, wv) AS x(k, v) WHERE x.v IS NOT NULL
    ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.commit_batch(ek bytea[], ev bytea[], wk bytea[], wv bytea[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  failed integer;
BEGIN
  failed := ${schema}.lock_and_check(ek, ev, wk);
  IF failed >= 0 THEN RETURN failed; END IF;
  PERFORM ${schema}.apply_writes(wk, wv);
  RETURN -1;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.sequenced_begin(ek bytea[], ev bytea[], lk bytea[], ck bytea)
RETURNS TABLE (failed integer, counter bytea)
LANGUAGE plpgsql AS $fn$
BEGIN
  failed := ${schema}.lock_and_check(ek, ev, lk);
  counter := NULL;
  IF failed < 0 THEN
    SELECT v INTO counter FROM ${schema}.kv WHERE k = ck;
  END IF;
  RETURN NEXT;
END
$fn$`,
    // Every read below is a statement of its own after the locks, so its
    // snapshot (READ COMMITTED: one per statement) includes every commit
    // that held them.
    `
CREATE OR REPLACE FUNCTION ${schema}.fenced_lock_and_check(fk bytea, fv bytea, ek bytea[], ev bytea[], lk bytea[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  current_value bytea;
BEGIN
  PERFORM ${schema}.lock_keys(ek || lk, CASE WHEN fk IS NULL THEN '{}'::bytea[] ELSE ARRAY[fk] END);
  IF fk IS NOT NULL THEN
    SELECT v INTO current_value FROM ${schema}.kv WHERE k = fk;
    IF (FOUND AND (fv IS NULL OR current_value <> fv)) OR (NOT FOUND AND fv IS NOT NULL) THEN
      RETURN -2;
    END IF;
  END IF;
  FOR i IN 1 .. coalesce(array_length(ek, 1), 0) LOOP
    SELECT v INTO current_value FROM ${schema}.kv WHERE k = ek[i];
    IF ev[i] IS NULL THEN
      IF FOUND THEN RETURN i - 1; END IF;
    ELSIF NOT FOUND OR current_value <> ev[i] THEN
      RETURN i - 1;
    END IF;
  END LOOP;
  RETURN -1;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.fenced_commit(fk bytea, fv bytea, ek bytea[], ev bytea[], wk bytea[], wv bytea[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  failed integer;
BEGIN
  failed := ${schema}.fenced_lock_and_check(fk, fv, ek, ev, wk);
  IF failed <> -1 THEN RETURN failed; END IF;
  PERFORM ${schema}.apply_writes(wk, wv);
  RETURN -1;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.fenced_sequenced_begin(fk bytea, fv bytea, ek bytea[], ev bytea[], lk bytea[], ck bytea)
RETURNS TABLE (failed integer, counter bytea)
LANGUAGE plpgsql AS $fn$
BEGIN
  failed := ${schema}.fenced_lock_and_check(fk, fv, ek, ev, lk);
  counter := NULL;
  IF failed = -1 THEN
    SELECT v INTO counter FROM ${schema}.kv WHERE k = ck;
  END IF;
  RETURN NEXT;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.fenced_put(fk bytea, fv bytea, wk bytea, wv bytea, expect boolean, ev bytea) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  key_lock bigint := hashtextextended(encode(wk, 'base64'), 0);
  fence_lock bigint;
  current_value bytea;
BEGIN
  IF fk IS NULL THEN
    PERFORM pg_advisory_xact_lock(key_lock);
  ELSE
    fence_lock := hashtextextended(encode(fk, 'base64'), 0);
    IF fence_lock = key_lock THEN
      PERFORM pg_advisory_xact_lock(key_lock);
    ELSIF fence_lock < key_lock THEN
      PERFORM pg_advisory_xact_lock_shared(fence_lock);
      PERFORM pg_advisory_xact_lock(key_lock);
    ELSE
      PERFORM pg_advisory_xact_lock(key_lock);
      PERFORM pg_advisory_xact_lock_shared(fence_lock);
    END IF;
    SELECT v INTO current_value FROM ${schema}.kv WHERE k = fk;
    IF (FOUND AND (fv IS NULL OR current_value <> fv)) OR (NOT FOUND AND fv IS NOT NULL) THEN
      RETURN -2;
    END IF;
  END IF;
  IF expect THEN
    SELECT v INTO current_value FROM ${schema}.kv WHERE k = wk;
    IF ev IS NULL THEN
      IF FOUND THEN RETURN 0; END IF;
    ELSIF NOT FOUND OR current_value <> ev THEN
      RETURN 0;
    END IF;
  END IF;
  IF wv IS NULL THEN
    DELETE FROM ${schema}.kv WHERE k = wk;
  ELSE
    INSERT INTO ${schema}.kv (k, v) VALUES (wk, wv) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
  END IF;
  RETURN -1;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.fenced_lock_and_read(fk bytea, fv bytea, lk bytea[], rk bytea[]) RETURNS TABLE (stale boolean, value bytea)
LANGUAGE plpgsql AS $fn$
BEGIN
  IF ${schema}.fenced_lock_and_check(fk, fv, '{}'::bytea[], '{}'::bytea[], lk) = -2 THEN
    stale := true;
    value := NULL;
    RETURN NEXT;
    RETURN;
  END IF;
  RETURN QUERY SELECT false, kv.v FROM unnest(rk) WITH ORDINALITY AS r(k, n) LEFT JOIN ${schema}.kv AS kv ON kv.k = r.k ORDER BY r.n;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.lock_keys(xk bytea[], sk bytea[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  lock_id bigint;
  exclusive boolean;
BEGIN
  FOR lock_id, exclusive IN
    SELECT h, bool_or(x) FROM (
      SELECT hashtextextended(encode(key, 'base64'), 0) AS h, true AS x FROM unnest(xk) AS key
      UNION ALL
      SELECT hashtextextended(encode(key, 'base64'), 0), false FROM unnest(sk) AS key
    ) AS wanted GROUP BY h ORDER BY h
  LOOP
    IF exclusive THEN
      PERFORM pg_advisory_xact_lock(lock_id);
    ELSE
      PERFORM pg_advisory_xact_lock_shared(lock_id);
    END IF;
  END LOOP;
END
$fn$`,
    `
CREATE OR REPLACE FUNCTION ${schema}.group_lock_and_read(xk bytea[], sk bytea[], rk bytea[]) RETURNS TABLE (value bytea)
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM ${schema}.lock_keys(xk, sk);
  RETURN QUERY SELECT kv.v FROM unnest(rk) WITH ORDINALITY AS r(k, n) LEFT JOIN ${schema}.kv AS kv ON kv.k = r.k ORDER BY r.n;
END
$fn$`,
  ];
}

/** Rejects with StaleFenceError unless the rows (k, v) hold the fence key with its expected value (or lack it, when absent is expected). */
function checkFence(fence: Fence, rows: readonly { k: Buffer; v: Buffer }[]): void {
  const row = rows.find((r) => r.k.equals(fence.key));
  if (!sameBytes(row === undefined ? null : row.v, fence.value)) throw new StaleFenceError();
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** Throws what a commit function's answer means: -1 committed, -2 the fence tripped, else the failed expectation's index. */
function failedCommit(failed: number): void {
  if (failed === FENCE_TRIPPED) throw new StaleFenceError();
  if (failed >= 0) throw new CommitConflictError(failed);
}

function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function copy(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function toStored(row: { k: Buffer; v: Buffer }): { key: Uint8Array; value: Uint8Array } {
  return { key: bytes(row.k), value: bytes(row.v) };
}
