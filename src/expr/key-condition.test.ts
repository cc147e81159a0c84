import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import type { AttributeValue } from '../values/types.js';
import { ExpressionContext } from './expression-context.js';
import { checkFilterAvoidsKeys, keyConditionMatches, keyConditionsFromExpression, planKeyConditions } from './key-condition.js';
import type { KeySchema } from './key-condition.js';

const N = (n: string): AttributeValue => ({ N: n });
const S = (s: string): AttributeValue => ({ S: s });

const values: Record<string, AttributeValue> = { ':p': S('p1'), ':c': N('3'), ':c2': N('9'), ':s': S('x'), ':a': N('1'), ':t': S('S') };

function extract(text: string, names?: Record<string, string>) {
  const ctx = new ExpressionContext(names, values);
  return keyConditionsFromExpression(ctx.condition(text, 'KeyConditionExpression'));
}

function throwsValidation(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynamoError(e), `expected a DynamoError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const composite: KeySchema = { hash: { name: 'p', type: 'S' }, range: { name: 'c', type: 'N' } };
const hashOnly: KeySchema = { hash: { name: 'p', type: 'S' } };

describe('keyConditionsFromExpression', () => {
  it('extracts one condition per key, mirroring reversed comparisons', () => {
    assert.deepEqual(extract('p = :p AND c BETWEEN :c AND :c2'), [
      { name: 'p', operator: 'EQ', values: [S('p1')] },
      { name: 'c', operator: 'BETWEEN', values: [N('3'), N('9')] },
    ]);
    assert.deepEqual(extract(':p = p AND :c < c'), [
      { name: 'p', operator: 'EQ', values: [S('p1')] },
      { name: 'c', operator: 'GT', values: [N('3')] },
    ]);
    assert.deepEqual(extract('((c >= :c) AND (#k = :p))', { '#k': 'p' }), [
      { name: 'c', operator: 'GE', values: [N('3')] },
      { name: 'p', operator: 'EQ', values: [S('p1')] },
    ]);
    assert.deepEqual(extract('p = :p AND begins_with(c, :s)')[1], { name: 'c', operator: 'BEGINS_WITH', values: [S('x')] });
  });

  it('refuses operators a key condition cannot use', () => {
    for (const [text, operator] of [
      ['c=:c OR p=:p', 'OR'],
      ['NOT c=:c AND p=:p', 'NOT'],
      ['p=:p AND c IN (:c)', 'IN'],
      ['p=:p AND c<>:c', '<>'],
      ['p=:p AND attribute_exists(c)', 'attribute_exists'],
      ['p=:p AND attribute_not_exists(c)', 'attribute_not_exists'],
      ['p=:p AND attribute_type(c, :t)', 'attribute_type'],
      ['p=:p AND contains(c, :c)', 'contains'],
    ] as const) {
      throwsValidation(() => extract(text), `Invalid operator used in KeyConditionExpression: ${operator}`);
    }
  });

  it('refuses malformed key conditions', () => {
    throwsValidation(() => extract('p=:p AND size(c) > :c'), 'KeyConditionExpressions cannot contain nested operations');
    throwsValidation(
      () => extract('p=:p AND :c BETWEEN c AND :c2'),
      'Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand',
    );
    throwsValidation(
      () => extract('p=:p AND begins_with(:s, c)'),
      'Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand',
    );
    throwsValidation(() => extract('p=c'), 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
    throwsValidation(() => extract('p=:p AND a.b<:a'), 'KeyConditionExpressions cannot have conditions on nested attributes');
    throwsValidation(() => extract(':p=:a'), 'Invalid condition in KeyConditionExpression: No key attribute specified');
    throwsValidation(() => extract('p=:p AND p=:p'), 'KeyConditionExpressions must only contain one condition per key');
    throwsValidation(() => extract('p=:p AND c>=:c AND c<=:c2'), 'KeyConditionExpressions must only contain one condition per key');
  });
});

describe('planKeyConditions', () => {
  it('splits the partition value from the sort-key condition', () => {
    assert.deepEqual(planKeyConditions(extract('c > :c AND p = :p'), composite), {
      hash: { name: 'p', value: S('p1') },
      range: { name: 'c', operator: 'GT', values: [N('3')] },
    });
    assert.deepEqual(planKeyConditions(extract('p = :p'), composite), { hash: { name: 'p', value: S('p1') } });
  });

  it('gives DynamoDB Query errors', () => {
    throwsValidation(() => planKeyConditions(extract('c = :c'), composite), 'Query condition missed key schema element: p');
    throwsValidation(() => planKeyConditions(extract('attr1 = :c'), composite), 'Query condition missed key schema element: p');
    throwsValidation(() => planKeyConditions(extract('p=:p AND a<:a'), composite), 'Query condition missed key schema element: c');
    throwsValidation(() => planKeyConditions(extract('p=:p AND c<:c AND a<:a'), composite), 'Conditions can be of length 1 or 2 only');
    throwsValidation(() => planKeyConditions(extract('p<:p'), composite), 'Query key condition not supported');
    throwsValidation(() => planKeyConditions(extract('p=:p AND c=:c'), hashOnly), 'Query key condition not supported');
    throwsValidation(
      () => planKeyConditions(extract('p=:c'), composite),
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
    throwsValidation(
      () => planKeyConditions([{ name: 'p', operator: 'NE', values: [S('x')] }], composite),
      'Attempted conditional constraint is not an indexable operation',
    );
  });
});

describe('keyConditionMatches', () => {
  it('tests a sort-key value against a planned condition', () => {
    assert.equal(keyConditionMatches({ name: 'c', operator: 'BETWEEN', values: [N('3'), N('9')] }, N('9')), true);
    assert.equal(keyConditionMatches({ name: 'c', operator: 'BETWEEN', values: [N('3'), N('9')] }, N('10')), false);
    assert.equal(keyConditionMatches({ name: 'c', operator: 'LT', values: [N('3')] }, N('2.5')), true);
    assert.equal(keyConditionMatches({ name: 'c', operator: 'GE', values: [S('b')] }, S('a')), false);
    assert.equal(keyConditionMatches({ name: 'c', operator: 'BEGINS_WITH', values: [S('ab')] }, S('abc')), true);
    assert.equal(keyConditionMatches({ name: 'c', operator: 'EQ', values: [N('1')] }, N('1')), true);
  });
});

describe('planKeyConditions on a multi-attribute key', () => {
  const attr = (name: string, type: 'S' | 'N' | 'B' = 'S') => ({ name, type });
  const multi: KeySchema = {
    hash: attr('h1'),
    range: attr('r1'),
    composite: { hash: [attr('h1'), attr('h2')], range: [attr('r1'), attr('r2'), attr('r3')] },
  };
  const eq = (name: string, value = 'v') => ({ name, operator: 'EQ', values: [S(value)] });
  const gt = (name: string) => ({ name, operator: 'GT', values: [S('v')] });

  it('splits the conditions into the partition, the leading equalities and the last condition', () => {
    assert.deepEqual(planKeyConditions([eq('h2', 'b'), eq('h1', 'a')], multi), {
      hash: { name: 'h1', value: S('a') },
      partition: [
        { name: 'h1', value: S('a') },
        { name: 'h2', value: S('b') },
      ],
      rangePrefix: [],
    });
    assert.deepEqual(planKeyConditions([eq('h1'), eq('h2'), gt('r2'), eq('r1', 'x')], multi), {
      hash: { name: 'h1', value: S('v') },
      range: gt('r2'),
      partition: [
        { name: 'h1', value: S('v') },
        { name: 'h2', value: S('v') },
      ],
      rangePrefix: [{ name: 'r1', value: S('x') }],
    });
  });

  it('refuses what DynamoDB refuses, with its texts, in its order', () => {
    throwsValidation(
      () => planKeyConditions([eq('r1')], multi),
      'HASH key attributes h1, h2 must have equality conditions specified in the query',
    );
    throwsValidation(
      () => planKeyConditions([eq('h1'), gt('h2')], multi),
      'HASH key attributes h2 must have equality conditions specified in the query',
    );
    throwsValidation(
      () => planKeyConditions([eq('h1'), eq('h2'), eq('r3')], multi),
      'RANGE key attributes r1, r2 must have equality conditions specified in the query because a condition is present on key attribute r3',
    );
    throwsValidation(
      () => planKeyConditions([eq('h1'), eq('h2'), gt('r1'), eq('r3')], multi),
      'RANGE key attributes r2 must have equality conditions specified in the query because a condition is present on key attribute r3',
    );
    throwsValidation(
      () => planKeyConditions([eq('h1'), eq('h2'), gt('r1'), eq('r2')], multi),
      'RANGE key attributes r1 must have equality conditions specified in the query because a condition is present on key attribute r2',
    );
    throwsValidation(() => planKeyConditions([eq('h1'), eq('h2'), eq('r1'), eq('x')], multi), 'Query condition missed key schema element: r2');
    throwsValidation(
      () => planKeyConditions([eq('h1'), eq('h2'), eq('r1'), eq('r2'), eq('r3'), eq('x')], multi),
      'Query key condition not supported',
    );
    throwsValidation(
      () => planKeyConditions([eq('h1'), { name: 'h2', operator: 'EQ', values: [N('1')] }], multi),
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
  });
});

describe('checkFilterAvoidsKeys', () => {
  it('refuses a Query filter on a key attribute, naming the first in schema order', () => {
    const filter = new ExpressionContext(undefined, values).condition('c = :c AND size(p) > :a', 'FilterExpression');
    throwsValidation(
      () => checkFilterAvoidsKeys(filter, composite, 'Filter Expression'),
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: p',
    );
    const other = new ExpressionContext(undefined, values).condition('x.p = :c', 'FilterExpression');
    assert.doesNotThrow(() => checkFilterAvoidsKeys(other, composite, 'QueryFilter'));
  });
});
