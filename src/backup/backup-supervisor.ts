/**
 * @module backup/backup-supervisor
 * Every process looks, each second, for backup and restore work that no
 * live process owns (its owner stopped or crashed: its lease is free) and
 * takes it over: a CREATING backup is continued or removed
 * (backup/backup-job resumeBackup), a DELETED or expired one erased, a
 * restoring table filled on from its recorded progress (backup/restore-job).
 * Each piece runs under its own lease, so one process does it; the pieces
 * run side by side in the background, so no table waits for another's.
 */
import type { Database } from '../data/database.js';
import { CommitConflictError } from '../storage/engine.js';
import { allBackups, encodeBackup, type StoredBackup } from './backup-records.js';
import { BACKUP_LEASE_MS, backupLeaseName, eraseBackup, resumeBackup, runningHere } from './backup-job.js';
import { restoreLeaseName, restoresRunningHere, runRestore } from './restore-job.js';

export const BACKUP_SUPERVISOR_INTERVAL_MS = 1000;

export function startBackupSupervisor(db: Database, intervalMs = BACKUP_SUPERVISOR_INTERVAL_MS): void {
  db.runPeriodically('resuming backups and restores', intervalMs, () => superviseBackups(db));
}

/** One look for unowned work; starts each piece found in the background. */
export async function superviseBackups(db: Database): Promise<void> {
  for (const table of db.catalog.all()) {
    if (table.status !== 'CREATING' || table.restore?.inProgress !== true) continue;
    if (restoresRunningHere(db).has(restoreLeaseName(table.id))) continue;
    db.runInBackground(`restore of ${table.name}`, () => runRestore(db, table));
  }
  const now = db.clock.now();
  for await (const stored of allBackups(db.engine)) {
    const { record } = stored;
    if (record.status === 'AVAILABLE') {
      // An expired SYSTEM backup goes as a deleted one does.
      if (record.expiresAt !== undefined && record.expiresAt <= now) await markDeleted(db, stored);
      continue;
    }
    const name = backupLeaseName(record.id);
    const mine = runningHere(db);
    if (mine.has(name)) continue;
    mine.add(name);
    db.runInBackground(`backup ${record.id} of ${record.table.name}`, async () => {
      try {
        const lease = await db.leases.acquire(name, BACKUP_LEASE_MS);
        if (lease === undefined) return;
        if (record.status === 'CREATING') await resumeBackup(db, stored, lease);
        else await eraseBackup(db, stored, lease);
      } finally {
        mine.delete(name);
      }
    });
  }
}

/** DeleteBackup's change (and expiry's): the record says DELETED; the supervisor erases it. Resolves false if it changed meanwhile. */
export async function markDeleted(db: Database, stored: StoredBackup): Promise<boolean> {
  try {
    await db.engine.commit(
      [{ key: stored.key, value: encodeBackup({ ...stored.record, status: 'DELETED' }) }],
      [{ key: stored.key, value: stored.raw }],
    );
    return true;
  } catch (e) {
    if (e instanceof CommitConflictError) return false;
    throw e;
  }
}
