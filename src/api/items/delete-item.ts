/**
 * @module api/items/delete-item
 * DeleteItem: validation and the write itself live in data/plan-delete,
 * shared with transactions; this file is the request schema and the
 * response.
 */
import { str, tableNameOrArn } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import {
  expressionAttributeNames,
  expressionAttributeValues,
  item,
  returnConsumedCapacity,
  returnItemCollectionMetrics,
  returnValuesOnConditionCheckFailure,
} from '../item-schemas.js';
import { planDelete, type DeleteRequest } from '../../data/plan-delete.js';
import { runItemWrite, type WriteResponseOptions } from '../../data/run-item-write.js';
import { conditionalOperator, expected, returnValues } from '../write-schemas.js';

export const deleteItem = defineOperation<DeleteRequest & WriteResponseOptions>({
  name: 'DeleteItem',
  schema: {
    // Coral's member order, which is the order of its constraint messages.
    members: {
      ReturnConsumedCapacity: returnConsumedCapacity(),
      TableName: tableNameOrArn({ required: true }),
      ReturnValues: returnValues(),
      ReturnItemCollectionMetrics: returnItemCollectionMetrics(),
      Key: item({ required: true }),
      ConditionalOperator: conditionalOperator(),
      Expected: expected(),
      ConditionExpression: str(),
      ExpressionAttributeValues: expressionAttributeValues(),
      ExpressionAttributeNames: expressionAttributeNames(),
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
    },
  },
  async run({ db }, input) {
    return runItemWrite(db, planDelete(db, input), input);
  },
});
