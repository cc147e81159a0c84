/**
 * @module values/types
 * DynamoDB's AttributeValue in its wire form. Binary values stay base64
 * strings as they arrive, and numbers stay decimal strings (normalised once
 * validated), so an item can be stored and returned without re-encoding.
 */

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Item }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;

/** The attribute types a key attribute may have. */
export type KeyType = 'S' | 'N' | 'B';

export type AttributeType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';

/** The single type tag of a validated AttributeValue. */
export function typeOf(value: AttributeValue): AttributeType {
  for (const key in value) return key as AttributeType;
  throw new Error('empty AttributeValue');
}
