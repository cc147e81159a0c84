/**
 * @module ops/plan-delete
 * DeleteItem's request (and a transaction's Delete) → an ItemAction, with
 * DynamoDB's order of checks (dynalite's DynamoDB-verified
 * validations/deleteItem.js): mixed expression and legacy parameters, the
 * key's values, ReturnValues, Expected, the expressions; then the table and
 * the key against its schema.
 */
import { errors } from '../errors/index.js';
import { checkExpressionParameters, expectedToCondition } from '../expr/index.js';
import type { ConditionalOperator, ExpectedAttributeValue } from '../expr/index.js';
import type { Database } from '../db/database.js';
import type { AttributeValue, Item } from '../values/types.js';
import { checkCondition, type ItemAction } from './item-action.js';
import { checkAttributeValues, checkKeyParameter } from './item-keys.js';
import { requireTable } from './table-lookup.js';
import { resolveWriteExpressions } from './write-expressions.js';

/** A type alias, not an interface, so it is also a plain record for the expression checks. */
export type DeleteRequest = {
  readonly TableName: string;
  readonly Key: Item;
  readonly Expected?: Readonly<Record<string, ExpectedAttributeValue>>;
  readonly ConditionalOperator?: ConditionalOperator;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>>;
  readonly ReturnValues?: string;
  readonly ReturnValuesOnConditionCheckFailure?: string;
};

export function planDelete(db: Database, input: DeleteRequest): ItemAction {
  checkExpressionParameters(input, ['ConditionExpression'], ['Expected']);
  checkAttributeValues(input.Key);
  const returnValues = input.ReturnValues ?? 'NONE';
  if (returnValues !== 'NONE' && returnValues !== 'ALL_OLD') {
    throw errors.validation('ReturnValues can only be ALL_OLD or NONE');
  }
  const expected = input.Expected === undefined ? undefined : expectedToCondition(input.Expected, input.ConditionalOperator);
  const condition = resolveWriteExpressions(input).condition ?? expected;

  const table = requireTable(db, input.TableName);
  checkKeyParameter(table, input.Key);

  const returnOld = returnValues === 'ALL_OLD';
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
