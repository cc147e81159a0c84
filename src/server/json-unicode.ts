/**
 * @module server/json-unicode
 * DynamoDB strings are Unicode: a request whose JSON text holds a lone
 * surrogate is refused, never stored. Invalid UTF-8 bytes (raw surrogates
 * included) are caught by decoding; what decoding cannot see is a `\uD800`
 * escape without its partner, which JSON.parse turns into a lone UTF-16
 * surrogate and UTF-8 encoding later into U+FFFD — so two different keys
 * would become one. This module finds such escapes, and is cheap where they
 * cannot be: a body without a backslash costs one memchr.
 */

const BACKSLASH = 0x5c;
const LOWER_U = 0x75;
/**
 * How far to look for the next backslash byte by byte before asking
 * memchr: a native call costs as much as a few dozen byte checks, and text
 * dense with escapes must not cost more to scan than JSON.parse does to read.
 */
const NEAR = 16;

/**
 * True if `json` (JSON text that parsed) holds a `\uXXXX` escape of a
 * surrogate that is not half of an escaped high-low pair.
 */
export function hasLoneSurrogateEscape(json: Uint8Array): boolean {
  // In JSON that parsed, every backslash is inside a string and starts an
  // escape, so walking from one escape to the next sees each exactly once
  // (`\\u` is the escape `\\` followed by the letter u).
  let at = json.indexOf(BACKSLASH);
  while (at !== -1) {
    let next: number;
    if (json[at + 1] !== LOWER_U) {
      next = at + 2;
    } else {
      const unit = hex4(json, at + 2);
      if (unit >= 0xdc00 && unit <= 0xdfff) return true;
      if (unit >= 0xd800 && unit <= 0xdbff) {
        if (json[at + 6] !== BACKSLASH || json[at + 7] !== LOWER_U) return true;
        const low = hex4(json, at + 8);
        if (low < 0xdc00 || low > 0xdfff) return true;
        next = at + 12;
      } else {
        next = at + 6;
      }
    }
    at = -1;
    const near = Math.min(next + NEAR, json.length);
    for (let i = next; i < near; i++) {
      if (json[i] === BACKSLASH) {
        at = i;
        break;
      }
    }
    if (at === -1 && near < json.length) at = json.indexOf(BACKSLASH, near);
  }
  return false;
}

/** The value of four hex digits at `at`, or -1. */
function hex4(bytes: Uint8Array, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const c = bytes[i];
    if (c === undefined) return -1;
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) digit = (c | 0x20) - 0x57;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}
