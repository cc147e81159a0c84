/**
 * @module values/key-codec
 * The order-preserving byte encoding of key values (docs/architecture.md,
 * "One key space"). For two values of one type, unsigned bytewise order of their
 * encodings equals {@link compareKeyValues}, and no encoding is a proper
 * prefix of another of the same type, so a partition key can be followed by
 * a sort key, and "every sort key of this partition" is the byte range of
 * keys starting with the partition key's encoding.
 *
 * This layout is persisted: changing it breaks every existing database.
 *
 * S and B — the UTF-8 bytes (S) or raw bytes (B), each 0x00 written as
 * 0x00 0xFF, then the terminator 0x00 0x01. A terminator sorts below any
 * continuation (a non-zero byte, or 0x00 0xFF), so a value sorts before the
 * values it is a prefix of, and an escaped 0x00 never looks like an end.
 *
 * N — one sign byte: 0x01 negative, 0x02 zero (the whole encoding), 0x03
 * positive. Then the exponent of the leading digit plus 130 (0…255, the
 * full range −130…125), then the significant digits in pairs, each pair
 * p (00…99, the last padded with a 0) as the byte p + 1, then 0x00.
 * Negative numbers store every byte after the sign inverted in order:
 * exponent as 255 − byte, pairs as 101 − byte, terminator 0xFF; a larger
 * magnitude then sorts lower. At most 22 bytes.
 */

import { errors } from '../errors/index.js';
import { formatNumber, parseNumber } from './number.js';
import type { AttributeValue, KeyType } from './types.js';

const NEGATIVE = 0x01;
const ZERO = 0x02;
const POSITIVE = 0x03;
const EXPONENT_BIAS = 130;

const ZERO_ENCODING = Uint8Array.of(ZERO);

/**
 * Scratch space for encodeString. Encoding into it and
 * copying out with slice() leaves a small exact-size result on V8's heap;
 * subarray() of an oversized array would instead force its storage off-heap,
 * which costs more than the encoding (this runs for every key of every request).
 */
const scratch = new Uint8Array(4096);

/** UTF-8 of `s` with 0x00 escaped and the terminator. */
function encodeString(s: string): Uint8Array {
  const n = s.length;
  // Worst case three bytes per UTF-16 unit (an escaped NUL is two), plus two.
  // (Keys are at most 2 KB; a longer string, e.g. a begins_with operand, gets its own array.)
  const out = n * 3 + 2 <= scratch.length ? scratch : new Uint8Array(n * 3 + 2);
  let o = 0;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
      if (c === 0) out[o++] = 0xff;
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c < 0xe000) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[o++] = 0xf0 | (cp >> 18);
          out[o++] = 0x80 | ((cp >> 12) & 0x3f);
          out[o++] = 0x80 | ((cp >> 6) & 0x3f);
          out[o++] = 0x80 | (cp & 0x3f);
          continue;
        }
        // A lone surrogate has no UTF-8 form; encode U+FFFD as TextEncoder does.
        c = 0xfffd;
      }
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  out[o++] = 0x00;
  out[o++] = 0x01;
  return out.slice(0, o);
}

function encodeBytes(bytes: Uint8Array): Uint8Array {
  let zeros = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) zeros++;
  const out = new Uint8Array(bytes.length + zeros + 2);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out[o++] = b;
    if (b === 0) out[o++] = 0xff;
  }
  out[o++] = 0x00;
  out[o] = 0x01;
  return out;
}

function encodeNumber(text: string): Uint8Array {
  const { negative, digits, exponent } = parseNumber(text);
  if (digits === '') return ZERO_ENCODING;
  const pairs = (digits.length + 1) >> 1;
  const out = new Uint8Array(3 + pairs);
  out[0] = negative ? NEGATIVE : POSITIVE;
  const e = exponent + EXPONENT_BIAS;
  out[1] = negative ? 255 - e : e;
  for (let p = 0; p < pairs; p++) {
    const hi = digits.charCodeAt(2 * p) - 48;
    const lo = 2 * p + 1 < digits.length ? digits.charCodeAt(2 * p + 1) - 48 : 0;
    const b = hi * 10 + lo + 1;
    out[2 + p] = negative ? 101 - b : b;
  }
  out[2 + pairs] = negative ? 0xff : 0x00;
  return out;
}

/**
 * Encodes a validated S, N or B value (N in any valid spelling, B as
 * base64). See the module comment for the layout.
 */
export function encodeKeyValue(value: AttributeValue): Uint8Array {
  if ('S' in value) return encodeString(value.S);
  if ('N' in value) return encodeNumber(value.N);
  if ('B' in value) return encodeBytes(Buffer.from(value.B, 'base64'));
  // Callers pass key attributes only; anything else is a bug, not a client error.
  throw errors.internal();
}

/**
 * The encoding of an S or B value without its terminator: every value that
 * begins with `prefix` (as a string or byte sequence) encodes to bytes that
 * begin with these, and only such values do, so begins_with on a sort key
 * is the byte range [encodeKeyPrefix(p), successor(encodeKeyPrefix(p))).
 */
export function encodeKeyPrefix(prefix: AttributeValue): Uint8Array {
  if ('N' in prefix) throw errors.internal(); // begins_with takes S or B only
  const full = encodeKeyValue(prefix);
  return full.subarray(0, full.length - 2);
}

/** Stored keys are written by encodeKeyValue; one that does not decode is corruption. */
function corrupt(): Error {
  return errors.internal();
}

/** Finds the 0x00 0x01 terminator at or after `offset`, unescaping into a buffer. */
function decodeEscaped(bytes: Uint8Array, offset: number): { raw: Uint8Array; end: number } {
  let i = offset;
  let zeros = 0;
  for (;;) {
    if (i >= bytes.length) throw corrupt();
    if (bytes[i] === 0) {
      if (bytes[i + 1] === 0x01) break;
      zeros++;
      i += 2;
    } else {
      i++;
    }
  }
  const end = i + 2;
  if (zeros === 0) return { raw: bytes.subarray(offset, i), end };
  const raw = new Uint8Array(i - offset - zeros);
  let o = 0;
  for (let k = offset; k < i; k++) {
    const b = bytes[k] as number;
    raw[o++] = b;
    if (b === 0) k++;
  }
  return { raw, end };
}

const utf8 = new TextDecoder('utf-8');

function decodeNumber(bytes: Uint8Array, offset: number): { value: AttributeValue; end: number } {
  const sign = bytes[offset];
  if (sign === ZERO) return { value: { N: '0' }, end: offset + 1 };
  if (sign !== NEGATIVE && sign !== POSITIVE) throw corrupt();
  const negative = sign === NEGATIVE;
  const e = bytes[offset + 1] as number;
  const exponent = (negative ? 255 - e : e) - EXPONENT_BIAS;
  const terminator = negative ? 0xff : 0x00;
  let digits = '';
  let i = offset + 2;
  for (;;) {
    const b = bytes[i];
    if (b === undefined) throw corrupt();
    if (b === terminator) break;
    const pair = (negative ? 101 - b : b) - 1;
    digits += pair < 10 ? '0' + pair : String(pair);
    i++;
  }
  // An odd digit count was padded with one zero; canonical digits never end in 0.
  if (digits.endsWith('0')) digits = digits.slice(0, -1);
  return { value: { N: formatNumber({ negative, digits, exponent }) }, end: i + 1 };
}

/**
 * Decodes one value of `type` starting at `offset`: the value (canonical
 * number, base64 binary) and the offset just past its encoding.
 */
export function decodeKeyValue(
  bytes: Uint8Array,
  offset: number,
  type: KeyType,
): { value: AttributeValue; end: number } {
  if (type === 'N') return decodeNumber(bytes, offset);
  const { raw, end } = decodeEscaped(bytes, offset);
  if (type === 'S') return { value: { S: utf8.decode(raw) }, end };
  return { value: { B: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') }, end };
}

/**
 * A stable 32-bit unsigned hash of an encoded partition key: MurmurHash3
 * x86_32 with seed 0 over the bytes (Austin Appleby's reference,
 * MurmurHash3.cpp). It places partitions in the key space and orders Scan,
 * so it is persisted: it must never change.
 */
export function partitionHash(encodedPartitionKey: Uint8Array): number {
  const data = encodedPartitionKey;
  const n = data.length;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail !== 0) {
    let k = data[blocks] as number;
    if (tail > 1) k |= (data[blocks + 1] as number) << 8;
    if (tail > 2) k |= (data[blocks + 2] as number) << 16;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
