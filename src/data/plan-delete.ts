/**
 * @module data/plan-delete
 * DeleteItem's request (and a transaction's Delete) → an ItemAction, with
 * DynamoDB's order of checks (dynalite's DynamoDB-verified
 * validations/deleteItem.js): mixed expression and legacy parameters, the
 * key's values, ReturnValues, Expected, the expressions; then the table and
 * the key against its schema.
 */
import { checkConditionalOperator, checkExpressionParameters } from '../expr/index.js';
import type { Database } from './database.js';
import type { Item } from '../values/types.js';
import { allOldOrNone, checkCondition, writeCondition, type ConditionalWriteRequest, type ItemAction } from './item-action.js';
import { checkAttributeValues, checkKeyParameter } from './item-keys.js';
import { requireTable } from './table-lookup.js';

export type DeleteRequest = ConditionalWriteRequest & { readonly Key: Item };

export function planDelete(db: Database, input: DeleteRequest): ItemAction {
  checkExpressionParameters(input, ['ConditionExpression'], ['Expected', 'ConditionalOperator']);
  checkConditionalOperator(input.ConditionalOperator, input.Expected);
  checkAttributeValues(input.Key);
  const returnOld = allOldOrNone(input.ReturnValues);
  const condition = writeCondition(input);

  const table = requireTable(db, input.TableName);
  checkKeyParameter(table, input.Key);

  const returnOnFailure = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
  return {
    table,
    key: input.Key,
    readsOld: condition !== undefined || returnOld,
    apply(old) {
      checkCondition(condition, old, returnOnFailure);
      return { next: undefined };
    },
    attributes: (outcome) => (returnOld ? outcome.old : undefined),
  };
}
