/**
 * @module expr/parameters
 * Request-level rules about which expression parameters may appear
 * together, and the shape of ExpressionAttributeNames/Values, with
 * DynamoDB's messages (dynalite's DynamoDB-verified tests and the
 * conformance suite). Operations call these before resolving expressions.
 */
import { errors } from '../errors/index.js';
import { ATTRIBUTE_NAME_TOO_LARGE, attributeNameTooLarge, validateAttributeValue } from '../values/index.js';
import type { AttributeValue } from '../values/types.js';

const EMPTY_MEANS_ABSENT: ReadonlySet<string> = new Set(['Expected', 'QueryFilter', 'ScanFilter']);

/**
 * Rejects mixing expression parameters with their legacy counterparts,
 * and placeholder maps without an expression that could use them.
 * `expressions` and `legacy` list the parameter names the operation takes,
 * in DynamoDB's order, e.g. for UpdateItem
 * `['UpdateExpression', 'ConditionExpression']` and
 * `['AttributeUpdates', 'Expected']`.
 */
export function checkExpressionParameters(
  request: Readonly<Record<string, unknown>>,
  expressions: readonly string[],
  legacy: readonly string[],
): void {
  const present = (name: string): boolean => request[name] !== undefined && request[name] !== null;
  const used = expressions.filter(present);
  if (used.length > 0) {
    // KeyConditions with a KeyConditionExpression is the one clash DynamoDB
    // reports only when both are given; an empty Expected or filter map
    // stands for no conditions and clashes with nothing (DynamoDB Local).
    const others = legacy.filter(
      (name) =>
        present(name) &&
        !(name === 'KeyConditions' && !present('KeyConditionExpression')) &&
        !(EMPTY_MEANS_ABSENT.has(name) && Object.keys(request[name] as object).length === 0),
    );
    if (others.length > 0) {
      throw errors.validation(
        'Can not use both expression and non-expression parameters in the same request: ' +
          `Non-expression parameters: {${others.join(', ')}} Expression parameters: {${used.join(', ')}}`,
      );
    }
  }
  if (present('ExpressionAttributeNames') && used.length === 0) {
    throw errors.validation('ExpressionAttributeNames can only be specified when using expressions');
  }
  const valueExpressions = expressions.filter((name) => name !== 'ProjectionExpression');
  if (valueExpressions.length > 0 && present('ExpressionAttributeValues') && !valueExpressions.some(present)) {
    throw errors.validation(
      'ExpressionAttributeValues can only be specified when using expressions: ' +
        `${valueExpressions.join(' and ')} ${valueExpressions.length > 1 ? 'are' : 'is'} null`,
    );
  }
}

const NAME_KEY = /^#[0-9a-zA-Z_]+$/;
const VALUE_KEY = /^:[0-9a-zA-Z_]+$/;

/**
 * Checks ExpressionAttributeNames and ExpressionAttributeValues
 * themselves: not empty, keys spelled `#name` / `:name`, values valid
 * (numbers are normalised in place by the values module).
 */
export function checkPlaceholderMaps(
  names: Readonly<Record<string, string>> | undefined,
  values: Readonly<Record<string, AttributeValue>> | undefined,
): void {
  if (names !== undefined) {
    const keys = Object.keys(names);
    if (keys.length === 0) throw errors.validation('ExpressionAttributeNames must not be empty');
    for (const key of keys) {
      if (!NAME_KEY.test(key)) {
        throw errors.validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${key}"`);
      }
      // A null value is the schema's to report (it did, unless no constraint failed).
      const name = names[key];
      if (typeof name === 'string' && attributeNameTooLarge(name)) throw errors.validation(ATTRIBUTE_NAME_TOO_LARGE);
    }
  }
  if (values !== undefined) {
    const keys = Object.keys(values);
    if (keys.length === 0) throw errors.validation('ExpressionAttributeValues must not be empty');
    for (const key of keys) {
      if (!VALUE_KEY.test(key)) {
        throw errors.validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${key}"`);
      }
    }
    for (const key of keys) {
      const message = validateAttributeValue(values[key] as AttributeValue);
      if (message !== undefined) {
        throw errors.validation(`ExpressionAttributeValues contains invalid value: ${message} for key ${key}`);
      }
    }
  }
}
