/**
 * @module partiql/projection
 * A SELECT's projection list applied to an item. PartiQL names each
 * selected value after the last name in its path: `SELECT a.b.c` returns
 * `{c: ...}` (conformance suite, "SELECT with nested map path"), and a
 * path ending in a list index is named after the attribute it indexes.
 * A path the item lacks is left out.
 */
import { valueAt } from '../expr/index.js';
import type { Item } from '../values/types.js';
import type { PathNode } from './ast.js';

export function projectionName(path: PathNode): string {
  for (let i = path.steps.length - 1; i >= 0; i--) {
    const step = path.steps[i];
    if (typeof step === 'string') return step;
  }
  return String(path.steps[0]);
}

/** The item as a SELECT with this projection returns it (undefined projection: `*`). */
export function projectForSelect(item: Item, projection: readonly PathNode[] | undefined): Item {
  if (projection === undefined) return item;
  const out: Item = {};
  for (const path of projection) {
    const value = valueAt(item, path.steps);
    if (value === undefined) continue;
    Object.defineProperty(out, projectionName(path), { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The top-level attributes a projection reads. */
export function projectedAttributes(projection: readonly PathNode[]): string[] {
  const names: string[] = [];
  for (const path of projection) {
    const first = path.steps[0];
    if (typeof first === 'string' && !names.includes(first)) names.push(first);
  }
  return names;
}
