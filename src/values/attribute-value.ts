/**
 * @module values/attribute-value
 * Checks an AttributeValue received in a request, in DynamoDB's two phases.
 *
 * 1. {@link checkAttributeValueShape} is the deserialiser's part: JSON of
 *    the wrong kind for a member (`{"S": 5}`, `{"M": []}`, bad base64)
 *    throws a SerializationException with the Java deserialiser's wording,
 *    and anything DynamoDB's deserialiser would drop (unknown members,
 *    nulls) is dropped.
 * 2. {@link validateAttributeValue} is the validator's part: empty or
 *    multi-typed values, empty or duplicated sets, numbers out of range.
 *    It returns the ValidationException message (callers collect and wrap
 *    messages), and puts numbers into canonical form.
 *
 * Messages come from dynalite's black-box suite, which was recorded against
 * DynamoDB (validations/index.js, test/putItem.js), and the nesting limit
 * from dynoxide's tests recorded against DynamoDB (tests/nesting_depth.rs).
 */

import { errors } from '../errors/index.js';
import { normalizeNumber, numberMessage } from './number.js';
import type { AttributeValue } from './types.js';

/**
 * Documents nest at most 32 levels, the top-level attribute value being the
 * first: a value at depth 32 (counting from 0) is rejected. DynamoDB accepts
 * 31 map wrappers around a scalar and rejects 32 (developer guide,
 * "Constraints"; dynoxide tests/nesting_depth.rs).
 */
export const MAX_NESTING_DEPTH = 32;

export const NESTING_MESSAGE =
  'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';
export const EMPTY_VALUE_MESSAGE =
  'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
export const MULTIPLE_TYPES_MESSAGE =
  'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes';

const INVALID = 'One or more parameter values were invalid: ';

/** Where an AttributeValue sits in the request, which changes one message. */
export type ValuePosition =
  /** A value in a map or list (Item, Key, ExpressionAttributeValues, L, M). */
  | 'value'
  /** A structure member (Expected.x.Value, AttributeUpdates.x.Value). */
  | 'field';

const ATTRIBUTE_VALUE_CLASS = 'com.amazonaws.dynamodb.v20120810.AttributeValue';

function serialization(message: string): never {
  throw errors.serialization(message);
}

/** Jackson's name for a JSON scalar that is not the expected kind. */
function tokenName(v: boolean | number): string {
  if (typeof v === 'boolean') return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
  // JSON.parse reads 1.0 as 1, so such input is called NUMBER_VALUE here
  // where Jackson would say DECIMAL_VALUE.
  return Number.isInteger(v) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE';
}

function checkString(v: unknown): void {
  if (typeof v === 'string') return;
  if (typeof v === 'boolean' || typeof v === 'number') serialization(`${tokenName(v)} cannot be converted to String`);
  if (Array.isArray(v)) serialization('Unrecognized collection type class java.lang.String');
  serialization('Start of structure or map found where not expected');
}

function checkBlob(v: unknown): void {
  if (typeof v === 'boolean' || typeof v === 'number') {
    serialization('only base-64-encoded strings are convertible to bytes');
  }
  if (Array.isArray(v)) serialization('Unrecognized collection type class java.nio.ByteBuffer');
  if (typeof v !== 'string') serialization('Start of structure or map found where not expected');
  if (v.length % 4 !== 0) {
    serialization(`Base64 encoded length is expected a multiple of 4 bytes but found: ${v.length}`);
  }
  // The only other failure DynamoDB names, misspelling included. A round
  // trip catches bad characters (Node skips them, and reads the URL-safe
  // alphabet) and non-zero padding bits, so accepted base64 is canonical:
  // one spelling per byte string, which compare.ts and size.ts rely on.
  if (Buffer.from(v, 'base64').toString('base64') !== v) {
    serialization('Invalid last non-pad Base64 character dectected');
  }
}

/**
 * Reads a Boolean member as DynamoDB's deserialiser does: JSON booleans, and
 * the strings true/false/1/0/yes/no in any case (dynalite's suite, recorded
 * on DynamoDB). Returns the boolean to store.
 */
function checkBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') serialization(`${tokenName(v)} cannot be converted to Boolean`);
  if (typeof v === 'string') {
    const upper = v.toUpperCase();
    if (upper === 'TRUE' || upper === '1' || upper === 'YES') return true;
    if (upper === 'FALSE' || upper === '0' || upper === 'NO') return false;
    serialization('Unexpected token received from parser');
  }
  if (Array.isArray(v)) serialization('Unrecognized collection type class java.lang.Boolean');
  return serialization('Start of structure or map found where not expected');
}

function checkList(v: unknown): asserts v is unknown[] {
  if (Array.isArray(v)) return;
  if (v !== null && typeof v === 'object') serialization('Start of structure or map found where not expected');
  serialization('Unexpected field type');
}

/**
 * Checks the JSON shape of one AttributeValue and tidies it in place as
 * DynamoDB's deserialiser does: members that are not AttributeValue types
 * and members set to null are removed, and BOOL/NULL given as strings
 * become booleans. Throws SerializationException for JSON of the wrong
 * kind, and the nesting ValidationException past 32 levels (checked here,
 * not only in validation, so that no later recursion ever meets an
 * unbounded depth).
 *
 * A null AttributeValue is left for {@link validateAttributeValue}, which
 * reports it as empty.
 */
export function checkAttributeValueShape(json: unknown, depth = 0, position: ValuePosition = 'value'): void {
  if (json === null || json === undefined) return;
  if (typeof json !== 'object') {
    serialization(position === 'value' ? 'Unexpected value type in payload' : 'Unexpected field type');
  }
  if (Array.isArray(json)) serialization(`Unrecognized collection type class ${ATTRIBUTE_VALUE_CLASS}`);
  if (depth >= MAX_NESTING_DEPTH) throw errors.validation(NESTING_MESSAGE);
  const value = json as Record<string, unknown>;
  for (const type of Object.keys(value)) {
    const member = value[type];
    if (member === null || member === undefined) {
      delete value[type];
      continue;
    }
    switch (type) {
      case 'S':
      case 'N':
        checkString(member);
        break;
      case 'B':
        checkBlob(member);
        break;
      case 'BOOL':
      case 'NULL':
        value[type] = checkBoolean(member);
        break;
      case 'SS':
      case 'NS':
        checkList(member);
        for (const m of member) if (m !== null) checkString(m);
        break;
      case 'BS':
        checkList(member);
        for (const m of member) if (m !== null) checkBlob(m);
        break;
      case 'L':
        checkList(member);
        for (const m of member) checkAttributeValueShape(m, depth + 1);
        break;
      case 'M':
        if (typeof member !== 'object') serialization('Unexpected field type');
        if (Array.isArray(member)) serialization(`Unrecognized collection type java.util.Map<java.lang.String, ${ATTRIBUTE_VALUE_CLASS}>`);
        for (const name in member) checkAttributeValueShape((member as Record<string, unknown>)[name], depth + 1);
        break;
      default:
        // DynamoDB's deserialiser ignores members it does not know.
        delete value[type];
    }
  }
}

/** DynamoDB prints a collection as `[a, b]`. */
function collectionText(members: readonly string[]): string {
  return `[${members.join(', ')}]`;
}

function hasDuplicate(members: readonly string[]): boolean {
  if (members.length < 2) return false;
  if (members.length <= 8) {
    for (let i = 1; i < members.length; i++) {
      if (members.indexOf(members[i] as string, 0) < i) return true;
    }
    return false;
  }
  return new Set(members).size !== members.length;
}

/**
 * DynamoDB's ValidationException message for an AttributeValue that passed
 * the shape check, or undefined when it is valid. Numbers (N and NS
 * members) are replaced by their canonical form in place. Problems are
 * reported in DynamoDB's order: each type member in turn (numbers, NULL,
 * empty sets, set numbers, duplicates, then nested values), and only then
 * "more than one datatype".
 *
 * Empty strings and binaries are valid here; keys are checked separately
 * (values/key-attribute).
 */
/**
 * DynamoDB's answer to an attribute name of 65,536 UTF-8 bytes or more, at
 * the top of an item or as a map key at any depth (the developer guide's
 * naming rules say "no greater than 64 KB"; 65,535 bytes is the longest
 * name DynamoDB accepts, and this is its text, observed on the service).
 */
export const ATTRIBUTE_NAME_TOO_LARGE = '1 validation error detected: Attribute name is too large, must be less than 65536 bytes';

/** Whether `name` is longer than DynamoDB's 65,535 bytes; a UTF-16 length check first, so the common case costs one comparison. */
export function attributeNameTooLarge(name: string): boolean {
  return name.length > 21_845 && Buffer.byteLength(name, 'utf8') > 65_535;
}

export function validateAttributeValue(value: AttributeValue, depth = 0): string | undefined {
  if (depth >= MAX_NESTING_DEPTH) return NESTING_MESSAGE;
  if (value === null || value === undefined) return EMPTY_VALUE_MESSAGE;
  const v = value as Record<string, unknown>;
  let types = 0;
  for (const type in v) {
    const member = v[type];
    switch (type) {
      case 'S':
      case 'B':
      case 'BOOL':
        break;
      case 'N': {
        const message = numberMessage(member as string);
        if (message !== undefined) return message;
        v.N = normalizeNumber(member as string);
        break;
      }
      case 'NULL':
        if (member !== true) return `${INVALID}Null attribute value types must have the value of true`;
        break;
      case 'SS': {
        const set = member as string[];
        if (set.length === 0) return `${INVALID}An string set  may not be empty`;
        // Unverified on DynamoDB: a null member cannot be stored; report it as empty.
        if (set.includes(null as unknown as string)) return EMPTY_VALUE_MESSAGE;
        if (hasDuplicate(set)) return `${INVALID}Input collection ${collectionText(set)} contains duplicates.`;
        break;
      }
      case 'NS': {
        const set = member as string[];
        if (set.length === 0) return `${INVALID}An number set  may not be empty`;
        for (let i = 0; i < set.length; i++) {
          const n = set[i] ?? '';
          const message = numberMessage(n);
          if (message !== undefined) return message;
          set[i] = normalizeNumber(n);
        }
        // Duplicates by value: 1 and 1.0 are one number.
        if (hasDuplicate(set)) return 'Input collection contains duplicates';
        break;
      }
      case 'BS': {
        const set = member as string[];
        if (set.length === 0) return `${INVALID}Binary sets should not be empty`;
        if (set.includes(null as unknown as string)) return EMPTY_VALUE_MESSAGE;
        // Base64 is canonical after the shape check, so equal strings are equal bytes.
        if (hasDuplicate(set)) return `${INVALID}Input collection ${collectionText(set)}of type BS contains duplicates.`;
        break;
      }
      case 'M': {
        const map = member as Record<string, AttributeValue>;
        for (const name in map) {
          if (attributeNameTooLarge(name)) return ATTRIBUTE_NAME_TOO_LARGE;
          const message = validateAttributeValue(map[name] as AttributeValue, depth + 1);
          if (message !== undefined) return message;
        }
        break;
      }
      case 'L': {
        for (const element of member as AttributeValue[]) {
          const message = validateAttributeValue(element, depth + 1);
          if (message !== undefined) return message;
        }
        break;
      }
      default:
        // Not a type: the shape check drops these; never count them.
        continue;
    }
    types++;
  }
  if (types === 0) return EMPTY_VALUE_MESSAGE;
  if (types > 1) return MULTIPLE_TYPES_MESSAGE;
  return undefined;
}

/**
 * Validates every value of an attribute map (Item, Key,
 * ExpressionAttributeValues); the first message or undefined.
 */
export function validateAttributeMap(map: Record<string, AttributeValue>): string | undefined {
  for (const name in map) {
    if (attributeNameTooLarge(name)) return ATTRIBUTE_NAME_TOO_LARGE;
    const message = validateAttributeValue(map[name] as AttributeValue);
    if (message !== undefined) return message;
  }
  return undefined;
}
