/**
 * @module storage/memory-engine
 * The in-memory engine behind `--in-memory` and most tests: a B+ tree
 * ordered by unsigned key bytes, nothing durable.
 *
 * Every method does all its work synchronously before returning its
 * promise, so each call sees one state of the tree: a range or getMany is
 * a consistent snapshot by construction, and a commit's check-then-apply is
 * atomic because no other JavaScript can run in between.
 */
import BTreeModule from 'sorted-btree';
import { assertKey, assertValue, bytesEqual, compareBytes, copyBytes } from './byte-order.js';
import { CommitConflictError } from './engine.js';
import type {
  EngineCapabilities,
  KvEntry,
  KvExpectation,
  KvWrite,
  RangeOptions,
  StorageEngine,
} from './engine.js';
import { checkedLimit } from './range-limit.js';

// sorted-btree is CommonJS with `exports.default`; under NodeNext the default
// import is the whole exports object.
const BTree = BTreeModule.default;
type BTree<K, V> = InstanceType<typeof BTreeModule.default<K, V>>;

export class MemoryEngine implements StorageEngine {
  readonly capabilities: EngineCapabilities = { durable: false, sharedAcrossProcesses: false };

  #tree: BTree<Uint8Array, Uint8Array> = new BTree<Uint8Array, Uint8Array>(undefined, compareBytes);
  #closed = false;

  /** Number of stored keys (for tests and metrics). */
  get size(): number {
    return this.#tree.size;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    assertKey(key, 'key');
    const value = this.#tree.get(key);
    // Copies out as well as in: a caller mutating a returned array must not
    // change the store, as it cannot with the LMDB engine.
    return value === undefined ? undefined : copyBytes(value);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.#assertOpen();
    keys.forEach((key, i) => assertKey(key, `keys[${i}]`));
    return keys.map((key) => {
      const value = this.#tree.get(key);
      return value === undefined ? undefined : copyBytes(value);
    });
  }

  async range(start: Uint8Array, end: Uint8Array, options: RangeOptions = {}): Promise<KvEntry[]> {
    this.#assertOpen();
    if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) {
      throw new TypeError('range bounds must be Uint8Arrays');
    }
    const limit = checkedLimit(options.limit);
    const out: KvEntry[] = [];
    if (limit === 0 || compareBytes(start, end) >= 0) return out;
    if (options.reverse) {
      // skipHighest: `end` itself is excluded.
      for (const [key, value] of this.#tree.entriesReversed(end, undefined, true)) {
        if (compareBytes(key, start) < 0 || out.length >= limit) break;
        out.push({ key: copyBytes(key), value: copyBytes(value) });
      }
    } else {
      for (const [key, value] of this.#tree.entries(start)) {
        if (compareBytes(key, end) >= 0 || out.length >= limit) break;
        out.push({ key: copyBytes(key), value: copyBytes(value) });
      }
    }
    return out;
  }

  async commit(writes: readonly KvWrite[], expectations: readonly KvExpectation[] = []): Promise<void> {
    this.#assertOpen();
    // Validate everything before touching the tree, so a bad write late in
    // the batch cannot leave the earlier ones applied.
    writes.forEach((w, i) => {
      assertKey(w.key, `writes[${i}].key`);
      assertValue(w.value, `writes[${i}].value`);
    });
    expectations.forEach((e, i) => {
      assertKey(e.key, `expectations[${i}].key`);
      assertValue(e.value, `expectations[${i}].value`);
    });
    for (let i = 0; i < expectations.length; i++) {
      const expectation = expectations[i]!;
      const current = this.#tree.get(expectation.key);
      const holds =
        expectation.value === null
          ? current === undefined
          : current !== undefined && bytesEqual(current, expectation.value);
      if (!holds) throw new CommitConflictError(i);
    }
    // In order, so a key written twice in one batch keeps its last value.
    for (const write of writes) {
      if (write.value === null) this.#tree.delete(write.key);
      else this.#tree.set(copyBytes(write.key), copyBytes(write.value));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#tree.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('storage engine is closed');
  }
}
