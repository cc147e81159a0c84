/**
 * @module api/items/update-item
 * UpdateItem: validation and the update itself live in data/plan-update,
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
import { planUpdate, type UpdateRequest } from '../../data/plan-update.js';
import { runItemWrite, type WriteResponseOptions } from '../../data/run-item-write.js';
import { attributeUpdates, conditionalOperator, expected, returnValues } from '../write-schemas.js';

export const updateItem = defineOperation<UpdateRequest & WriteResponseOptions>({
  name: 'UpdateItem',
  schema: {
    // Coral's member order, which is the order of its constraint messages.
    members: {
      ReturnConsumedCapacity: returnConsumedCapacity(),
      TableName: tableNameOrArn({ required: true }),
      ReturnItemCollectionMetrics: returnItemCollectionMetrics(),
      ReturnValues: returnValues(),
      Key: item({ required: true }),
      ConditionalOperator: conditionalOperator(),
      Expected: expected(),
      AttributeUpdates: attributeUpdates(),
      ConditionExpression: str(),
      UpdateExpression: str(),
      ExpressionAttributeValues: expressionAttributeValues(),
      ExpressionAttributeNames: expressionAttributeNames(),
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
    },
  },
  async run({ db }, input) {
    return runItemWrite(db, planUpdate(db, input), input);
  },
});
