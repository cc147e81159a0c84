/**
 * @module ops/item-action
 * A planned write of one item: what PutItem, UpdateItem, DeleteItem and a
 * transaction's Put/Update/Delete/ConditionCheck turn into once their
 * request is validated. Everything that does not need the stored item is
 * checked while planning, so a bad request changes nothing; `apply` then
 * decides the item's next version from the stored one inside the
 * read-modify-write loop (ops/item-store), which may call it more than once.
 */
import { errors } from '../errors/index.js';
import { evaluateCondition } from '../expr/index.js';
import type { Condition } from '../expr/index.js';
import type { TableRecord } from '../catalog/table-record.js';
import type { Item } from '../values/types.js';
import type { ApplyResult, WriteOutcome } from './item-store.js';

export type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';

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
