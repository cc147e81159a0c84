/**
 * @module expr/legacy
 * DynamoDB's pre-expression parameters, converted into the resolved forms
 * the expression evaluators take, with DynamoDB's validation messages:
 * Expected (+ ConditionalOperator) and QueryFilter/ScanFilter become a
 * Condition, KeyConditions become KeyConditions for planKeyConditions,
 * AttributeUpdates becomes an Update (apply it with `{ legacy: true }`),
 * AttributesToGet becomes projection paths.
 *
 * Semantics that differ from expressions are encoded in the conversion:
 * NOT_CONTAINS is false on a missing attribute (Alternator's
 * DynamoDB-verified test_expected.py), so it becomes
 * `attribute_exists(a) AND NOT contains(a, v)`.
 */
import { errors } from '../errors/index.js';
import { compareScalars, validateAttributeValue } from '../values/index.js';
import type { AttributeType, AttributeValue } from '../values/types.js';
import { typeOf } from '../values/types.js';
import type { KeyCondition } from './key-condition.js';
import type { Condition, DocumentPath, Operand, Update, UpdateAction } from './resolved.js';

/** One entry of Expected. */
export interface ExpectedAttributeValue {
  readonly Value?: AttributeValue;
  readonly Exists?: boolean;
  readonly ComparisonOperator?: string;
  readonly AttributeValueList?: readonly AttributeValue[];
}

/** One entry of QueryFilter, ScanFilter or KeyConditions. */
export interface LegacyCondition {
  readonly ComparisonOperator: string;
  readonly AttributeValueList?: readonly AttributeValue[];
}

/** One entry of AttributeUpdates. */
export interface AttributeValueUpdate {
  readonly Value?: AttributeValue;
  readonly Action?: string;
}

export type ConditionalOperator = 'AND' | 'OR';

const INVALID = 'One or more parameter values were invalid: ';

/** How many values each ComparisonOperator takes: exact, or [minimum]. */
const ARGUMENTS: Readonly<Record<string, number | readonly [number]>> = {
  NULL: 0,
  NOT_NULL: 0,
  EQ: 1,
  NE: 1,
  LE: 1,
  LT: 1,
  GE: 1,
  GT: 1,
  CONTAINS: 1,
  NOT_CONTAINS: 1,
  BEGINS_WITH: 1,
  IN: [1],
  BETWEEN: 2,
};

const SCALARS: readonly AttributeType[] = ['S', 'N', 'B'];

/**
 * The value types each ComparisonOperator accepts. EQ and NE take every
 * type, lists, maps, BOOL and NULL included ("EQ is supported for all data
 * types, including lists and maps", API reference, Condition; DynamoDB Local
 * agrees), so they have no entry.
 */
const ACCEPTED_TYPES: Readonly<Record<string, readonly AttributeType[]>> = {
  LE: SCALARS,
  LT: SCALARS,
  GE: SCALARS,
  GT: SCALARS,
  CONTAINS: SCALARS,
  NOT_CONTAINS: SCALARS,
  BEGINS_WITH: ['S', 'B'],
  IN: SCALARS,
  BETWEEN: SCALARS,
};

function fail(message: string): never {
  throw errors.validation(message);
}

function validateValue(value: AttributeValue): void {
  const message = validateAttributeValue(value);
  if (message !== undefined) fail(message);
}

function checkArgumentCount(operator: string, count: number): void {
  const expected = ARGUMENTS[operator];
  const ok =
    expected === undefined || (typeof expected === 'number' ? count === expected : count >= (expected[0] as number));
  if (!ok) fail(`${INVALID}Invalid number of argument(s) for the ${operator} ComparisonOperator`);
}

/** Same type throughout, a type the operator accepts, BETWEEN bounds in order. */
function checkValues(operator: string, values: readonly AttributeValue[]): void {
  if (values.length === 0) return;
  const type = typeOf(values[0] as AttributeValue);
  if (values.some((value) => typeOf(value) !== type)) {
    fail(`${INVALID}AttributeValues inside AttributeValueList must be of same type`);
  }
  const accepted = ACCEPTED_TYPES[operator];
  if (accepted !== undefined && !accepted.includes(type)) {
    fail(`${INVALID}ComparisonOperator ${operator} is not valid for ${type} AttributeValue type`);
  }
  if (operator === 'BETWEEN') {
    const order = compareScalars(values[0] as AttributeValue, values[1] as AttributeValue);
    if (order !== undefined && order > 0) {
      fail('The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
    }
  }
}

/** The condition `name <operator> values` on one top-level attribute. */
function comparison(name: string, operator: string, values: readonly AttributeValue[]): Condition {
  const path: DocumentPath = [name];
  const attribute: Operand = { kind: 'path', path };
  const value = (i: number): Operand => ({ kind: 'value', value: values[i] as AttributeValue });
  switch (operator) {
    case 'EQ':
      return { kind: 'compare', op: '=', left: attribute, right: value(0) };
    case 'NE':
      return { kind: 'compare', op: '<>', left: attribute, right: value(0) };
    case 'LT':
      return { kind: 'compare', op: '<', left: attribute, right: value(0) };
    case 'LE':
      return { kind: 'compare', op: '<=', left: attribute, right: value(0) };
    case 'GT':
      return { kind: 'compare', op: '>', left: attribute, right: value(0) };
    case 'GE':
      return { kind: 'compare', op: '>=', left: attribute, right: value(0) };
    case 'NULL':
      return { kind: 'attributeNotExists', path };
    case 'NOT_NULL':
      return { kind: 'attributeExists', path };
    case 'CONTAINS':
      return { kind: 'contains', operand: attribute, member: value(0) };
    case 'NOT_CONTAINS':
      return {
        kind: 'and',
        left: { kind: 'attributeExists', path },
        right: { kind: 'not', operand: { kind: 'contains', operand: attribute, member: value(0) } },
      };
    case 'BEGINS_WITH':
      return { kind: 'beginsWith', operand: attribute, prefix: value(0) };
    case 'IN':
      return { kind: 'in', operand: attribute, list: values.map((_, i) => value(i)) };
    case 'BETWEEN':
      return { kind: 'between', operand: attribute, lower: value(0), upper: value(1) };
    default:
      // The request schema admits only the operators above.
      return fail(`${INVALID}Unsupported ComparisonOperator ${operator}`);
  }
}

/**
 * ConditionalOperator joins the conditions of Expected, QueryFilter or
 * ScanFilter, so it needs two of them: without (or with an empty) map, and
 * with a single condition, DynamoDB refuses it (ExtendDB's tests run against
 * DynamoDB, test_conditional_operator; DynamoDB Local has the same texts).
 */
export function checkConditionalOperator(
  conditionalOperator: string | undefined,
  conditions: Readonly<Record<string, unknown>> | undefined,
): void {
  if (conditionalOperator === undefined) return;
  const count = conditions === undefined ? 0 : Object.keys(conditions).length;
  if (count === 0) fail('ConditionalOperator cannot be used without Filter or Expected');
  if (count === 1) fail('ConditionalOperator can only be used when Filter or Expected has two or more elements');
}

function combine(conditions: readonly Condition[], operator: ConditionalOperator | undefined): Condition | undefined {
  const kind = operator === 'OR' ? 'or' : 'and';
  let combined: Condition | undefined;
  for (const condition of conditions) {
    combined = combined === undefined ? condition : { kind, left: combined, right: condition };
  }
  return combined;
}

/**
 * Expected (+ ConditionalOperator) as a Condition; undefined when there is
 * nothing to check.
 */
export function expectedToCondition(
  expected: Readonly<Record<string, ExpectedAttributeValue>>,
  conditionalOperator?: ConditionalOperator,
): Condition | undefined {
  const conditions: Condition[] = [];
  for (const name of Object.keys(expected)) {
    const entry = expected[name] as ExpectedAttributeValue;
    const hasList = entry.AttributeValueList !== undefined;
    const hasValue = entry.Value !== undefined;
    if (hasList && hasValue) {
      fail(`${INVALID}Value and AttributeValueList cannot be used together for Attribute: ${name}`);
    }
    const operator = entry.ComparisonOperator;
    if (operator !== undefined) {
      if (entry.Exists !== undefined) {
        fail(`${INVALID}Exists and ComparisonOperator cannot be used together for Attribute: ${name}`);
      }
      if (operator !== 'NULL' && operator !== 'NOT_NULL' && !hasList && !hasValue) {
        fail(
          `${INVALID}Value or AttributeValueList must be used with ComparisonOperator: ${operator} for Attribute: ${name}`,
        );
      }
      const values = entry.AttributeValueList ?? (entry.Value === undefined ? [] : [entry.Value]);
      values.forEach(validateValue);
      checkArgumentCount(operator, values.length);
      checkValues(operator, values);
      conditions.push(comparison(name, operator, values));
      continue;
    }
    if (hasList) fail(`${INVALID}AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`);
    const exists = entry.Exists ?? true;
    if (exists && entry.Value === undefined) {
      fail(`${INVALID}Value must be provided when Exists is ${entry.Exists ?? 'null'} for Attribute: ${name}`);
    }
    if (!exists && entry.Value !== undefined) {
      fail(`${INVALID}Value cannot be used when Exists is false for Attribute: ${name}`);
    }
    if (entry.Value === undefined) {
      conditions.push({ kind: 'attributeNotExists', path: [name] });
    } else {
      validateValue(entry.Value);
      conditions.push(comparison(name, 'EQ', [entry.Value]));
    }
  }
  return combine(conditions, conditionalOperator);
}

function checkLegacyCondition(condition: LegacyCondition): readonly AttributeValue[] {
  const values = condition.AttributeValueList ?? [];
  values.forEach(validateValue);
  checkArgumentCount(condition.ComparisonOperator, values.length);
  checkValues(condition.ComparisonOperator, values);
  return values;
}

/**
 * QueryFilter or ScanFilter (+ ConditionalOperator) as a Condition;
 * undefined when the filter is empty.
 */
export function filterToCondition(
  filter: Readonly<Record<string, LegacyCondition>>,
  conditionalOperator?: ConditionalOperator,
): Condition | undefined {
  const conditions: Condition[] = [];
  for (const name of Object.keys(filter)) {
    const entry = filter[name] as LegacyCondition;
    conditions.push(comparison(name, entry.ComparisonOperator, checkLegacyCondition(entry)));
  }
  return combine(conditions, conditionalOperator);
}

/** KeyConditions as key conditions for planKeyConditions. */
export function keyConditionsFromLegacy(keyConditions: Readonly<Record<string, LegacyCondition>>): KeyCondition[] {
  return Object.keys(keyConditions).map((name) => {
    const entry = keyConditions[name] as LegacyCondition;
    return { name, operator: entry.ComparisonOperator, values: checkLegacyCondition(entry) };
  });
}

const ADDABLE: ReadonlySet<string> = new Set(['L', 'SS', 'NS', 'BS', 'N']);
const DELETABLE: ReadonlySet<string> = new Set(['SS', 'NS', 'BS']);

/** AttributeUpdates as an Update, to apply with `{ legacy: true }`. */
export function attributeUpdatesToUpdate(updates: Readonly<Record<string, AttributeValueUpdate>>): Update {
  const actions: UpdateAction[] = [];
  for (const name of Object.keys(updates)) {
    const update = updates[name] as AttributeValueUpdate;
    const action = update.Action ?? 'PUT';
    const path: DocumentPath = [name];
    const value = update.Value;
    if (value === undefined) {
      if (action !== 'DELETE') fail(`${INVALID}Only DELETE action is allowed when no attribute value is specified`);
      actions.push({ kind: 'remove', path });
      continue;
    }
    validateValue(value);
    const type = typeOf(value);
    switch (action) {
      case 'DELETE':
        if (!DELETABLE.has(type)) fail(`${INVALID}DELETE action with value is not supported for the type ${type}`);
        actions.push({ kind: 'delete', path, value });
        break;
      case 'ADD':
        if (!ADDABLE.has(type)) fail(`${INVALID}ADD action is not supported for the type ${type}`);
        actions.push({ kind: 'add', path, value });
        break;
      default:
        actions.push({ kind: 'set', path, value: { kind: 'value', value } });
    }
  }
  return { actions };
}

/** AttributesToGet as projection paths. */
export function attributesToGetToPaths(names: readonly string[]): DocumentPath[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) fail(`${INVALID}Duplicate value in attribute name: ${name}`);
    seen.add(name);
  }
  return names.map((name) => [name]);
}
