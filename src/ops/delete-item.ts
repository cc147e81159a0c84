/**
 * @module ops/delete-item
 * DeleteItem.
 */
import { errors } from '../errors/index.js';
import { map, str, struct, tableNameOrArn } from '../validate/index.js';
import { itemSize } from '../values/index.js';
import type { Item } from '../values/types.js';
import { consumedCapacity, writeUnits, type ReturnConsumedCapacity } from './capacity.js';
import { defineOperation } from './operation.js';
import { checkAttributeValues, checkKeyParameter } from './item-keys.js';
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

interface DeleteItemInput {
  TableName: string;
  Key: Item;
  Expected?: Record<string, unknown>;
  ConditionalOperator?: string;
  ReturnValues?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnItemCollectionMetrics?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ReturnValuesOnConditionCheckFailure?: string;
}

export const deleteItem = defineOperation<DeleteItemInput>({
  name: 'DeleteItem',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      Key: item({ required: true }),
      Expected: map(struct({})),
      ConditionalOperator: conditionalOperator(),
      ReturnValues: returnValues(),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      ReturnItemCollectionMetrics: returnItemCollectionMetrics(),
      ConditionExpression: str(),
      ExpressionAttributeNames: expressionAttributeNames(),
      ExpressionAttributeValues: expressionAttributeValues(),
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
    },
  },
  async run({ db }, input) {
    checkAttributeValues(input.Key);
    if (input.ReturnValues !== undefined && input.ReturnValues !== 'NONE' && input.ReturnValues !== 'ALL_OLD') {
      throw errors.validation('ReturnValues can only be ALL_OLD or NONE');
    }
    rejectUnsupportedConditions('DeleteItem', input);
    const table = requireTable(db, input.TableName);
    checkKeyParameter(table, input.Key);
    const outcome = await writeItem(db, table, input.Key, () => ({ next: undefined }));
    const out: Record<string, unknown> = {};
    if (input.ReturnValues === 'ALL_OLD' && outcome.old !== undefined) out.Attributes = outcome.old;
    const capacity = consumedCapacity(input.ReturnConsumedCapacity, table, {
      table: writeUnits(outcome.old ? itemSize(outcome.old) : 0),
    });
    if (capacity) out.ConsumedCapacity = capacity;
    return out;
  },
});
