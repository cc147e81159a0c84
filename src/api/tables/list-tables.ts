/**
 * @module api/tables/list-tables
 * ListTables, paginated by name.
 */
import { int, str } from '../../validate/index.js';
import { defineOperation } from '../operation.js';

export const listTables = defineOperation<{ ExclusiveStartTableName?: string; Limit?: number }>({
  name: 'ListTables',
  schema: {
    members: {
      ExclusiveStartTableName: str({ min: 3, max: 255, pattern: '[a-zA-Z0-9_.-]+' }),
      Limit: int({ min: 1, max: 100 }),
    },
  },
  async run({ db }, input) {
    const limit = input.Limit ?? 100;
    const start = input.ExclusiveStartTableName;
    const names = db.catalog
      .list()
      .map((t) => t.name)
      .filter((name) => start === undefined || name > start);
    const page = names.slice(0, limit);
    const out: Record<string, unknown> = { TableNames: page };
    if (names.length > limit) out.LastEvaluatedTableName = page[page.length - 1];
    return out;
  },
});
