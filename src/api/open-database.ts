/**
 * @module api/open-database
 * Start-up wiring of the data plane (docs/architecture.md, "Layers"): opens a
 * Database over an engine with the hooks the data plane calls upward
 * through: transaction holds from txn/ and stream records from streams/.
 * Everything that opens a Database for serving goes through here.
 */
import type { StorageEngine } from '../storage/engine.js';
import { Database, type DatabaseOptions } from '../data/database.js';
import type { DataPlaneHooks } from '../data/hooks.js';
import { assertNotInTransaction } from '../txn/conflicts.js';
import { streamRecordWrite } from '../streams/change-log.js';

export const dataPlaneHooks: DataPlaneHooks = {
  assertNotHeld: assertNotInTransaction,
  streamRecordWrite,
};

export function openDatabase(engine: StorageEngine, options: Omit<DatabaseOptions, 'hooks'> = {}): Promise<Database> {
  return Database.open(engine, { ...options, hooks: dataPlaneHooks });
}
