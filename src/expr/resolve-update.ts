/**
 * @module expr/resolve-update
 * Stage two for UpdateExpression: substitutes placeholders and makes the
 * checks that need them. Unlike conditions, DynamoDB ranks these errors
 * across the whole expression: undefined `#name`, undefined `:value`,
 * overlapping paths, conflicting paths, an ADD/DELETE operand of the wrong
 * type, then function errors (operand count, a path where one is needed,
 * operand types) with nested calls first.
 */
import type { AttributeValue } from '../values/types.js';
import { typeOf } from '../values/types.js';
import type { OperandNode, PathNode, SetValueNode, UpdateNode } from './ast.js';
import { invalidExpression, messages } from './expression-error.js';
import { isUpdateFunction, updateArity } from './functions.js';
import { findPathClash } from './path-conflicts.js';
import type { Placeholders } from './placeholders.js';
import type { DocumentPath, PathElement, SetValue, Update, UpdateAction } from './resolved.js';

/** How ADD and DELETE name a wrongly typed operand. */
const OPERAND_TYPE_NAMES: Readonly<Partial<Record<string, string>>> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  NULL: 'NULL',
  BOOL: 'BOOLEAN',
  L: 'LIST',
  M: 'MAP',
};

const MISSING: AttributeValue = { NULL: true };

export function resolveUpdate(root: UpdateNode, placeholders: Placeholders): Update {
  return new UpdateResolver(placeholders).resolve(root);
}

class UpdateResolver {
  private undefinedName: string | undefined;
  private undefinedValue: string | undefined;
  private operandError: string | undefined;
  private functionError: string | undefined;

  constructor(private readonly placeholders: Placeholders) {}

  resolve(root: UpdateNode): Update {
    const actions: UpdateAction[] = [];
    const paths: DocumentPath[] = [];
    for (const action of root.actions) {
      const path = this.path(action.path);
      paths.push(path);
      switch (action.kind) {
        case 'set':
          actions.push({ kind: 'set', path, value: this.setValue(action.value) });
          break;
        case 'remove':
          actions.push({ kind: 'remove', path });
          break;
        case 'add':
        case 'delete': {
          const value = this.value(action.value.ref);
          this.checkSetOperand(action.kind, value);
          actions.push({ kind: action.kind, path, value });
          break;
        }
      }
    }
    const message =
      (this.undefinedName === undefined ? undefined : messages.undefinedName(this.undefinedName)) ??
      (this.undefinedValue === undefined ? undefined : messages.undefinedValue(this.undefinedValue)) ??
      findPathClash(paths) ??
      this.operandError ??
      this.functionError;
    if (message !== undefined) throw invalidExpression('UpdateExpression', message);
    return { actions };
  }

  /** ADD takes a number or a set; DELETE only a set. */
  private checkSetOperand(kind: 'add' | 'delete', value: AttributeValue): void {
    if (value === MISSING) return;
    const type = typeOf(value);
    if (kind === 'add' && type === 'N') return;
    const name = OPERAND_TYPE_NAMES[type];
    if (name !== undefined) {
      this.operandError ??= messages.updateOperandType(kind === 'add' ? 'ADD' : 'DELETE', name);
    }
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
          if (resolved === undefined) this.undefinedName ??= element.ref;
          path[i] = resolved ?? element.ref;
          break;
        }
      }
    }
    return path;
  }

  private value(ref: string): AttributeValue {
    const value = this.placeholders.value(ref);
    if (value === undefined) {
      this.undefinedValue ??= ref;
      return MISSING;
    }
    return value;
  }

  private setValue(node: SetValueNode): SetValue {
    if (node.kind !== 'arithmetic') return this.operand(node);
    const left = this.operand(node.left);
    const right = this.operand(node.right);
    this.requireConstantType(node.op, [left, right], 'N');
    return { kind: node.op === '+' ? 'plus' : 'minus', left, right };
  }

  private operand(node: OperandNode): SetValue {
    switch (node.kind) {
      case 'path':
        return { kind: 'path', path: this.path(node) };
      case 'valueRef':
        return { kind: 'value', value: this.value(node.ref) };
      case 'call': {
        const args = node.args.map((arg) => this.operand(arg));
        const name = node.name;
        // Parse let only the update functions through.
        if (!isUpdateFunction(name) || args.length !== updateArity(name)) {
          this.functionError ??= messages.operandCount(name, args.length);
          return { kind: 'value', value: MISSING };
        }
        const first = args[0] as SetValue;
        const second = args[1] as SetValue;
        if (name === 'if_not_exists') {
          if (first.kind !== 'path') {
            this.functionError ??= messages.needsPath(name);
            return { kind: 'value', value: MISSING };
          }
          return { kind: 'ifNotExists', path: first.path, fallback: second };
        }
        this.requireConstantType(name, args, 'L');
        return { kind: 'listAppend', left: first, right: second };
      }
    }
  }

  /** Constants given straight to `+`, `-` or list_append must have the right type. */
  private requireConstantType(fn: string, args: readonly SetValue[], type: 'N' | 'L'): void {
    for (const arg of args) {
      if (arg.kind !== 'value' || arg.value === MISSING) continue;
      const actual = typeOf(arg.value);
      if (actual !== type) {
        this.functionError ??= messages.operandType(fn, actual);
        return;
      }
    }
  }
}
