/**
 * @module partiql/values
 * Turns the values written in a statement — literals, `?` parameters,
 * {maps}, [lists] and <<sets>> — into AttributeValues. A set takes its type
 * from its members (all strings: SS, all numbers: NS, all binaries: BS).
 */
import { errors } from '../errors/index.js';
import { validateAttributeValue } from '../values/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { typeOf } from '../values/types.js';
import type { ValueNode } from './ast.js';
import { PARAMETER_COUNT_MESSAGE } from './partiql-error.js';

/** Checks that a statement's `?` count matches the Parameters given. */
export function checkParameterCount(parameterCount: number, parameters: readonly AttributeValue[] | undefined): void {
  if (parameterCount !== (parameters?.length ?? 0)) throw errors.validation(PARAMETER_COUNT_MESSAGE);
}

export function resolveValue(node: ValueNode, parameters: readonly AttributeValue[]): AttributeValue {
  const value = build(node, parameters);
  const problem = validateAttributeValue(value);
  if (problem !== undefined) throw errors.validation(problem);
  return value;
}

function build(node: ValueNode, parameters: readonly AttributeValue[]): AttributeValue {
  switch (node.kind) {
    case 'literal':
      // A copy: validation normalises numbers in place, and the AST is frozen.
      return { ...node.value } as AttributeValue;
    case 'parameter': {
      const value = parameters[node.index];
      if (value === undefined) throw errors.validation(PARAMETER_COUNT_MESSAGE);
      return value;
    }
    case 'map': {
      const map: Item = {};
      for (const [key, child] of node.entries) {
        // A key written twice keeps its last value, as in PartiQL tuples.
        Object.defineProperty(map, key, { value: build(child, parameters), enumerable: true, writable: true, configurable: true });
      }
      return { M: map };
    }
    case 'list':
      return { L: node.items.map((child) => build(child, parameters)) };
    case 'set': {
      const members = node.items.map((child) => build(child, parameters));
      if (members.length === 0) {
        throw errors.validation('One or more parameter values were invalid: An string set  may not be empty');
      }
      const type = typeOf(members[0]!);
      if (!members.every((m) => typeOf(m) === type) || (type !== 'S' && type !== 'N' && type !== 'B')) {
        throw errors.validation('Unsupported type passed for set: sets may only hold strings, numbers or binaries of one type');
      }
      const raw = members.map((m) => (m as Record<string, string>)[type]!);
      return type === 'S' ? { SS: raw } : type === 'N' ? { NS: raw } : { BS: raw };
    }
  }
}
