/**
 * @module ops/delete-table
 * DeleteTable: the catalog entry goes at once (the response says DELETING,
 * as DynamoDB's does); the data is erased in the background.
 */
import { errors } from '../errors/index.js';
import { tableNameOrArn } from '../validate/index.js';
import { defineOperation } from './operation.js';
import { describeTable } from './table-description.js';
import { requireTableForControl } from './table-lookup.js';
import { tableStats } from './table-stats.js';

export const deleteTable = defineOperation<{ TableName: string }>({
  name: 'DeleteTable',
  schema: { members: { TableName: tableNameOrArn({ required: true }) } },
  async run({ db }, input) {
    for (;;) {
      const table = requireTableForControl(db, input.TableName);
      if (table.deletionProtection) {
        throw errors.validation(
          `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`,
        );
      }
      const stats = await tableStats(db, table);
      if (await db.catalog.drop(table)) {
        db.eraseDroppedTables();
        return { TableDescription: describeTable(db, { ...table, status: 'DELETING' }, stats) };
      }
    }
  },
});
