/**
 * @module expr/document-path
 * Reading a document path out of an item. Lookups go through
 * `Object.hasOwn`, so an attribute called `constructor` or `__proto__` is
 * just a name and never reaches into Object.prototype.
 */
import type { AttributeValue, Item } from '../values/types.js';
import type { DocumentPath } from './resolved.js';

/** The map's own entry for `key`, if any. */
export function own(map: Item, key: string): AttributeValue | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * Sets `map[key]` as an own property. Plain assignment would run the
 * `__proto__` setter for an attribute of that name instead.
 */
export function setOwn(map: Item, key: string, value: AttributeValue): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}

/**
 * The value at `path` in `item`, or undefined when some step is missing or
 * meets the wrong type (a name on a non-map, an index on a non-list).
 */
export function valueAt(item: Item | undefined, path: DocumentPath): AttributeValue | undefined {
  if (item === undefined) return undefined;
  let current = own(item, path[0] as string);
  for (let i = 1; i < path.length && current !== undefined; i++) {
    const step = path[i] as string | number;
    if (typeof step === 'number') {
      current = 'L' in current ? current.L[step] : undefined;
    } else {
      current = 'M' in current ? own(current.M, step) : undefined;
    }
  }
  return current;
}
