/**
 * @module storage/postgres-engine.test
 * The PostgreSQL engine against the shared storage contract, on a
 * throw-away cluster: as configured for real use, and with a 48-byte key
 * limit so that nearly every key takes the long-key path. Each engine the
 * suite opens gets a fresh schema. Plus what only this engine has: the
 * schema version check, two engines on one database, and commits racing
 * from many connections.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { postgresUnavailable, startPostgresCluster, type PostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { runContractSuite, type SharedAccess } from './contract.js';
import { CommitConflictError, StaleFenceError, type StorageEngine } from './engine.js';
import { openStorage } from './open-engine.js';
import { PostgresEngine, SCHEMA_VERSION } from './postgres-engine.js';

const unavailable = postgresUnavailable();
if (unavailable !== undefined && process.env.CI === 'true') {
  throw new Error(`CI must test the PostgreSQL engine, but ${unavailable}`);
}

let cluster: PostgresCluster | undefined;
let url = '';
before(async () => {
  if (unavailable !== undefined) return;
  cluster = await startPostgresCluster();
  url = cluster.createDatabase('contract');
});
after(() => cluster?.stop());

/** Where each engine under test lives, so the shared-data tests can open it again. */
const places = new WeakMap<StorageEngine, { schema: string; maxStoredKeyBytes?: number }>();

async function openAt(schema: string, maxStoredKeyBytes?: number): Promise<StorageEngine> {
  const engine = await PostgresEngine.open({
    connectionString: url,
    schema,
    poolSize: 8,
    ...(maxStoredKeyBytes === undefined ? {} : { maxStoredKeyBytes }),
  });
  places.set(engine, { schema, ...(maxStoredKeyBytes === undefined ? {} : { maxStoredKeyBytes }) });
  return engine;
}

let schemas = 0;
const fresh = (maxStoredKeyBytes?: number) => () => openAt(`t${schemas++}`, maxStoredKeyBytes);

const shared: SharedAccess = {
  openAnother: (engine) => {
    const place = places.get(engine)!;
    return openAt(place.schema, place.maxStoredKeyBytes);
  },
  childSpec: (engine) => ({ engine: 'postgres', connectionString: url, ...places.get(engine)! }),
};

if (unavailable === undefined) {
  runContractSuite('postgres', fresh(), { manyKeys: 5_000, shared });
  runContractSuite('postgres, 48-byte key limit', fresh(48), { manyKeys: 2_000, shared });
} else {
  test('storage contract: postgres', { skip: unavailable }, () => {});
}

/**
 * A schema made by this version, turned back into an older version's by
 * `downgrade` (statements on a client of its own), then opened again, which
 * migrates it: `check` runs with the engine and that client.
 */
async function migratedFrom(
  schema: string,
  downgrade: (client: pg.Client) => Promise<void>,
  check: (engine: PostgresEngine, client: pg.Client) => Promise<void>,
): Promise<void> {
  await (await PostgresEngine.open({ connectionString: url, schema })).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await downgrade(client);
    const engine = await PostgresEngine.open({ connectionString: url, schema });
    try {
      await check(engine, client);
    } finally {
      await engine.close();
    }
  } finally {
    await client.end();
  }
}

describe('postgres engine', { skip: unavailable }, () => {
  test('two engines on one schema see each other and race fairly', async () => {
    const a = await PostgresEngine.open({ connectionString: url, schema: 'shared_a', poolSize: 8 });
    const b = await PostgresEngine.open({ connectionString: url, schema: 'shared_a', poolSize: 8 });
    try {
      const key = Uint8Array.of(1, 2, 3);
      // 40 writers expect the key absent: exactly one wins.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).commit([{ key, value: Uint8Array.of(i) }], [{ key, value: null }])),
      );
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof CommitConflictError);
      // A counter incremented by compare-and-set from both engines sums exactly.
      const counter = Uint8Array.of(9);
      await a.commit([{ key: counter, value: Buffer.from('0') }]);
      const increment = async (engine: PostgresEngine): Promise<void> => {
        for (;;) {
          const current = (await engine.get(counter))!;
          const next = Buffer.from(String(Number(Buffer.from(current).toString()) + 1));
          try {
            await engine.commit([{ key: counter, value: next }], [{ key: counter, value: current }]);
            return;
          } catch (e) {
            if (!(e instanceof CommitConflictError)) throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: 100 }, (_, i) => increment(i % 2 === 0 ? a : b)));
      assert.equal(Buffer.from((await b.get(counter))!).toString(), '100');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('round trips: a get, a fenced get, a range and a fenced commit are one statement each; the count is exposed', async () => {
    const engine = await PostgresEngine.open({ connectionString: url, schema: 'trips', poolSize: 4 });
    try {
      const fence = Uint8Array.of(0, 5);
      await engine.commit([
        { key: fence, value: Uint8Array.of(1) },
        { key: Uint8Array.of(7), value: Uint8Array.of(7) },
      ]);
      const view = engine.fenced(fence, Uint8Array.of(1));
      const trips = async (work: () => Promise<unknown>): Promise<number> => {
        const before = engine.roundTrips();
        await work();
        return engine.roundTrips() - before;
      };
      assert.equal(await trips(() => engine.get(Uint8Array.of(7))), 1);
      assert.equal(await trips(() => view.get(Uint8Array.of(7))), 1);
      assert.equal(await trips(() => view.range(Uint8Array.of(7), Uint8Array.of(8))), 1);
      assert.equal(await trips(() => view.commit([{ key: Uint8Array.of(8), value: Uint8Array.of(8) }])), 1);
      assert.equal(await trips(() => view.commit([{ key: Uint8Array.of(8), value: Uint8Array.of(9) }], [{ key: Uint8Array.of(8), value: Uint8Array.of(8) }])), 1);
      // A decision under the read keys' locks writing only those keys: BEGIN, lock and read, write, COMMIT.
      assert.equal(await trips(() => engine.readAndCommit([Uint8Array.of(8)], () => ({ writes: [{ key: Uint8Array.of(8), value: Uint8Array.of(1) }], result: 0 }))), 4);
    } finally {
      await engine.close();
    }
  });

  for (const poolSize of [1, 8]) {
    test(`pool size ${poolSize}: reads of many requests at once share the pipelined read lanes, each answered with its own rows`, async () => {
      const engine = await PostgresEngine.open({ connectionString: url, schema: `lanes_${poolSize}`, poolSize });
      try {
        const fence = Uint8Array.of(0, 9);
        const key = (i: number) => Buffer.from(`p${String(i % 50).padStart(2, '0')}/${String(i).padStart(4, '0')}`);
        await engine.commit([{ key: fence, value: Uint8Array.of(3) }, ...Array.from({ length: 500 }, (_, i) => ({ key: key(i), value: Buffer.from(String(i)) }))]);
        const fresh = engine.fenced(fence, Uint8Array.of(3));
        const stale = engine.fenced(fence, Uint8Array.of(2));
        // Gets, fenced gets, ranges and stale fences interleaved, all in flight together.
        const checks = Array.from({ length: 600 }, async (_, i) => {
          const n = i % 500;
          switch (i % 5) {
            case 0:
              return assert.equal(Buffer.from((await engine.get(key(n)))!).toString(), String(n));
            case 1:
              return assert.equal(Buffer.from((await fresh.get(key(n)))!).toString(), String(n));
            case 2:
              return assert.equal(await fresh.get(Buffer.from(`absent${i}`)), undefined);
            case 3: {
              const p = Buffer.from(`p${String(n % 50).padStart(2, '0')}/`);
              const rows = await (i % 2 === 0 ? fresh : engine).range(p, Buffer.concat([p, Buffer.of(0xff)]), { limit: 4, reverse: i % 3 === 0 });
              const expected = Array.from({ length: 10 }, (_, j) => key((n % 50) + 50 * j).toString());
              if (i % 3 === 0) expected.reverse();
              return assert.deepEqual(rows.map((r) => Buffer.from(r.key).toString()), expected.slice(0, 4));
            }
            default:
              return assert.rejects(i % 2 === 0 ? stale.get(key(n)) : stale.range(key(0), key(499)), StaleFenceError);
          }
        });
        await Promise.all(checks);
      } finally {
        await engine.close();
      }
    });
  }

  test('readAndCommit writing keys another commit holds: tries, and when refused takes them in order in the next group, and lands', async () => {
    const engine = await PostgresEngine.open({ connectionString: url, schema: 'relock', poolSize: 8 });
    try {
      const hot = Uint8Array.of(1);
      const others = Array.from({ length: 6 }, (_, i) => Uint8Array.of(2, i));
      // Each decision writes the hot key and one other key that plain commits write meanwhile.
      const deciders = Array.from({ length: 30 }, (_, i) =>
        engine.readAndCommit([hot], (values) => {
          const n = values[0] === undefined ? 0 : values[0][0]!;
          return { writes: [{ key: hot, value: Uint8Array.of(n + 1) }, { key: others[i % others.length]!, value: Uint8Array.of(i) }], result: n };
        }),
      );
      const writers = Array.from({ length: 60 }, (_, i) => engine.commit([{ key: others[i % others.length]!, value: Uint8Array.of(100 + (i % 100)) }]));
      const seen = await Promise.all(deciders);
      await Promise.all(writers);
      // Every decision saw a distinct count: none lost to another.
      assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i));
      assert.equal((await engine.get(hot))?.[0], 30);
    } finally {
      await engine.close();
    }
  });

  test('a schema written by a newer openddb is refused', async () => {
    const engine = await PostgresEngine.open({ connectionString: url, schema: 'future' });
    await engine.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`UPDATE future.meta SET value = $1 WHERE name = 'schema_version'`, [SCHEMA_VERSION + 1]);
    } finally {
      await client.end();
    }
    await assert.rejects(PostgresEngine.open({ connectionString: url, schema: 'future' }), /written by a newer openddb/);
  });

  test('a version 2 schema is migrated (fenced_put and later), and version 2 servers on it keep working', async () => {
    // Version 2 as it was: no fenced_put, the version row saying 2.
    await migratedFrom(
      'from_v2',
      async (client) => {
        await client.query('DROP FUNCTION from_v2.fenced_put(bytea, bytea, bytea, bytea, boolean, bytea)');
        await client.query(`UPDATE from_v2.meta SET value = 2 WHERE name = 'schema_version'`);
        await client.query(`INSERT INTO from_v2.kv (k, v) VALUES ('\\x01', '\\x0a')`);
      },
      async (engine, client) => {
        const version = await client.query<{ value: string }>(`SELECT value FROM from_v2.meta WHERE name = 'schema_version'`);
        assert.equal(Number(version.rows[0]!.value), SCHEMA_VERSION);
        // Data kept; single-key writes (fenced_put) and many-key writes (fenced_commit) work, fenced or not.
        assert.deepEqual([...((await engine.get(Uint8Array.of(1))) ?? [])], [0x0a]);
        const view = engine.fenced(Uint8Array.of(1), Uint8Array.of(0x0a));
        await view.commit([{ key: Uint8Array.of(2), value: Uint8Array.of(0x0b) }]);
        await engine.commit([{ key: Uint8Array.of(2), value: Uint8Array.of(0x0c) }], [{ key: Uint8Array.of(2), value: Uint8Array.of(0x0b) }]);
        await assert.rejects(engine.commit([{ key: Uint8Array.of(2), value: null }], [{ key: Uint8Array.of(2), value: Uint8Array.of(0x0b) }]), CommitConflictError);
        await assert.rejects(engine.fenced(Uint8Array.of(1), Uint8Array.of(9)).commit([{ key: Uint8Array.of(3), value: Uint8Array.of(1) }]), StaleFenceError);
        await engine.commit([
          { key: Uint8Array.of(3), value: Uint8Array.of(0x0d) },
          { key: Uint8Array.of(4), value: Uint8Array.of(0x0e) },
        ]);
        assert.deepEqual((await engine.getMany([2, 3, 4].map((b) => Uint8Array.of(b)))).map((v) => v?.[0]), [0x0c, 0x0d, 0x0e]);
        // A version 2 server's commit (fenced_commit, still there) lands on the migrated schema.
        const old = await client.query<{ failed: number }>(
          `SELECT from_v2.fenced_commit($1, $2, '{}'::bytea[], '{}'::bytea[], $3::bytea[], $4::bytea[]) AS failed`,
          [Buffer.of(1), Buffer.of(0x0a), [Buffer.of(5)], [Buffer.of(0x0f)]],
        );
        assert.equal(old.rows[0]!.failed, -1);
        assert.deepEqual([...((await engine.get(Uint8Array.of(5))) ?? [])], [0x0f]);
      },
    );
  });

  test('a version 3 schema is migrated to version 4 (commit groups), and version 3 servers on it keep working', async () => {
    await migratedFrom(
      'from_v3',
      async (client) => {
        // Version 3 as it was: no lock_keys or group_lock_and_read, and the lock loop inline in fenced_lock_and_check.
        await client.query('DROP FUNCTION from_v3.group_lock_and_read(bytea[], bytea[], bytea[])');
        await client.query('DROP FUNCTION from_v3.lock_keys(bytea[], bytea[])');
        await client.query(`UPDATE from_v3.meta SET value = 3 WHERE name = 'schema_version'`);
      },
      async (engine, client) => {
        const version = await client.query<{ value: string }>(`SELECT value FROM from_v3.meta WHERE name = 'schema_version'`);
        assert.equal(Number(version.rows[0]!.value), 4);
        assert.equal(SCHEMA_VERSION, 4);
        let issued: bigint | undefined;
        await engine.commit([{ key: Uint8Array.of(1), value: Uint8Array.of(1) }], [], { sequence: { count: 1, floor: 40n, writes: (first) => ((issued = first), []) } });
        assert.equal(issued, 40n);
        // A version 3 server's numbered commit (fenced_sequenced_begin, then apply_writes, in one transaction) on the migrated schema.
        await client.query('BEGIN');
        const begun = await client.query<{ failed: number; counter: Buffer }>(
          `SELECT failed, counter FROM from_v3.fenced_sequenced_begin(NULL, NULL, $1::bytea[], $2::bytea[], $3::bytea[], $4::bytea)`,
          [[Buffer.of(1)], [Buffer.of(1)], [Buffer.of(2), Buffer.of(0, 0, 1)], Buffer.of(0, 0, 1)],
        );
        assert.equal(begun.rows[0]!.failed, -1);
        assert.equal(begun.rows[0]!.counter.readBigUInt64BE(0), 40n);
        const counter = Buffer.alloc(8);
        counter.writeBigUInt64BE(41n);
        await client.query(`SELECT from_v3.apply_writes($1::bytea[], $2::bytea[])`, [[Buffer.of(2), Buffer.of(0, 0, 1)], [Buffer.of(2), counter]]);
        await client.query('COMMIT');
        // Its expectation failing, and its lock_and_check (version 1) on the one loop.
        const failed = await client.query<{ failed: number }>(`SELECT from_v3.commit_batch($1::bytea[], $2::bytea[], '{}'::bytea[], '{}'::bytea[]) AS failed`, [
          [Buffer.of(1)],
          [Buffer.of(9)],
        ]);
        assert.equal(failed.rows[0]!.failed, 0);
        await engine.commit([], [], { sequence: { count: 1, floor: 0n, writes: (first) => ((issued = first), []) } });
        assert.equal(issued, 42n);
        assert.deepEqual([...((await engine.get(Uint8Array.of(2))) ?? [])], [2]);
      },
    );
  });

  test('numbered commits of one turn share one transaction: BEGIN, one lock and read, one write, COMMIT', async () => {
    const engine = await PostgresEngine.open({ connectionString: url, schema: 'grouped', poolSize: 4 });
    try {
      await engine.commit([], [], { sequence: { count: 1, floor: 0n, writes: () => [] } });
      const before = engine.roundTrips();
      const numbered = (i: number) =>
        engine.commit([{ key: Uint8Array.of(1, i), value: Uint8Array.of(i) }], i % 3 === 0 ? [{ key: Uint8Array.of(2), value: Uint8Array.of(1) }] : [], {
          sequence: { count: 1, floor: 0n, writes: (first) => [{ key: Uint8Array.of(3, Number(first)), value: Uint8Array.of(i) }] },
        });
      const members: Promise<unknown>[] = Array.from({ length: 30 }, (_, i) => numbered(i));
      const decided = engine.readAndCommit([Uint8Array.of(1, 1)], (values) => ({
        writes: [{ key: Uint8Array.of(1, 1), value: Uint8Array.of(values[0]![0]! + 100) }],
        options: { sequence: { count: 1, floor: 0n, writes: () => [] } },
        result: values[0]![0],
      }));
      const outcomes = await Promise.allSettled([...members, decided]);
      assert.equal(engine.roundTrips() - before, 4);
      // Every third expected a key that is absent; the readAndCommit call saw the write made before it in the group.
      outcomes.forEach((o, i) => assert.equal(o.status, i < 30 && i % 3 === 0 ? 'rejected' : 'fulfilled', `member ${i}: ${o.status === 'rejected' ? String(o.reason) : ''}`));
      assert.equal((outcomes[30] as PromiseFulfilledResult<unknown>).value, 1);
      assert.deepEqual([...((await engine.get(Uint8Array.of(1, 1))) ?? [])], [101]);
    } finally {
      await engine.close();
    }
  });

  test('a database error fails every member of its group, acknowledging none; the next group works', async () => {
    const engine = await PostgresEngine.open({ connectionString: url, schema: 'group_error', poolSize: 4 });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await engine.commit([], [], { sequence: { count: 1, floor: 0n, writes: () => [] } });
      // The counter row refuses any new value: the group's write fails in the database, after every member was decided.
      await client.query(`ALTER TABLE group_error.kv ADD CONSTRAINT frozen CHECK (k <> '\\x000001'::bytea OR v = '\\x0000000000000000'::bytea)`);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          engine.commit([{ key: Uint8Array.of(7, i), value: Uint8Array.of(i) }], i === 2 ? [{ key: Uint8Array.of(8), value: Uint8Array.of(1) }] : [], {
            sequence: { count: 1, floor: 0n, writes: () => [] },
          }),
        ),
      );
      outcomes.forEach((o, i) => {
        assert.equal(o.status, 'rejected', `member ${i}`);
        const reason = (o as PromiseRejectedResult).reason as unknown;
        // The member whose expectation failed keeps its own answer.
        if (i === 2) assert.ok(reason instanceof CommitConflictError);
        else assert.match(String(reason), /frozen/);
      });
      assert.deepEqual(await engine.getMany(Array.from({ length: 5 }, (_, i) => Uint8Array.of(7, i))), Array.from({ length: 5 }, () => undefined));
      await client.query('ALTER TABLE group_error.kv DROP CONSTRAINT frozen');
      await engine.commit([{ key: Uint8Array.of(7, 9), value: Uint8Array.of(9) }], [], { sequence: { count: 1, floor: 0n, writes: () => [] } });
      assert.deepEqual([...((await engine.get(Uint8Array.of(7, 9))) ?? [])], [9]);
    } finally {
      await client.end();
      await engine.close();
    }
  });

  test('openStorage opens it from a postgres:// location, ?schema= choosing the schema', async () => {
    const first = await openStorage(`${url}?schema=by_url`);
    try {
      assert.equal(first.capabilities.sharedAcrossProcesses, true);
      await first.commit([{ key: Uint8Array.of(5), value: Uint8Array.of(6) }]);
    } finally {
      await first.close();
    }
    const again = await PostgresEngine.open({ connectionString: url, schema: 'by_url' });
    try {
      assert.deepEqual([...((await again.get(Uint8Array.of(5))) ?? [])], [6]);
    } finally {
      await again.close();
    }
  });

  test('a PostgreSQL restart under load: in-flight commits and reads fail or succeed, none hangs, acknowledged ones survive, the pool and the read lanes reconnect', async () => {
    const engine = await PostgresEngine.open({ connectionString: url, schema: 'restart', poolSize: 8 });
    try {
      const acknowledged: number[] = [];
      let failed = 0;
      let stop = false;
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const n = w * 1_000_000 + i;
          try {
            await engine.commit([{ key: Buffer.from(`k${n}`), value: Buffer.from(String(n)) }]);
            acknowledged.push(n);
          } catch {
            failed++;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      };
      // Readers keep the pipelined read lanes busy (a read a reader gets is one some writer acknowledged).
      let reads = 0;
      const reader = async (): Promise<void> => {
        while (!stop) {
          try {
            const [k] = await engine.range(Buffer.from('k'), Buffer.from('l'), { limit: 10 });
            if (k !== undefined) assert.ok((await engine.get(k.key)) !== undefined);
            reads++;
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      };
      const writers = [...Array.from({ length: 8 }, (_, w) => writer(w)), ...Array.from({ length: 4 }, reader)];
      await new Promise((resolve) => setTimeout(resolve, 300));
      cluster!.restart();
      await new Promise((resolve) => setTimeout(resolve, 500));
      stop = true;
      await Promise.all(writers);
      assert.ok(failed > 0, 'the restart failed no request: it did not happen under load');
      assert.ok(reads > 0);
      // Nothing acknowledged was lost (the restart skipped the checkpoint: WAL replay).
      const values = await engine.getMany(acknowledged.map((n) => Buffer.from(`k${n}`)));
      assert.equal(values.filter((v) => v === undefined).length, 0);
      // And the engine works again.
      await engine.commit([{ key: Buffer.from('after'), value: Buffer.from('1') }]);
      assert.equal(Buffer.from((await engine.get(Buffer.from('after')))!).toString(), '1');
    } finally {
      await engine.close();
    }
  });

  test('a bad schema name is refused before anything is sent', async () => {
    await assert.rejects(PostgresEngine.open({ connectionString: url, schema: 'x; DROP TABLE y' }), /invalid PostgreSQL schema name/);
  });
});
