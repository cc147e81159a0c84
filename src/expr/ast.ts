/**
 * @module expr/ast
 * The parsed, still unresolved form of an expression: what the parser
 * produces from the text alone, before `#name` and `:value` placeholders
 * are looked up. Nodes are frozen and `kind`-tagged so that parsed
 * expressions can be cached and shared between requests, and so that every
 * switch over them is exhaustive.
 */

/** A bare attribute name written in the expression, e.g. `a` in `a.b`. */
export interface NameElement {
  readonly kind: 'name';
  readonly name: string;
}

/** A `#name` placeholder inside a document path. */
export interface NameRefElement {
  readonly kind: 'nameRef';
  readonly ref: string;
}

/** A list index, e.g. `[3]`. */
export interface IndexElement {
  readonly kind: 'index';
  readonly index: number;
}

export type PathElementNode = NameElement | NameRefElement | IndexElement;

/** A document path: a top-level name followed by `.name` and `[n]` steps. */
export interface PathNode {
  readonly kind: 'path';
  readonly elements: readonly PathElementNode[];
}

/** A `:value` placeholder. */
export interface ValueRefNode {
  readonly kind: 'valueRef';
  readonly ref: string;
}

/**
 * A function call. The parser accepts any name here; whether the function
 * exists, and may be used where it stands, is checked after parsing so the
 * errors come out in DynamoDB's order.
 */
export interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly OperandNode[];
}

/** `left + right` or `left - right`, only on the right of an update's SET. */
export interface ArithmeticNode {
  readonly kind: 'arithmetic';
  readonly op: '+' | '-';
  readonly left: OperandNode;
  readonly right: OperandNode;
}

export type OperandNode = PathNode | ValueRefNode | CallNode;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export interface CompareNode {
  readonly kind: 'compare';
  readonly op: Comparator;
  readonly left: OperandNode;
  readonly right: OperandNode;
}

export interface BetweenNode {
  readonly kind: 'between';
  readonly operand: OperandNode;
  readonly lower: OperandNode;
  readonly upper: OperandNode;
}

export interface InNode {
  readonly kind: 'in';
  readonly operand: OperandNode;
  readonly list: readonly OperandNode[];
}

/** A function call standing as a condition, e.g. `attribute_exists(a)`. */
export interface FunctionConditionNode {
  readonly kind: 'function';
  readonly call: CallNode;
}

export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly left: ConditionNode;
  readonly right: ConditionNode;
}

export interface NotNode {
  readonly kind: 'not';
  readonly operand: ConditionNode;
}

/** The conditions that hold no other condition, in DynamoDB's terms. */
export type AtomicConditionNode = CompareNode | BetweenNode | InNode | FunctionConditionNode;

export type ConditionNode = AtomicConditionNode | LogicalNode | NotNode;

export type SetValueNode = OperandNode | ArithmeticNode;

export interface SetActionNode {
  readonly kind: 'set';
  readonly path: PathNode;
  readonly value: SetValueNode;
}

export interface RemoveActionNode {
  readonly kind: 'remove';
  readonly path: PathNode;
}

export interface AddActionNode {
  readonly kind: 'add';
  readonly path: PathNode;
  readonly value: ValueRefNode;
}

export interface DeleteActionNode {
  readonly kind: 'delete';
  readonly path: PathNode;
  readonly value: ValueRefNode;
}

export type UpdateActionNode = SetActionNode | RemoveActionNode | AddActionNode | DeleteActionNode;

/** A parsed UpdateExpression: its actions in the order they were written. */
export interface UpdateNode {
  readonly kind: 'update';
  readonly actions: readonly UpdateActionNode[];
}

/** A parsed ProjectionExpression. */
export interface ProjectionNode {
  readonly kind: 'projection';
  readonly paths: readonly PathNode[];
}

/** Freezes a freshly built node (and is the one place that does so). */
export function node<T extends object>(value: T): T {
  return Object.freeze(value);
}
