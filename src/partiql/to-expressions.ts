/**
 * @module partiql/to-expressions
 * Writes PartiQL predicates and SET/REMOVE clauses as DynamoDB expressions
 * (ConditionExpression / UpdateExpression text with #name and :value
 * placeholders), which is how DynamoDB itself runs PartiQL: a statement
 * becomes the item operation it stands for. The item planners
 * (data/item-actions) and the expression language (expr/) then apply the
 * same semantics and limits as the item API, with no second copy here.
 *
 * PartiQL differences kept in the translation:
 * - `a <> v` on an item without `a` is MISSING in PartiQL, so false (a
 *   condition expression would say true): written as
 *   `(attribute_exists(a) AND a <> v)`;
 * - `IS [NOT] MISSING` is attribute_[not_]exists; `IS NULL` holds for a NULL
 *   value or a missing attribute.
 */
import { errors } from '../errors/index.js';
import type { AttributeValue } from '../values/types.js';
import type { ConditionNode, OperandNode, PathNode, SetValueNode, UpdateClause } from './ast.js';
import { resolveValue } from './values.js';

/** Collects placeholders while expressions are written. */
export class ExpressionWriter {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};
  private readonly nameRefs = new Map<string, string>();
  private valueCount = 0;

  constructor(private readonly parameters: readonly AttributeValue[]) {}

  name(name: string): string {
    let ref = this.nameRefs.get(name);
    if (ref === undefined) {
      ref = `#n${this.nameRefs.size}`;
      this.nameRefs.set(name, ref);
      this.names[ref] = name;
    }
    return ref;
  }

  value(value: AttributeValue): string {
    const ref = `:v${this.valueCount++}`;
    this.values[ref] = value;
    return ref;
  }

  path(path: PathNode): string {
    let out = '';
    for (const step of path.steps) {
      if (typeof step === 'number') out += `[${step}]`;
      else out += (out === '' ? '' : '.') + this.name(step);
    }
    return out;
  }

  operand(node: OperandNode): string {
    switch (node.kind) {
      case 'path':
        return this.path(node);
      case 'size':
        return `size(${this.path(node.path)})`;
      default:
        return this.value(resolveValue(node, this.parameters));
    }
  }

  condition(node: ConditionNode): string {
    switch (node.kind) {
      case 'and':
      case 'or':
        return `(${this.condition(node.left)} ${node.kind.toUpperCase()} ${this.condition(node.right)})`;
      case 'not':
        return `(NOT ${this.condition(node.operand)})`;
      case 'compare': {
        const text = `${this.operand(node.left)} ${node.op} ${this.operand(node.right)}`;
        if (node.op !== '<>') return text;
        const present = [node.left, node.right]
          .filter((o): o is PathNode => o.kind === 'path')
          .map((p) => `attribute_exists(${this.path(p)}) AND `)
          .join('');
        return present === '' ? text : `(${present}${text})`;
      }
      case 'between':
        return `${this.operand(node.operand)} BETWEEN ${this.operand(node.lower)} AND ${this.operand(node.upper)}`;
      case 'in':
        return `${this.operand(node.operand)} IN (${node.list.map((o) => this.operand(o)).join(', ')})`;
      case 'is': {
        const path = this.path(node.operand);
        if (node.what === 'MISSING') return `${node.negated ? 'attribute_exists' : 'attribute_not_exists'}(${path})`;
        const isNull = `(attribute_not_exists(${path}) OR attribute_type(${path}, ${this.value({ S: 'NULL' })}))`;
        return node.negated ? `(NOT ${isNull})` : isNull;
      }
      case 'function':
        return `${node.name}(${node.args.map((a) => this.operand(a)).join(', ')})`;
    }
  }

  /** An UpdateExpression for an UPDATE's SET and REMOVE clauses. */
  update(clauses: readonly UpdateClause[]): string {
    const sets: string[] = [];
    const removes: string[] = [];
    const adds: string[] = [];
    const deletes: string[] = [];
    for (const clause of clauses) {
      if (clause.kind === 'remove') {
        removes.push(this.path(clause.path));
        continue;
      }
      const value = clause.value;
      if (value.kind === 'setAdd' || value.kind === 'setDelete') {
        // `SET s = set_add(s, <<...>>)` is DynamoDB's ADD/DELETE on a set.
        if (!samePath(value.path, clause.path)) {
          throw errors.validation(`${value.kind === 'setAdd' ? 'set_add' : 'set_delete'} must name the attribute it sets`);
        }
        const text = `${this.path(clause.path)} ${this.value(resolveValue(value.value, this.parameters))}`;
        (value.kind === 'setAdd' ? adds : deletes).push(text);
        continue;
      }
      sets.push(`${this.path(clause.path)} = ${this.setValue(value)}`);
    }
    const parts: string[] = [];
    if (sets.length > 0) parts.push(`SET ${sets.join(', ')}`);
    if (removes.length > 0) parts.push(`REMOVE ${removes.join(', ')}`);
    if (adds.length > 0) parts.push(`ADD ${adds.join(', ')}`);
    if (deletes.length > 0) parts.push(`DELETE ${deletes.join(', ')}`);
    return parts.join(' ');
  }

  private setValue(node: SetValueNode): string {
    switch (node.kind) {
      case 'plus':
        return `${this.setValue(node.left)} + ${this.setValue(node.right)}`;
      case 'minus':
        return `${this.setValue(node.left)} - ${this.setValue(node.right)}`;
      case 'listAppend':
        return `list_append(${this.setValue(node.left)}, ${this.setValue(node.right)})`;
      case 'ifNotExists':
        return `if_not_exists(${this.path(node.path)}, ${this.setValue(node.fallback)})`;
      case 'setAdd':
      case 'setDelete':
        throw errors.validation('set_add and set_delete may only be the whole value of a SET');
      case 'size':
        throw errors.validation('size() cannot be used in a SET value');
      default:
        return this.operand(node);
    }
  }
}

function samePath(a: PathNode, b: PathNode): boolean {
  return a.steps.length === b.steps.length && a.steps.every((step, i) => step === b.steps[i]);
}

/** Joins conditions with AND; undefined when there are none. */
export function allOf(parts: readonly string[]): string | undefined {
  return parts.length === 0 ? undefined : parts.join(' AND ');
}
