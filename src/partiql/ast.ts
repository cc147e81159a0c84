/**
 * @module partiql/ast
 * The parsed form of DynamoDB's PartiQL subset: kind-tagged, frozen nodes.
 * Values may still hold `?` parameters; partiql/translate resolves them
 * against a request's Parameters.
 */
import type { AttributeValue } from '../values/types.js';

/** One step of a path: a name (`a`, `"a"`, `['a']`) or a list index (`[0]`). */
export type PathStep = string | number;

export interface PathNode {
  readonly kind: 'path';
  readonly steps: readonly PathStep[];
}

/** A value written in the statement, or a `?` standing for the n-th Parameter (0-based). */
export type ValueNode =
  | { readonly kind: 'literal'; readonly value: AttributeValue }
  | { readonly kind: 'parameter'; readonly index: number }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [string, ValueNode])[] }
  | { readonly kind: 'list'; readonly items: readonly ValueNode[] }
  | { readonly kind: 'set'; readonly items: readonly ValueNode[] };

/** An operand of a predicate. */
export type OperandNode =
  | PathNode
  | ValueNode
  | { readonly kind: 'size'; readonly path: PathNode };

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type PredicateFunction =
  | 'begins_with'
  | 'contains'
  | 'attribute_exists'
  | 'attribute_not_exists'
  | 'attribute_type';

export type ConditionNode =
  | { readonly kind: 'and' | 'or'; readonly left: ConditionNode; readonly right: ConditionNode }
  | { readonly kind: 'not'; readonly operand: ConditionNode }
  | { readonly kind: 'compare'; readonly op: Comparator; readonly left: OperandNode; readonly right: OperandNode }
  | { readonly kind: 'between'; readonly operand: OperandNode; readonly lower: OperandNode; readonly upper: OperandNode }
  | { readonly kind: 'in'; readonly operand: OperandNode; readonly list: readonly OperandNode[] }
  | { readonly kind: 'is'; readonly operand: PathNode; readonly what: 'MISSING' | 'NULL'; readonly negated: boolean }
  | { readonly kind: 'function'; readonly name: PredicateFunction; readonly args: readonly OperandNode[] };

/** The right-hand side of an UPDATE's SET. */
export type SetValueNode =
  | OperandNode
  | { readonly kind: 'plus' | 'minus'; readonly left: SetValueNode; readonly right: SetValueNode }
  | { readonly kind: 'listAppend'; readonly left: SetValueNode; readonly right: SetValueNode }
  | { readonly kind: 'ifNotExists'; readonly path: PathNode; readonly fallback: SetValueNode }
  | { readonly kind: 'setAdd' | 'setDelete'; readonly path: PathNode; readonly value: ValueNode };

export type UpdateClause =
  | { readonly kind: 'set'; readonly path: PathNode; readonly value: SetValueNode }
  | { readonly kind: 'remove'; readonly path: PathNode };

export type Returning = 'ALL OLD' | 'MODIFIED OLD' | 'ALL NEW' | 'MODIFIED NEW';

export interface TableRef {
  readonly table: string;
  readonly index: string | undefined;
}

export interface SelectStatement {
  readonly kind: 'select';
  /** undefined for `*`. */
  readonly projection: readonly PathNode[] | undefined;
  readonly from: TableRef;
  readonly where: ConditionNode | undefined;
  readonly orderBy: readonly { readonly path: PathNode; readonly descending: boolean }[];
}

export interface InsertStatement {
  readonly kind: 'insert';
  readonly from: TableRef;
  readonly value: ValueNode;
}

export interface UpdateStatement {
  readonly kind: 'update';
  readonly from: TableRef;
  readonly clauses: readonly UpdateClause[];
  readonly where: ConditionNode | undefined;
  readonly returning: Returning | undefined;
}

export interface DeleteStatement {
  readonly kind: 'delete';
  readonly from: TableRef;
  readonly where: ConditionNode | undefined;
  readonly returning: Returning | undefined;
}

/**
 * `EXISTS(SELECT ...)` / `NOT EXISTS(SELECT ...)`: a condition check, only
 * meaningful inside ExecuteTransaction.
 */
export interface ExistsStatement {
  readonly kind: 'exists';
  readonly negated: boolean;
  readonly select: SelectStatement;
}

export type Statement = SelectStatement | InsertStatement | UpdateStatement | DeleteStatement | ExistsStatement;

/** A parsed statement with the number of `?` it holds. */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly parameterCount: number;
}
