/**
 * @module storage/byte-order
 * The one key order of the storage layer: unsigned bytes, compared
 * lexicographically, a proper prefix before its extensions (memcmp order,
 * which is also LMDB's default comparator and PostgreSQL's bytea order).
 */

/** Negative, zero or positive as `a` sorts before, with, or after `b`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  // Buffer.compare is native memcmp and accepts any Uint8Array; a JS loop is
  // several times slower on the multi-kilobyte keys we allow.
  return Buffer.compare(a, b);
}

/** Whether `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // Short arrays (keys, mostly) compare faster in JS than through a native
  // call; from the end, because keys of one table or partition share their
  // beginning.
  if (a.length <= 64) {
    for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
    return true;
  }
  return Buffer.compare(a, b) === 0;
}

/**
 * The smallest key greater than every key that starts with `prefix`, or
 * undefined when no such key exists (the prefix is empty or all 0xFF bytes).
 */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array | undefined {
  let last = prefix.length - 1;
  while (last >= 0 && prefix[last] === 0xff) last--;
  if (last < 0) return undefined;
  // new Uint8Array(view) copies; Buffer#slice would alias the caller's bytes.
  const successor = new Uint8Array(prefix.subarray(0, last + 1));
  successor[last] = (successor[last] ?? 0) + 1;
  return successor;
}

/** A private copy, so a caller mutating its array cannot change stored data. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  // Not bytes.slice(): on a Buffer that returns a view of the same memory.
  return new Uint8Array(bytes);
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string })
  .latin1Slice;

/**
 * The bytes as a string of one character each (latin1): distinct byte
 * strings stay distinct, and string order is unsigned byte order, so keys
 * can be Map keys or sorted as strings. Reads the array where it is:
 * Buffer.from(bytes.buffer) would first move a small on-heap array's
 * storage off-heap, which costs more than the conversion.
 */
export function bytesToLatin1(bytes: Uint8Array): string {
  return latin1Slice.call(bytes, 0, bytes.length);
}

/**
 * A private copy for short-lived use (a value handed to a reader, or to the
 * writer until its commit): it comes from Node's pooled allocator (a small
 * Buffer is a view into a shared 8 KiB slab), far cheaper than a new
 * ArrayBuffer per value. Copies kept for long use copyBytes, so a
 * long-lived value never pins a slab.
 */
export function pooledCopy(bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(bytes.length);
  out.set(bytes);
  return out;
}

/** Throws a TypeError unless `key` is a non-empty Uint8Array (LMDB forbids empty keys). */
export function assertKey(key: unknown, what: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (key.length === 0) throw new TypeError(`${what} must not be empty`);
}

/** Throws a TypeError unless `value` is a Uint8Array (or null where a delete is allowed). */
export function assertValue(value: unknown, what: string): asserts value is Uint8Array | null {
  if (value !== null && !(value instanceof Uint8Array)) {
    throw new TypeError(`${what} must be a Uint8Array or null`);
  }
}

/**
 * Checks every key and value of a commit's writes or expectations (`label`
 * names them in the error, e.g. "writes[3].key"), before anything is written.
 */
export function assertEntries(entries: readonly { readonly key: unknown; readonly value: unknown }[], label: string): void {
  for (let i = 0; i < entries.length; i++) {
    const { key, value } = entries[i]!;
    // The label is built only for an entry that fails: a template literal
    // per entry and field cost every commit two strings it never used.
    if (!(key instanceof Uint8Array) || key.length === 0) assertKey(key, `${label}[${i}].key`);
    if (value !== null && !(value instanceof Uint8Array)) assertValue(value, `${label}[${i}].value`);
  }
}

/**
 * A u64 is written through this scratch view and copied byte by byte: a
 * DataView on a small new Uint8Array's `.buffer` makes V8 move the array's
 * bytes off its heap into a backing store of their own (an allocation, a
 * zeroing and a copy), once per stream or change-log record and counter.
 */
const U64_VIEW = new DataView(new ArrayBuffer(8));
const U64_BYTES = new Uint8Array(U64_VIEW.buffer);

/** Writes `value` big-endian as 8 bytes into `target` at `offset` (byte order is then numeric order). */
export function writeU64(target: Uint8Array, offset: number, value: bigint): void {
  U64_VIEW.setBigUint64(0, value);
  for (let i = 0; i < 8; i++) target[offset + i] = U64_BYTES[i]!;
}
