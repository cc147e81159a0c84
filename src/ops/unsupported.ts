/**
 * @module ops/unsupported
 * Until the expression language lands (#3), item operations refuse the
 * parameters that need it, naming them, rather than ignoring a condition.
 */
import { errors } from '../errors/index.js';

const CONDITION_PARAMETERS = [
  'ConditionExpression',
  'Expected',
  'ConditionalOperator',
  'ProjectionExpression',
  'AttributesToGet',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
] as const;

export function rejectUnsupportedConditions(operation: string, input: object): void {
  for (const name of CONDITION_PARAMETERS) {
    if ((input as Record<string, unknown>)[name] !== undefined) {
      throw errors.validation(`openddb does not support ${name} in ${operation} yet`);
    }
  }
}
