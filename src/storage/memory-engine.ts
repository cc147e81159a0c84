/**
 * @module storage/memory-engine
 * The in-memory engine behind `--in-memory` and most tests: a B+ tree
 * ordered by unsigned key bytes, nothing durable.
 *
 * The tree is keyed by each key's latin1 string (one UTF-16 code unit per
 * byte, 0–255), whose native `<` is exactly unsigned byte order: about
 * 2.5× faster lookups than a Buffer.compare comparator, which pays a native
 * call per comparison.
 *
 * Every method does all its work synchronously before returning its
 * promise, so each call sees one state of the tree: a range or getMany is
 * a consistent snapshot by construction, and a commit's check-then-apply is
 * atomic because no other JavaScript can run in between.
 *
 * Not shared: the data lives in this object, so no other handle or process
 * can see or change it (capabilities.sharedAcrossProcesses is false). The
 * sequence counter is kept under SEQUENCE_COUNTER_KEY all the same, so the
 * key space looks the same on every engine.
 */
import BTreeModule from 'sorted-btree';
import { assertEntries, assertKey, bytesEqual, bytesToLatin1, copyBytes, pooledCopy, writeU64 } from './byte-order.js';
import { CommitConflictError, SEQUENCE_COUNTER_KEY } from './engine.js';
import type {
  CommitDecision,
  CommitOptions,
  EngineCapabilities,
  KvEntry,
  KvExpectation,
  KvWrite,
  RangeOptions,
  StorageEngine,
  StorageSnapshot,
} from './engine.js';
import { checkedLimit } from './range-limit.js';
import { checkedSequenceRequest, decodeSequenceCounter, encodeSequenceCounter, firstSequence } from './sequence-counter.js';

// sorted-btree is CommonJS with `exports.default`; under NodeNext the default
// import is the whole exports object.
const BTree = BTreeModule.default;
type BTree<K, V> = InstanceType<typeof BTreeModule.default<K, V>>;

interface Stored {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The tree is keyed by latin1 strings, whose order is byte order. */
const treeKey = bytesToLatin1;
const COUNTER_TREE_KEY = treeKey(SEQUENCE_COUNTER_KEY);

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rangeOf(tree: BTree<string, Stored>, start: Uint8Array, end: Uint8Array, options: RangeOptions): KvEntry[] {
  if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) {
    throw new TypeError('range bounds must be Uint8Arrays');
  }
  const limit = checkedLimit(options.limit);
  const out: KvEntry[] = [];
  const low = treeKey(start);
  const high = treeKey(end);
  if (limit === 0 || low >= high) return out;
  if (options.reverse) {
    // skipHighest: `end` itself is excluded.
    for (const [key, stored] of tree.entriesReversed(high, undefined, true)) {
      if (key < low || out.length >= limit) break;
      out.push({ key: pooledCopy(stored.key), value: pooledCopy(stored.value) });
    }
  } else {
    for (const [key, stored] of tree.entries(low)) {
      if (key >= high || out.length >= limit) break;
      out.push({ key: pooledCopy(stored.key), value: pooledCopy(stored.value) });
    }
  }
  return out;
}

/** The last of `count` numbers from `first` (one BigInt sum fewer for the usual single record). */
function lastSequenceOf(first: bigint, count: number): bigint {
  return count === 1 ? first : first + BigInt(count - 1);
}

/** Bytes of one LogArena chunk. */
const LOG_CHUNK_BYTES = 64 * 1024;

/**
 * The engine's copies of sequence writes — stream, change-log and vector-log
 * records: written once, read rarely, removed oldest first by their
 * trimmers — packed one after another into shared 64 KiB chunks. A copy of
 * its own (copyBytes) is an ArrayBuffer per array: an off-heap allocation,
 * an extension the garbage collector tracks and frees, and external memory
 * it accounts; for a PITR write's record (its key, and a value as large as
 * the item) that was most of what keeping it cost. A chunk is freed once
 * every record in it is gone: logs are trimmed in order, so chunks go in
 * order too (records of a log kept longer than another's, interleaved in
 * the same chunks, keep those chunks a little longer). Large values still
 * get a buffer of their own, so no chunk is mostly one dead value.
 */
class LogArena {
  #buffer = new ArrayBuffer(0);
  #offset = 0;

  copy(bytes: Uint8Array): Uint8Array {
    const length = bytes.length;
    if (length > LOG_CHUNK_BYTES / 16) return copyBytes(bytes);
    if (this.#offset + length > this.#buffer.byteLength) {
      this.#buffer = new ArrayBuffer(LOG_CHUNK_BYTES);
      this.#offset = 0;
    }
    const out = new Uint8Array(this.#buffer, this.#offset, length);
    out.set(bytes);
    this.#offset += length;
    return out;
  }
}

const NO_EXPECTATIONS: readonly KvExpectation[] = [];
const NO_OPTIONS: CommitOptions = {};

export class MemoryEngine implements StorageEngine {
  readonly capabilities: EngineCapabilities = { durable: false, sharedAcrossProcesses: false };

  #tree: BTree<string, Stored> = new BTree<string, Stored>(undefined, compareStrings);
  /**
   * The sequence counter: the last number issued and the tree's entry that
   * holds it. A numbered commit rewrites that entry's bytes in place (no
   * tree lookup, no new entry) unless a snapshot may share it (`shared`):
   * then it sets a new entry, and the snapshot keeps the old one unchanged.
   * Undefined until read or written, and after any write of the engine's
   * own keys (then read again from the tree).
   */
  #counter: { readonly stored: Stored; last: bigint; shared: boolean } | undefined;
  /** Where sequence writes (log records) are copied to (LogArena). */
  readonly #logArena = new LogArena();
  #closed = false;

  /** Number of stored keys (for tests and metrics). */
  get size(): number {
    return this.#tree.size;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.getSync(key);
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    this.#assertOpen();
    assertKey(key, 'key');
    return this.#read(key);
  }

  /** A key's value, copied out as well as in: a caller mutating a returned array must not change the store, as it cannot with the LMDB engine. */
  #read(key: Uint8Array): Uint8Array | undefined {
    const stored = this.#tree.get(treeKey(key));
    return stored === undefined ? undefined : pooledCopy(stored.value);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.#assertOpen();
    keys.forEach((key, i) => assertKey(key, `keys[${i}]`));
    return keys.map((key) => {
      const stored = this.#tree.get(treeKey(key));
      return stored === undefined ? undefined : pooledCopy(stored.value);
    });
  }

  async range(start: Uint8Array, end: Uint8Array, options: RangeOptions = {}): Promise<KvEntry[]> {
    this.#assertOpen();
    return rangeOf(this.#tree, start, end, options);
  }

  /**
   * sorted-btree's clone() is O(1) copy-on-write: the snapshot shares every
   * node with the live tree until a commit changes one, which then copies
   * that node's path. Stored entries are never changed in place (commits
   * set new ones), so sharing them is safe; the sequence counter's entry,
   * the one exception, is marked shared, so the next commit sets a new one.
   */
  async snapshot(): Promise<StorageSnapshot> {
    this.#assertOpen();
    let tree: BTree<string, Stored> | undefined = this.#tree.clone();
    if (this.#counter !== undefined) this.#counter.shared = true;
    const live = (): BTree<string, Stored> => {
      if (tree === undefined) throw new Error('storage snapshot was released');
      return tree;
    };
    return {
      get: async (key) => {
        assertKey(key, 'key');
        const stored = live().get(treeKey(key));
        return stored === undefined ? undefined : pooledCopy(stored.value);
      },
      range: async (start, end, options = {}) => rangeOf(live(), start, end, options),
      release: async () => {
        tree = undefined;
      },
    };
  }

  async commit(
    writes: readonly KvWrite[],
    expectations: readonly KvExpectation[] = [],
    options: CommitOptions = {},
  ): Promise<void> {
    this.#commitNow(writes, expectations, options);
  }

  /** commit()'s work, synchronous: readAndCommit applies its decision through it without a second promise. */
  #commitNow(writes: readonly KvWrite[], expectations: readonly KvExpectation[], options: CommitOptions): void {
    this.#assertOpen();
    const sequence = checkedSequenceRequest(options.sequence);
    // Validate everything before touching the tree, so a bad write late in
    // the batch cannot leave the earlier ones applied.
    assertEntries(writes, 'writes');
    assertEntries(expectations, 'expectations');
    for (let i = 0; i < expectations.length; i++) {
      const expectation = expectations[i]!;
      const current = this.#tree.get(treeKey(expectation.key));
      const holds =
        expectation.value === null
          ? current === undefined
          : current !== undefined && bytesEqual(current.value, expectation.value);
      if (!holds) throw new CommitConflictError(i);
    }
    if (sequence === undefined) {
      this.#write(writes);
      return;
    }
    const first = firstSequence(this.#lastSequence(), sequence);
    const more = sequence.writes(first);
    assertEntries(more, 'sequence writes');
    const last = lastSequenceOf(first, sequence.count);
    this.#write(writes);
    this.#write(more, this.#logArena);
    const counter = this.#counter;
    if (counter !== undefined && !counter.shared) {
      writeU64(counter.stored.value, 0, last);
      counter.last = last;
    } else {
      const stored: Stored = { key: SEQUENCE_COUNTER_KEY, value: encodeSequenceCounter(last) };
      this.#tree.set(COUNTER_TREE_KEY, stored);
      this.#counter = { stored, last, shared: false };
    }
  }

  /**
   * In order, so a key written twice in one batch keeps its last value.
   * `arena`: where a numbered commit's own records (SequenceRequest.writes)
   * are copied to (LogArena); other writes get copies of their own.
   */
  #write(writes: readonly KvWrite[], arena?: LogArena): void {
    for (let i = 0; i < writes.length; i++) {
      const write = writes[i]!;
      const key = write.key;
      // The engine's own keys (0x00 0x00 …) written from outside: the counter is read from the tree again.
      if (key[0] === 0 && key[1] === 0) this.#counter = undefined;
      if (write.value === null) this.#tree.delete(treeKey(key));
      else if (arena === undefined) this.#tree.set(treeKey(key), { key: copyBytes(key), value: copyBytes(write.value) });
      else this.#tree.set(treeKey(key), { key: arena.copy(key), value: arena.copy(write.value) });
    }
  }

  /** The last number issued: the counter as this engine last wrote it, else from the tree. */
  #lastSequence(): bigint | undefined {
    if (this.#counter !== undefined) return this.#counter.last;
    const stored = this.#tree.get(COUNTER_TREE_KEY);
    if (stored === undefined) return undefined;
    const last = decodeSequenceCounter(stored.value)!;
    // Not made by a numbered commit (a caller's write, possibly in a snapshot): never rewritten in place.
    this.#counter = { stored, last, shared: true };
    return last;
  }

  async readAndCommit<T>(
    keys: readonly Uint8Array[],
    decide: (values: readonly (Uint8Array | undefined)[]) => CommitDecision<T>,
  ): Promise<T> {
    this.#assertOpen();
    const values: (Uint8Array | undefined)[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (!(key instanceof Uint8Array) || key.length === 0) assertKey(key, `keys[${i}]`);
      values.push(this.#read(key));
    }
    // Synchronous from the read to the commit: nothing can come between.
    const decision = decide(values);
    this.#commitNow(decision.writes, NO_EXPECTATIONS, decision.options ?? NO_OPTIONS);
    return decision.result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#tree.clear();
    this.#counter = undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('storage engine is closed');
  }
}
