/**
 * @module data/index-backfill
 * Backfilling a global secondary index added by UpdateTable. Writers start
 * maintaining the index as soon as it is in the catalog (status CREATING);
 * the backfill then walks the base table and writes each item's entry in a
 * commit that expects the item unchanged, so it never writes a stale entry
 * over a newer one. When done the index becomes ACTIVE.
 *
 * A backfill is owned through a lease (data/leases), `backfill/<table id>/<index id>`,
 * so one process does it even when several share the store. Each page's
 * commit also renews the lease and records the last key done as the
 * lease's progress, expecting the lease unchanged: the progress is exactly
 * what committed, and an owner that lost its lease writes nothing more. If
 * the owner dies, every process's supervisor (startBackfillSupervisor) sees
 * the index still CREATING, takes the lease once it is free (at once when
 * the owner is a dead process on this machine, else when it expires) and
 * continues after the recorded key. The commit that makes the index ACTIVE
 * deletes the lease, so an index never stays CREATING while any server runs.
 *
 * Vector indexes (UpdateTable VectorIndexUpdates) are backfilled the same
 * way; their entries come from indexes/vector-entries, which leaves out an
 * item whose vector is not one the index can take instead of refusing it.
 */
import { CommitConflictError, type KvWrite } from '../storage/engine.js';
import type { Database } from './database.js';
import type { HeldLease } from './leases.js';
import { concat, indexPrefix, successor } from '../catalog/key-space.js';
import { indexWrites } from '../indexes/index-entries.js';
import { vectorIndexWrites } from '../indexes/vector-entries.js';
import type { IndexRecord, TableRecord, VectorIndexRecord } from '../catalog/table-record.js';
import { vectorIndexes } from '../catalog/table-record.js';

/** The index a backfill builds: a global secondary index or a vector index, by id. */
type Target = { readonly kind: 'global'; readonly index: IndexRecord } | { readonly kind: 'vector'; readonly index: VectorIndexRecord };

function targetOf(table: TableRecord | undefined, indexId: number): Target | undefined {
  if (table === undefined) return undefined;
  const global = table.globalIndexes.find((g) => g.id === indexId);
  if (global !== undefined) return { kind: 'global', index: global };
  const vector = vectorIndexes(table).find((v) => v.id === indexId);
  return vector === undefined ? undefined : { kind: 'vector', index: vector };
}

/** `table` with index `indexId` changed by `change`, whichever kind it is. */
function withIndex(table: TableRecord, indexId: number, change: <T extends IndexRecord | VectorIndexRecord>(index: T) => T): TableRecord {
  if (table.globalIndexes.some((g) => g.id === indexId)) {
    return { ...table, globalIndexes: table.globalIndexes.map((g) => (g.id === indexId ? change(g) : g)) };
  }
  return { ...table, vectorIndexes: vectorIndexes(table).map((v) => (v.id === indexId ? change(v) : v)) };
}
import { decodeItem } from './item-store.js';
import { tableStats } from './table-stats.js';

const PAGE = 256;
/**
 * Writes that read the table's definition before the index was added may
 * still be in flight; give them time to land before walking the table.
 */
const GRACE_MS = 50;
/** A backfill's lease; each page renews it, so it only runs out when its owner stops. */
const BACKFILL_LEASE_MS = 15_000;
/** How often each process looks for backfills whose owner went away. */
export const BACKFILL_SUPERVISOR_INTERVAL_MS = 1000;

export function backfillLeaseName(tableId: number, indexId: number): string {
  return `backfill/${tableId}/${indexId}`;
}

/** Backfills running in this process (per opened database, whatever the scope), by lease name: a process never competes with itself. */
const running = new WeakMap<Database, Set<string>>();

/** Backfills index `indexId` of `tableName`, unless another process already is. */
export async function backfillIndex(db: Database, tableName: string, indexId: number, graceMs = GRACE_MS): Promise<void> {
  const table = db.catalog.get(tableName);
  // A table still being restored gets its items from the restore first (see startBackfillSupervisor).
  if (table === undefined || db.isClosed || table.status === 'CREATING') return;
  const name = backfillLeaseName(table.id, indexId);
  let mine = running.get(db.root);
  if (mine === undefined) running.set(db.root, (mine = new Set()));
  if (mine.has(name)) return;
  mine.add(name);
  try {
    // The lease first, the pause after: other processes see at once that
    // this backfill has an owner.
    const lease = await db.leases.acquire(name, BACKFILL_LEASE_MS);
    if (lease === undefined) return;
    if (lease.previous !== undefined && !db.leases.isMine(lease.previous)) {
      const { owner, progress } = lease.previous;
      db.log(
        `taking over the backfill of index ${indexId} on ${tableName} from process ${owner.process.pid} on ${owner.process.hostname} ` +
          `(${db.leases.isAliveOwner(owner) ? 'its lease expired' : 'it is gone'}), ${progress === undefined ? 'from the start' : 'where it stopped'}`,
      );
    }
    if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, graceMs));
    await runBackfill(db, tableName, table.id, indexId, lease);
  } finally {
    mine.delete(name);
  }
}

async function runBackfill(db: Database, tableName: string, tableId: number, indexId: number, held: HeldLease): Promise<void> {
  let lease = held;
  if (!(await setBackfilling(db, tableName, tableId, indexId))) {
    await db.leases.release(lease);
    return;
  }
  const end = successor(indexPrefix(tableId, 0));
  const progress = lease.record.progress;
  // Resuming: continue just after the last key a previous owner committed.
  let from = progress === undefined ? indexPrefix(tableId, 0) : concat([Buffer.from(progress, 'hex'), Uint8Array.of(0)]);
  // OnlineIndexPercentageProgress: items walked over the table's (cached) item count.
  const first = db.catalog.get(tableName);
  const indexName = targetOf(first, indexId)?.index.name ?? '';
  const total = first === undefined ? 0 : (await tableStats(db, first)).itemCount;
  let done = 0;
  db.meter.backfillProgress(tableName, indexName, 0);
  for (;;) {
    // Another process may have changed or deleted the table meanwhile.
    await db.catalog.refresh();
    const table = db.catalog.get(tableName);
    const target = targetOf(table, indexId);
    if (table === undefined || table.id !== tableId || target === undefined) {
      await db.leases.release(lease);
      return;
    }
    if (db.isClosed) return; // the lease stays: another process (or this one restarted) resumes
    const page = await db.engine.range(from, end, { limit: PAGE });
    if (page.length === 0) break;
    const writes: KvWrite[] = [];
    for (const entry of page) {
      const item = decodeItem(entry.value);
      // No change-log records: a vector index is not searched before it is ACTIVE, and its search structures are built after.
      writes.push(...(target.kind === 'global' ? indexWrites(table, [target.index], undefined, item) : vectorIndexWrites(table, undefined, item, [target.index]).writes));
    }
    const last = page[page.length - 1]!.key;
    let renewed;
    try {
      renewed = await db.leases.commitHolding(
        lease,
        BACKFILL_LEASE_MS,
        writes,
        page.map((e) => ({ key: e.key, value: e.value })),
        Buffer.from(last).toString('hex'),
      );
    } catch (e) {
      if (e instanceof CommitConflictError) continue; // an item changed under us: read the page again
      throw e;
    }
    if (renewed === undefined) return; // another process took the backfill over
    lease = renewed;
    done += page.length;
    db.meter.backfillProgress(tableName, indexName, total === 0 ? 99 : Math.min(99, (100 * done) / total));
    from = concat([last, Uint8Array.of(0)]);
  }
  for (;;) {
    const table = db.catalog.get(tableName);
    if (table === undefined || table.id !== tableId || targetOf(table, indexId) === undefined) {
      await db.leases.release(lease);
      return;
    }
    const next = withIndex(table, indexId, (g) => {
      const { backfilling: _b, ...rest } = g;
      return { ...rest, status: 'ACTIVE' as const } as typeof g;
    });
    if (await db.catalog.replace(table, next, [{ key: lease.key, value: null }])) {
      db.meter.backfillProgress(tableName, indexName, 100);
      return;
    }
  }
}

/** Marks the index as backfilling (DescribeTable's Backfilling); false if it is gone or no longer CREATING. */
async function setBackfilling(db: Database, tableName: string, tableId: number, indexId: number): Promise<boolean> {
  for (;;) {
    const table = db.catalog.get(tableName);
    const index = targetOf(table, indexId)?.index;
    if (table === undefined || table.id !== tableId || index === undefined || index.status !== 'CREATING') return false;
    if (index.backfilling === true) return true;
    const next = withIndex(table, indexId, (g) => ({ ...g, backfilling: true }));
    if (await db.catalog.replace(table, next)) return true;
  }
}

/**
 * Every `intervalMs`, looks for indexes still CREATING whose backfill runs
 * nowhere (its owner died, or it crashed before starting, or it is a
 * restored table's vector index) and starts or resumes them.
 * Only the catalog in memory is read unless such an index exists.
 */
export function startBackfillSupervisor(db: Database, intervalMs = BACKFILL_SUPERVISOR_INTERVAL_MS): void {
  db.runPeriodically('resuming index backfills', intervalMs, async () => {
    // Every scope's tables (account, region): the backfill runs in its table's own scope.
    for (const table of db.catalog.all()) {
      // A restored table's vector indexes are CREATING while the restore
      // fills the table (api/tables/vector-indexes restoredVectorIndexes),
      // and are backfilled once it is ACTIVE: a backfill walking the table
      // meanwhile would miss the items the restore writes behind it.
      if (table.status === 'CREATING') continue;
      for (const index of [...table.globalIndexes, ...vectorIndexes(table)]) {
        if (index.status !== 'CREATING' || running.get(db.root)?.has(backfillLeaseName(table.id, index.id))) continue;
        const record = await db.leases.read(backfillLeaseName(table.id, index.id));
        if (record !== undefined && !db.leases.isMine(record) && !db.leases.isFree(record)) continue;
        const scoped = db.inScope({ account: table.account, region: table.region });
        db.runInBackground(`backfill of index ${index.name} on ${table.name}`, () => backfillIndex(scoped, table.name, index.id, 0));
      }
    }
  });
}
