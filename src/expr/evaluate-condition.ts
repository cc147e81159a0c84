/**
 * @module expr/evaluate-condition
 * Stage three for conditions: does an item satisfy a resolved condition?
 * DynamoDB semantics (Alternator's DynamoDB-verified tests):
 * - a comparison with a missing attribute is false, except `<>`, which is
 *   true; two missing attributes are neither equal nor ordered;
 * - order comparisons and BETWEEN hold only between two S, two N or two B
 *   (anything else is false, never an error, when it comes from the item);
 * - size() of a type without a size (N, BOOL, NULL) yields no value;
 * - contains() is a substring test on S and B and a membership test on
 *   sets and lists (deep equality for lists).
 * Evaluation allocates nothing except for size() results and binary
 * prefix/substring tests.
 */
import { base64Length, compareScalars, utf8Length, valuesEqual } from '../values/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { typeOf } from '../values/types.js';
import { valueAt } from './document-path.js';
import type { Condition, Operand } from './resolved.js';

/** True when `item` (undefined for an item that does not exist) satisfies `condition`. */
export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.operand, item);
    case 'compare': {
      const left = operandValue(condition.left, item);
      const right = operandValue(condition.right, item);
      if (condition.op === '<>') return left === undefined || right === undefined || !valuesEqual(left, right);
      if (left === undefined || right === undefined) return false;
      if (condition.op === '=') return valuesEqual(left, right);
      const order = compareScalars(left, right);
      if (order === undefined) return false;
      return condition.op === '<' ? order < 0 : condition.op === '<=' ? order <= 0 : condition.op === '>' ? order > 0 : order >= 0;
    }
    case 'between': {
      const value = operandValue(condition.operand, item);
      const lower = operandValue(condition.lower, item);
      const upper = operandValue(condition.upper, item);
      if (value === undefined || lower === undefined || upper === undefined) return false;
      const fromLower = compareScalars(value, lower);
      const toUpper = compareScalars(value, upper);
      return fromLower !== undefined && toUpper !== undefined && fromLower >= 0 && toUpper <= 0;
    }
    case 'in': {
      const value = operandValue(condition.operand, item);
      if (value === undefined) return false;
      for (const candidate of condition.list) {
        const other = operandValue(candidate, item);
        if (other !== undefined && valuesEqual(value, other)) return true;
      }
      return false;
    }
    case 'attributeExists':
      return valueAt(item, condition.path) !== undefined;
    case 'attributeNotExists':
      return valueAt(item, condition.path) === undefined;
    case 'attributeType': {
      const value = operandValue(condition.operand, item);
      return value !== undefined && typeOf(value) === condition.type;
    }
    case 'beginsWith': {
      const value = operandValue(condition.operand, item);
      const prefix = operandValue(condition.prefix, item);
      return value !== undefined && prefix !== undefined && beginsWith(value, prefix);
    }
    case 'contains': {
      const value = operandValue(condition.operand, item);
      const member = operandValue(condition.member, item);
      return value !== undefined && member !== undefined && contains(value, member);
    }
  }
}

/** The value an operand denotes for `item`, or undefined. */
export function operandValue(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  switch (operand.kind) {
    case 'path':
      return valueAt(item, operand.path);
    case 'value':
      return operand.value;
    case 'size': {
      const value = operandValue(operand.operand, item);
      if (value === undefined) return undefined;
      const size = sizeOf(value);
      return size === undefined ? undefined : { N: String(size) };
    }
  }
}

/** size(): bytes of S (UTF-8) and B, members of sets, L and M; none otherwise. */
export function sizeOf(value: AttributeValue): number | undefined {
  if ('S' in value) return utf8Length(value.S);
  if ('B' in value) return base64Length(value.B);
  if ('L' in value) return value.L.length;
  if ('M' in value) return Object.keys(value.M).length;
  if ('SS' in value) return value.SS.length;
  if ('NS' in value) return value.NS.length;
  if ('BS' in value) return value.BS.length;
  return undefined;
}

/** begins_with(): a string or byte prefix test; false for any other types. */
export function beginsWith(value: AttributeValue, prefix: AttributeValue): boolean {
  if ('S' in value) return 'S' in prefix && value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const bytes = Buffer.from(value.B, 'base64');
    const head = Buffer.from(prefix.B, 'base64');
    return head.length <= bytes.length && bytes.subarray(0, head.length).equals(head);
  }
  return false;
}

function contains(value: AttributeValue, member: AttributeValue): boolean {
  if ('S' in value) return 'S' in member && value.S.includes(member.S);
  if ('B' in value) {
    return 'B' in member && Buffer.from(value.B, 'base64').includes(Buffer.from(member.B, 'base64'));
  }
  // Set members are canonical (one spelling per number or byte string).
  if ('SS' in value) return 'S' in member && value.SS.includes(member.S);
  if ('NS' in value) return 'N' in member && value.NS.includes(member.N);
  if ('BS' in value) return 'B' in member && value.BS.includes(member.B);
  if ('L' in value) {
    for (const element of value.L) if (valuesEqual(element, member)) return true;
  }
  return false;
}
