/**
 * @module values/key-attribute
 * Checks of key attribute values against a key schema, returning DynamoDB's
 * ValidationException message or undefined. The values must already have
 * passed {@link validateAttributeValue}.
 *
 * DynamoDB words the same fault differently depending on where the key came
 * from: a missing or mistyped key in an Item (PutItem) gets its own message,
 * while in a Key parameter (GetItem, DeleteItem, UpdateItem…) it is the
 * generic "does not match the schema". Wordings are from dynalite
 * (db/index.js) and dynoxide (src/actions/helpers.rs), both recorded
 * against DynamoDB.
 */

import { MAX_HASH_KEY_SIZE, MAX_RANGE_KEY_SIZE, keyValueSize } from './size.js';
import type { AttributeValue, KeyType } from './types.js';
import { typeOf } from './types.js';

/** Which key of the schema an attribute is. */
export type KeyRole = 'hash' | 'range';

/** Where the key value came from, which decides the wording. */
export type KeySource = 'item' | 'key';

export const KEY_SCHEMA_MISMATCH_MESSAGE = 'The provided key element does not match the schema';
export const HASH_KEY_TOO_LARGE_MESSAGE =
  'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes';
export const RANGE_KEY_TOO_LARGE_MESSAGE =
  'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes';

/** An Item's empty key says "are not valid."; a Key parameter's says "were invalid:". */
function emptyKeyMessage(name: string, type: KeyType, source: KeySource): string {
  const lead =
    source === 'item' ? 'One or more parameter values are not valid.' : 'One or more parameter values were invalid:';
  return `${lead} The AttributeValue for a key attribute cannot contain an empty ${type === 'S' ? 'string' : 'binary'} value. Key: ${name}`;
}

/** True for an empty S or B value, which no key may hold. */
function isEmptyKeyValue(value: AttributeValue, type: KeyType): boolean {
  if (type === 'S') return (value as { S: string }).S === '';
  if (type === 'B') return (value as { B: string }).B === '';
  return false;
}

/**
 * Checks one attribute of a table's primary key: present, of the schema's
 * type, not empty, within the size limit (2048 bytes for the partition
 * key, 1024 for the sort key).
 */
export function validateKeyValue(
  name: string,
  value: AttributeValue | undefined,
  expectedType: KeyType,
  role: KeyRole,
  source: KeySource,
): string | undefined {
  if (value === undefined) {
    return source === 'item'
      ? `One or more parameter values were invalid: Missing the key ${name} in the item`
      : KEY_SCHEMA_MISMATCH_MESSAGE;
  }
  if (!(expectedType in value)) {
    return source === 'item'
      ? `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${expectedType} actual: ${typeOf(value)}`
      : KEY_SCHEMA_MISMATCH_MESSAGE;
  }
  if (isEmptyKeyValue(value, expectedType)) return emptyKeyMessage(name, expectedType, source);
  if (role === 'hash') {
    if (keyValueSize(value) > MAX_HASH_KEY_SIZE) return HASH_KEY_TOO_LARGE_MESSAGE;
  } else if (keyValueSize(value) > MAX_RANGE_KEY_SIZE) {
    return RANGE_KEY_TOO_LARGE_MESSAGE;
  }
  return undefined;
}

/**
 * Checks an item's value for a secondary index key attribute. An absent
 * attribute is fine (the item is just not in the index); a present one must
 * have the type the table defines, must not be empty, and must fit the
 * index key limits (2048 bytes for a partition key, 1024 for a sort key).
 * The size message is DynamoDB's as users recorded it ("Size limit exceeded
 * for Index Key componentId Actual Size: 2175 bytes Max Size: 2048 bytes
 * IndexName: work-sets-index", wellcomecollection/platform#2285; dynalite
 * issue 35). Without `role` the size is not checked.
 */
export function validateIndexKeyValue(
  name: string,
  value: AttributeValue | undefined,
  expectedType: KeyType,
  indexName: string,
  role?: KeyRole,
): string | undefined {
  if (value === undefined) return undefined;
  if (!(expectedType in value)) {
    return (
      `One or more parameter values were invalid: Type mismatch for Index Key ${name} ` +
      `Expected: ${expectedType} Actual: ${typeOf(value)} IndexName: ${indexName}`
    );
  }
  if (isEmptyKeyValue(value, expectedType)) {
    return (
      'One or more parameter values are not valid. A value specified for a secondary index key is not supported. ' +
      `The AttributeValue for a key attribute cannot contain an empty ${expectedType === 'S' ? 'string' : 'binary'} ` +
      `value. IndexName: ${indexName}, IndexKey: ${name}`
    );
  }
  if (role !== undefined) {
    const size = keyValueSize(value);
    const max = role === 'hash' ? MAX_HASH_KEY_SIZE : MAX_RANGE_KEY_SIZE;
    if (size > max) {
      return (
        `One or more parameter values were invalid: Size limit exceeded for Index Key ${name} ` +
        `Actual Size: ${size} bytes Max Size: ${max} bytes IndexName: ${indexName}`
      );
    }
  }
  return undefined;
}

/**
 * True when a present index key value can be indexed: the defined type, not
 * empty, within the key size limit. An item whose value cannot is left out
 * of the index (DynamoDB's "index key violation": such items stay in the
 * table but get no index entry, developer guide GSI.OnlineOps.ViolationDetection).
 */
export function isIndexableKeyValue(value: AttributeValue, expectedType: KeyType, role: KeyRole): boolean {
  if (!(expectedType in value) || isEmptyKeyValue(value, expectedType)) return false;
  return keyValueSize(value) <= (role === 'hash' ? MAX_HASH_KEY_SIZE : MAX_RANGE_KEY_SIZE);
}
