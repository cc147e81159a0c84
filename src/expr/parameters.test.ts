import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import type { AttributeValue } from '../values/types.js';
import { checkExpressionParameters, checkPlaceholderMaps } from './parameters.js';

function throwsValidation(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynamoError(e), `expected a DynamoError, got ${String(e)}`);
    assert.equal(e.shortType, 'ValidationException');
    assert.equal(e.message, message);
    return true;
  });
}

const UPDATE_EXPRESSIONS = ['UpdateExpression', 'ConditionExpression'];
const UPDATE_LEGACY = ['AttributeUpdates', 'Expected'];
const QUERY_EXPRESSIONS = ['ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'];
const QUERY_LEGACY = ['AttributesToGet', 'QueryFilter', 'ConditionalOperator', 'KeyConditions'];

describe('checkExpressionParameters', () => {
  it('refuses expression and legacy parameters together', () => {
    throwsValidation(
      () =>
        checkExpressionParameters(
          { UpdateExpression: 'SET a = :v', AttributeUpdates: {} },
          UPDATE_EXPRESSIONS,
          UPDATE_LEGACY,
        ),
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}',
    );
    throwsValidation(
      () =>
        checkExpressionParameters(
          { UpdateExpression: '', ConditionExpression: '', AttributeUpdates: {}, Expected: { a: {} } },
          UPDATE_EXPRESSIONS,
          UPDATE_LEGACY,
        ),
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: {UpdateExpression, ConditionExpression}',
    );
  });

  it('reads an empty Expected or filter map as absent (DynamoDB Local)', () => {
    assert.doesNotThrow(() =>
      checkExpressionParameters({ ConditionExpression: 'attribute_exists(a)', Expected: {} }, ['ConditionExpression'], ['Expected']),
    );
    assert.doesNotThrow(() =>
      checkExpressionParameters({ FilterExpression: 'a = :v', QueryFilter: {} }, QUERY_EXPRESSIONS, QUERY_LEGACY),
    );
  });

  it('lets KeyConditions go with other expressions, but not with KeyConditionExpression', () => {
    assert.doesNotThrow(() =>
      checkExpressionParameters({ KeyConditions: {}, FilterExpression: 'a = :v', ExpressionAttributeValues: {} }, QUERY_EXPRESSIONS, QUERY_LEGACY),
    );
    throwsValidation(
      () => checkExpressionParameters({ KeyConditions: {}, KeyConditionExpression: 'p = :v' }, QUERY_EXPRESSIONS, QUERY_LEGACY),
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}',
    );
  });

  it('refuses placeholder maps without an expression to use them', () => {
    throwsValidation(
      () => checkExpressionParameters({ ExpressionAttributeNames: { '#a': 'a' } }, ['ProjectionExpression', 'FilterExpression'], []),
      'ExpressionAttributeNames can only be specified when using expressions',
    );
    throwsValidation(
      () => checkExpressionParameters({ ExpressionAttributeValues: { ':v': { S: 'x' } } }, ['ConditionExpression'], ['Expected']),
      'ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null',
    );
    throwsValidation(
      () => checkExpressionParameters({ ExpressionAttributeValues: {}, ProjectionExpression: 'a' }, ['ProjectionExpression', 'FilterExpression'], []),
      'ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null',
    );
    throwsValidation(
      () => checkExpressionParameters({ ExpressionAttributeValues: {} }, UPDATE_EXPRESSIONS, UPDATE_LEGACY),
      'ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null',
    );
  });
});

describe('checkPlaceholderMaps', () => {
  it('refuses empty maps and badly spelled keys', () => {
    throwsValidation(() => checkPlaceholderMaps({}, undefined), 'ExpressionAttributeNames must not be empty');
    throwsValidation(() => checkPlaceholderMaps(undefined, {}), 'ExpressionAttributeValues must not be empty');
    throwsValidation(() => checkPlaceholderMaps({ a: 'a' }, undefined), 'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"');
    throwsValidation(() => checkPlaceholderMaps({ '#a-b': 'a' }, undefined), 'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"');
    throwsValidation(
      () => checkPlaceholderMaps(undefined, { a: { S: 'b' } }),
      'ExpressionAttributeValues contains invalid key: Syntax error; key: "a"',
    );
  });

  it('validates and normalises values', () => {
    const values: Record<string, AttributeValue> = { ':n': { N: '1.50' } };
    checkPlaceholderMaps({ '#_1': 'x' }, values);
    assert.deepEqual(values[':n'], { N: '1.5' });
    throwsValidation(
      () => checkPlaceholderMaps(undefined, { ':s': { SS: [] } }),
      'ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :s',
    );
  });
});
