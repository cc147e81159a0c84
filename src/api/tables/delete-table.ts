/**
 * @module api/tables/delete-table
 * DeleteTable: the catalog entry goes at once (the response says DELETING,
 * as DynamoDB's does); the data is erased in the background. The table's
 * stream, if enabled, becomes DISABLED and is deleted 24 hours later. A
 * table with point-in-time recovery on leaves a SYSTEM backup of itself
 * (DeleteTable API reference), which keeps its data from being erased.
 */
import { errors } from '../../errors/index.js';
import { tableNameOrArn } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { requireTableNameParameter } from './table-schemas.js';
import { describeTable } from './table-description.js';
import { assertNotBeingCreated, requireTableForControl } from '../../data/table-lookup.js';
import { systemBackupOnDelete } from '../../backup/system-backup.js';
import { tableStats } from '../../data/table-stats.js';
import { streamCatalogWrites } from '../../streams/stream-catalog.js';

export const deleteTable = defineOperation<{ TableName: string }>({
  name: 'DeleteTable',
  schema: { members: { TableName: tableNameOrArn({ required: true }) } },
  precheck: requireTableNameParameter,
  async run({ db }, input) {
    for (;;) {
      const table = requireTableForControl(db, input.TableName);
      assertNotBeingCreated(table);
      if (table.deletionProtection) {
        throw errors.validation(
          `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`,
        );
      }
      const stats = await tableStats(db, table);
      // With point-in-time recovery on, the table's data stays as a SYSTEM
      // backup, kept 35 days (backup/system-backup), in the same commit.
      const kept = systemBackupOnDelete(db, table, stats);
      // An enabled stream closes with its table and stays readable for 24
      // hours (DeleteTable API reference; streams/stream-catalog).
      const extra = [...streamCatalogWrites(table, undefined, db.clock.now()), ...(kept?.writes ?? [])];
      if (await db.catalog.drop(table, extra, { keepData: kept !== undefined })) {
        db.eraseDroppedTables();
        return { TableDescription: deletingDescription(describeTable(db, { ...table, status: 'DELETING' }, stats)) };
      }
    }
  },
});

/**
 * DeleteTable's TableDescription leaves out the schema: no KeySchema,
 * AttributeDefinitions, CreationDateTime or index lists (scylla's
 * test_delete_table_description and _with_si, run against DynamoDB;
 * dynalite issue 60 shows the same answer).
 */
function deletingDescription(description: Record<string, unknown>): Record<string, unknown> {
  const {
    KeySchema: _k,
    AttributeDefinitions: _a,
    CreationDateTime: _c,
    LocalSecondaryIndexes: _l,
    GlobalSecondaryIndexes: _g,
    ...rest
  } = description;
  return rest;
}
