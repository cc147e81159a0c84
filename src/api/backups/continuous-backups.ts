/**
 * @module api/backups/continuous-backups
 * UpdateContinuousBackups and DescribeContinuousBackups: point-in-time
 * recovery's setting, kept in the table's catalog entry
 * (TableRecord.pointInTimeRecovery); the change log it turns on is
 * backup/change-log, the restorable window backup/point-in-time.
 *
 * Continuous backups are ENABLED on every table, as DynamoDB reports them;
 * point-in-time recovery is what a table turns on. Enabling starts a new
 * change log (named by the time it was enabled), disabling drops the log,
 * which the trimmer then erases (backup/change-log-trimmer): a re-enabled
 * table cannot be restored to before the re-enabling, as in DynamoDB.
 */
import { errors } from '../../errors/index.js';
import { bool, int, struct, tableNameOrArn } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import type { Database } from '../../data/database.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { tableNameOf } from '../../data/table-lookup.js';
import { DEFAULT_RECOVERY_PERIOD_DAYS, pointInTimeRecoveryOn, recoveryPeriodDays, restorableWindow } from '../../backup/point-in-time.js';

interface UpdateInput {
  TableName: string;
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: boolean; RecoveryPeriodInDays?: number };
}

/** UpdateContinuousBackups and DescribeContinuousBackups name a missing table with TableNotFoundException (API reference). */
export function requireTableForBackups(db: Database, nameOrArn: string): TableRecord {
  const name = tableNameOf(db, nameOrArn);
  const table = db.catalog.get(name);
  if (table === undefined) throw errors.tableNotFound(`Table not found: ${name}`);
  return table;
}

export function continuousBackupsDescription(db: Database, table: TableRecord): Record<string, unknown> {
  const window = restorableWindow(table, db.clock.now());
  const pitr: Record<string, unknown> = { PointInTimeRecoveryStatus: window === undefined ? 'DISABLED' : 'ENABLED' };
  if (window !== undefined) {
    pitr.RecoveryPeriodInDays = recoveryPeriodDays(table);
    pitr.EarliestRestorableDateTime = window.earliestMs / 1000;
    pitr.LatestRestorableDateTime = window.latestMs / 1000;
  }
  return { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: pitr };
}

export const updateContinuousBackups = defineOperation<UpdateInput>({
  name: 'UpdateContinuousBackups',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      PointInTimeRecoverySpecification: struct(
        {
          PointInTimeRecoveryEnabled: bool({ required: true }),
          RecoveryPeriodInDays: int({ min: 1, max: 35 }),
        },
        { required: true },
      ),
    },
  },
  async run({ db }, input) {
    const spec = input.PointInTimeRecoverySpecification;
    for (;;) {
      const table = requireTableForBackups(db, input.TableName);
      if (table.status !== 'ACTIVE') {
        throw errors.continuousBackupsUnavailable(`Backups are being enabled for the table: ${table.name}. Please retry later`);
      }
      let next: TableRecord;
      if (spec.PointInTimeRecoveryEnabled) {
        const days = spec.RecoveryPeriodInDays ?? (pointInTimeRecoveryOn(table) ? recoveryPeriodDays(table) : DEFAULT_RECOVERY_PERIOD_DAYS);
        // Already on: only the period changes; the log (and its window) carries on.
        const enabledAt = pointInTimeRecoveryOn(table) ? table.pointInTimeRecovery!.enabledAt! : db.clock.now();
        next = { ...table, pointInTimeRecovery: { enabled: true, enabledAt, recoveryPeriodInDays: days } };
      } else {
        next = { ...table, pointInTimeRecovery: { enabled: false } };
      }
      if (await db.catalog.replace(table, next)) return { ContinuousBackupsDescription: continuousBackupsDescription(db, next) };
    }
  },
});

export const describeContinuousBackups = defineOperation<{ TableName: string }>({
  name: 'DescribeContinuousBackups',
  schema: { members: { TableName: tableNameOrArn({ required: true }) } },
  async run({ db }, input) {
    return { ContinuousBackupsDescription: continuousBackupsDescription(db, requireTableForBackups(db, input.TableName)) };
  },
});
