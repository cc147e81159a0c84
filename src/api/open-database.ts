/**
 * @module api/open-database
 * Start-up wiring of the data plane (docs/architecture.md, "Layers"): opens a
 * Database over an engine with the hooks the data plane calls upward
 * through: transaction holds from txn/, stream records from streams/ and
 * point-in-time-recovery change-log records from backup/.
 * Everything that opens a Database for serving goes through here.
 */
import type { StorageEngine } from '../storage/engine.js';
import { Database, type DatabaseOptions } from '../data/database.js';
import type { DataPlaneHooks } from '../data/hooks.js';
import { assertNotInTransaction } from '../txn/conflicts.js';
import { streamRecord } from '../streams/change-log.js';
import { backfillIndex } from '../data/index-backfill.js';
import { changeLogRecord } from '../backup/change-log.js';

export const dataPlaneHooks: DataPlaneHooks = {
  assertNotHeld: assertNotInTransaction,
  streamRecord,
  changeLogRecord,
};

export async function openDatabase(engine: StorageEngine, options: Omit<DatabaseOptions, 'hooks'> = {}): Promise<Database> {
  const db = await Database.open(engine, { ...options, hooks: dataPlaneHooks });
  resumeBackfills(db);
  return db;
}

/**
 * A global index still CREATING when the store was last closed (the process
 * stopped or crashed mid-backfill) is backfilled again: the backfill is
 * idempotent, so a page written before the stop is merely written again.
 */
function resumeBackfills(db: Database): void {
  for (const table of db.catalog.all()) {
    // The backfill finds its table by name, so it runs in the table's own scope.
    const scoped = db.inScope({ account: table.account, region: table.region });
    for (const index of [...table.globalIndexes, ...(table.vectorIndexes ?? [])]) {
      if (index.status !== 'CREATING') continue;
      db.runInBackground(`backfill of index ${index.id} on ${table.name}`, () => backfillIndex(scoped, table.name, index.id));
    }
  }
}
