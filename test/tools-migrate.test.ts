/**
 * Black-box tests of `openddb migrate`, `dump` and `load`: real sources
 * made by the test (a throw-away PostgreSQL, a SQLite file, CSV and JSON
 * Lines files, the committed Parquet fixture, another openddb endpoint)
 * copied into a real server, the items read back with the SDK; an
 * interrupted copy resumed from its checkpoint; a dump loaded elsewhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchWriteItemCommand, CreateTableCommand, GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pg from 'pg';
import { client, startServerProcess, tempDir, variantPass, type ServerProcess } from './helpers/server-process.js';
import { scanPages } from './helpers/paging.js';
import { postgresUnavailable, startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { runCli, startCli } from './helpers/run-cli.js';
import { defineTable } from './helpers/tables.js';

const here = dirname(fileURLToPath(import.meta.url));
const PARQUET = join(here, '..', '..', 'test', 'fixtures', 'parquet', 'people.parquet');
const PARQUET_GZIP = join(here, '..', '..', 'test', 'fixtures', 'parquet', 'people-gzip.parquet');

async function scanAll(ddb: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  return (await scanPages(ddb, { TableName: table })).flatMap((page) => page.Items ?? []);
}

async function getItem(ddb: DynamoDBClient, table: string, key: Record<string, AttributeValue>) {
  return (await ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

describe('openddb migrate', { skip: variantPass() }, () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  const dir = tempDir('openddb-tools-migrate-');
  const migrate = (...args: string[]) => runCli(['migrate', ...args, '--endpoint', server.url, '--progress', 'none']);

  before(async () => {
    server = await startServerProcess();
    ddb = client(server.url);
  });
  after(async () => {
    ddb?.destroy();
    await server?.stop();
    dir.remove();
  });

  it('CSV: inferred types, renamed columns, a numeric key from text, empty fields left out', async () => {
    const file = join(dir.path, 'products.csv');
    writeFileSync(file, 'sku,title,price,stock,zip\n100,"Chair, oak",12.50,3,02134\n101,Lamp,99999999999999999999.99,,\n102,Desk,7,true,x\n');
    const r = await migrate('--from', file, '--to', 'products', '--create', '--hash-key', 'sku:N', '--infer-types', '--rename', 'title=name');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /copied CSV file .* → products: 3 source rows, 3 items written, 0 skipped/);
    assert.match(r.stdout, /verified: 3 rows read = 3 written \+ 0 skipped/);
    assert.deepEqual(await getItem(ddb, 'products', { sku: { N: '101' } }), { sku: { N: '101' }, name: { S: 'Lamp' }, price: { N: '99999999999999999999.99' } });
    assert.deepEqual(await getItem(ddb, 'products', { sku: { N: '100' } }), {
      sku: { N: '100' },
      name: { S: 'Chair, oak' },
      price: { N: '12.5' },
      stock: { N: '3' },
      zip: { S: '02134' },
    });
    assert.deepEqual((await getItem(ddb, 'products', { sku: { N: '102' } }))!.stock, { BOOL: true });
  });

  it('JSON Lines: numbers exact, objects to maps, --nulls null, --column-type', async () => {
    const file = join(dir.path, 'events.jsonl');
    writeFileSync(file, '{"id":"e1","amount":0.1000000000000000055511151231257827,"meta":{"tags":["a",2],"none":null},"at":"2024-01-02"}\n\n{"id":"e2","amount":12345678901234567890123,"gone":null,"n":"42"}\n');
    const r = await migrate('--from', file, '--to', 'events', '--create', '--hash-key', 'id', '--nulls', 'null', '--column-type', 'n=N');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await getItem(ddb, 'events', { id: { S: 'e1' } }), {
      id: { S: 'e1' },
      amount: { N: '0.1000000000000000055511151231257827' },
      meta: { M: { tags: { L: [{ S: 'a' }, { N: '2' }] }, none: { NULL: true } } },
      at: { S: '2024-01-02' },
    });
    assert.deepEqual(await getItem(ddb, 'events', { id: { S: 'e2' } }), { id: { S: 'e2' }, amount: { N: '12345678901234567890123' }, gone: { NULL: true }, n: { N: '42' } });
  });

  it('SQLite: 64-bit integers exact, JSON and BOOLEAN columns by declared type, BLOBs, timestamps as epoch, a query', async () => {
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const file = join(dir.path, 'app.db');
    const db = new Database(file);
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, profile JSON, admin BOOLEAN, joined DATETIME, avatar BLOB, balance INTEGER, score REAL)');
    const insert = db.prepare('INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let i = 1; i <= 60; i++) insert.run(i, `u${i}@example.com`, JSON.stringify({ plan: i % 2 ? 'pro' : 'free', limits: [i, 1.5] }), i % 3 === 0 ? 1 : 0, '2024-01-02 03:04:05', Buffer.from([i, 0]), 9007199254740993n, i / 4);
    db.close();
    const r = await migrate('--from', `sqlite:${file}`, '--table', 'users', '--to', 'users', '--create', '--hash-key', 'id:N', '--timestamps', 'epoch');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verified: source count 60 = 60 rows read = 60 written \+ 0 skipped/);
    assert.deepEqual(await getItem(ddb, 'users', { id: { N: '3' } }), {
      id: { N: '3' },
      email: { S: 'u3@example.com' },
      profile: { M: { plan: { S: 'pro' }, limits: { L: [{ N: '3' }, { N: '1.5' }] } } },
      admin: { BOOL: true },
      joined: { N: '1704164645' },
      avatar: { B: new Uint8Array([3, 0]) },
      balance: { N: '9007199254740993' },
      score: { N: '0.75' },
    });
    assert.equal((await scanAll(ddb, 'users')).length, 60);
    const q = await migrate('--from', file, '--query', 'SELECT id AS user, email FROM users WHERE admin = 1', '--to', 'admins', '--create', '--hash-key', 'user:N');
    assert.equal(q.code, 0, q.stderr);
    assert.equal((await scanAll(ddb, 'admins')).length, 20);
  });

  it('Parquet: INT64 beyond 2^53 exact, microsecond timestamps kept, NULLs left out; compressed pages', async () => {
    const r = await migrate('--from', PARQUET, '--to', 'people', '--create', '--hash-key', 'id:N');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verified: source count 5 = 5 rows read/);
    assert.deepEqual(await getItem(ddb, 'people', { id: { N: '1' } }), {
      id: { N: '1' },
      name: { S: 'Ada' },
      score: { N: '9.5' },
      active: { BOOL: true },
      created: { S: '2024-01-02T03:04:05.123456Z' },
      big: { N: '4611686018427387905' },
    });
    const three = await getItem(ddb, 'people', { id: { N: '3' } });
    assert.equal(three!.name, undefined);
    assert.deepEqual(three!.created, { S: '1970-01-01T00:00:00.000000Z' });
    // The same rows GZIP-compressed (DuckDB, Spark and pandas write compressed pages).
    const gz = await migrate('--from', PARQUET_GZIP, '--to', 'people-gz', '--create', '--hash-key', 'id:N');
    assert.equal(gz.code, 0, gz.stderr);
    const byId = (items: Record<string, AttributeValue>[]) => [...items].sort((a, b) => Number(a.id!.N) - Number(b.id!.N));
    assert.deepEqual(byId(await scanAll(ddb, 'people-gz')), byId(await scanAll(ddb, 'people')));
  });

  it('another DynamoDB endpoint: a parallel scan copied, then dump and load round-trip', async () => {
    const other = await startServerProcess();
    const otherDdb = client(other.url);
    try {
      await otherDdb.send(new CreateTableCommand(defineTable('source-orders', 'pk:S sk:N')));
      const items = Array.from({ length: 300 }, (_, i) => ({
        pk: { S: `c${i % 17}` },
        sk: { N: String(i) },
        payload: { M: { n: { N: `${i}.000000000000000000001` }, set: { SS: ['a', `b${i}`] }, bin: { B: Buffer.from([i % 256]) } } },
      }));
      for (let i = 0; i < items.length; i += 25) {
        await otherDdb.send(new BatchWriteItemCommand({ RequestItems: { 'source-orders': items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
      }
      const r = await runCli(['migrate', '--from', other.url, '--table', 'source-orders', '--to', 'orders-copy', '--create', '--hash-key', 'pk:S', '--range-key', 'sk:N', '--segments', '3', '--endpoint', server.url, '--progress', 'none']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /300 source rows, 300 items written/);
      const copied = await scanAll(ddb, 'orders-copy');
      const key = (i: Record<string, AttributeValue>) => `${i.pk!.S}/${i.sk!.N}`;
      const sortByKey = (list: Record<string, AttributeValue>[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
      assert.deepEqual(sortByKey(copied), sortByKey(await scanAll(otherDdb, 'source-orders')));

      const dump = await runCli(['dump', 'orders-copy', '--endpoint', server.url]);
      assert.equal(dump.code, 0, dump.stderr);
      const lines = dump.stdout.trim().split('\n');
      assert.equal(lines.length, 300);
      assert.match(lines[0]!, /^\{"Item":\{"pk":\{"S":"c\d+"\}/);
      await otherDdb.send(new CreateTableCommand(defineTable('reloaded', 'pk:S sk:N')));
      const load = await runCli(['load', 'reloaded', '--endpoint', other.url], { input: dump.stdout });
      assert.equal(load.code, 0, load.stderr);
      assert.match(load.stderr, /loaded 300 items into reloaded/);
      assert.deepEqual(sortByKey(await scanAll(otherDdb, 'reloaded')), sortByKey(copied));
      const bad = await runCli(['load', 'reloaded', '--endpoint', other.url], { input: '{"Item":{"pk":{"S":"x"},"sk":{"N":"1"}}}\n{"pk":"plain"}\n' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /line 2: not a DynamoDB JSON line/);
    } finally {
      otherDdb.destroy();
      await other.stop();
    }
  });

  it('an interrupted copy resumes from its checkpoint and verifies the whole count', async () => {
    const file = join(dir.path, 'big.csv');
    const rows = 10_000;
    writeFileSync(file, `id,v\n${Array.from({ length: rows }, (_, i) => `${i},${'x'.repeat(50)}`).join('\n')}\n`);
    const checkpoint = join(dir.path, 'big.checkpoint.json');
    const args = ['migrate', '--from', file, '--to', 'big', '--create', '--hash-key', 'id:N', '--checkpoint', checkpoint, '--endpoint', server.url, '--progress', 'lines'];
    // One request at a time, so that the interruption comes well before the end.
    const first = startCli([...args, '--concurrency', '1']);
    // Interrupted once some batches are acknowledged (the checkpoint says how many).
    const deadline = Date.now() + 30_000;
    while (!existsSync(checkpoint) || (JSON.parse(readFileSync(checkpoint, 'utf8')) as { rowsDone: number }).rowsDone < 500) {
      if (Date.now() > deadline) throw new Error('no checkpoint progress');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    first.child.kill('SIGINT');
    const stopped = await first.done;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /interrupted: \d+ rows copied; run the same command again to resume/);
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { rowsDone: number; finished: boolean };
    assert.equal(saved.finished, false);
    assert.ok(saved.rowsDone > 0 && saved.rowsDone < rows, String(saved.rowsDone));

    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`resuming from .*: ${saved.rowsDone} rows already copied`));
    assert.match(second.stdout, new RegExp(`${rows} source rows, ${rows} items written`));
    assert.equal((await scanAll(ddb, 'big')).length, rows);
    const third = await runCli(args);
    assert.match(third.stdout, /already complete/);
  });

  it('a row that cannot be an item stops the copy naming it, or is skipped with --skip-invalid', async () => {
    const file = join(dir.path, 'bad.jsonl');
    writeFileSync(file, '{"id":"a"}\n{"name":"no key"}\n{"id":"c"}\n');
    const r = await migrate('--from', file, '--to', 'bad-rows', '--create', '--hash-key', 'id');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /row 2: no value for the key attribute id \(column id\)/);
    const skip = await migrate('--from', file, '--to', 'bad-rows', '--skip-invalid');
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stdout, /3 source rows, 2 items written, 1 skipped/);
    const missing = await migrate('--from', file, '--to', 'no-such-table');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /the table no-such-table does not exist .*pass --create/);
  });
});

describe('openddb migrate from PostgreSQL', { skip: variantPass() || (process.env.CI === 'true' ? false : postgresUnavailable()) || false }, () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  let cluster: PostgresCluster;
  let url: string;

  before(async () => {
    cluster = await startPostgresCluster();
    url = cluster.createDatabase('tools_migrate');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`CREATE TABLE accounts (
      id bigint PRIMARY KEY, name text, balance numeric(40, 10), settings jsonb, opened timestamptz, day date,
      photo bytea, tags text[], ratio double precision, active boolean, note text)`);
    await c.query(`INSERT INTO accounts
      SELECT i, 'acct ' || i, 12345678901234567890.0123456789 + i, jsonb_build_object('limit', 1.10, 'flags', jsonb_build_array(i, 'x')),
             '2024-01-02 03:04:05.123456+00'::timestamptz + (i || ' seconds')::interval, DATE '2024-02-29', '\\x00ff'::bytea,
             ARRAY['a', 'b c'], i / 8.0, i % 2 = 0, CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' END
      FROM generate_series(1, 250) AS i`);
    await c.end();
    server = await startServerProcess();
    ddb = client(server.url);
  });
  after(async () => {
    ddb?.destroy();
    await server?.stop();
    cluster?.stop();
  });

  it('a table: numeric exact, jsonb to maps, timestamps to ISO, bytea to B, arrays to lists, NULL omitted', async () => {
    const r = await runCli(['migrate', '--from', url, '--table', 'accounts', '--to', 'accounts', '--create', '--hash-key', 'id:N', '--endpoint', server.url, '--progress', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /copied PostgreSQL table accounts → accounts: 250 source rows, 250 items written/);
    assert.match(r.stdout, /verified: source count 250 = 250 rows read/);
    assert.deepEqual(await getItem(ddb, 'accounts', { id: { N: '3' } }), {
      id: { N: '3' },
      name: { S: 'acct 3' },
      balance: { N: '12345678901234567893.0123456789' },
      settings: { M: { limit: { N: '1.1' }, flags: { L: [{ N: '3' }, { S: 'x' }] } } },
      opened: { S: '2024-01-02T03:04:08.123456Z' },
      day: { S: '2024-02-29' },
      photo: { B: new Uint8Array([0, 255]) },
      tags: { L: [{ S: 'a' }, { S: 'b c' }] },
      ratio: { N: '0.375' },
      active: { BOOL: false },
    });
  });

  it('a query, with epoch-millisecond timestamps and NULL kept', async () => {
    const r = await runCli([
      'migrate', '--from', url, '--query', "SELECT 'k' || id AS pk, opened, note FROM accounts WHERE id <= 10 ORDER BY id",
      '--to', 'recent', '--create', '--hash-key', 'pk', '--timestamps', 'epoch-ms', '--nulls', 'null', '--endpoint', server.url, '--progress', 'none',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await getItem(ddb, 'recent', { pk: { S: 'k3' } }), { pk: { S: 'k3' }, opened: { N: '1704164648123.456' }, note: { NULL: true } });
    assert.equal((await scanAll(ddb, 'recent')).length, 10);
  });
});
