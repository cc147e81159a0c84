/**
 * @module data/plan-condition-check
 * A transaction's ConditionCheck → an ItemAction that writes nothing: it
 * only fails (ConditionalCheckFailedException, with the stored item when
 * asked) unless the stored item satisfies the condition.
 */
import { errors } from '../errors/index.js';
import type { Database } from './database.js';
import type { AttributeValue, Item } from '../values/types.js';
import { checkCondition, type ItemAction } from './item-action.js';
import { checkAttributeValues, checkKeyParameter } from './item-keys.js';
import { requireTable } from './table-lookup.js';
import { resolveWriteExpressions } from './write-expressions.js';

export interface ConditionCheckRequest {
  readonly TableName: string;
  readonly Key: Item;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>>;
  readonly ReturnValuesOnConditionCheckFailure?: string;
}

export function planConditionCheck(db: Database, input: ConditionCheckRequest): ItemAction {
  checkAttributeValues(input.Key);
  const condition = resolveWriteExpressions(input).condition;
  // The request schema requires ConditionExpression; this guards callers that build requests themselves.
  if (condition === undefined) throw errors.validation('ConditionExpression must be specified');

  const table = requireTable(db, input.TableName);
  checkKeyParameter(table, input.Key);

  const returnOnFailure = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
  return {
    table,
    key: input.Key,
    readsOld: true,
    apply(old) {
      checkCondition(condition, old, returnOnFailure);
      return 'unchanged';
    },
    attributes: () => undefined,
  };
}
