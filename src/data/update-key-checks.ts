/**
 * @module data/update-key-checks
 * What UpdateItem (and GetItem's projection) may do to key attributes, with
 * DynamoDB's messages and in its order (dynalite's DynamoDB-verified
 * db/index.js and tests): an update may not touch the table's key; a value
 * whose type is known from the expression alone must fit an index key it
 * writes; no path may reach inside a key attribute with `.` or `[n]`. The
 * stored item decides the rest, checked on the updated item.
 */
import { errors } from '../errors/index.js';
import type { DocumentPath, SetValue, Update } from '../expr/index.js';
import { updatePaths } from '../expr/index.js';
import type { IndexRecord, TableRecord } from '../catalog/table-record.js';
import { keyAttributes } from '../catalog/table-record.js';
import { compositeKeySizeError } from '../indexes/index-entries.js';
import { validateIndexKeyValue } from '../values/index.js';
import type { AttributeType, Item } from '../values/types.js';
import { typeOf } from '../values/types.js';

const INVALID = 'One or more parameter values were invalid: ';

interface IndexKeyAttribute {
  readonly name: string;
  readonly index: IndexRecord;
}

/** Per table record (a changed definition is a new record), so updates do not rebuild the list. */
const indexKeysByTable = new WeakMap<TableRecord, readonly IndexKeyAttribute[]>();

/**
 * Every index key attribute with its index: global indexes first (hash,
 * then range), then each local index's sort key, as DynamoDB reports them.
 */
function indexKeyAttributes(table: TableRecord): readonly IndexKeyAttribute[] {
  const known = indexKeysByTable.get(table);
  if (known !== undefined) return known;
  const out: IndexKeyAttribute[] = [];
  for (const index of table.globalIndexes) {
    for (const name of keyAttributes(index.keySchema)) out.push({ name, index });
  }
  for (const index of table.localIndexes) {
    if (index.keySchema.range !== undefined) out.push({ name: index.keySchema.range, index });
  }
  indexKeysByTable.set(table, out);
  return out;
}

function tableKeyNames(table: TableRecord): string[] {
  return table.keySchema.range === undefined ? [table.keySchema.hash] : [table.keySchema.hash, table.keySchema.range];
}

/** "Key attributes must be scalars": no `.`/`[n]` step below a table or index key attribute. */
export function checkScalarKeyPaths(table: TableRecord, paths: readonly DocumentPath[]): void {
  const nested = new Set<string>();
  for (const path of paths) if (path.length > 1) nested.add(path[0] as string);
  if (nested.size === 0) return;
  const fail = (kind: string, name: string): never => {
    throw errors.validation(
      `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ${kind}: ${name}`,
    );
  };
  for (const name of tableKeyNames(table)) if (nested.has(name)) fail('Key', name);
  for (const { name } of indexKeyAttributes(table)) if (nested.has(name)) fail('IndexKey', name);
}

/** The type a SET value has whatever the item holds, when the expression alone decides it. */
function staticType(value: SetValue): AttributeType | undefined {
  switch (value.kind) {
    case 'value':
      return typeOf(value.value);
    case 'plus':
    case 'minus':
      return 'N';
    case 'listAppend':
      return 'L';
    case 'ifNotExists':
      return staticType(value.fallback);
    case 'path':
      return undefined;
  }
}

/**
 * The checks an update passes before the item is read: it writes no table
 * key attribute, gives no index key attribute a value of the wrong type
 * where the expression alone fixes the type, and reads or writes nothing
 * inside a key attribute.
 */
export function checkUpdateAgainstKeys(table: TableRecord, update: Update): void {
  for (const name of tableKeyNames(table)) {
    if (update.actions.some((action) => action.path[0] === name)) {
      throw errors.validation(`${INVALID}Cannot update attribute ${name}. This attribute is part of the key`);
    }
  }
  for (const { name, index } of indexKeyAttributes(table)) {
    const action = update.actions.find((a) => a.path.length === 1 && a.path[0] === name);
    if (action === undefined || action.kind === 'remove') continue;
    const actual = action.kind === 'set' ? staticType(action.value) : typeOf(action.value);
    const expected = table.attributeDefinitions[name];
    if (actual !== undefined && actual !== expected) {
      throw errors.validation(
        `${INVALID}Type mismatch for Index Key ${name} Expected: ${expected} Actual: ${actual} IndexName: ${index.name}`,
      );
    }
  }
  checkScalarKeyPaths(table, updatePaths(update));
}

/**
 * The index key attributes an update changed must still fit their
 * indexes. A type only the stored item revealed (`SET gsiKey = otherAttr`)
 * gets DynamoDB's own wording for that case.
 */
export function checkUpdatedIndexKeys(table: TableRecord, old: Item | undefined, next: Item): void {
  let changedComposite: Set<IndexRecord> | undefined;
  for (const { name, index } of indexKeyAttributes(table)) {
    const value = next[name];
    if (value === undefined || value === old?.[name]) continue;
    const expected = table.attributeDefinitions[name]!;
    if (!(expected in value)) {
      throw errors.validation('The update expression attempted to update the secondary index key to unsupported type');
    }
    // A multi-attribute key is held to the size limits as a whole, below.
    const role = index.keySchema.composite !== undefined ? undefined : name === index.keySchema.hash ? 'hash' : 'range';
    const message = validateIndexKeyValue(name, value, expected, index.name, role);
    if (message !== undefined) throw errors.validation(message);
    if (index.keySchema.composite !== undefined) (changedComposite ??= new Set()).add(index);
  }
  // A multi-attribute key whose values changed must still fit as a whole.
  for (const index of changedComposite ?? []) {
    const message = compositeKeySizeError(index, index.keySchema.composite!, next);
    if (message !== undefined) throw errors.validation(message);
  }
}
