/**
 * @module data/plan-update
 * UpdateItem's request (and a transaction's Update) → an ItemAction.
 *
 * Order of checks (dynalite's DynamoDB-verified validations/updateItem.js
 * and actions/updateItem.js): mixed expression and legacy parameters, the
 * key's values, AttributeUpdates, Expected, the expressions; then the
 * table, the key, what the update does to key attributes
 * (data/update-key-checks). With the stored item: the condition first, then
 * the update itself, the index keys it changed, and the new item's size.
 *
 * An update creates the item when it does not exist — unless all it does is
 * remove attributes, which leaves nothing to create (Alternator's
 * DynamoDB-verified test_returnvalues.py and test_item.py).
 */
import { errors } from '../errors/index.js';
import {
  applyUpdate,
  attributeUpdatesToUpdate,
  checkConditionalOperator,
  checkExpressionParameters,
  expectedToCondition,
  projectItem,
  updateTargetPaths,
} from '../expr/index.js';
import type {
  AttributeValueUpdate,
  ConditionalOperator,
  ExpectedAttributeValue,
  Update,
} from '../expr/index.js';
import type { Database } from './database.js';
import { itemSize, MAX_ITEM_SIZE } from '../values/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { checkCondition, nonEmpty, type ItemAction } from './item-action.js';
import { checkAttributeValues, checkKeyParameter } from './item-keys.js';
import { requireTable } from './table-lookup.js';
import { checkUpdateAgainstKeys, checkUpdatedIndexKeys } from './update-key-checks.js';
import { resolveWriteExpressions } from './write-expressions.js';

/** A type alias, not an interface, so it is also a plain record for the expression checks. */
export type UpdateRequest = {
  readonly TableName: string;
  readonly Key: Item;
  readonly AttributeUpdates?: Readonly<Record<string, AttributeValueUpdate>>;
  readonly Expected?: Readonly<Record<string, ExpectedAttributeValue>>;
  readonly ConditionalOperator?: ConditionalOperator;
  readonly UpdateExpression?: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>>;
  readonly ReturnValues?: string;
  readonly ReturnValuesOnConditionCheckFailure?: string;
};

const NO_ACTIONS: Update = { actions: [] };

export function planUpdate(db: Database, input: UpdateRequest): ItemAction {
  checkExpressionParameters(
    input,
    ['UpdateExpression', 'ConditionExpression'],
    ['AttributeUpdates', 'Expected', 'ConditionalOperator'],
  );
  checkConditionalOperator(input.ConditionalOperator, input.Expected);
  checkAttributeValues(input.Key);
  const legacyUpdate = input.AttributeUpdates === undefined ? undefined : attributeUpdatesToUpdate(input.AttributeUpdates);
  const expected = input.Expected === undefined ? undefined : expectedToCondition(input.Expected, input.ConditionalOperator);
  const expressions = resolveWriteExpressions(input);
  const update = expressions.update ?? legacyUpdate ?? NO_ACTIONS;
  const condition = expressions.condition ?? expected;
  const legacy = legacyUpdate !== undefined;

  const table = requireTable(db, input.TableName);
  checkKeyParameter(table, input.Key);
  checkUpdateAgainstKeys(table, update);

  const key = input.Key;
  const paths = updateTargetPaths(update);
  const onlyRemoves =
    update.actions.length > 0 && update.actions.every((action) => action.kind === 'remove' || action.kind === 'delete');
  const returnValues = input.ReturnValues ?? 'NONE';
  const returnOnFailure = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
  return {
    table,
    key,
    readsOld: true,
    apply(old) {
      checkCondition(condition, old, returnOnFailure);
      const { item: next } = applyUpdate(update, old, { key, legacy });
      if (old === undefined && onlyRemoves) return 'unchanged';
      checkUpdatedIndexKeys(table, old, next);
      if (itemSize(next) > MAX_ITEM_SIZE) {
        throw errors.validation('Item size to update has exceeded the maximum allowed size');
      }
      return { next };
    },
    attributes(outcome) {
      switch (returnValues) {
        case 'ALL_OLD':
          return outcome.old;
        case 'UPDATED_OLD':
          return outcome.old === undefined ? undefined : nonEmpty(projectItem(outcome.old, paths));
        case 'ALL_NEW':
          return outcome.next;
        case 'UPDATED_NEW':
          return outcome.next === undefined || !outcome.written ? undefined : nonEmpty(projectItem(outcome.next, paths));
        default:
          return undefined;
      }
    },
  };
}
