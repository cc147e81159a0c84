/**
 * @module ops/plan-put
 * PutItem's request (and a transaction's Put) → an ItemAction. Checks run
 * in DynamoDB's order (dynalite's DynamoDB-verified validations/putItem.js
 * and actions/putItem.js): mixed expression and legacy parameters, the
 * item's values, ReturnValues, the item's size, Expected, the expressions;
 * then the table, the item's key and its index key values.
 */
import { errors } from '../errors/index.js';
import { checkExpressionParameters, expectedToCondition } from '../expr/index.js';
import type { ConditionalOperator, ExpectedAttributeValue } from '../expr/index.js';
import type { Database } from '../db/database.js';
import { checkIndexKeyTypes } from '../indexes/index-entries.js';
import { itemSize, MAX_ITEM_SIZE } from '../values/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { checkCondition, type ItemAction } from './item-action.js';
import { checkAttributeValues, checkItemKey, extractKey } from './item-keys.js';
import { requireTable } from './table-lookup.js';
import { resolveWriteExpressions } from './write-expressions.js';

/** A type alias, not an interface, so it is also a plain record for the expression checks. */
export type PutRequest = {
  readonly TableName: string;
  readonly Item: Item;
  readonly Expected?: Readonly<Record<string, ExpectedAttributeValue>>;
  readonly ConditionalOperator?: ConditionalOperator;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>>;
  readonly ReturnValues?: string;
  readonly ReturnValuesOnConditionCheckFailure?: string;
};

export function planPut(db: Database, input: PutRequest): ItemAction {
  checkExpressionParameters(input, ['ConditionExpression'], ['Expected']);
  checkAttributeValues(input.Item);
  const returnValues = input.ReturnValues ?? 'NONE';
  if (returnValues !== 'NONE' && returnValues !== 'ALL_OLD') {
    throw errors.validation('ReturnValues can only be ALL_OLD or NONE');
  }
  const item = input.Item;
  if (itemSize(item) > MAX_ITEM_SIZE) throw errors.validation('Item size has exceeded the maximum allowed size');
  const expected = input.Expected === undefined ? undefined : expectedToCondition(input.Expected, input.ConditionalOperator);
  const condition = resolveWriteExpressions(input).condition ?? expected;

  const table = requireTable(db, input.TableName);
  checkItemKey(table, item);
  if (table.globalIndexes.length > 0 || table.localIndexes.length > 0) {
    // Global indexes first: the order in which DynamoDB reports a mismatch.
    checkIndexKeyTypes(table, item, [...table.globalIndexes, ...table.localIndexes]);
  }

  const returnOld = returnValues === 'ALL_OLD';
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
