/**
 * @module An openddb database inside the bench's own process, from the
 * compiled modules under dist/src (run `npm run build` first), driven
 * through the Dispatcher as a server drives it but without HTTP: for the
 * benches of one layer (bench/backup.mjs, pitr-overhead.mjs, vectors.mjs).
 * On the embedded LMDB engine in a temporary directory, or in memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../dist/src/storage/open-engine.js';
import { openDatabase } from '../dist/src/api/open-database.js';
import { Dispatcher } from '../dist/src/api/dispatcher.js';
import { allOperations } from '../dist/src/api/all-operations.js';

/**
 * `{ db, dir, call(operation, input), close() }`: `call` runs one operation
 * as a request would; `close` closes the database and removes its
 * directory. `quiet` drops the database's log lines.
 */
export async function openInProcess({ name = 'bench', memory = false, quiet = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `openddb-bench-${name}-`));
  const engine = await openEngine(memory ? { inMemory: true } : { dataDir: dir });
  const db = await openDatabase(engine, quiet ? { log: () => {} } : {});
  const dispatcher = new Dispatcher(db, allOperations);
  let requests = 0;
  const call = (operation, input) => dispatcher.run(dispatcher.find('DynamoDB_20120810.', operation), input, `r${requests++}`);
  const close = async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, dir, call, close };
}
