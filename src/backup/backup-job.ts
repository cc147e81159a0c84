/**
 * @module backup/backup-job
 * CreateBackup's work: a storage snapshot taken when the request arrives
 * (so the backup is the table at that instant, however writes go on), then
 * a copy of the table's items from it into the backup's contents (0x31
 * <backup id> …) in the background, after which the backup is AVAILABLE.
 *
 * The copy is owned through a lease, `backup/<id>` (data/leases): each page
 * commits with the lease's renewal and its progress (fencing: an owner that
 * lost the lease writes nothing more). A snapshot lives only in its
 * process; if that process stops mid-copy, the supervisor
 * (backup/backup-supervisor) of any process continues the copy from the
 * recorded key when the table's point-in-time-recovery window still holds
 * the backup's instant (the same state, read from the change log), and
 * otherwise removes the half-made backup (the request failed; see
 * docs/compatibility.md). Deleting a backup marks it DELETED; its contents
 * are then erased under the same lease and the record removed.
 */
import type { Database } from '../data/database.js';
import type { HeldLease } from '../data/leases.js';
import type { TableRecord } from '../catalog/table-record.js';
import { backupContentsPrefix, concat, droppedTableKey, successor } from '../catalog/key-space.js';
import type { KvWrite, StorageSnapshot } from '../storage/engine.js';
import { decodeBackup, encodeBackup, newBackupId, recordKey, type BackupRecord, type StoredBackup } from './backup-records.js';
import { readEntriesAsOf, readTableEntries, restorableWindow, type TableEntry } from './point-in-time.js';
import { betweenPages } from './job-pacing.js';
import { MAX_SNAPSHOT_JOBS, releaseSlot, takeSlot, tryTakeSlot } from './snapshot-slots.js';
import { errors } from '../errors/index.js';

export const BACKUP_LEASE_MS = 15_000;
const PAGE = 500;

export function backupLeaseName(id: string): string {
  return `backup/${id}`;
}

/** Copies under way in this process (by lease name), so its supervisor leaves them alone. */
const running = new WeakMap<Database, Set<string>>();

export function runningHere(db: Database): Set<string> {
  let mine = running.get(db.root);
  if (mine === undefined) running.set(db.root, (mine = new Set()));
  return mine;
}

interface Progress {
  /** Hex of the last item key copied. */
  readonly after?: string;
  readonly items: number;
  readonly bytes: number;
}

function decodeProgress(text: string | undefined): Progress {
  return text === undefined ? { items: 0, bytes: 0 } : (JSON.parse(text) as Progress);
}

/**
 * CreateBackup: takes the snapshot, stores the backup CREATING and starts
 * the copy in the background. Resolves with the record.
 */
export async function startBackup(db: Database, table: TableRecord, name: string): Promise<BackupRecord> {
  const now = db.clock.now();
  if (!tryTakeSlot(db)) {
    throw errors.limitExceeded(`Too many backups and restores in progress at once (${MAX_SNAPSHOT_JOBS} per server process); retry later`);
  }
  let snapshot: StorageSnapshot;
  try {
    snapshot = await db.engine.snapshot();
  } catch (e) {
    releaseSlot(db);
    throw e;
  }
  let lease: HeldLease | undefined;
  let record: BackupRecord;
  try {
    record = {
      account: table.account,
      region: table.region,
      id: newBackupId(now),
      name,
      type: 'USER',
      status: 'CREATING',
      createdAt: now,
      table,
      contents: { kind: 'copy' },
    };
    lease = await db.leases.acquire(backupLeaseName(record.id), BACKUP_LEASE_MS);
    if (lease === undefined) throw new Error(`backup id ${record.id} taken twice`);
    await db.engine.commit([{ key: recordKey(record), value: encodeBackup(record) }], [{ key: recordKey(record), value: null }]);
  } catch (e) {
    await snapshot.release();
    releaseSlot(db);
    if (lease !== undefined) await db.leases.release(lease);
    throw e;
  }
  const held = lease;
  const leaseName = backupLeaseName(record.id);
  runningHere(db).add(leaseName);
  db.runInBackground(`backup ${record.id} of ${table.name}`, async () => {
    try {
      await copyBackup(db, record, held, readTableEntries(snapshot, table.id));
    } finally {
      runningHere(db).delete(leaseName);
      await snapshot.release();
      releaseSlot(db);
    }
  });
  return record;
}

/**
 * Copies `entries` (in key order, after the lease's progress) into the
 * backup's contents, then makes it AVAILABLE. Stops quietly when the lease
 * is lost or the database closes: the supervisor takes it from there.
 */
export async function copyBackup(db: Database, record: BackupRecord, lease: HeldLease, entries: AsyncIterable<TableEntry>): Promise<void> {
  const prefix = backupContentsPrefix(record.id);
  let progress = decodeProgress(lease.record.progress);
  let held: HeldLease | undefined = lease;
  let page: KvWrite[] = [];
  let last: Uint8Array | undefined;
  let pageBytes = 0;
  const flush = async (): Promise<boolean> => {
    if (page.length === 0) return true;
    progress = { after: Buffer.from(last!).toString('hex'), items: progress.items + page.length, bytes: progress.bytes + pageBytes };
    held = await db.leases.commitHolding(held!, BACKUP_LEASE_MS, page, [], JSON.stringify(progress));
    page = [];
    pageBytes = 0;
    await betweenPages();
    return held !== undefined;
  };
  for await (const entry of entries) {
    if (db.isClosed) return;
    page.push({ key: concat([prefix, entry.keyTail]), value: entry.raw });
    pageBytes += entry.raw.length;
    last = entry.keyTail;
    if (page.length >= PAGE && !(await flush())) return;
  }
  if (db.isClosed || !(await flush())) return;
  const key = recordKey(record);
  const current = await db.engine.get(key);
  if (current === undefined || decodeBackup(current).status !== 'CREATING') return;
  const done: BackupRecord = {
    ...record,
    status: 'AVAILABLE',
    itemCount: progress.items,
    sizeBytes: progress.bytes,
    tableItemCount: progress.items,
    tableSizeBytes: progress.bytes,
  };
  const final = await db.leases.commitHolding(held!, BACKUP_LEASE_MS, [{ key, value: encodeBackup(done) }], [{ key, value: current }]);
  if (final !== undefined) await db.leases.release(final);
}

/**
 * A CREATING backup whose copying process went away: continue from the
 * change log if the table's point-in-time window still holds the
 * backup's instant, else remove it. Called with the lease taken.
 */
export async function resumeBackup(db: Database, stored: StoredBackup, lease: HeldLease): Promise<void> {
  const { record } = stored;
  const scoped = db.inScope({ account: record.account, region: record.region });
  const table = scoped.catalog.get(record.table.name);
  const window = table === undefined ? undefined : restorableWindow(table, db.clock.now());
  if (table !== undefined && table.id === record.table.id && window !== undefined && window.earliestMs <= record.createdAt) {
    const after = decodeProgress(lease.record.progress).after;
    const from = after === undefined ? undefined : Buffer.from(after, 'hex');
    db.log(`resuming backup ${record.id} of ${record.table.name} from its point-in-time-recovery log`);
    await takeSlot(db);
    try {
      await copyBackup(db, record, lease, skipThrough(readEntriesAsOf(scoped, table, record.createdAt), from));
    } finally {
      releaseSlot(db);
    }
    return;
  }
  db.log(`backup ${record.id} of ${record.table.name} failed: the process copying it stopped, and its state can no longer be read again; removing it`);
  await eraseBackup(db, stored, lease);
}

/** Erases a backup's contents and then its record (a DELETED backup, or a failed one). Called with the lease taken. */
export async function eraseBackup(db: Database, stored: StoredBackup, lease: HeldLease): Promise<void> {
  let held: HeldLease | undefined = lease;
  const { record } = stored;
  if (record.contents.kind === 'copy') {
    const prefix = backupContentsPrefix(record.id);
    const end = successor(prefix);
    for (;;) {
      if (db.isClosed) return;
      const rows = await db.engine.range(prefix, end, { limit: 1000 });
      if (rows.length === 0) break;
      held = await db.leases.commitHolding(held, BACKUP_LEASE_MS, rows.map((row) => ({ key: row.key, value: null })), []);
      if (held === undefined) return;
    }
  }
  // A SYSTEM backup's items are its dropped table's: the eraser takes them now.
  const writes: KvWrite[] = [{ key: stored.key, value: null }];
  if (record.contents.kind === 'table') writes.push({ key: droppedTableKey(record.contents.tableId), value: Buffer.from(record.table.name) });
  const current = await db.engine.get(stored.key);
  if (current === undefined) {
    await db.leases.release(held);
    return;
  }
  const final = await db.leases.commitHolding(held, BACKUP_LEASE_MS, writes, [{ key: stored.key, value: current }]);
  if (final !== undefined) await db.leases.release(final);
  if (record.contents.kind === 'table') db.eraseDroppedTables();
}

/** Entries strictly after `after` (by key bytes). */
export async function* skipThrough(entries: AsyncIterable<TableEntry>, after: Uint8Array | undefined): AsyncGenerator<TableEntry> {
  for await (const entry of entries) {
    if (after === undefined || Buffer.compare(entry.keyTail, after) > 0) yield entry;
  }
}
