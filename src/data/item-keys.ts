/**
 * @module data/item-keys
 * Checking the key of an item or of a Key parameter against a table's key
 * schema; the wording lives in values/key-attribute.
 */
import { errors } from '../errors/index.js';
import type { TableRecord } from '../catalog/table-record.js';
import { KEY_SCHEMA_MISMATCH_MESSAGE, validateAttributeMap, validateKeyValue, type KeySource } from '../values/index.js';
import type { Item } from '../values/types.js';

/** Validates the values of an attribute map (Item, Key, ...) and throws DynamoDB's message. */
export function checkAttributeValues(map: Item): void {
  const message = validateAttributeMap(map);
  if (message !== undefined) throw errors.validation(message);
}

function checkKey(table: TableRecord, item: Item, source: KeySource): void {
  const { hash, range } = table.keySchema;
  const check = (name: string, role: 'hash' | 'range') => {
    const message = validateKeyValue(name, item[name], table.attributeDefinitions[name]!, role, source);
    if (message !== undefined) throw errors.validation(message);
  };
  check(hash, 'hash');
  if (range !== undefined) check(range, 'range');
}

/**
 * A Key parameter (GetItem, DeleteItem, UpdateItem, ...): exactly the key
 * attributes, of the right types.
 */
export function checkKeyParameter(table: TableRecord, key: Item): void {
  const expected = table.keySchema.range === undefined ? 1 : 2;
  if (Object.keys(key).length !== expected) throw errors.validation(KEY_SCHEMA_MISMATCH_MESSAGE);
  checkKey(table, key, 'key');
}

/** The key attributes of a whole item (PutItem). */
export function checkItemKey(table: TableRecord, item: Item): void {
  checkKey(table, item, 'item');
}

export function extractKey(table: TableRecord, item: Item): Item {
  const key: Item = { [table.keySchema.hash]: item[table.keySchema.hash]! };
  if (table.keySchema.range !== undefined) key[table.keySchema.range] = item[table.keySchema.range]!;
  return key;
}
