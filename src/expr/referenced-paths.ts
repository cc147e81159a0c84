/**
 * @module expr/referenced-paths
 * The document paths an expression touches, for the checks operations make
 * against the key schema: a Query filter may not name a key attribute, an
 * update may not write one, and no expression may reach inside a key
 * attribute with `.` or `[n]` ("Key attributes must be scalars").
 */
import type { Condition, DocumentPath, Operand, SetValue, Update } from './resolved.js';

/** Every path a condition reads, in the order written. */
export function conditionPaths(condition: Condition): DocumentPath[] {
  const paths: DocumentPath[] = [];
  const operand = (o: Operand): void => {
    switch (o.kind) {
      case 'path':
        paths.push(o.path);
        return;
      case 'value':
        return;
      case 'size':
        operand(o.operand);
        return;
    }
  };
  const visit = (c: Condition): void => {
    switch (c.kind) {
      case 'and':
      case 'or':
        visit(c.left);
        visit(c.right);
        return;
      case 'not':
        visit(c.operand);
        return;
      case 'compare':
        operand(c.left);
        operand(c.right);
        return;
      case 'between':
        operand(c.operand);
        operand(c.lower);
        operand(c.upper);
        return;
      case 'in':
        operand(c.operand);
        c.list.forEach(operand);
        return;
      case 'attributeExists':
      case 'attributeNotExists':
        paths.push(c.path);
        return;
      case 'attributeType':
        operand(c.operand);
        return;
      case 'beginsWith':
        operand(c.operand);
        operand(c.prefix);
        return;
      case 'contains':
        operand(c.operand);
        operand(c.member);
        return;
    }
  };
  visit(condition);
  return paths;
}

/** The paths an update writes or removes, in the order written. */
export function updateTargetPaths(update: Update): DocumentPath[] {
  return update.actions.map((action) => action.path);
}

/** Every path an update touches: its targets and the paths its SET values read. */
export function updatePaths(update: Update): DocumentPath[] {
  const paths: DocumentPath[] = [];
  const value = (v: SetValue): void => {
    switch (v.kind) {
      case 'path':
        paths.push(v.path);
        return;
      case 'value':
        return;
      case 'ifNotExists':
        paths.push(v.path);
        value(v.fallback);
        return;
      case 'listAppend':
      case 'plus':
      case 'minus':
        value(v.left);
        value(v.right);
        return;
    }
  };
  for (const action of update.actions) {
    paths.push(action.path);
    if (action.kind === 'set') value(action.value);
  }
  return paths;
}
