/**
 * @module data/read-target
 * What a Query or Scan reads: the table itself or one of its secondary
 * indexes, with the key schema that orders it, the attributes it holds and
 * the attributes a LastEvaluatedKey carries. Also turns an
 * ExclusiveStartKey into a position in that key space, with DynamoDB's
 * messages for a start key that does not fit.
 */
import { errors } from '../errors/index.js';
import type { IndexRecord, KeySchema as CatalogKeySchema, TableRecord } from '../catalog/table-record.js';
import { keyAttributes } from '../catalog/table-record.js';
import type { KeyAttribute, KeySchema } from '../expr/index.js';
import { indexEntryKey, itemKey } from '../indexes/index-entries.js';
import { validateAttributeValue, validateKeyValue } from '../values/index.js';
import type { AttributeValue, Item, KeyType } from '../values/types.js';

export interface ReadTarget {
  readonly table: TableRecord;
  /** The index read, or undefined for the table. */
  readonly index: IndexRecord | undefined;
  /** 0 for the table, the index's id otherwise. */
  readonly indexId: number;
  readonly local: boolean;
  readonly global: boolean;
  /** The key schema that orders what is read (the index's, on an index). */
  readonly keySchema: KeySchema;
  /** A LastEvaluatedKey's attributes: the table's key, then the index's. */
  readonly startKeyNames: readonly string[];
  /**
   * The attributes the index holds when it does not project everything
   * (key attributes included); undefined for the table and ALL indexes.
   */
  readonly projected: ReadonlySet<string> | undefined;
}

function keyAttribute(table: TableRecord, name: string): { name: string; type: KeyType } {
  return { name, type: table.attributeDefinitions[name]! };
}

function schemaOf(table: TableRecord, keys: CatalogKeySchema): KeySchema {
  if (keys.composite !== undefined) {
    const hash = keys.composite.hash.map((name) => keyAttribute(table, name));
    const range = keys.composite.range.map((name) => keyAttribute(table, name));
    return { hash: hash[0]!, ...(range.length > 0 ? { range: range[0]! } : {}), composite: { hash, range } };
  }
  return keys.range === undefined
    ? { hash: keyAttribute(table, keys.hash) }
    : { hash: keyAttribute(table, keys.hash), range: keyAttribute(table, keys.range) };
}

/**
 * The table or index a request reads, with DynamoDB's errors for an
 * unknown index, a consistent read of a GSI, and a GSI still backfilling.
 */
export function readTarget(table: TableRecord, indexName: string | undefined, consistentRead: boolean): ReadTarget {
  const tableKeys = [table.keySchema.hash, ...(table.keySchema.range === undefined ? [] : [table.keySchema.range])];
  if (indexName === undefined) {
    return {
      table,
      index: undefined,
      indexId: 0,
      local: false,
      global: false,
      keySchema: schemaOf(table, table.keySchema),
      startKeyNames: tableKeys,
      projected: undefined,
    };
  }
  const local = table.localIndexes.find((i) => i.name === indexName);
  const index = local ?? table.globalIndexes.find((i) => i.name === indexName);
  if (index === undefined) throw errors.validation(`The table does not have the specified index: ${indexName}`);
  if (local === undefined && consistentRead) {
    throw errors.validation('Consistent reads are not supported on global secondary indexes');
  }
  // An index added by UpdateTable answers only once its backfill is done
  // (wording from boto3 users' reports of DynamoDB's error).
  if (index.status === 'CREATING') throw errors.validation('Cannot read from backfilling global secondary index');
  const names = [...tableKeys];
  const indexKeys = index.keySchema.composite === undefined ? [index.keySchema.hash, index.keySchema.range] : keyAttributes(index.keySchema);
  for (const name of indexKeys) {
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  let projected: Set<string> | undefined;
  if (index.projection.type !== 'ALL') {
    projected = new Set(names);
    for (const name of index.projection.nonKeyAttributes ?? []) projected.add(name);
  }
  return {
    table,
    index,
    indexId: index.id,
    local: local !== undefined,
    global: local === undefined,
    keySchema: schemaOf(table, index.keySchema),
    startKeyNames: names,
    projected,
  };
}

/**
 * Validates the values of an ExclusiveStartKey as DynamoDB does before it
 * looks at the table. Only some messages get the "starting key" prefix
 * (dynalite's DynamoDB-verified tests show which).
 */
export function checkStartKeyValues(startKey: Item): void {
  for (const name of Object.keys(startKey)) {
    const message = validateAttributeValue(startKey[name] as AttributeValue);
    if (message === undefined) continue;
    const bare = /contains duplicates|number set|numeric value|significant digits|number with magnitude/.test(message);
    throw errors.validation(bare ? message : `The provided starting key is invalid: ${message}`);
  }
}

const INVALID_START_KEY = 'The provided starting key is invalid';

/**
 * Checks an ExclusiveStartKey against the target's keys: exactly the
 * table's and the index's key attributes, of their types. Scan of a table
 * words a wrong attribute count differently from the other cases.
 */
export function checkStartKey(target: ReadTarget, startKey: Item, operation: 'Query' | 'Scan'): void {
  const { table } = target;
  if (Object.keys(startKey).length !== target.startKeyNames.length) {
    throw errors.validation(
      operation === 'Scan' && target.index === undefined
        ? `${INVALID_START_KEY}: The provided key element does not match the schema`
        : INVALID_START_KEY,
    );
  }
  // The key schema read is checked first, its faults reported bare; then
  // the table's key, its faults as an invalid starting key. A Scan of the
  // table only makes the second check (dynalite's DynamoDB-verified order).
  if (operation === 'Query' || target.index !== undefined) {
    const { hash, range, composite } = target.keySchema;
    const attributes: (readonly [KeyAttribute | undefined, 'hash' | 'range'])[] =
      composite === undefined
        ? [
            [hash, 'hash'],
            [range, 'range'],
          ]
        : [...composite.hash.map((k) => [k, 'hash'] as const), ...composite.range.map((k) => [k, 'range'] as const)];
    for (const [attribute, role] of attributes) {
      if (attribute === undefined) continue;
      const value = startKey[attribute.name];
      if (value === undefined) throw errors.validation(INVALID_START_KEY);
      const message = validateKeyValue(attribute.name, value, attribute.type, role, 'key');
      if (message !== undefined) throw errors.validation(message);
    }
  }
  const check = (name: string, role: 'hash' | 'range') => {
    const message = validateKeyValue(name, startKey[name], table.attributeDefinitions[name]!, role, 'key');
    if (message !== undefined) throw errors.validation(`${INVALID_START_KEY}: ${message}`);
  };
  check(table.keySchema.hash, 'hash');
  if (table.keySchema.range !== undefined) check(table.keySchema.range, 'range');
}

/** The storage key of the entry an ExclusiveStartKey designates (which need not exist). */
export function startKeyPosition(target: ReadTarget, startKey: Item): Uint8Array {
  if (target.index === undefined) return itemKey(target.table, startKey);
  // checkStartKey made sure every index key attribute is there.
  return indexEntryKey(target.table, target.index, startKey)!;
}

/** The LastEvaluatedKey for an entry read from the target: its table and index keys. */
export function lastEvaluatedKey(target: ReadTarget, item: Item): Item {
  const key: Item = {};
  for (const name of target.startKeyNames) {
    const value = item[name];
    if (value !== undefined) key[name] = value;
  }
  return key;
}

