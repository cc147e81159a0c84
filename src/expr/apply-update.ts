/**
 * @module expr/apply-update
 * Stage three for updates: applies a resolved update to an item and
 * returns the new item, never touching the input (containers on the
 * updated paths are copied on write, the rest is shared).
 *
 * DynamoDB semantics (Alternator's DynamoDB-verified tests, dynalite):
 * - every SET value is computed from the item as it was before the update,
 *   so `SET a = b, b = a` swaps;
 * - list indexes in all actions refer to the original list: `REMOVE a[1]
 *   SET a[3] = :v` sets the element that was at 3. Removals shift later
 *   elements down; a SET past the end appends, in index order;
 * - the parent of a target must exist and be a map (for `.name`) or a list
 *   (for `[n]`), else "The document path provided in the update expression
 *   is invalid for update" — except that REMOVE on an item that does not
 *   exist does nothing;
 * - ADD treats a missing number as 0 and a missing set as empty; DELETE
 *   from a missing attribute does nothing; a set emptied by DELETE is
 *   removed.
 */
import { errors } from '../errors/index.js';
import { addNumbers, subtractNumbers } from '../values/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { typeOf } from '../values/types.js';
import { own, setOwn, valueAt } from './document-path.js';
import type { DocumentPath, SetValue, Update, UpdateAction } from './resolved.js';

const INVALID_PATH = 'The document path provided in the update expression is invalid for update';
const MISSING_ATTRIBUTE = 'The provided expression refers to an attribute that does not exist in the item';
const WRONG_TYPE = 'An operand in the update expression has an incorrect data type';
/** The legacy AttributeUpdates wording for the same mistake. */
const LEGACY_WRONG_TYPE = 'Type mismatch for attribute to update';

export interface UpdateOptions {
  /**
   * The item's key attributes, which start a new item when `item` is
   * undefined (UpdateItem on a key that has no item yet).
   */
  readonly key?: Item;
  /**
   * AttributeUpdates semantics instead of UpdateExpression: ADD also
   * appends lists, and type errors use the legacy wording.
   */
  readonly legacy?: boolean;
}

export interface UpdateResult {
  /** The updated item (a new object; the input is unchanged). */
  readonly item: Item;
  /**
   * The paths the update wrote or removed, in the order written: project
   * them from the old item for ReturnValues UPDATED_OLD and from the new
   * one for UPDATED_NEW (see projectPaths).
   */
  readonly paths: readonly DocumentPath[];
}

/** Applies `update` to `item` (undefined when no item exists yet). */
export function applyUpdate(update: Update, item: Item | undefined, options: UpdateOptions = {}): UpdateResult {
  return new Updater(item, options).run(update);
}

type Container = { M: Item } | { L: AttributeValue[] };

/** Removals and appends of one list, done after all in-place changes. */
interface ListEdits {
  readonly list: AttributeValue[];
  removals: number[];
  appends: [number, AttributeValue][];
}

class Updater {
  private readonly exists: boolean;
  private readonly original: Item;
  private readonly working: Item;
  /** Containers already copied for this update, safe to modify. */
  private readonly owned = new Set<object>();
  private readonly listEdits = new Map<AttributeValue[], ListEdits>();

  constructor(
    item: Item | undefined,
    private readonly options: UpdateOptions,
  ) {
    this.exists = item !== undefined;
    this.original = item ?? options.key ?? {};
    this.working = { ...this.original };
  }

  run(update: Update): UpdateResult {
    // Read every SET value before writing anything.
    const values = update.actions.map((action) =>
      action.kind === 'set' ? this.compute(action.value) : undefined,
    );
    update.actions.forEach((action, i) => this.apply(action, values[i]));
    for (const edits of this.listEdits.values()) this.finishList(edits);
    return { item: this.working, paths: update.actions.map((action) => action.path) };
  }

  private fail(message: string): never {
    throw errors.validation(message);
  }

  private wrongType(): never {
    this.fail(this.options.legacy === true ? LEGACY_WRONG_TYPE : WRONG_TYPE);
  }

  private compute(value: SetValue): AttributeValue {
    switch (value.kind) {
      case 'value':
        return value.value;
      case 'path':
        return valueAt(this.original, value.path) ?? this.fail(MISSING_ATTRIBUTE);
      case 'ifNotExists':
        return valueAt(this.original, value.path) ?? this.compute(value.fallback);
      case 'plus':
      case 'minus': {
        const left = this.compute(value.left);
        if (!('N' in left)) this.wrongType();
        const right = this.compute(value.right);
        if (!('N' in right)) this.wrongType();
        return { N: value.kind === 'plus' ? addNumbers(left.N, right.N) : subtractNumbers(left.N, right.N) };
      }
      case 'listAppend': {
        const left = this.compute(value.left);
        if (!('L' in left)) this.wrongType();
        const right = this.compute(value.right);
        if (!('L' in right)) this.wrongType();
        return { L: [...left.L, ...right.L] };
      }
    }
  }

  private apply(action: UpdateAction, computed: AttributeValue | undefined): void {
    const path = action.path;
    const last = path[path.length - 1] as string | number;
    const parent = this.parentOf(path);
    if (parent === undefined) {
      if (action.kind === 'remove' && !this.exists) return;
      this.fail(INVALID_PATH);
    }
    const existing = typeof last === 'number' ? (parent as { L: AttributeValue[] }).L[last] : own((parent as { M: Item }).M, last);
    switch (action.kind) {
      case 'set':
        this.write(parent, last, computed as AttributeValue);
        return;
      case 'remove':
        if (existing !== undefined) this.erase(parent, last);
        return;
      case 'add':
        this.write(parent, last, this.added(existing, action.value));
        return;
      case 'delete': {
        if (existing === undefined) return;
        const remaining = this.deleted(existing, action.value);
        if (remaining === undefined) this.erase(parent, last);
        else this.write(parent, last, remaining);
        return;
      }
    }
  }

  /** ADD: number plus number, or set union; a missing target counts as zero / empty. */
  private added(existing: AttributeValue | undefined, value: AttributeValue): AttributeValue {
    const type = typeOf(value);
    if (existing === undefined) return value;
    if (typeOf(existing) !== type) this.wrongType();
    switch (type) {
      case 'N':
        return { N: addNumbers((existing as { N: string }).N, (value as { N: string }).N) };
      case 'SS':
      case 'NS':
      case 'BS': {
        const members = (existing as Record<string, string[]>)[type] as string[];
        const added = ((value as Record<string, string[]>)[type] as string[]).filter((m) => !members.includes(m));
        return { [type]: [...members, ...added] } as AttributeValue;
      }
      case 'L':
        // Only AttributeUpdates gets here; UpdateExpression's ADD refuses lists.
        return { L: [...(existing as { L: AttributeValue[] }).L, ...(value as { L: AttributeValue[] }).L] };
      default:
        return this.wrongType();
    }
  }

  /** DELETE: set difference; undefined when nothing is left. */
  private deleted(existing: AttributeValue, value: AttributeValue): AttributeValue | undefined {
    const type = typeOf(value);
    if (typeOf(existing) !== type || (type !== 'SS' && type !== 'NS' && type !== 'BS')) this.wrongType();
    const drop = (value as Record<string, string[]>)[type] as string[];
    const kept = ((existing as Record<string, string[]>)[type] as string[]).filter((m) => !drop.includes(m));
    return kept.length === 0 ? undefined : ({ [type]: kept } as AttributeValue);
  }

  /**
   * The container holding the target of `path`, copied so it may be
   * modified; undefined when it is missing or of the wrong kind for the
   * last step.
   */
  private parentOf(path: DocumentPath): Container | undefined {
    let container: Container = { M: this.working };
    for (let i = 0; i < path.length - 1; i++) {
      const step = path[i] as string | number;
      const child = this.child(container, step);
      if (child === undefined) return undefined;
      container = child;
    }
    const last = path[path.length - 1];
    const fits = typeof last === 'number' ? 'L' in container : 'M' in container;
    return fits ? container : undefined;
  }

  /** The owned (copied) map or list at `step` inside `container`. */
  private child(container: Container, step: string | number): Container | undefined {
    let value: AttributeValue | undefined;
    if (typeof step === 'number') {
      if (!('L' in container)) return undefined;
      value = container.L[step];
    } else {
      if (!('M' in container)) return undefined;
      value = own(container.M, step);
    }
    if (value === undefined) return undefined;
    if (this.owned.has(value)) return value as Container;
    let copy: Container;
    if ('M' in value) copy = { M: { ...value.M } };
    else if ('L' in value) copy = { L: value.L.slice() };
    else return undefined;
    this.owned.add(copy);
    if ('L' in container) container.L[step as number] = copy as AttributeValue;
    else setOwn(container.M, step as string, copy as AttributeValue);
    return copy;
  }

  private write(parent: Container, last: string | number, value: AttributeValue): void {
    if ('M' in parent) {
      setOwn(parent.M, last as string, value);
      return;
    }
    const index = last as number;
    if (index < parent.L.length) parent.L[index] = value;
    else this.edits(parent.L).appends.push([index, value]);
  }

  private erase(parent: Container, last: string | number): void {
    if ('M' in parent) delete parent.M[last as string];
    else this.edits(parent.L).removals.push(last as number);
  }

  private edits(list: AttributeValue[]): ListEdits {
    let edits = this.listEdits.get(list);
    if (edits === undefined) {
      edits = { list, removals: [], appends: [] };
      this.listEdits.set(list, edits);
    }
    return edits;
  }

  private finishList(edits: ListEdits): void {
    const { list } = edits;
    edits.removals.sort((a, b) => b - a);
    for (const index of edits.removals) list.splice(index, 1);
    edits.appends.sort((a, b) => a[0] - b[0]);
    for (const [, value] of edits.appends) list.push(value);
  }
}
