/**
 * @module storage/long-key-codec
 * Stores keys longer than a backend's key limit without losing byte order.
 *
 * Backends cap key length (LMDB: 4026 bytes with 8 KiB pages; a PostgreSQL
 * btree entry: about 2700 bytes), but ours may be longer: 2048 bytes of
 * partition key, 1024 of sort key and, in an index entry, the base table's
 * key parts as well. So, with L = maxStoredKey − 32:
 *
 * - a key of at most L bytes is stored as itself, its value as itself;
 * - a longer key k is stored as k[0, L) ++ SHA-256(k) (exactly maxStoredKey
 *   bytes, which is how a reader tells the forms apart), and its value as
 *   u32 tail length ++ k[L, ∞) ++ value, so the full key can be rebuilt.
 *
 * Order: truncation to L bytes is monotone, so the stored form orders every
 * pair of keys correctly except two long keys that share their first L
 * bytes, which it orders by hash. Such keys are exactly the long-form
 * entries with one L-byte prefix; nothing else can sort between them, so
 * they are contiguous in storage and a range scan sorts each such group by
 * full key before emitting it (see collectRange). Groups only exist when
 * keys agree on their first ~4 KB, so this costs nothing in practice.
 *
 * A hash collision (two long keys, same prefix, same SHA-256) is detected
 * (the stored tail differs) rather than assumed away: reads treat the entry
 * as absent and writes refuse.
 */
import { createHash } from 'node:crypto';
import { compareBytes, prefixSuccessor } from './byte-order.js';
import type { KvEntry } from './engine.js';

const HASH_BYTES = 32;
const TAIL_LENGTH_BYTES = 4;

/** Bounds of a range in the stored form; undefined means unbounded. */
export interface StoredBounds {
  readonly start: Uint8Array | undefined;
  readonly end: Uint8Array | undefined;
}

export class LongKeyCodec {
  /** Keys of at most this many bytes are stored as themselves. */
  readonly inlineLimit: number;

  constructor(readonly maxStoredKey: number) {
    if (!Number.isInteger(maxStoredKey) || maxStoredKey < HASH_BYTES + 1) {
      throw new RangeError(`maxStoredKey must be an integer >= ${HASH_BYTES + 1}`);
    }
    this.inlineLimit = maxStoredKey - HASH_BYTES;
  }

  isLong(key: Uint8Array): boolean {
    return key.length > this.inlineLimit;
  }

  /** The key under which `key` is stored. */
  storedKey(key: Uint8Array): Uint8Array {
    if (key.length <= this.inlineLimit) return key;
    const stored = new Uint8Array(this.maxStoredKey);
    stored.set(key.subarray(0, this.inlineLimit), 0);
    stored.set(createHash('sha256').update(key).digest(), this.inlineLimit);
    return stored;
  }

  /** The value stored for `key` (a long key's tail travels with its value). */
  storedValue(key: Uint8Array, value: Uint8Array): Uint8Array {
    if (key.length <= this.inlineLimit) return value;
    const tail = key.subarray(this.inlineLimit);
    const stored = new Uint8Array(TAIL_LENGTH_BYTES + tail.length + value.length);
    new DataView(stored.buffer).setUint32(0, tail.length);
    stored.set(tail, TAIL_LENGTH_BYTES);
    stored.set(value, TAIL_LENGTH_BYTES + tail.length);
    return stored;
  }

  /**
   * The user value of `key` given what its stored key holds, or undefined
   * when that entry belongs to a different key (a hash collision).
   */
  valueFor(key: Uint8Array, stored: Uint8Array): Uint8Array | undefined {
    if (key.length <= this.inlineLimit) return stored;
    const tailLength = readTailLength(stored);
    const tail = stored.subarray(TAIL_LENGTH_BYTES, TAIL_LENGTH_BYTES + tailLength);
    if (compareBytes(tail, key.subarray(this.inlineLimit)) !== 0) return undefined;
    return stored.subarray(TAIL_LENGTH_BYTES + tailLength);
  }

  /** The user entry of a stored entry. */
  decode(storedKey: Uint8Array, stored: Uint8Array): KvEntry {
    if (storedKey.length <= this.inlineLimit) return { key: storedKey, value: stored };
    const tailLength = readTailLength(stored);
    const key = new Uint8Array(this.inlineLimit + tailLength);
    key.set(storedKey.subarray(0, this.inlineLimit), 0);
    key.set(stored.subarray(TAIL_LENGTH_BYTES, TAIL_LENGTH_BYTES + tailLength), this.inlineLimit);
    return { key, value: stored.subarray(TAIL_LENGTH_BYTES + tailLength) };
  }

  /**
   * Stored-form bounds that contain every stored entry whose key lies in
   * [start, end). They may contain a few more (long keys sharing a long
   * bound's prefix); collectRange filters those out.
   */
  storedBounds(start: Uint8Array, end: Uint8Array): StoredBounds {
    const storedStart = start.length === 0 ? undefined : start.subarray(0, this.inlineLimit);
    const storedEnd =
      end.length <= this.inlineLimit ? end : prefixSuccessor(end.subarray(0, this.inlineLimit));
    return { start: storedStart, end: storedEnd };
  }

  /**
   * User entries with start <= key < end, in order (descending when
   * `reverse`), at most `limit` of them, from stored entries that arrive in
   * stored order over storedBounds(start, end). Stops pulling from `stored`
   * once the limit is met, so a lazy cursor is not read to its end.
   */
  collectRange(
    stored: Iterable<{ key: Uint8Array; value: Uint8Array }>,
    start: Uint8Array,
    end: Uint8Array,
    reverse: boolean,
    limit: number,
  ): KvEntry[] {
    const out: KvEntry[] = [];
    if (limit === 0) return out;
    // Only a bound longer than the inline limit can let in keys outside it.
    const checkStart = start.length > this.inlineLimit;
    const checkEnd = end.length > this.inlineLimit;
    const emit = (entry: KvEntry): void => {
      if (checkStart && compareBytes(entry.key, start) < 0) return;
      if (checkEnd && compareBytes(entry.key, end) >= 0) return;
      out.push(entry);
    };
    let group: KvEntry[] = [];
    let groupPrefix: Uint8Array | undefined;
    const flushGroup = (): void => {
      group.sort((a, b) => (reverse ? compareBytes(b.key, a.key) : compareBytes(a.key, b.key)));
      for (const entry of group) {
        if (out.length >= limit) break;
        emit(entry);
      }
      group = [];
      groupPrefix = undefined;
    };
    for (const { key, value } of stored) {
      if (key.length > this.inlineLimit) {
        const prefix = key.subarray(0, this.inlineLimit);
        if (groupPrefix !== undefined && compareBytes(prefix, groupPrefix) !== 0) flushGroup();
        if (out.length >= limit) break;
        groupPrefix ??= prefix;
        group.push(this.decode(key, value));
        continue;
      }
      if (groupPrefix !== undefined) flushGroup();
      if (out.length >= limit) break;
      emit({ key, value });
      if (out.length >= limit) break;
    }
    if (groupPrefix !== undefined) flushGroup();
    return out;
  }
}

function readTailLength(stored: Uint8Array): number {
  if (stored.length < TAIL_LENGTH_BYTES) throw new Error('corrupt long-key entry: value too short');
  const tailLength = new DataView(stored.buffer, stored.byteOffset, stored.length).getUint32(0);
  if (TAIL_LENGTH_BYTES + tailLength > stored.length) {
    throw new Error('corrupt long-key entry: tail longer than value');
  }
  return tailLength;
}
