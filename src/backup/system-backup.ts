/**
 * @module backup/system-backup
 * The SYSTEM backup DeleteTable leaves of a table with point-in-time
 * recovery on ("DynamoDB automatically creates a system backup … retained
 * for 35 days", DeleteTable and PITR documentation). Nothing is copied: the
 * dropped table's items stay under its own id (catalog drop with keepData)
 * and the backup's record points at them, written in the drop's own commit,
 * so the backup is AVAILABLE at once and a crash cannot lose it. Deleting
 * or expiring the backup hands the id to the eraser (backup/backup-job).
 */
import type { Database } from '../data/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import type { KvWrite } from '../storage/engine.js';
import type { TableStats } from '../data/table-stats.js';
import { encodeBackup, newBackupId, recordKey, type BackupRecord } from './backup-records.js';
import { DAY_MS, pointInTimeRecoveryOn } from './point-in-time.js';

/** How long DynamoDB keeps the backup of a deleted table. */
export const SYSTEM_BACKUP_DAYS = 35;

/** The SYSTEM backup record to commit with DeleteTable's drop, or undefined when PITR is off. */
export function systemBackupOnDelete(db: Database, table: TableRecord, stats: TableStats): { record: BackupRecord; writes: KvWrite[] } | undefined {
  if (!pointInTimeRecoveryOn(table)) return undefined;
  const now = db.clock.now();
  const record: BackupRecord = {
    account: table.account,
    region: table.region,
    id: newBackupId(now),
    // DynamoDB's name for it.
    name: `${table.name}$DeletedTableBackup`,
    type: 'SYSTEM',
    status: 'AVAILABLE',
    createdAt: now,
    expiresAt: now + SYSTEM_BACKUP_DAYS * DAY_MS,
    table,
    contents: { kind: 'table', tableId: table.id },
    itemCount: stats.itemCount,
    sizeBytes: stats.sizeBytes,
    tableItemCount: stats.itemCount,
    tableSizeBytes: stats.sizeBytes,
  };
  return { record, writes: [{ key: recordKey(record), value: encodeBackup(record) }] };
}
