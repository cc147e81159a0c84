/**
 * @module api/backups/backup-operations
 * DescribeBackup, ListBackups and DeleteBackup over the stored backup
 * records (backup/backup-records). Deleting marks the backup DELETED and
 * answers at once; the supervisor erases it (backup/backup-supervisor).
 */
import { errors } from '../../errors/index.js';
import { int, str, tableNameOrArn, type NumberShape } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { backupRecordKey } from '../../catalog/key-space.js';
import { compareBytes } from '../../storage/byte-order.js';
import { tableNameOf } from '../../data/table-lookup.js';
import { listBackups, parseBackupArn } from '../../backup/backup-records.js';
import { markDeleted } from '../../backup/backup-supervisor.js';
import { backupDescription, backupSummary, requireBackup } from './backup-description.js';

/** A timestamp member: epoch seconds on the wire. */
const timestamp = (): NumberShape => ({ type: 'double' });
const backupArnShape = (o: { required?: boolean } = {}) => str({ min: 37, max: 1024, ...o });

export const describeBackup = defineOperation<{ BackupArn: string }>({
  name: 'DescribeBackup',
  schema: { members: { BackupArn: backupArnShape({ required: true }) } },
  async run({ db }, input) {
    const { record } = await requireBackup(db, input.BackupArn);
    return { BackupDescription: backupDescription(record) };
  },
});

interface ListInput {
  TableName?: string;
  Limit?: number;
  TimeRangeLowerBound?: number;
  TimeRangeUpperBound?: number;
  ExclusiveStartBackupArn?: string;
  BackupType?: 'USER' | 'SYSTEM' | 'AWS_BACKUP' | 'ALL';
}

export const listBackupsOperation = defineOperation<ListInput>({
  name: 'ListBackups',
  schema: {
    members: {
      TableName: tableNameOrArn(),
      Limit: int({ min: 1, max: 100 }),
      TimeRangeLowerBound: timestamp(),
      TimeRangeUpperBound: timestamp(),
      ExclusiveStartBackupArn: backupArnShape(),
      BackupType: str({ enum: ['USER', 'SYSTEM', 'AWS_BACKUP', 'ALL'] }),
    },
  },
  async run({ db }, input) {
    const tableName = input.TableName === undefined ? undefined : tableNameOf(db, input.TableName);
    // DynamoDB's default lists on-demand backups only.
    const type = input.BackupType ?? 'USER';
    const limit = input.Limit ?? Number.POSITIVE_INFINITY;
    // Lower bound inclusive, upper exclusive (ListBackups API reference).
    const lower = input.TimeRangeLowerBound === undefined ? Number.NEGATIVE_INFINITY : input.TimeRangeLowerBound * 1000;
    const upper = input.TimeRangeUpperBound === undefined ? Number.POSITIVE_INFINITY : input.TimeRangeUpperBound * 1000;
    let after: Uint8Array | undefined;
    if (input.ExclusiveStartBackupArn !== undefined) {
      const parts = parseBackupArn(input.ExclusiveStartBackupArn);
      if (parts === undefined) throw errors.validation(`Invalid ExclusiveStartBackupArn: ${input.ExclusiveStartBackupArn}`);
      after = backupRecordKey(db.scope, parts.table, parts.id);
    }
    const summaries: Record<string, unknown>[] = [];
    let lastArn: string | undefined;
    for await (const { record, key } of listBackups(db.engine, db.scope, tableName)) {
      if (after !== undefined && compareBytes(key, after) <= 0) continue;
      // AWS_BACKUP backups are AWS Backup's; openddb makes none.
      if (type !== 'ALL' && record.type !== type) continue;
      if (record.createdAt < lower || record.createdAt >= upper) continue;
      if (summaries.length >= limit) {
        return { BackupSummaries: summaries, LastEvaluatedBackupArn: lastArn };
      }
      const summary = backupSummary(record);
      summaries.push(summary);
      lastArn = summary.BackupArn as string;
    }
    return { BackupSummaries: summaries };
  },
});

export const deleteBackup = defineOperation<{ BackupArn: string }>({
  name: 'DeleteBackup',
  schema: { members: { BackupArn: backupArnShape({ required: true }) } },
  async run({ db }, input) {
    for (;;) {
      const stored = await requireBackup(db, input.BackupArn);
      const { record } = stored;
      if (record.status === 'DELETED') throw errors.backupNotFound(`Backup not found: ${input.BackupArn}`);
      if (record.status === 'CREATING') throw errors.backupInUse(`Backup is being created: ${input.BackupArn}`);
      const restoring = db.catalog
        .all()
        .some((t) => t.restore?.inProgress === true && t.restore.source?.kind === 'backup' && t.restore.source.backupId === record.id);
      if (restoring) throw errors.backupInUse(`Backup is being restored: ${input.BackupArn}`);
      if (await markDeleted(db, stored)) {
        return { BackupDescription: backupDescription({ ...record, status: 'DELETED' }) };
      }
    }
  },
});
