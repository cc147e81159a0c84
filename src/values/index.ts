/**
 * @module values/index
 * AttributeValue semantics: exact decimal numbers, DynamoDB's orderings and
 * equality, item size, request-value validation and the key codec.
 */
export type { AttributeType, AttributeValue, Item, KeyType } from './types.js';
export { typeOf } from './types.js';
export {
  MAX_EXPONENT,
  MAX_SIGNIFICANT_DIGITS,
  MIN_EXPONENT,
  NOT_A_NUMBER_MESSAGE,
  OVERFLOW_MESSAGE,
  PRECISION_MESSAGE,
  UNDERFLOW_MESSAGE,
  addNumbers,
  compareNumbers,
  formatNumber,
  normalizeNumber,
  numberMessage,
  numberRangeMessage,
  parseNumber,
  subtractNumbers,
} from './number.js';
export type { DecimalParts } from './number.js';
export { compareBase64, compareKeyValues, compareScalars, compareStrings, valuesEqual } from './compare.js';
export {
  MAX_HASH_KEY_SIZE,
  MAX_ITEM_SIZE,
  MAX_RANGE_KEY_SIZE,
  attributeValueSize,
  base64Length,
  itemSize,
  keyValueSize,
  numberSize,
  utf8Length,
} from './size.js';
export {
  ATTRIBUTE_NAME_TOO_LARGE,
  EMPTY_VALUE_MESSAGE,
  MAX_NESTING_DEPTH,
  MULTIPLE_TYPES_MESSAGE,
  NESTING_MESSAGE,
  attributeNameTooLarge,
  checkAttributeValueShape,
  validateAttributeMap,
  validateAttributeValue,
} from './attribute-value.js';
export type { ValuePosition } from './attribute-value.js';
export {
  HASH_KEY_TOO_LARGE_MESSAGE,
  KEY_SCHEMA_MISMATCH_MESSAGE,
  RANGE_KEY_TOO_LARGE_MESSAGE,
  isIndexableKeyValue,
  validateIndexKeyValue,
  validateKeyValue,
} from './key-attribute.js';
export type { KeyRole, KeySource } from './key-attribute.js';
export { decodeKeyValue, encodeKeyValue, partitionHash } from './key-codec.js';
