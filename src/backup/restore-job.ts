/**
 * @module backup/restore-job
 * Filling a table that RestoreTableFromBackup or RestoreTableToPointInTime
 * created: the table is in the catalog as CREATING (the data plane refuses
 * it, data/table-lookup requireTable) with its source in
 * `restore.source`; this job writes every item of the source, with the
 * entries of the table's (possibly overridden) indexes, then makes the
 * table ACTIVE. Nothing half-made is ever ACTIVE.
 *
 * The job is owned through a lease, `restore/<table id>`: each page
 * commits with the lease's renewal and the last key written as progress.
 * If its process stops, the supervisor of any process (backup/
 * backup-supervisor) continues after that key; the writes are plain puts
 * of the same items, so a page written twice is harmless. If the source
 * can no longer be read (the backup or the source table gone, the instant
 * past the recovery window), the half-made table is dropped and the
 * failure logged.
 */
import type { Database } from '../data/database.js';
import type { HeldLease } from '../data/leases.js';
import { allIndexes, type TableRecord } from '../catalog/table-record.js';
import { concat, tablePrefix } from '../catalog/key-space.js';
import type { KvWrite, StorageSnapshot } from '../storage/engine.js';
import { decodeItem } from '../data/item-store.js';
import { indexWrites } from '../indexes/index-entries.js';
import { backupEntries, readBackup } from './backup-records.js';
import { skipThrough } from './backup-job.js';
import { readEntriesAsOf, type TableEntry } from './point-in-time.js';
import { betweenPages } from './job-pacing.js';
import { releaseSlot, takeSlot } from './snapshot-slots.js';

export const RESTORE_LEASE_MS = 15_000;
const PAGE = 250;

export function restoreLeaseName(tableId: number): string {
  return `restore/${tableId}`;
}

/** Restores running in this process (by lease name). */
const running = new WeakMap<Database, Set<string>>();

export function restoresRunningHere(db: Database): Set<string> {
  let mine = running.get(db.root);
  if (mine === undefined) running.set(db.root, (mine = new Set()));
  return mine;
}

/**
 * Creates the CREATING table `target` (its restore.source set) and starts
 * filling it in the background. Resolves false, creating nothing, when a
 * table of that name exists.
 */
export async function startRestore(db: Database, target: TableRecord): Promise<boolean> {
  if (!(await db.catalog.create(target))) return false;
  db.runInBackground(`restore of ${target.name}`, () => runRestore(db, target));
  return true;
}

/** Fills `target` (as created) unless another process already is. */
export async function runRestore(db: Database, target: TableRecord): Promise<void> {
  const name = restoreLeaseName(target.id);
  const mine = restoresRunningHere(db);
  if (mine.has(name) || db.isClosed) return;
  mine.add(name);
  try {
    // The slot first: a lease held while waiting would lapse unrenewed.
    await takeSlot(db);
    try {
      const lease = await db.leases.acquire(name, RESTORE_LEASE_MS);
      if (lease !== undefined) await fill(db, target, lease);
    } finally {
      releaseSlot(db);
    }
  } finally {
    mine.delete(name);
  }
}

async function fill(db: Database, created: TableRecord, lease: HeldLease): Promise<void> {
  const scoped = db.inScope({ account: created.account, region: created.region });
  await scoped.catalog.refresh();
  const target = scoped.catalog.get(created.name);
  if (target === undefined || target.id !== created.id || target.status !== 'CREATING' || target.restore?.source === undefined) {
    await db.leases.release(lease);
    return;
  }
  const after = lease.record.progress === undefined ? undefined : Buffer.from(lease.record.progress, 'hex');
  let snapshot: StorageSnapshot | undefined;
  try {
    let entries: AsyncIterable<TableEntry>;
    try {
      const source = target.restore.source;
      if (source.kind === 'backup') {
        const stored = await readBackup(db.engine, source, source.tableName, source.backupId);
        if (stored === undefined || stored.record.status !== 'AVAILABLE') throw new Error(`its backup ${source.backupId} is gone`);
        snapshot = await db.engine.snapshot();
        entries = backupEntries(snapshot, stored.record, after);
      } else {
        const sourceDb = db.inScope({ account: source.account, region: source.region });
        const table = sourceDb.catalog.get(source.tableName);
        if (table === undefined || table.id !== source.tableId) throw new Error(`its source table ${source.tableName} is gone`);
        entries = skipThrough(readEntriesAsOf(sourceDb, table, source.epochMs), after);
      }
      await copyInto(db, target, lease, entries);
    } catch (e) {
      if (db.isClosed) return;
      db.log(`restore of ${target.name} failed: ${e instanceof Error ? e.message : String(e)}; dropping the half-made table`);
      await dropHalfMade(scoped, target, lease);
    }
  } finally {
    await snapshot?.release();
  }
}

async function copyInto(db: Database, target: TableRecord, lease: HeldLease, entries: AsyncIterable<TableEntry>): Promise<void> {
  const head = tablePrefix(target.id);
  const indexes = allIndexes(target);
  let held: HeldLease | undefined = lease;
  let page: KvWrite[] = [];
  let items = 0;
  let last: Uint8Array | undefined;
  const flush = async (): Promise<boolean> => {
    if (items === 0) return true;
    held = await db.leases.commitHolding(held!, RESTORE_LEASE_MS, page, [], Buffer.from(last!).toString('hex'));
    page = [];
    items = 0;
    await betweenPages();
    return held !== undefined;
  };
  for await (const entry of entries) {
    if (db.isClosed) return;
    page.push({ key: concat([head, entry.keyTail]), value: entry.raw });
    if (indexes.length > 0) for (const write of indexWrites(target, indexes, undefined, decodeItem(entry.raw))) page.push(write);
    items++;
    last = entry.keyTail;
    if (items >= PAGE && !(await flush())) return;
  }
  if (db.isClosed || !(await flush())) return;
  await finish(db, target, held!);
}

/** The table becomes ACTIVE (its RestoreSummary no longer in progress); the lease goes. */
async function finish(db: Database, created: TableRecord, lease: HeldLease): Promise<void> {
  const scoped = db.inScope({ account: created.account, region: created.region });
  for (;;) {
    await scoped.catalog.refresh();
    const table = scoped.catalog.get(created.name);
    if (table === undefined || table.id !== created.id || table.status !== 'CREATING') break;
    const { source: _source, ...summary } = table.restore!;
    if (await scoped.catalog.replace(table, { ...table, status: 'ACTIVE', restore: { ...summary, inProgress: false } })) break;
  }
  await db.leases.release(lease);
}

async function dropHalfMade(scoped: Database, created: TableRecord, lease: HeldLease): Promise<void> {
  for (;;) {
    await scoped.catalog.refresh();
    const table = scoped.catalog.get(created.name);
    if (table === undefined || table.id !== created.id) break;
    if (await scoped.catalog.drop(table)) break;
  }
  scoped.eraseDroppedTables();
  await scoped.leases.release(lease);
}
