/**
 * @module ops/put-item
 * PutItem.
 */
import { errors } from '../errors/index.js';
import { map, struct, tableNameOrArn } from '../validate/index.js';
import { allIndexes } from '../catalog/table-record.js';
import { checkIndexKeyTypes } from '../indexes/index-entries.js';
import { itemSize, MAX_ITEM_SIZE } from '../values/index.js';
import type { Item } from '../values/types.js';
import { consumedCapacity, writeUnits, type ReturnConsumedCapacity } from './capacity.js';
import { defineOperation } from './operation.js';
import { checkAttributeValues, checkItemKey, extractKey } from './item-keys.js';
import {
  conditionalOperator,
  expressionAttributeNames,
  expressionAttributeValues,
  item,
  returnConsumedCapacity,
  returnItemCollectionMetrics,
  returnValues,
  returnValuesOnConditionCheckFailure,
} from './item-schemas.js';
import { requireTable } from './table-lookup.js';
import { writeItem } from './item-store.js';
import { rejectUnsupportedConditions } from './unsupported.js';

interface PutItemInput {
  TableName: string;
  Item: Item;
  Expected?: Record<string, unknown>;
  ReturnValues?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnItemCollectionMetrics?: string;
  ConditionalOperator?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ReturnValuesOnConditionCheckFailure?: string;
}

export const putItem = defineOperation<PutItemInput>({
  name: 'PutItem',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      Item: item({ required: true }),
      Expected: map(struct({})),
      ReturnValues: returnValues(),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      ReturnItemCollectionMetrics: returnItemCollectionMetrics(),
      ConditionalOperator: conditionalOperator(),
      ConditionExpression: { type: 'string' },
      ExpressionAttributeNames: expressionAttributeNames(),
      ExpressionAttributeValues: expressionAttributeValues(),
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
    },
  },
  async run({ db }, input) {
    checkAttributeValues(input.Item);
    if (input.ReturnValues !== undefined && input.ReturnValues !== 'NONE' && input.ReturnValues !== 'ALL_OLD') {
      throw errors.validation('ReturnValues can only be ALL_OLD or NONE');
    }
    rejectUnsupportedConditions('PutItem', input);
    const table = requireTable(db, input.TableName);
    checkItemKey(table, input.Item);
    if (itemSize(input.Item) > MAX_ITEM_SIZE) throw errors.validation('Item size has exceeded the maximum allowed size');
    checkIndexKeyTypes(table, input.Item, allIndexes(table));

    const outcome = await writeItem(db, table, extractKey(table, input.Item), () => ({ next: input.Item }));
    const out: Record<string, unknown> = {};
    if (input.ReturnValues === 'ALL_OLD' && outcome.old !== undefined) out.Attributes = outcome.old;
    const units = writeUnits(Math.max(outcome.oldRaw ? itemSize(outcome.old!) : 0, itemSize(input.Item)));
    const capacity = consumedCapacity(input.ReturnConsumedCapacity, table, { table: units });
    if (capacity) out.ConsumedCapacity = capacity;
    return out;
  },
});
