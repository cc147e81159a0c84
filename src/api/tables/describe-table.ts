/**
 * @module api/tables/describe-table
 * DescribeTable.
 */
import { tableNameOrArn } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { requireTableNameParameter } from './table-schemas.js';
import { describeTable as describe } from './table-description.js';
import { requireTableForControl } from '../../data/table-lookup.js';
import { tableStats } from '../../data/table-stats.js';

export const describeTable = defineOperation<{ TableName: string }>({
  name: 'DescribeTable',
  schema: { members: { TableName: tableNameOrArn({ required: true }) } },
  precheck: requireTableNameParameter,
  async run({ db }, input) {
    const table = requireTableForControl(db, input.TableName);
    return { Table: describe(db, table, await tableStats(db, table)) };
  },
});
