/**
 * @module data/item-action
 * A planned write of one item: what PutItem, UpdateItem, DeleteItem and a
 * transaction's Put/Update/Delete/ConditionCheck turn into once their
 * request is validated. Everything that does not need the stored item is
 * checked while planning, so a bad request changes nothing; `apply` then
 * decides the item's next version from the stored one inside the
 * read-modify-write loop (data/item-store), which may call it more than once.
 */
import { errors } from '../errors/index.js';
import { evaluateCondition, expectedToCondition } from '../expr/index.js';
import type { Condition, ConditionalOperator, ExpectedAttributeValue } from '../expr/index.js';
import type { TableRecord } from '../catalog/table-record.js';
import type { AttributeValue, Item } from '../values/types.js';
import type { ApplyResult, WriteOutcome } from './item-store.js';
import { resolveWriteExpressions } from './write-expressions.js';

export type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';

/**
 * The members PutItem and DeleteItem share: a condition (expression or
 * legacy) and what to return. A type alias, not an interface, so requests
 * built on it are also plain records for the expression checks.
 */
export type ConditionalWriteRequest = {
  readonly TableName: string;
  readonly Expected?: Readonly<Record<string, ExpectedAttributeValue>>;
  readonly ConditionalOperator?: ConditionalOperator;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>>;
  readonly ReturnValues?: string;
  readonly ReturnValuesOnConditionCheckFailure?: string;
};

/** PutItem and DeleteItem allow only ALL_OLD or NONE; true when ALL_OLD is asked. */
export function allOldOrNone(returnValues: string | undefined): boolean {
  if (returnValues !== undefined && returnValues !== 'NONE' && returnValues !== 'ALL_OLD') {
    throw errors.validation('ReturnValues can only be ALL_OLD or NONE');
  }
  return returnValues === 'ALL_OLD';
}

/** The write's condition: its ConditionExpression, or its legacy Expected. */
export function writeCondition(input: ConditionalWriteRequest): Condition | undefined {
  const expected = input.Expected === undefined ? undefined : expectedToCondition(input.Expected, input.ConditionalOperator);
  return resolveWriteExpressions(input).condition ?? expected;
}

export interface ItemAction {
  readonly table: TableRecord;
  /** The item's primary key attributes. */
  readonly key: Item;
  /**
   * Whether `apply` or `attributes` look at the stored item. When false a
   * single-item write may skip reading it (see WriteOptions.readOld).
   */
  readonly readsOld: boolean;
  /**
   * The next version of the item, given the stored one. Throws
   * ConditionalCheckFailedException (carrying the stored item when
   * ReturnValuesOnConditionCheckFailure is ALL_OLD) or a
   * ValidationException that depends on the stored item. Pure: safe to
   * call again.
   */
  apply(old: Item | undefined): ApplyResult;
  /** The response's Attributes member as ReturnValues asks, or undefined for none. */
  attributes(outcome: WriteOutcome): Item | undefined;
}

/**
 * Throws ConditionalCheckFailedException unless `old` satisfies the
 * condition. The stored item rides along only when asked for and present
 * (Alternator's DynamoDB-verified test_returnvalues.py).
 */
export function checkCondition(condition: Condition | undefined, old: Item | undefined, returnOld: boolean): void {
  if (condition === undefined || evaluateCondition(condition, old)) return;
  throw errors.conditionalCheckFailed(returnOld && old !== undefined ? old : undefined);
}

/** DynamoDB omits Attributes rather than sending an empty map. */
export function nonEmpty(item: Item | undefined): Item | undefined {
  if (item === undefined) return undefined;
  for (const _ in item) return item;
  return undefined;
}
