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
  /** The (first) HASH attribute. */
  readonly hash: KeyAttribute;
  /** The (first) RANGE attribute. */
  readonly range?: KeyAttribute;
  /** A multi-attribute GSI key: every HASH, then every RANGE attribute, in KeySchema order. */
  readonly composite?: { readonly hash: readonly KeyAttribute[]; readonly range: readonly KeyAttribute[] };
}

/** One key attribute's value in a key condition. */
export interface KeyValue {
  readonly name: string;
  readonly value: AttributeValue;
}

/** What a Query reads: one partition, optionally narrowed on the sort key. */
export interface KeyConditionPlan {
  /** The (first) HASH attribute's value. */
  readonly hash: KeyValue;
  /**
   * The condition on the sort key; on a multi-attribute key, the condition
   * on the last RANGE attribute named (the only one that may be a range).
   */
  readonly range?: KeyCondition & { readonly operator: KeyOperator };
  /** Multi-attribute keys only: every HASH attribute's value, in KeySchema order. */
  readonly partition?: readonly KeyValue[];
  /** Multi-attribute keys only: the equalities on the RANGE attributes before `range`, in KeySchema order. */
  readonly rangePrefix?: readonly KeyValue[];
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
  if (schema.composite !== undefined) return planCompositeKeyConditions(conditions, schema.composite);
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

/**
 * planKeyConditions for a multi-attribute GSI key. Every HASH attribute
 * needs an equality; the RANGE attributes named must be a leading run of
 * the KeySchema's, all equalities but the last. Checks and messages in the
 * order DynamoDB Local 3.3 gives them (its texts for the HASH and RANGE
 * rules match those recorded against DynamoDB): HASH attributes, then gaps
 * in the RANGE attributes, then conditions on other attributes, then each
 * condition's operator and value types.
 */
function planCompositeKeyConditions(
  conditions: readonly KeyCondition[],
  keys: NonNullable<KeySchema['composite']>,
): KeyConditionPlan {
  const byName = new Map<string, KeyCondition>();
  for (const condition of conditions) byName.set(condition.name, condition);
  const withoutEquality = keys.hash.filter((k) => byName.get(k.name)?.operator !== 'EQ').map((k) => k.name);
  if (withoutEquality.length > 0) {
    throw errors.validation(
      `HASH key attributes ${withoutEquality.join(', ')} must have equality conditions specified in the query`,
    );
  }
  // A RANGE attribute with a condition needs an equality on the one before
  // it: DynamoDB names the run of missing attributes just before it, or the
  // one before it when that one has a range condition.
  let named = 0;
  for (let i = 0; i < keys.range.length; i++) {
    if (!byName.has(keys.range[i]!.name)) continue;
    named = i + 1;
    if (i === 0) continue;
    const before = byName.get(keys.range[i - 1]!.name);
    if (before !== undefined && before.operator === 'EQ') continue;
    let from = i - 1;
    if (before === undefined) while (from > 0 && !byName.has(keys.range[from - 1]!.name)) from--;
    const names = keys.range.slice(from, i).map((k) => k.name);
    throw errors.validation(
      `RANGE key attributes ${names.join(', ')} must have equality conditions specified in the query because a condition is present on key attribute ${keys.range[i]!.name}`,
    );
  }
  // Conditions on attributes outside the key: more of them than the key
  // has attributes is "not supported", else the first RANGE attribute
  // without one is named as missing.
  if (byName.size > keys.hash.length + named) {
    const missing = keys.range.find((k) => !byName.has(k.name));
    throw errors.validation(
      missing === undefined || byName.size > keys.hash.length + keys.range.length
        ? 'Query key condition not supported'
        : `Query condition missed key schema element: ${missing.name}`,
    );
  }
  const partition: KeyValue[] = [];
  for (const key of keys.hash) {
    const condition = byName.get(key.name)!;
    checkKeyCondition(condition, key.type);
    partition.push({ name: key.name, value: condition.values[0] as AttributeValue });
  }
  const rangePrefix: KeyValue[] = [];
  let range: (KeyCondition & { operator: KeyOperator }) | undefined;
  for (let i = 0; i < named; i++) {
    const key = keys.range[i]!;
    const condition = byName.get(key.name)!;
    checkKeyCondition(condition, key.type);
    if (i < named - 1) rangePrefix.push({ name: key.name, value: condition.values[0] as AttributeValue });
    else range = condition as KeyCondition & { operator: KeyOperator };
  }
  return {
    hash: partition[0]!,
    ...(range === undefined ? {} : { range }),
    partition,
    rangePrefix,
  };
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
  const keys = schema.composite
    ? [...schema.composite.hash, ...schema.composite.range]
    : schema.range === undefined
      ? [schema.hash]
      : [schema.hash, schema.range];
  for (const key of keys) {
    if (heads.has(key.name)) {
      throw errors.validation(
        `${parameter} can only contain non-primary key attributes: Primary key attribute: ${key.name}`,
      );
    }
  }
}
