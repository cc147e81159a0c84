/**
 * @module api/items/put-item
 * PutItem: validation and the write itself live in data/plan-put, shared
 * with transactions; this file is the request schema and the response.
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
import { planPut, type PutRequest } from '../../data/plan-put.js';
import { runItemWrite, type WriteResponseOptions } from '../../data/run-item-write.js';
import { conditionalOperator, expected, returnValues } from '../write-schemas.js';

export const putItem = defineOperation<PutRequest & WriteResponseOptions>({
  name: 'PutItem',
  schema: {
    // Coral's member order, which is the order of its constraint messages.
    members: {
      ReturnConsumedCapacity: returnConsumedCapacity(),
      TableName: tableNameOrArn({ required: true }),
      Item: item({ required: true }),
      ConditionalOperator: conditionalOperator(),
      Expected: expected(),
      ReturnValues: returnValues(),
      ReturnItemCollectionMetrics: returnItemCollectionMetrics(),
      ConditionExpression: str(),
      ExpressionAttributeValues: expressionAttributeValues(),
      ExpressionAttributeNames: expressionAttributeNames(),
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
    },
  },
  async run({ db }, input) {
    return runItemWrite(db, planPut(db, input), input);
  },
});
