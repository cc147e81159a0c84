/**
 * @module api/backups/create-backup
 * CreateBackup: an on-demand backup of the table as it is when the request
 * arrives, taken online (backup/backup-job): the answer says CREATING, and
 * the backup is AVAILABLE once its copy is made.
 */
import { errors } from '../../errors/index.js';
import { str, tableNameOrArn, TABLE_NAME_PATTERN } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { startBackup } from '../../backup/backup-job.js';
import { listBackups } from '../../backup/backup-records.js';
import { requireTableForBackups } from './continuous-backups.js';
import { backupDetails } from './backup-description.js';

export const createBackup = defineOperation<{ TableName: string; BackupName: string }>({
  name: 'CreateBackup',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      BackupName: str({ required: true, min: 3, max: 255, pattern: TABLE_NAME_PATTERN }),
    },
  },
  async run({ db }, input) {
    const table = requireTableForBackups(db, input.TableName);
    if (table.status !== 'ACTIVE') throw errors.tableInUse(`Table is being created: ${table.name}`);
    for await (const { record } of listBackups(db.engine, db.scope, table.name)) {
      if (record.status === 'CREATING' && record.table.id === table.id) {
        throw errors.backupInUse(`Backup is being created for table: ${table.name}`);
      }
    }
    const record = await startBackup(db, table, input.BackupName);
    return { BackupDetails: backupDetails(record) };
  },
});
