/**
 * @module expr/resolved
 * Expressions after stage two: every `#name` replaced by its attribute
 * name, every `:value` by its AttributeValue, every semantic check done.
 * These are what the evaluators take, and what the legacy parameters
 * (Expected, AttributeUpdates, ...) are converted into, so one evaluator
 * serves both APIs.
 */
import type { AttributeType, AttributeValue } from '../values/types.js';
import type { Comparator } from './ast.js';

/** One step of a document path: a map key or a list index. */
export type PathElement = string | number;

/** A resolved document path, e.g. `['a', 'b', 0]` for `a.b[0]`. */
export type DocumentPath = readonly PathElement[];

export interface PathOperand {
  readonly kind: 'path';
  readonly path: DocumentPath;
}

export interface ValueOperand {
  readonly kind: 'value';
  readonly value: AttributeValue;
}

/** `size(operand)`: a number, or nothing when the operand has no size. */
export interface SizeOperand {
  readonly kind: 'size';
  readonly operand: Operand;
}

export type Operand = PathOperand | ValueOperand | SizeOperand;

export interface CompareCondition {
  readonly kind: 'compare';
  readonly op: Comparator;
  readonly left: Operand;
  readonly right: Operand;
}

export interface BetweenCondition {
  readonly kind: 'between';
  readonly operand: Operand;
  readonly lower: Operand;
  readonly upper: Operand;
}

export interface InCondition {
  readonly kind: 'in';
  readonly operand: Operand;
  readonly list: readonly Operand[];
}

export interface ExistsCondition {
  readonly kind: 'attributeExists' | 'attributeNotExists';
  readonly path: DocumentPath;
}

export interface AttributeTypeCondition {
  readonly kind: 'attributeType';
  readonly operand: Operand;
  readonly type: AttributeType;
}

export interface BeginsWithCondition {
  readonly kind: 'beginsWith';
  readonly operand: Operand;
  readonly prefix: Operand;
}

export interface ContainsCondition {
  readonly kind: 'contains';
  readonly operand: Operand;
  readonly member: Operand;
}

export interface LogicalCondition {
  readonly kind: 'and' | 'or';
  readonly left: Condition;
  readonly right: Condition;
}

export interface NotCondition {
  readonly kind: 'not';
  readonly operand: Condition;
}

export type Condition =
  | CompareCondition
  | BetweenCondition
  | InCondition
  | ExistsCondition
  | AttributeTypeCondition
  | BeginsWithCondition
  | ContainsCondition
  | LogicalCondition
  | NotCondition;

/** A value computed on the right of SET. */
export type SetValue =
  | PathOperand
  | ValueOperand
  | { readonly kind: 'ifNotExists'; readonly path: DocumentPath; readonly fallback: SetValue }
  | { readonly kind: 'listAppend'; readonly left: SetValue; readonly right: SetValue }
  | { readonly kind: 'plus' | 'minus'; readonly left: SetValue; readonly right: SetValue };

export type UpdateAction =
  | { readonly kind: 'set'; readonly path: DocumentPath; readonly value: SetValue }
  | { readonly kind: 'remove'; readonly path: DocumentPath }
  | { readonly kind: 'add'; readonly path: DocumentPath; readonly value: AttributeValue }
  | { readonly kind: 'delete'; readonly path: DocumentPath; readonly value: AttributeValue };

/** A resolved update: its actions in the order written. */
export interface Update {
  readonly actions: readonly UpdateAction[];
}
