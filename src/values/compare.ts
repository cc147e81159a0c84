/**
 * @module values/compare
 * DynamoDB's orderings and equality over AttributeValues. Strings order by
 * their UTF-8 bytes (not JavaScript's UTF-16 `<`), binaries by unsigned
 * bytes, numbers by value. Every function here expects validated values:
 * numbers canonical (see values/number) and binaries canonical base64 (the
 * shape check rejects any other), which lets them compare without decoding
 * or allocating.
 */

import { compareNumbers } from './number.js';
import type { AttributeValue, Item } from './types.js';

/**
 * Compares two strings in UTF-8 byte order, which is Unicode code point
 * order. UTF-16 order agrees except where a surrogate (a character above
 * U+FFFF) meets a unit in U+E000–U+FFFF: UTF-16 puts the surrogate first,
 * code point order puts it last. So only the first differing unit needs a
 * fix-up, and ASCII strings never reach it.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Move surrogates above U+E000–U+FFFF; both stay ordered among themselves.
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Six-bit value of a base64 character; -1 for `=`, which marks the end of data. */
const SEXTET = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/**
 * Compares two canonical base64 strings by the unsigned bytes they encode,
 * without decoding. Base64 cuts the byte stream into six-bit groups in
 * order, so the first differing group decides; padding bits are zero and
 * come after the data bits, so a byte string that is a prefix of another
 * compares as smaller, as it should (its `=` meets a sextet of the longer one,
 * and `=` ranks lowest).
 */
export function compareBase64(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = SEXTET[a.charCodeAt(i) & 127] ?? -1;
    const y = SEXTET[b.charCodeAt(i) & 127] ?? -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Orders two key values of one type (S, N or B), as DynamoDB orders sort
 * keys. The caller guarantees the types match (they come from one key
 * schema).
 */
export function compareKeyValues(a: AttributeValue, b: AttributeValue): number {
  if ('S' in a) return compareStrings(a.S, (b as { S: string }).S);
  if ('N' in a) return compareNumbers(a.N, (b as { N: string }).N);
  return compareBase64((a as { B: string }).B, (b as { B: string }).B);
}

/**
 * Orders two operands of `<`, `<=`, `>`, `>=` and BETWEEN. Undefined when
 * they are not both S, both N or both B: DynamoDB then treats the
 * comparison as false rather than an error.
 */
export function compareScalars(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a) return 'S' in b ? compareStrings(a.S, b.S) : undefined;
  if ('N' in a) return 'N' in b ? compareNumbers(a.N, b.N) : undefined;
  if ('B' in a) return 'B' in b ? compareBase64(a.B, b.B) : undefined;
  return undefined;
}

/**
 * Set equality for members already in canonical form (numbers and base64
 * each have one spelling per value, so string identity is value identity).
 * Sets hold no duplicates, so equal sizes plus inclusion is equality.
 */
function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length <= 8) {
    for (const x of a) if (!b.includes(x)) return false;
    return true;
  }
  const members = new Set(b);
  for (const x of a) if (!members.has(x)) return false;
  return true;
}

function itemsEqual(a: Item, b: Item): boolean {
  let count = 0;
  for (const name in a) {
    const y = b[name];
    if (y === undefined || !valuesEqual(a[name] as AttributeValue, y)) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/**
 * Equality as DynamoDB's `=` and `<>` see it: same type and same value;
 * numbers by value, sets regardless of order, maps and lists deeply, binary
 * by bytes.
 */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S === b.S;
  if ('N' in a) return 'N' in b && a.N === b.N;
  if ('B' in a) return 'B' in b && a.B === b.B;
  if ('BOOL' in a) return 'BOOL' in b && a.BOOL === b.BOOL;
  if ('NULL' in a) return 'NULL' in b;
  if ('M' in a) return 'M' in b && itemsEqual(a.M, b.M);
  if ('L' in a) {
    if (!('L' in b) || a.L.length !== b.L.length) return false;
    for (let i = 0; i < a.L.length; i++) {
      if (!valuesEqual(a.L[i] as AttributeValue, b.L[i] as AttributeValue)) return false;
    }
    return true;
  }
  if ('SS' in a) return 'SS' in b && sameMembers(a.SS, b.SS);
  if ('NS' in a) return 'NS' in b && sameMembers(a.NS, b.NS);
  if ('BS' in a) return 'BS' in b && sameMembers(a.BS, b.BS);
  return false;
}
