/**
 * @module values/size
 * Item size as DynamoDB computes it for the 400 KB limit and for capacity
 * units (developer guide, "Item sizes and formats"): attribute names and
 * strings by UTF-8 bytes, binary by raw bytes, numbers by their significant
 * digits, one byte for BOOL and NULL, three bytes plus one per element for
 * lists and maps, sets as the sum of their members. Values must be
 * validated (canonical numbers and base64).
 */

import type { AttributeValue, Item } from './types.js';

/** 400 KB: the largest item DynamoDB stores. */
export const MAX_ITEM_SIZE = 409_600;
/** Largest partition key value, in bytes. */
export const MAX_HASH_KEY_SIZE = 2048;
/** Largest sort key value, in bytes. */
export const MAX_RANGE_KEY_SIZE = 1024;

/** UTF-8 length of a string, without encoding it. */
export function utf8Length(s: string): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        // A surrogate pair: two units, four bytes.
        bytes += 2;
        i++;
      } else {
        bytes += 2;
      }
    } else {
      // Three bytes; a lone surrogate becomes U+FFFD, also three.
      bytes += 2;
    }
  }
  return bytes;
}

/** Number of bytes a canonical base64 string decodes to. */
export function base64Length(b64: string): number {
  const n = b64.length;
  if (n === 0) return 0;
  let pad = 0;
  if (b64.charCodeAt(n - 1) === 61 /* = */) pad = b64.charCodeAt(n - 2) === 61 ? 2 : 1;
  return (n >> 2) * 3 - pad;
}

/**
 * Size of a canonical number. DynamoDB stores a number as one exponent byte
 * plus base-100 digit pairs aligned on the decimal point (the layout of
 * Oracle's NUMBER, which the sizes match), plus one byte when negative:
 * `1 + ⌈n/2⌉`, one more when the digit count n and the exponent e of the
 * leading digit are both even (the first pair then starts with a zero).
 * This fits every size that dynalite's and dynoxide's suites measured on
 * DynamoDB (e.g. 12 → 2, 123 → 3, 1.5 → 3, 0.15 → 2, 1E125 → 2, -42 → 3,
 * 38 digits → 20).
 */
export function numberSize(n: string): number {
  let i = 0;
  const negative = n.charCodeAt(0) === 45;
  if (negative) i = 1;
  const len = n.length;
  let digits: number;
  let exponent: number;
  if (n.charCodeAt(i) === 48 /* 0 */) {
    if (i + 1 >= len) return 1; // zero
    // 0.000ddd: skip the point and the zeros after it.
    let k = i + 2;
    while (n.charCodeAt(k) === 48) k++;
    exponent = -(k - i - 1);
    digits = len - k;
  } else {
    const dot = n.indexOf('.', i);
    if (dot >= 0) {
      exponent = dot - i - 1;
      digits = len - i - 1;
    } else {
      exponent = len - i - 1;
      let end = len;
      while (n.charCodeAt(end - 1) === 48) end--;
      digits = end - i;
    }
  }
  const pairs = (digits + 1) >> 1;
  return 1 + pairs + ((digits & 1) === 0 && (exponent & 1) === 0 ? 1 : 0) + (negative ? 1 : 0);
}

/** Size of one attribute value (without its name). */
export function attributeValueSize(v: AttributeValue): number {
  if ('S' in v) return utf8Length(v.S);
  if ('N' in v) return numberSize(v.N);
  if ('B' in v) return base64Length(v.B);
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('M' in v) {
    let size = 3;
    const m = v.M;
    for (const name in m) size += utf8Length(name) + 1 + attributeValueSize(m[name] as AttributeValue);
    return size;
  }
  if ('L' in v) {
    let size = 3;
    for (const element of v.L) size += 1 + attributeValueSize(element);
    return size;
  }
  let size = 0;
  if ('SS' in v) for (const s of v.SS) size += utf8Length(s);
  else if ('NS' in v) for (const s of v.NS) size += numberSize(s);
  else if ('BS' in v) for (const s of v.BS) size += base64Length(s);
  return size;
}

/** Size of an item: each attribute's name in UTF-8 plus its value. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const name in item) size += utf8Length(name) + attributeValueSize(item[name] as AttributeValue);
  return size;
}

/**
 * Bytes of a key value as the key-size limits count them: UTF-8 for S, raw
 * bytes for B. Numbers are never over a key limit (at most 21 bytes), so N
 * counts by {@link numberSize}.
 */
export function keyValueSize(v: AttributeValue): number {
  if ('S' in v) return utf8Length(v.S);
  if ('B' in v) return base64Length(v.B);
  if ('N' in v) return numberSize(v.N);
  return 0;
}
