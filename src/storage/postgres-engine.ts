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
 *   snapshot even under READ COMMITTED, and costs one round trip.
 * - commit is one call of the `commit_batch` function, one round trip and
 *   one transaction: it takes a transaction-scoped advisory lock on a hash of
 *   every key it expects or writes, in ascending order (so two commits never
 *   wait on each other in a cycle), then checks the expectations and writes.
 *   The locks live in the database server, not in a process, so commits from
 *   any number of servers are serialized per key; an expectation that a key
 *   is absent needs them because there is no row to lock. A commit that
 *   writes without expectations takes the locks too, so it cannot slip
 *   between another commit's check and its write.
 * - A commit that asks for sequence numbers (CommitOptions.sequence) is an
 *   explicit transaction instead: it also locks the counter key
 *   (SEQUENCE_COUNTER_KEY, in kv like every key), reads it, lets the caller
 *   build its writes from the numbers, and writes everything with the new
 *   counter. The counter's lock is held until COMMIT, so a commit that
 *   becomes visible later always holds larger numbers.
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
import { CommitConflictError, SEQUENCE_COUNTER_KEY } from './engine.js';
import type {
  CommitOptions,
  EngineCapabilities,
  KvEntry,
  KvExpectation,
  KvWrite,
  RangeOptions,
  StorageEngine,
  StorageSnapshot,
} from './engine.js';
import { LongKeyCodec } from './long-key-codec.js';
import { checkedSequenceRequest, decodeSequenceCounter, encodeSequenceCounter, firstSequence } from './sequence-counter.js';

/** Longest key stored as itself: under the btree entry limit (~2,700 bytes) with room for the row header. */
export const MAX_STORED_KEY = 2_000;

/** Bump on any incompatible change of the tables or functions below; a newer openddb migrates or refuses. */
export const SCHEMA_VERSION = 1;

export interface PostgresEngineOptions {
  /** A libpq connection string (`postgres://user:pass@host:5432/db`); PG* environment variables fill the rest. */
  readonly connectionString?: string;
  /** The PostgreSQL schema that holds openddb's tables (default `openddb`). */
  readonly schema?: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Stored-key limit; tests lower it to exercise long keys. */
  readonly maxStoredKeyBytes?: number;
}

/** A schema name we can splice into SQL: lower-case letters, digits and underscores. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresEngine implements StorageEngine {
  readonly capabilities: EngineCapabilities = { durable: true, sharedAcrossProcesses: true };
  readonly #pool: pg.Pool;
  readonly #codec: LongKeyCodec;
  readonly #sql: Statements;
  #closed = false;

  private constructor(pool: pg.Pool, codec: LongKeyCodec, sql: Statements) {
    this.#pool = pool;
    this.#codec = codec;
    this.#sql = sql;
  }

  static async open(options: PostgresEngineOptions = {}): Promise<PostgresEngine> {
    const schema = options.schema ?? 'openddb';
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
    const pool = new pg.Pool({
      ...(options.connectionString === undefined ? {} : { connectionString: options.connectionString }),
      max: options.poolSize ?? 10,
    });
    // An idle client that loses its connection emits 'error' on the pool;
    // unhandled, that would end the process. The next query reconnects.
    pool.on('error', () => {});
    try {
      await migrate(pool, schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresEngine(pool, new LongKeyCodec(options.maxStoredKeyBytes ?? MAX_STORED_KEY), statements(schema));
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    assertKey(key, 'key');
    const result = await this.#pool.query<{ v: Buffer }>(this.#sql.get, [buf(this.#codec.storedKey(key))]);
    const row = result.rows[0];
    return row === undefined ? undefined : this.#codec.valueFor(key, bytes(row.v));
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    keys.forEach((key, i) => assertKey(key, `keys[${i}]`));
    if (keys.length === 0) return [];
    const stored = keys.map((key) => buf(this.#codec.storedKey(key)));
    const result = await this.#pool.query<{ k: Buffer; v: Buffer }>(this.#sql.getMany, [stored]);
    const found = new Map<string, Uint8Array>();
    for (const row of result.rows) found.set(row.k.toString('latin1'), bytes(row.v));
    return keys.map((key, i) => {
      const value = found.get(stored[i]!.toString('latin1'));
      return value === undefined ? undefined : this.#codec.valueFor(key, value);
    });
  }

  async range(start: Uint8Array, end: Uint8Array, options: RangeOptions = {}): Promise<KvEntry[]> {
    return this.#range(undefined, start, end, options);
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
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query('SELECT 1');
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
        const result = await live().query<{ v: Buffer }>(this.#sql.get, [buf(this.#codec.storedKey(key))]);
        const row = result.rows[0];
        return row === undefined ? undefined : this.#codec.valueFor(key, bytes(row.v));
      },
      range: async (start, end, options = {}) => this.#range(live(), start, end, options),
      release: async () => {
        if (!open) return;
        open = false;
        try {
          await client.query('COMMIT');
          client.release();
        } catch (error) {
          client.release(error instanceof Error ? error : true);
        }
      },
    };
  }

  /** A range read by the pool (one statement, one snapshot) or within a snapshot's transaction. */
  async #range(client: pg.PoolClient | undefined, start: Uint8Array, end: Uint8Array, options: RangeOptions): Promise<KvEntry[]> {
    if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) {
      throw new TypeError('range bounds must be Uint8Arrays');
    }
    const reverse = options.reverse ?? false;
    const limit = checkedLimit(options.limit);
    if (limit <= 0 || compareBytes(start, end) >= 0) return [];
    const bounds = this.#codec.storedBounds(start, end);
    const lo = buf(bounds.start ?? new Uint8Array(0));
    const hi = bounds.end === undefined ? null : buf(bounds.end);
    const longBound = start.length > this.#codec.inlineLimit || end.length > this.#codec.inlineLimit;
    if (!longBound) {
      // The usual case: one statement. Only a run of long keys sharing one
      // stored prefix at the page's end could be cut short by LIMIT, and a
      // cut group would sort wrongly, so then the slow path reads it whole.
      const rows = await this.#rangeRows(client ?? this.#pool, lo, hi, reverse, limit, null);
      const last = rows[rows.length - 1];
      if (rows.length < limit || last === undefined || last.k.length <= this.#codec.inlineLimit) {
        return this.#codec.collectRange(rows.map(toStored), start, end, reverse, limit);
      }
    }
    if (client !== undefined) return this.#rangePages(client, lo, hi, start, end, reverse, limit);
    return inTransaction(this.#pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (c) =>
      this.#rangePages(c, lo, hi, start, end, reverse, limit),
    );
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
  ): Promise<KvEntry[]> {
    const all: { key: Uint8Array; value: Uint8Array }[] = [];
    const page = Number.isFinite(limit) ? Math.max(limit, 256) : Number.POSITIVE_INFINITY;
    let after: Buffer | null = null;
    for (;;) {
      const rows = await this.#rangeRows(client, lo, hi, reverse, page, after);
      for (const row of rows) all.push(toStored(row));
      const last = rows[rows.length - 1];
      if (rows.length < page || last === undefined) return this.#codec.collectRange(all, start, end, reverse, limit);
      after = last.k;
      const collected = this.#codec.collectRange(all, start, end, reverse, limit);
      if (collected.length >= limit && last.k.length <= this.#codec.inlineLimit) return collected;
    }
  }

  #rangeRows(
    queryable: pg.Pool | pg.PoolClient,
    lo: Buffer,
    hi: Buffer | null,
    reverse: boolean,
    limit: number,
    after: Buffer | null,
  ): Promise<{ k: Buffer; v: Buffer }[]> {
    const text = reverse ? this.#sql.rangeDown : this.#sql.rangeUp;
    const values = [lo, hi, Number.isFinite(limit) ? limit : null, after];
    return queryable.query<{ k: Buffer; v: Buffer }>(text, values).then((r) => r.rows);
  }

  async commit(
    writes: readonly KvWrite[],
    expectations: readonly KvExpectation[] = [],
    options: CommitOptions = {},
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
    if (sequence === undefined) {
      const result = await this.#pool.query<{ failed: number }>(this.#sql.commit, [expectKeys, expectValues, ...batch.columns()]);
      const failed = result.rows[0]?.failed ?? -1;
      if (failed >= 0) throw new CommitConflictError(failed);
      return;
    }
    const counterKey = copy(SEQUENCE_COUNTER_KEY);
    await inTransaction(this.#pool, 'BEGIN', async (client) => {
      const begun = await client.query<{ failed: number; counter: Buffer | null }>(this.#sql.sequencedBegin, [
        expectKeys,
        expectValues,
        [...batch.columns()[0], counterKey],
        counterKey,
      ]);
      const failed = begun.rows[0]?.failed ?? -1;
      if (failed >= 0) throw new CommitConflictError(failed);
      const counter = begun.rows[0]?.counter;
      const first = firstSequence(decodeSequenceCounter(counter == null ? undefined : bytes(counter)), sequence);
      const more = sequence.writes(first);
      assertEntries(more, 'sequence writes');
      for (const write of more) batch.add(write);
      batch.add({ key: SEQUENCE_COUNTER_KEY, value: encodeSequenceCounter(first + BigInt(sequence.count) - 1n) });
      await client.query(this.#sql.applyWrites, batch.columns());
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
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

interface Statements {
  readonly get: string;
  readonly getMany: string;
  readonly rangeUp: string;
  readonly rangeDown: string;
  readonly commit: string;
  readonly sequencedBegin: string;
  readonly applyWrites: string;
}

function statements(schema: string): Statements {
  const kv = `${schema}.kv`;
  return {
    get: `SELECT v FROM ${kv} WHERE k = $1`,
    getMany: `SELECT k, v FROM ${kv} WHERE k = ANY($1::bytea[])`,
    // $3 NULL = no limit; $4 continues after a key (the slow path's pages).
    rangeUp:
      `SELECT k, v FROM ${kv} WHERE k >= $1 AND ($2::bytea IS NULL OR k < $2) AND ($4::bytea IS NULL OR k > $4) ` +
      `ORDER BY k LIMIT $3`,
    rangeDown:
      `SELECT k, v FROM ${kv} WHERE k >= $1 AND ($2::bytea IS NULL OR k < $2) AND ($4::bytea IS NULL OR k < $4) ` +
      `ORDER BY k DESC LIMIT $3`,
    commit: `SELECT ${schema}.commit_batch($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[]) AS failed`,
    sequencedBegin: `SELECT failed, counter FROM ${schema}.sequenced_begin($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea)`,
    applyWrites: `SELECT ${schema}.apply_writes($1::bytea[], $2::bytea[])`,
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

/**
 * Runs `body` in one transaction on one pooled connection, opened with
 * `begin` (e.g. 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'):
 * committed when it resolves, rolled back when it throws, and the
 * connection always returned to the pool.
 */
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
 */
function commitFunctions(schema: string): string[] {
  return [
    `
CREATE OR REPLACE FUNCTION ${schema}.lock_and_check(ek bytea[], ev bytea[], lk bytea[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  lock_id bigint;
  current_value bytea;
BEGIN
  FOR lock_id IN
    SELECT DISTINCT hashtextextended(encode(key, 'base64'), 0) AS h FROM unnest(ek || lk) AS key ORDER BY h
  LOOP
    PERFORM pg_advisory_xact_lock(lock_id);
  END LOOP;
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
  ];
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
