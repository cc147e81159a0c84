/**
 * @module partiql/keyed-select
 * A SELECT that names one item by an equality on every key attribute of
 * its table: what BatchExecuteStatement and ExecuteTransaction may read
 * (each is a GetItem there). The rest of the WHERE clause still filters
 * the item, and the projection shapes it.
 */
import type { Database } from '../data/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { evaluateCondition } from '../expr/index.js';
import type { Condition } from '../expr/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { checkAttributeValues, checkKeyParameter } from '../data/item-keys.js';
import { requireTable } from '../data/table-lookup.js';
import type { PathNode, SelectStatement } from './ast.js';
import { splitKeyPredicates } from './key-predicates.js';
import { projectForSelect } from './projection.js';
import { whereCondition } from './select-page.js';

export interface KeyedSelect {
  readonly table: TableRecord;
  readonly key: Item;
  readonly filter: Condition | undefined;
  readonly projection: readonly PathNode[] | undefined;
}

/** The item a SELECT addresses, or undefined when its WHERE clause does not name a whole key. */
export function planKeyedSelect(
  db: Database,
  statement: SelectStatement,
  parameters: readonly AttributeValue[],
): KeyedSelect | undefined {
  const table = requireTable(db, statement.from.table);
  const names = [table.keySchema.hash, ...(table.keySchema.range === undefined ? [] : [table.keySchema.range])];
  const { equalities } = splitKeyPredicates(statement.where, names, parameters);
  if (statement.from.index !== undefined || names.some((name) => !equalities.has(name))) return undefined;
  const key: Item = {};
  for (const name of names) key[name] = equalities.get(name)!;
  checkAttributeValues(key);
  checkKeyParameter(table, key);
  return { table, key, filter: whereCondition(statement.where, parameters), projection: statement.projection };
}

/** The item a keyed SELECT returns from the stored one, or undefined. */
export function keyedSelectResult(select: KeyedSelect, stored: Item | undefined): Item | undefined {
  if (stored === undefined) return undefined;
  if (select.filter !== undefined && !evaluateCondition(select.filter, stored)) return undefined;
  return projectForSelect(stored, select.projection);
}
