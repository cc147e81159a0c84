/**
 * @module expr/project
 * ProjectionExpression (and ReturnValues UPDATED_OLD / UPDATED_NEW):
 * copies the given document paths out of an item, keeping each value
 * inside the same nesting it had. As DynamoDB does, list elements picked
 * by index come back packed in index order (`a[3], a[1]` gives a two-element
 * list, element 1 first), and paths that do not exist are skipped.
 */
import type { AttributeValue, Item } from '../values/types.js';
import { setOwn, valueAt } from './document-path.js';
import type { DocumentPath } from './resolved.js';

/** A partly built result: a picked value, or a map or list still being filled. */
type Node =
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'map'; readonly entries: Map<string, Node> }
  | { readonly kind: 'list'; readonly entries: Map<number, Node> };

/** The item holding only `paths`; empty when none of them exists. */
export function projectItem(item: Item, paths: readonly DocumentPath[]): Item {
  const result: Item = {};
  let nested = false;
  for (const path of paths) {
    if (path.length > 1) {
      nested = true;
      break;
    }
  }
  if (!nested) {
    // The common case, top-level names only: no tree to build.
    for (const path of paths) {
      const value = valueAt(item, path);
      if (value !== undefined) setOwn(result, path[0] as string, value);
    }
    return result;
  }
  const root = new Map<string, Node>();
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value !== undefined) insert(root, path, value);
  }
  for (const [name, child] of root) setOwn(result, name, finish(child));
  return result;
}

function insert(root: Map<string, Node>, path: DocumentPath, value: AttributeValue): void {
  let entries: Map<string | number, Node> = root as Map<string | number, Node>;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i] as string | number;
    const kind = typeof path[i + 1] === 'number' ? 'list' : 'map';
    let next = entries.get(step);
    if (next === undefined || next.kind === 'value') {
      next = kind === 'list' ? { kind, entries: new Map<number, Node>() } : { kind, entries: new Map<string, Node>() };
      entries.set(step, next);
    }
    entries = next.entries as Map<string | number, Node>;
  }
  entries.set(path[path.length - 1] as string | number, { kind: 'value', value });
}

function finish(node: Node): AttributeValue {
  switch (node.kind) {
    case 'value':
      return node.value;
    case 'map': {
      const map: Item = {};
      for (const [name, child] of node.entries) setOwn(map, name, finish(child));
      return { M: map };
    }
    case 'list': {
      const indexes = [...node.entries.keys()].sort((a, b) => a - b);
      return { L: indexes.map((i) => finish(node.entries.get(i) as Node)) };
    }
  }
}
