/**
 * Unit tests of a database's region views (Database.inScope): each sees its
 * own scope's tables, and all share one engine, one catalog and one set of
 * background work with the database they came from.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine } from '../storage/memory-engine.js';
import { Database } from './database.js';
import type { DataPlaneHooks } from './hooks.js';
import type { TableRecord } from '../catalog/table-record.js';

const hooks: DataPlaneHooks = { assertNotHeld: () => {}, streamRecord: () => undefined, changeLogRecord: () => undefined };

function record(db: Database, id: number, name: string): TableRecord {
  return {
    ...db.scope,
    id,
    name,
    uuid: `uuid-${id}`,
    createdAt: 0,
    status: 'ACTIVE',
    attributeDefinitions: { pk: 'S' },
    keySchema: { hash: 'pk' },
    billingMode: 'PAY_PER_REQUEST',
    throughput: { read: 0, write: 0, decreasesToday: 0 },
    localIndexes: [],
    globalIndexes: [],
    stream: { enabled: false },
    tableClass: 'STANDARD',
    deletionProtection: false,
    tags: {},
    nextIndexId: 1,
  };
}

describe('Database.inScope', () => {
  it('gives each region its own tables and ARNs over one engine and catalog', async () => {
    const db = await Database.open(new MemoryEngine(), { hooks, region: 'eu-central-1' });
    const west = db.inScope({ account: db.accountId, region: 'us-west-1' });
    assert.equal(west.region, 'us-west-1');
    assert.equal(west.tableArn('t'), 'arn:aws:dynamodb:us-west-1:123456789012:table/t');
    assert.equal(db.tableArn('t'), 'arn:aws:dynamodb:eu-central-1:123456789012:table/t');
    assert.equal(west.engine, db.engine);
    assert.equal(west.clock, db.clock);
    assert.equal(west.root, db);
    assert.ok(west instanceof Database);
    // One view per scope; the default scope is the database itself.
    assert.equal(db.inScope({ account: db.accountId, region: 'us-west-1' }), west);
    assert.equal(west.inScope(db.scope), db);

    assert.equal(await west.catalog.create(record(west, await west.catalog.allocateTableId(), 't')), true);
    assert.equal(west.catalog.get('t')?.region, 'us-west-1');
    assert.equal(db.catalog.get('t'), undefined);
    assert.deepEqual(db.catalog.list(), []);
    assert.equal(db.catalog.all().length, 1);
    assert.equal(west.catalog.size, 1);
    // A record of one region cannot be changed through another's catalog.
    assert.throws(() => db.catalog.drop(west.catalog.get('t')!), /changed through the catalog of eu-central-1/);
    await db.close();
  });

  it('shares background work and closing with the database', async () => {
    const db = await Database.open(new MemoryEngine(), { hooks });
    const west = db.inScope({ account: db.accountId, region: 'us-west-1' });
    let ran = false;
    west.runInBackground('test work', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ran = true;
    });
    west.eraseDroppedTables();
    await db.close();
    assert.equal(ran, true, 'close() on the database waits for work a view started');
    assert.equal(west.isClosed, true);
    // A view cannot keep state of its own: it would silently diverge from the root's.
    assert.throws(() => {
      (west as unknown as { somethingNew: number }).somethingNew = 1;
    }, TypeError);
  });
});
