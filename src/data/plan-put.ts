/**
 * @module data/plan-put
 * PutItem's request (and a transaction's Put) → an ItemAction. Checks run
 * in DynamoDB's order (dynalite's DynamoDB-verified validations/putItem.js
 * and actions/putItem.js): mixed expression and legacy parameters, the
 * item's values, ReturnValues, the item's size, Expected, the expressions;
 * then the table, the item's key and its index key values.
 */
import { errors } from '../errors/index.js';
import { checkConditionalOperator, checkExpressionParameters } from '../expr/index.js';
import type { Database } from './database.js';
import { checkIndexKeyTypes } from '../indexes/index-entries.js';
import { checkVectorValues } from '../indexes/vector-entries.js';
import { itemSize, MAX_ITEM_SIZE } from '../values/index.js';
import type { Item } from '../values/types.js';
import { allOldOrNone, checkCondition, writeCondition, type ConditionalWriteRequest, type ItemAction } from './item-action.js';
import { checkAttributeValues, checkItemKey, extractKey } from './item-keys.js';
import { requireTable } from './table-lookup.js';

export type PutRequest = ConditionalWriteRequest & { readonly Item: Item };

export function planPut(db: Database, input: PutRequest): ItemAction {
  checkExpressionParameters(input, ['ConditionExpression'], ['Expected', 'ConditionalOperator']);
  checkConditionalOperator(input.ConditionalOperator, input.Expected);
  checkAttributeValues(input.Item);
  const returnOld = allOldOrNone(input.ReturnValues);
  const item = input.Item;
  if (itemSize(item) > MAX_ITEM_SIZE) throw errors.validation('Item size has exceeded the maximum allowed size');
  const condition = writeCondition(input);

  const table = requireTable(db, input.TableName);
  checkItemKey(table, item);
  if (table.globalIndexes.length > 0 || table.localIndexes.length > 0) {
    // Global indexes first: the order in which DynamoDB reports a mismatch.
    checkIndexKeyTypes(table, item, [...table.globalIndexes, ...table.localIndexes]);
  }
  if (table.vectorIndexes !== undefined && table.vectorIndexes.length > 0) checkVectorValues(table, undefined, item);

  const returnOnFailure = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
  return {
    table,
    key: extractKey(table, item),
    readsOld: condition !== undefined || returnOld,
    apply(old) {
      checkCondition(condition, old, returnOnFailure);
      return { next: item };
    },
    attributes: (outcome) => (returnOld ? outcome.old : undefined),
  };
}
