import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { applyUpdate } from './apply-update.js';
import { evaluateCondition } from './evaluate-condition.js';
import {
  attributeUpdatesToUpdate,
  attributesToGetToPaths,
  expectedToCondition,
  filterToCondition,
  keyConditionsFromLegacy,
} from './legacy.js';
import type { ExpectedAttributeValue, LegacyCondition } from './legacy.js';

const N = (n: string): AttributeValue => ({ N: n });
const S = (s: string): AttributeValue => ({ S: s });
const B = (s: string): AttributeValue => ({ B: Buffer.from(s).toString('base64') });

function throwsValidation(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynamoError(e), `expected a DynamoError, got ${String(e)}`);
    assert.equal(e.shortType, 'ValidationException');
    assert.equal(e.message, message);
    return true;
  });
}

const item: Item = {
  a: N('2'),
  s: S('hello'),
  b: B('hi there'),
  ns: { NS: ['2', '4', '7'] },
  l: { L: [N('2'), N('4')] },
  z: { NULL: true },
};

function expected(entries: Record<string, ExpectedAttributeValue>, operator?: 'AND' | 'OR'): boolean {
  const condition = expectedToCondition(entries, operator);
  return condition === undefined || evaluateCondition(condition, item);
}

const op = (ComparisonOperator: string, ...AttributeValueList: AttributeValue[]): ExpectedAttributeValue => ({
  ComparisonOperator,
  AttributeValueList,
});

describe('expectedToCondition', () => {
  it('evaluates every ComparisonOperator as DynamoDB does', () => {
    assert.equal(expected({ a: op('EQ', N('2')) }), true);
    assert.equal(expected({ a: op('EQ', S('2')) }), false);
    assert.equal(expected({ a: op('NE', S('2')) }), true);
    assert.equal(expected({ q: op('NE', N('1')) }), true);
    assert.equal(expected({ a: op('LE', N('2')) }), true);
    assert.equal(expected({ a: op('LT', N('2')) }), false);
    assert.equal(expected({ a: op('GE', N('1')) }), true);
    assert.equal(expected({ a: op('GT', S('1')) }), false);
    assert.equal(expected({ z: op('NOT_NULL') }), true);
    assert.equal(expected({ q: op('NULL') }), true);
    assert.equal(expected({ z: { ComparisonOperator: 'NULL' } }), false);
    assert.equal(expected({ s: op('CONTAINS', S('ell')) }), true);
    assert.equal(expected({ ns: op('CONTAINS', N('4')) }), true);
    assert.equal(expected({ l: op('CONTAINS', N('4')) }), true);
    assert.equal(expected({ b: op('CONTAINS', B('here')) }), true);
    assert.equal(expected({ s: op('NOT_CONTAINS', S('dog')) }), true);
    assert.equal(expected({ ns: op('NOT_CONTAINS', N('4')) }), false);
    assert.equal(expected({ s: op('BEGINS_WITH', S('hell')) }), true);
    assert.equal(expected({ a: op('IN', N('1'), N('2')) }), true);
    assert.equal(expected({ ns: op('IN', N('2')) }), false);
    assert.equal(expected({ a: op('BETWEEN', N('1'), N('2')) }), true);
    assert.equal(expected({ q: op('BETWEEN', N('0'), N('100')) }), false);
  });

  it('makes NOT_CONTAINS false on a missing attribute, unlike NE', () => {
    assert.equal(expected({ q: op('NOT_CONTAINS', N('1')) }), false);
    assert.equal(expected({ q: op('CONTAINS', N('1')) }), false);
  });

  it('supports Value and Exists', () => {
    assert.equal(expected({ a: { Value: N('2') } }), true);
    assert.equal(expected({ a: { Value: N('3') } }), false);
    assert.equal(expected({ q: { Value: N('1') } }), false);
    assert.equal(expected({ a: { Exists: true, Value: N('2') } }), true);
    assert.equal(expected({ q: { Exists: false } }), true);
    assert.equal(expected({ a: { Exists: false } }), false);
    assert.equal(expected({ a: { ComparisonOperator: 'EQ', Value: N('2') } }), true);
  });

  it('combines with AND by default, or with OR', () => {
    assert.equal(expected({ a: op('EQ', N('2')), s: op('EQ', S('nope')) }), false);
    assert.equal(expected({ a: op('EQ', N('2')), s: op('EQ', S('nope')) }, 'OR'), true);
    assert.equal(expectedToCondition({}), undefined);
  });

  it('gives DynamoDB validation messages', () => {
    const cases: [Record<string, ExpectedAttributeValue>, string][] = [
      [{ a: { Value: N('1'), AttributeValueList: [N('1')] } }, 'One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a'],
      [{ a: { ComparisonOperator: 'EQ', Exists: true, Value: N('1') } }, 'One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a'],
      [{ a: { ComparisonOperator: 'GT' } }, 'One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: GT for Attribute: a'],
      [{ a: op('EQ', N('2'), N('3')) }, 'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator'],
      [{ a: op('NOT_NULL', N('2')) }, 'One or more parameter values were invalid: Invalid number of argument(s) for the NOT_NULL ComparisonOperator'],
      [{ a: op('IN') }, 'One or more parameter values were invalid: Invalid number of argument(s) for the IN ComparisonOperator'],
      [{ a: op('BETWEEN', N('1')) }, 'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator'],
      [{ a: op('IN', N('3'), S('dog')) }, 'One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type'],
      [{ a: op('LE', { L: [N('1')] }) }, 'One or more parameter values were invalid: ComparisonOperator LE is not valid for L AttributeValue type'],
      [{ a: op('CONTAINS', { L: [N('1')] }) }, 'One or more parameter values were invalid: ComparisonOperator CONTAINS is not valid for L AttributeValue type'],
      [{ a: op('BEGINS_WITH', N('3')) }, 'One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type'],
      [{ a: op('BETWEEN', N('4'), N('3')) }, 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound'],
      [{ a: { AttributeValueList: [N('1')] } }, 'One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a'],
      [{ a: {} }, 'One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a'],
      [{ a: { Exists: true } }, 'One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a'],
      [{ a: { Exists: false, Value: N('1') } }, 'One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a'],
    ];
    for (const [entries, message] of cases) throwsValidation(() => expectedToCondition(entries), message);
  });

  it('normalises numbers so comparisons see canonical values', () => {
    assert.equal(expected({ a: op('EQ', { N: '2.000' }) }), true);
  });
});

describe('filterToCondition and keyConditionsFromLegacy', () => {
  it('turns a ScanFilter into a condition', () => {
    const filter: Record<string, LegacyCondition> = {
      a: { ComparisonOperator: 'GT', AttributeValueList: [N('1')] },
      s: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [S('he')] },
    };
    const condition = filterToCondition(filter);
    assert.ok(condition !== undefined);
    assert.equal(evaluateCondition(condition, item), true);
    assert.equal(evaluateCondition(condition, { a: N('1'), s: S('hello') }), false);
  });

  it('validates each filter entry', () => {
    throwsValidation(
      () => filterToCondition({ a: { ComparisonOperator: 'EQ' } }),
      'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator',
    );
    throwsValidation(
      () => filterToCondition({ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ SS: [] }] } }),
      'One or more parameter values were invalid: An string set  may not be empty',
    );
  });

  it('turns KeyConditions into key conditions', () => {
    assert.deepEqual(
      keyConditionsFromLegacy({
        p: { ComparisonOperator: 'EQ', AttributeValueList: [S('x')] },
        c: { ComparisonOperator: 'BETWEEN', AttributeValueList: [N('1'), N('5')] },
      }),
      [
        { name: 'p', operator: 'EQ', values: [S('x')] },
        { name: 'c', operator: 'BETWEEN', values: [N('1'), N('5')] },
      ],
    );
  });
});

describe('attributeUpdatesToUpdate', () => {
  it('applies PUT, ADD and DELETE with legacy semantics', () => {
    const update = attributeUpdatesToUpdate({
      put: { Value: S('v') },
      n: { Action: 'ADD', Value: N('5') },
      l: { Action: 'ADD', Value: { L: [N('3')] } },
      ns: { Action: 'DELETE', Value: { NS: ['2', '4', '7'] } },
      s: { Action: 'DELETE' },
    });
    const result = applyUpdate(update, item, { legacy: true });
    assert.deepEqual(result.item, {
      a: N('2'),
      b: item.b,
      l: { L: [N('2'), N('4'), N('3')] },
      z: { NULL: true },
      put: S('v'),
      n: N('5'),
    });
    assert.deepEqual(result.paths, [['put'], ['n'], ['l'], ['ns'], ['s']]);
  });

  it('gives DynamoDB validation messages', () => {
    throwsValidation(
      () => attributeUpdatesToUpdate({ a: { Action: 'PUT' } }),
      'One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified',
    );
    throwsValidation(
      () => attributeUpdatesToUpdate({ a: { Action: 'DELETE', Value: S('x') } }),
      'One or more parameter values were invalid: DELETE action with value is not supported for the type S',
    );
    throwsValidation(
      () => attributeUpdatesToUpdate({ a: { Action: 'ADD', Value: { BOOL: true } } }),
      'One or more parameter values were invalid: ADD action is not supported for the type BOOL',
    );
  });

  it('reports a type mismatch with the legacy wording', () => {
    const update = attributeUpdatesToUpdate({ s: { Action: 'ADD', Value: N('1') } });
    throwsValidation(() => applyUpdate(update, item, { legacy: true }), 'Type mismatch for attribute to update');
  });
});

describe('attributesToGetToPaths', () => {
  it('maps names to top-level paths and refuses duplicates', () => {
    assert.deepEqual(attributesToGetToPaths(['a', 'b.c']), [['a'], ['b.c']]);
    throwsValidation(
      () => attributesToGetToPaths(['a', 'b', 'a']),
      'One or more parameter values were invalid: Duplicate value in attribute name: a',
    );
  });
});
