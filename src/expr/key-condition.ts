/**
 * @module expr/key-condition
 * Query key conditions. A KeyConditionExpression is parsed with the
 * condition grammar; this module then extracts one condition per key
 * attribute (the same shape the legacy KeyConditions parameter has) with
 * DynamoDB's KeyConditionExpression errors, and plans it against the
 * table's or index's key schema with DynamoDB's Query errors.
 */
import { errors } from '../errors/index.js';
import { compareScalars, valuesEqual } from '../values/index.js';
import type { AttributeValue, KeyType } from '../values/types.js';
import type { Comparator } from './ast.js';
import { beginsWith } from './evaluate-condition.js';
import { conditionPaths } from './referenced-paths.js';
import type { Condition, Operand } from './resolved.js';

/** The operators a key condition may use (legacy spelling). */
export type KeyOperator = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE' | 'BETWEEN' | 'BEGINS_WITH';

/** A condition on one key attribute: `name <operator> values`. */
export interface KeyCondition {
  readonly name: string;
  /** Legacy KeyConditions may name any ComparisonOperator; planning rejects the rest. */
  readonly operator: KeyOperator | string;
  readonly values: readonly AttributeValue[];
}

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface KeySchema {
  readonly hash: KeyAttribute;
  readonly range?: KeyAttribute;
}

/** What a Query reads: one partition, optionally narrowed on the sort key. */
export interface KeyConditionPlan {
  readonly hash: { readonly name: string; readonly value: AttributeValue };
  readonly range?: KeyCondition & { readonly operator: KeyOperator };
}

const OPERATORS: Readonly<Record<Comparator, KeyOperator | undefined>> = {
  '=': 'EQ',
  '<': 'LT',
  '<=': 'LE',
  '>': 'GT',
  '>=': 'GE',
  '<>': undefined,
};

/** `:v < k` means `k > :v`. */
const MIRRORED: Readonly<Record<KeyOperator, KeyOperator>> = {
  EQ: 'EQ',
  LT: 'GT',
  LE: 'GE',
  GT: 'LT',
  GE: 'LE',
  BETWEEN: 'BETWEEN',
  BEGINS_WITH: 'BEGINS_WITH',
};

function invalidOperator(name: string): never {
  throw errors.validation(`Invalid operator used in KeyConditionExpression: ${name}`);
}

function invalidCondition(detail: string): never {
  throw errors.validation(`Invalid condition in KeyConditionExpression: ${detail}`);
}

/**
 * The key conditions of a resolved KeyConditionExpression, in the order
 * written; throws DynamoDB's errors for what a key condition may not hold
 * (OR, NOT, IN, <>, functions other than begins_with, nested paths, ...).
 */
export function keyConditionsFromExpression(condition: Condition): KeyCondition[] {
  const found: KeyCondition[] = [];
  collect(condition, found);
  return found;
}

function collect(condition: Condition, found: KeyCondition[]): void {
  let operator: KeyOperator;
  let operands: readonly Operand[];
  switch (condition.kind) {
    case 'and':
      collect(condition.left, found);
      collect(condition.right, found);
      return;
    case 'or':
      return invalidOperator('OR');
    case 'not':
      return invalidOperator('NOT');
    case 'in':
      return invalidOperator('IN');
    case 'attributeExists':
      return invalidOperator('attribute_exists');
    case 'attributeNotExists':
      return invalidOperator('attribute_not_exists');
    case 'attributeType':
      return invalidOperator('attribute_type');
    case 'contains':
      return invalidOperator('contains');
    case 'compare': {
      const mapped = OPERATORS[condition.op];
      if (mapped === undefined) return invalidOperator(condition.op);
      operator = mapped;
      operands = [condition.left, condition.right];
      break;
    }
    case 'between':
      if (condition.operand.kind !== 'path') {
        return invalidCondition('BETWEEN operator must have the key attribute as its first operand');
      }
      operator = 'BETWEEN';
      operands = [condition.operand, condition.lower, condition.upper];
      break;
    case 'beginsWith':
      if (condition.operand.kind !== 'path') {
        return invalidCondition('begins_with operator must have the key attribute as its first operand');
      }
      operator = 'BEGINS_WITH';
      operands = [condition.operand, condition.prefix];
      break;
  }
  let name: string | undefined;
  let at = 0;
  const values: AttributeValue[] = [];
  operands.forEach((operand, i) => {
    switch (operand.kind) {
      case 'size':
        throw errors.validation('KeyConditionExpressions cannot contain nested operations');
      case 'path':
        if (name !== undefined) invalidCondition('Multiple attribute names used in one condition');
        if (operand.path.length > 1) {
          throw errors.validation('KeyConditionExpressions cannot have conditions on nested attributes');
        }
        name = operand.path[0] as string;
        at = i;
        return;
      case 'value':
        values.push(operand.value);
        return;
    }
  });
  if (name === undefined) return invalidCondition('No key attribute specified');
  const key = name;
  if (found.some((c) => c.name === key)) {
    throw errors.validation('KeyConditionExpressions must only contain one condition per key');
  }
  found.push({ name: key, operator: at === 0 ? operator : MIRRORED[operator], values });
}

const NOT_INDEXABLE: ReadonlySet<string> = new Set(['NULL', 'NOT_NULL', 'NE', 'CONTAINS', 'NOT_CONTAINS', 'IN']);

/**
 * Checks key conditions against the key schema being queried and splits
 * them into the partition value and the sort-key condition.
 */
export function planKeyConditions(conditions: readonly KeyCondition[], schema: KeySchema): KeyConditionPlan {
  if (conditions.length !== 1 && conditions.length !== 2) {
    throw errors.validation('Conditions can be of length 1 or 2 only');
  }
  const { hash, range } = schema;
  if (range === undefined && conditions.length > 1) throw errors.validation('Query key condition not supported');
  const hashCondition = conditions.find((c) => c.name === hash.name);
  if (hashCondition === undefined) {
    throw errors.validation(`Query condition missed key schema element: ${hash.name}`);
  }
  checkKeyCondition(hashCondition, hash.type);
  if (hashCondition.operator !== 'EQ') throw errors.validation('Query key condition not supported');
  const hashPart = { name: hash.name, value: hashCondition.values[0] as AttributeValue };
  if (conditions.length === 1 || range === undefined) return { hash: hashPart };
  const rangeCondition = conditions.find((c) => c.name === range.name);
  if (rangeCondition === undefined) {
    throw errors.validation(`Query condition missed key schema element: ${range.name}`);
  }
  checkKeyCondition(rangeCondition, range.type);
  return { hash: hashPart, range: rangeCondition as KeyCondition & { operator: KeyOperator } };
}

function checkKeyCondition(condition: KeyCondition, type: KeyType): void {
  if (NOT_INDEXABLE.has(condition.operator)) {
    throw errors.validation('Attempted conditional constraint is not an indexable operation');
  }
  if (condition.values.some((value) => !(type in value))) {
    throw errors.validation(
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
  }
}

/** Whether a sort-key value satisfies a planned range condition. */
export function keyConditionMatches(condition: KeyCondition, value: AttributeValue): boolean {
  const first = condition.values[0];
  if (first === undefined) return false;
  switch (condition.operator) {
    case 'EQ':
      return valuesEqual(value, first);
    case 'BEGINS_WITH':
      return beginsWith(value, first);
    case 'BETWEEN': {
      const upper = condition.values[1];
      if (upper === undefined) return false;
      const low = compareScalars(value, first);
      const high = compareScalars(value, upper);
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    default: {
      const order = compareScalars(value, first);
      if (order === undefined) return false;
      switch (condition.operator) {
        case 'LT':
          return order < 0;
        case 'LE':
          return order <= 0;
        case 'GT':
          return order > 0;
        case 'GE':
          return order >= 0;
        default:
          return false;
      }
    }
  }
}


/**
 * A Query's filter may not test the key attributes of the schema queried
 * (they belong in the key condition): DynamoDB names the first one in
 * schema order. `parameter` is how the message names the filter.
 */
export function checkFilterAvoidsKeys(
  filter: Condition,
  schema: KeySchema,
  parameter: 'Filter Expression' | 'QueryFilter',
): void {
  const heads = new Set(conditionPaths(filter).map((path) => path[0]));
  for (const key of schema.range === undefined ? [schema.hash] : [schema.hash, schema.range]) {
    if (heads.has(key.name)) {
      throw errors.validation(
        `${parameter} can only contain non-primary key attributes: Primary key attribute: ${key.name}`,
      );
    }
  }
}
