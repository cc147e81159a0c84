/**
 * @module partiql/key-predicates
 * Finds the key in a WHERE clause. DynamoDB reads a statement's top-level
 * AND-ed predicates: an equality on each key attribute addresses one item
 * (UPDATE, DELETE, a keyed SELECT), an equality on the partition key
 * alone makes a SELECT a Query of that partition, narrowed by a condition
 * on the sort key; anything else makes a SELECT a Scan.
 */
import type { AttributeValue } from '../values/types.js';
import type { KeyCondition } from '../expr/index.js';
import type { ConditionNode, OperandNode, ValueNode } from './ast.js';
import { resolveValue } from './values.js';

/** The top-level AND-ed predicates of a WHERE clause, in order. */
export function conjuncts(where: ConditionNode | undefined): ConditionNode[] {
  if (where === undefined) return [];
  if (where.kind === 'and') return [...conjuncts(where.left), ...conjuncts(where.right)];
  return [where];
}

function isValue(node: OperandNode): node is ValueNode {
  return node.kind !== 'path' && node.kind !== 'size';
}

/** The attribute a single-step path names, or undefined. */
function attributeOf(node: OperandNode): string | undefined {
  return node.kind === 'path' && node.steps.length === 1 && typeof node.steps[0] === 'string' ? node.steps[0] : undefined;
}

/** `name = value` (either way round): the name and the value. */
export function keyEquality(
  node: ConditionNode,
  parameters: readonly AttributeValue[],
): { name: string; value: AttributeValue } | undefined {
  if (node.kind !== 'compare' || node.op !== '=') return undefined;
  const left = attributeOf(node.left);
  if (left !== undefined && isValue(node.right)) return { name: left, value: resolveValue(node.right, parameters) };
  const right = attributeOf(node.right);
  if (right !== undefined && isValue(node.left)) return { name: right, value: resolveValue(node.left, parameters) };
  return undefined;
}

export interface KeyPredicates {
  /** The first equality found on each of the given key attributes. */
  readonly equalities: ReadonlyMap<string, AttributeValue>;
  /** Every other top-level predicate. */
  readonly rest: readonly ConditionNode[];
}

/** Splits a WHERE clause into equalities on `keyNames` and the other predicates. */
export function splitKeyPredicates(
  where: ConditionNode | undefined,
  keyNames: readonly string[],
  parameters: readonly AttributeValue[],
): KeyPredicates {
  const equalities = new Map<string, AttributeValue>();
  const rest: ConditionNode[] = [];
  for (const node of conjuncts(where)) {
    const equality = keyEquality(node, parameters);
    if (equality !== undefined && keyNames.includes(equality.name) && !equalities.has(equality.name)) {
      equalities.set(equality.name, equality.value);
    } else {
      rest.push(node);
    }
  }
  return { equalities, rest };
}

const MIRROR = { '=': 'EQ', '<': 'GT', '<=': 'GE', '>': 'LT', '>=': 'LE' } as const;
const DIRECT = { '=': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' } as const;

/** The first top-level predicate that narrows the sort key `name` as a Query can. */
export function sortKeyCondition(
  where: ConditionNode | undefined,
  name: string,
  parameters: readonly AttributeValue[],
): KeyCondition | undefined {
  for (const node of conjuncts(where)) {
    if (node.kind === 'compare' && node.op !== '<>') {
      if (attributeOf(node.left) === name && isValue(node.right)) {
        return { name, operator: DIRECT[node.op], values: [resolveValue(node.right, parameters)] };
      }
      if (attributeOf(node.right) === name && isValue(node.left)) {
        return { name, operator: MIRROR[node.op], values: [resolveValue(node.left, parameters)] };
      }
    } else if (node.kind === 'between' && attributeOf(node.operand) === name && isValue(node.lower) && isValue(node.upper)) {
      return { name, operator: 'BETWEEN', values: [resolveValue(node.lower, parameters), resolveValue(node.upper, parameters)] };
    } else if (
      node.kind === 'function' &&
      node.name === 'begins_with' &&
      node.args.length === 2 &&
      attributeOf(node.args[0]!) === name &&
      isValue(node.args[1]!)
    ) {
      return { name, operator: 'BEGINS_WITH', values: [resolveValue(node.args[1]!, parameters)] };
    }
  }
  return undefined;
}
