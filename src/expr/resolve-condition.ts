/**
 * @module expr/resolve-condition
 * Stage two for the condition grammar: substitutes placeholders into a
 * parsed condition and makes the checks that need their values.
 *
 * DynamoDB checks one atomic condition (comparison, BETWEEN, IN or
 * function) at a time, left to right, and reports the first condition that
 * has an error. Within it, the error kinds rank: undefined placeholder,
 * wrong number of operands, operands that must differ, then operand types
 * (nested functions before the function that contains them).
 */
import { compareScalars } from '../values/index.js';
import type { AttributeType, AttributeValue } from '../values/types.js';
import { typeOf } from '../values/types.js';
import type { CallNode, ConditionNode, OperandNode, PathNode } from './ast.js';
import { invalidExpression, messages } from './expression-error.js';
import type { ExpressionName } from './expression-error.js';
import { conditionArity, isConditionFunction } from './functions.js';
import type { Placeholders } from './placeholders.js';
import type { Condition, DocumentPath, Operand, PathElement } from './resolved.js';

const ATTRIBUTE_TYPES: ReadonlySet<string> = new Set(['S', 'N', 'B', 'NULL', 'SS', 'BOOL', 'L', 'BS', 'NS', 'M']);

/** How DynamoDB names "any type" when attribute_type's second operand is a path. */
const ANY_TYPE = '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}';

/** Per atomic condition: the first error of each kind, in rank order. */
interface AtomErrors {
  placeholder?: string;
  operands?: string;
  distinct?: string;
  types?: string;
}

/** A resolved operand with what is statically known of its type. */
interface Typed {
  readonly operand: Operand;
  /** The type of a constant or of size(); undefined for item paths. */
  readonly type: AttributeType | undefined;
  /** True only for a `:value` written directly (not the result of size()). */
  readonly constant: boolean;
}

const MISSING: Operand = { kind: 'value', value: { NULL: true } };

/** DynamoDB's limit on IN: its left operand plus the list, at most 100. */
const MAX_IN_OPERANDS = 100;

export function resolveCondition(root: ConditionNode, name: ExpressionName, placeholders: Placeholders): Condition {
  return new ConditionResolver(name, placeholders).condition(root);
}

class ConditionResolver {
  private errors: AtomErrors = {};

  constructor(
    private readonly name: ExpressionName,
    private readonly placeholders: Placeholders,
  ) {}

  condition(node: ConditionNode): Condition {
    switch (node.kind) {
      case 'and':
      case 'or':
        return { kind: node.kind, left: this.condition(node.left), right: this.condition(node.right) };
      case 'not':
        return { kind: 'not', operand: this.condition(node.operand) };
      case 'compare':
      case 'between':
      case 'in':
      case 'function': {
        this.errors = {};
        const result = this.atom(node);
        const e = this.errors;
        const message = e.placeholder ?? e.operands ?? e.distinct ?? e.types;
        if (message !== undefined) throw invalidExpression(this.name, message);
        return result;
      }
    }
  }

  private atom(node: Exclude<ConditionNode, { kind: 'and' | 'or' | 'not' }>): Condition {
    switch (node.kind) {
      case 'compare': {
        const left = this.operand(node.left);
        const right = this.operand(node.right);
        this.distinct(node.op, node.left, node.right);
        if (node.op !== '=' && node.op !== '<>') this.orderable(node.op, [left, right]);
        return { kind: 'compare', op: node.op, left: left.operand, right: right.operand };
      }
      case 'between': {
        const operand = this.operand(node.operand);
        const lower = this.operand(node.lower);
        const upper = this.operand(node.upper);
        this.orderable('BETWEEN', [operand, lower, upper]);
        this.bounds(lower, upper);
        return { kind: 'between', operand: operand.operand, lower: lower.operand, upper: upper.operand };
      }
      case 'in': {
        const operand = this.operand(node.operand);
        const list = node.list.map((item) => this.operand(item).operand);
        const count = node.list.length + 1;
        if (count > MAX_IN_OPERANDS) this.errors.operands ??= messages.tooManyInOperands(count);
        return { kind: 'in', operand: operand.operand, list };
      }
      case 'function':
        return this.functionCondition(node.call);
    }
  }

  /** A boolean function standing as a condition (parse checked the name). */
  private functionCondition(call: CallNode): Condition {
    const args = call.args.map((arg) => this.operand(arg));
    const name = call.name;
    if (!isConditionFunction(name) || args.length !== conditionArity(name)) {
      this.errors.operands ??= messages.operandCount(name, args.length);
      return { kind: 'attributeExists', path: [] };
    }
    const first = args[0] as Typed;
    const second = args[1] as Typed;
    switch (name) {
      case 'attribute_exists':
      case 'attribute_not_exists': {
        if (first.operand.kind !== 'path') {
          this.errors.types ??= messages.needsPath(name);
          return { kind: 'attributeExists', path: [] };
        }
        const kind = name === 'attribute_exists' ? 'attributeExists' : 'attributeNotExists';
        return { kind, path: first.operand.path };
      }
      case 'attribute_type': {
        this.distinct(name, call.args[0] as OperandNode, call.args[1] as OperandNode);
        const operand = second.operand;
        if (second.type !== 'S' || operand.kind !== 'value' || !('S' in operand.value)) {
          this.errors.types ??= messages.operandType(name, second.type ?? ANY_TYPE);
          return { kind: 'attributeExists', path: [] };
        }
        const type = operand.value.S;
        if (!ATTRIBUTE_TYPES.has(type)) {
          this.errors.types ??= messages.attributeTypeName(type);
          return { kind: 'attributeExists', path: [] };
        }
        return { kind: 'attributeType', operand: first.operand, type: type as AttributeType };
      }
      case 'begins_with': {
        this.distinct(name, call.args[0] as OperandNode, call.args[1] as OperandNode);
        for (const arg of args) {
          if (arg.type !== undefined && arg.type !== 'S' && arg.type !== 'B') {
            this.errors.types ??= messages.operandType(name, arg.type);
          }
        }
        return { kind: 'beginsWith', operand: first.operand, prefix: second.operand };
      }
      case 'contains':
        this.distinct(name, call.args[0] as OperandNode, call.args[1] as OperandNode);
        return { kind: 'contains', operand: first.operand, member: second.operand };
      case 'size':
        // Parse already rejected size() standing alone; unreachable.
        return { kind: 'attributeExists', path: [] };
    }
  }

  private operand(node: OperandNode): Typed {
    switch (node.kind) {
      case 'path':
        return { operand: { kind: 'path', path: this.path(node) }, type: undefined, constant: false };
      case 'valueRef': {
        const value = this.placeholders.value(node.ref);
        if (value === undefined) {
          this.errors.placeholder ??= messages.undefinedValue(node.ref);
          return { operand: MISSING, type: undefined, constant: false };
        }
        return { operand: { kind: 'value', value }, type: typeOf(value), constant: true };
      }
      case 'call':
        return this.size(node);
    }
  }

  /** size(): the only function parse lets through as an operand. */
  private size(call: CallNode): Typed {
    const args = call.args.map((arg) => this.operand(arg));
    if (args.length !== 1) {
      this.errors.operands ??= messages.operandCount(call.name, args.length);
      return { operand: MISSING, type: 'N', constant: false };
    }
    const arg = args[0] as Typed;
    if (arg.type === 'N' || arg.type === 'BOOL' || arg.type === 'NULL') {
      this.errors.types ??= messages.operandType('size', arg.type);
    }
    return { operand: { kind: 'size', operand: arg.operand }, type: 'N', constant: false };
  }

  private path(node: PathNode): DocumentPath {
    const path: PathElement[] = new Array<PathElement>(node.elements.length);
    for (let i = 0; i < node.elements.length; i++) {
      const element = node.elements[i] as PathNode['elements'][number];
      switch (element.kind) {
        case 'name':
          path[i] = element.name;
          break;
        case 'index':
          path[i] = element.index;
          break;
        case 'nameRef': {
          const resolved = this.placeholders.name(element.ref);
          if (resolved === undefined) this.errors.placeholder ??= messages.undefinedName(element.ref);
          path[i] = resolved ?? element.ref;
          break;
        }
      }
    }
    return path;
  }

  /** `a = a`, `contains(a, a)`: DynamoDB wants the two operands to differ. */
  private distinct(operator: string, left: OperandNode, right: OperandNode): void {
    if (left.kind !== 'path' || right.kind !== 'path') return;
    if (left.elements.length !== right.elements.length) return;
    const a = this.quietPath(left);
    const b = this.quietPath(right);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return;
    this.errors.distinct ??= messages.notDistinct(operator, a);
  }

  /** A path resolved without marking errors (they were recorded already). */
  private quietPath(node: PathNode): DocumentPath {
    return node.elements.map((e) =>
      e.kind === 'name' ? e.name : e.kind === 'index' ? e.index : (this.placeholders.name(e.ref) ?? e.ref),
    );
  }

  /** Ordering operators refuse constants that have no order (anything but S, N, B). */
  private orderable(operator: string, operands: readonly Typed[]): void {
    for (const operand of operands) {
      if (operand.constant && operand.type !== 'S' && operand.type !== 'N' && operand.type !== 'B') {
        this.errors.types ??= messages.operandType(operator, operand.type as string);
      }
    }
  }

  /** BETWEEN with two constant bounds: same type, lower ≤ upper. */
  private bounds(lower: Typed, upper: Typed): void {
    if (!lower.constant || !upper.constant) return;
    if (lower.operand.kind !== 'value' || upper.operand.kind !== 'value') return;
    const low = lower.operand.value;
    const high = upper.operand.value;
    const detail = `lower bound operand: AttributeValue: {${show(low)}}, upper bound operand: AttributeValue: {${show(high)}}`;
    if (lower.type !== upper.type) {
      this.errors.types ??= `The BETWEEN operator requires same data type for lower and upper bounds; ${detail}`;
      return;
    }
    const order = compareScalars(low, high);
    if (order !== undefined && order > 0) {
      this.errors.types ??= `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${detail}`;
    }
  }
}

function show(value: AttributeValue): string {
  const type = typeOf(value);
  return `${type}:${String((value as Record<string, unknown>)[type])}`;
}
