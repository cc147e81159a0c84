/**
 * @module storage/lmdb-engine
 * The default, durable engine: one LMDB environment (via lmdb-js) in a data
 * directory.
 *
 * Durability. The environment is opened with `overlappingSync: false`, so
 * lmdb-js resolves a write only after LMDB's commit has fdatasync'ed the
 * data pages and written the meta page through its O_DSYNC descriptor.
 * (With overlappingSync on, the default on Linux, writes resolve when
 * committed but before the flush.) crash.test.ts checks the order of those
 * system calls against each acknowledgement with strace, and that
 * acknowledged writes survive `kill -9`.
 *
 * Group commit. lmdb-js queues every write made in one event turn into one
 * LMDB transaction, run on its writer thread; so concurrent commit() calls
 * share one fsync. A commit() with expectations, sequence numbers (or a
 * long key, whose slot must be checked) and every readAndCommit call are
 * decided by a JavaScript callback that lmdb-js runs on the main thread
 * while the batch's write transaction is open: it checks the expectations
 * (or reads the keys for `decide`) with reads that see every earlier commit
 * of the batch, takes the sequence numbers, and then writes. No other
 * writer can run in between (LMDB has one writer at a time), so check and
 * write are atomic. Consecutive such calls share one callback (a group, see
 * readAndCommit), which reads and writes the sequence counter once for all
 * of them. Not a child transaction: everything that can throw for a call
 * runs before its first put, so a failed expectation or a throwing decision
 * fails that call alone with nothing written. So all N writers of one hot
 * key can land in one batch (one fsync). A commit of plain
 * unconditional writes (a blind put, a bulk load's batch) needs none of
 * this (see #commitBlind).
 *
 * Memory map. lmdb-js starts with a 128 KiB map and, when the file
 * outgrows it, maps the file again at twice the size, keeping every earlier
 * mapping for readers that may still point into it (its LMDB fork does not
 * unmap). Each mapping keeps its own resident pages, so a growing store
 * counted ~2.7x its file size in RSS (1M items: 1.28 GB of file pages for a
 * 481 MB data.mdb). open() therefore reserves MAP_SIZE of address space up
 * front, so one mapping serves the store up to 64 GiB (less under a capped
 * address space: see mapSizeFor). That costs no memory and no disk: without
 * MDB_WRITEMAP LMDB maps the file read-only and never extends it to the map
 * size (only WRITEMAP ftruncates; Windows would, which openddb does not
 * target), and page tables exist only for pages touched.
 * The size is LMDB's in-process setting, not a property of the file: an
 * existing directory gets it on its next open.
 *
 * Reads are synchronous LMDB reads behind a promise (and getSync without
 * one). getMany and range read within one explicit read transaction, i.e.
 * one snapshot. Reads start from the newest snapshot once per synchronous
 * stretch of JavaScript (#newestSnapshot): lmdb-js keeps a read
 * transaction open until a timer (setTimeout 0) or a write of this process
 * resets it, so without a reset a read in an I/O callback that runs before
 * that timer would not see a commit another process acknowledged before
 * the callback began. The first read of a stretch resets it (the next read
 * renews it: a native call, a setTimeout, and that timer firing later,
 * ~3,000 instructions), and the reads after it in the same stretch share
 * that snapshot: a process learns of another's commit only through I/O,
 * which arrives in a later callback (a new stretch). A request's catalog
 * check and its item read thus cost one renewal, not two.
 *
 * Layout. Data lives in the named database `kv`; `meta` holds the layout
 * (the long-key limit, which must never change under existing data: it
 * decides how stored keys are read). Keys longer than LMDB's limit (4026
 * bytes with 8 KiB pages used here) go through LongKeyCodec, which is a
 * pure function of the key: no state in memory to go stale.
 *
 * Shared use. Any number of processes may open one directory at once, and
 * any number of LmdbEngine handles in one process (they share one lmdb-js
 * environment: LMDB must not open one environment twice in a process, and
 * two lmdb-js roots on one file could deadlock, one's writer thread holding
 * the write lock while waiting for the main thread, which waits for the
 * lock in the other's synchronous transaction). LMDB's write lock is
 * cross-process (a robust mutex in lock.mdb, released by the kernel when
 * its holder dies, so kill -9 of one process does not stall the others),
 * so every check an engine makes inside a write transaction (expectations,
 * long-key slots, the sequence counter) holds against every other writer.
 * Nothing the engine decides rests on memory of its own: everything is read
 * inside the transaction that depends on it.
 */
import { mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { assertKey, assertValue, bytesEqual, compareBytes, copyBytes, pooledCopy } from './byte-order.js';
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
import { LongKeyCodec } from './long-key-codec.js';
import { checkedLimit } from './range-limit.js';
import { checkedSequenceRequest, decodeSequenceCounter, encodeSequenceCounter, firstSequence } from './sequence-counter.js';

/**
 * 8 KiB pages raise lmdb-js's key limit from 1978 to 4026 bytes. Size on
 * disk barely depends on it: keys start with a partition hash, so inserts
 * are random and leaves ~65% full whatever the page size (the bench's scale
 * items, ~320 bytes per entry: 539, 505, 491, 470 and 469 bytes per item
 * with 4, 8, 16, 32 and 64 KiB pages), while a larger page is more to copy
 * and write for each random insert.
 */
const PAGE_SIZE = 8192;
/**
 * Address space reserved for data.mdb up front: 64 GiB (see the module
 * comment). Only virtual memory: the file grows with the data.
 */
const MAP_SIZE = 64 * 2 ** 30;
const LAYOUT_VERSION = 1;
const LAYOUT_KEY = 'layout';
/** The smallest key LMDB can hold (it has no empty key). */
const SMALLEST_KEY = Uint8Array.of(0);

export interface LmdbEngineOptions {
  /** The LMDB environment directory (created if missing). */
  readonly path: string;
  /**
   * Longest key stored as itself; longer keys go through LongKeyCodec.
   * Defaults to LMDB's maximum. Fixed when the directory is first written:
   * tests set it low to run every contract test through long keys.
   */
  readonly maxStoredKeyBytes?: number;
}

interface Layout {
  readonly version: number;
  readonly maxStoredKey: number;
}

/**
 * Values go in as they are and come out as copies from Node's pooled
 * allocator. With plain 'binary' encoding lmdb-js copies each value read
 * into a fresh ArrayBuffer of its own: for a Query of 10 items that was
 * about a fifth of the request's CPU, in allocation and garbage collection.
 * A decoder is handed lmdb-js's shared read buffer (valid until the next
 * read) and its length, and must copy; a small Buffer.allocUnsafe is a slice
 * of a shared 8 KiB slab. Readers keep values briefly (a response, a
 * condition check), so no slab is pinned for long.
 */
const VALUE_CODEC = {
  encode: (value: Uint8Array): Uint8Array => value,
  decode: (bytes: Uint8Array, size?: unknown): Uint8Array => {
    // lmdb-js sets its shared buffer's `length` property to the value's
    // size, but the array underneath is longer: copy exactly `length` bytes.
    const length = typeof size === 'number' ? size : bytes.length;
    return pooledCopy(bytes.subarray(0, length));
  },
};

/** One lmdb-js environment, shared by every handle on its directory in this process. */
interface Environment {
  readonly root: RootDatabase<Uint8Array, Uint8Array>;
  readonly kv: Database<Uint8Array, Uint8Array>;
  readonly codec: LongKeyCodec;
  handles: number;
  /** A read reset the snapshot in this synchronous stretch (cleared by `expire`, queued as a microtask). */
  renewed: boolean;
  readonly expire: () => void;
  /**
   * The readAndCommit calls still joining one transaction callback (see
   * LmdbEngine.readAndCommit); closed when that callback starts, and by any
   * other write of this environment, so calls keep their order.
   */
  group: DecisionGroup | undefined;
}

/** One readAndCommit call waiting in a DecisionGroup. */
interface DecisionCall {
  /** The keys (copied) and the keys they are stored under. */
  readonly keys: Uint8Array[];
  readonly storedKeys: Uint8Array[];
  readonly decide: (values: readonly (Uint8Array | undefined)[]) => CommitDecision<unknown>;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Set by the group's callback: the decision's result, or why the call failed (nothing of it written). */
  result: unknown;
  failed: boolean;
  error: unknown;
}

/** readAndCommit calls decided by one transaction callback, in call order. */
interface DecisionGroup {
  readonly calls: DecisionCall[];
  /** The handles whose calls are in it: each waits for it on close. */
  readonly handles: LmdbEngine[];
  done: Promise<unknown> | undefined;
}

/** Environments open in this process, by the directory's real path. */
const environments = new Map<string, Promise<Environment>>();

export class LmdbEngine implements StorageEngine {
  readonly capabilities: EngineCapabilities = { durable: true, sharedAcrossProcesses: true };

  readonly #path: string;
  readonly #environment: Environment;
  readonly #root: RootDatabase<Uint8Array, Uint8Array>;
  readonly #kv: Database<Uint8Array, Uint8Array>;
  readonly #codec: LongKeyCodec;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #snapshots = new Set<() => Promise<void>>();
  #closed = false;

  private constructor(path: string, environment: Environment) {
    this.#path = path;
    this.#environment = environment;
    this.#root = environment.root;
    this.#kv = environment.kv;
    this.#codec = environment.codec;
  }

  /**
   * Opens (creating if needed) the environment at options.path. Other
   * processes and other handles of this process may have it open too.
   */
  static async open(options: LmdbEngineOptions): Promise<LmdbEngine> {
    const path = resolve(options.path);
    mkdirSync(path, { recursive: true });
    const identityPath = realpathSync(path);
    let opening = environments.get(identityPath);
    if (opening === undefined) {
      opening = openEnvironment(path, options.maxStoredKeyBytes);
      environments.set(identityPath, opening);
      // A failed open leaves nothing behind: the next attempt starts afresh.
      opening.catch(() => environments.delete(identityPath));
    }
    const environment = await opening;
    if (options.maxStoredKeyBytes !== undefined && environment.codec.maxStoredKey !== options.maxStoredKeyBytes) {
      throw new Error(
        `data directory ${path} was created with maxStoredKeyBytes ${environment.codec.maxStoredKey}, not ${options.maxStoredKeyBytes}`,
      );
    }
    environment.handles++;
    return new LmdbEngine(identityPath, environment);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.getSync(key);
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    this.#assertOpen();
    assertKey(key, 'key');
    this.#newestSnapshot();
    const stored = this.#kv.get(this.#codec.storedKey(key));
    return stored === undefined ? undefined : this.#codec.valueFor(key, stored);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.#assertOpen();
    keys.forEach((key, i) => assertKey(key, `keys[${i}]`));
    this.#newestSnapshot();
    const transaction = this.#kv.useReadTransaction();
    try {
      return keys.map((key) => {
        const stored = this.#kv.get(this.#codec.storedKey(key), { transaction });
        return stored === undefined ? undefined : this.#codec.valueFor(key, stored);
      });
    } finally {
      transaction.done();
    }
  }

  async range(start: Uint8Array, end: Uint8Array, options: RangeOptions = {}): Promise<KvEntry[]> {
    this.#assertOpen();
    if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) {
      throw new TypeError('range bounds must be Uint8Arrays');
    }
    const limit = checkedLimit(options.limit);
    const reverse = options.reverse === true;
    if (limit === 0 || compareBytes(start, end) >= 0) return [];
    this.#newestSnapshot();
    const transaction = this.#kv.useReadTransaction();
    try {
      return this.#rangeIn(transaction, start, end, reverse, limit);
    } finally {
      transaction.done();
    }
  }

  /** One read transaction held open: LMDB keeps its pages until it is done (a long one grows the file meanwhile). */
  async snapshot(): Promise<StorageSnapshot> {
    this.#assertOpen();
    this.#root.resetReadTxn();
    const transaction = this.#kv.useReadTransaction();
    let open = true;
    const release = async (): Promise<void> => {
      if (!open) return;
      open = false;
      this.#snapshots.delete(release);
      transaction.done();
    };
    this.#snapshots.add(release);
    const live = (): void => {
      if (!open) throw new Error('storage snapshot was released');
      this.#assertOpen();
    };
    return {
      get: async (key) => {
        live();
        assertKey(key, 'key');
        const stored = this.#kv.get(this.#codec.storedKey(key), { transaction });
        return stored === undefined ? undefined : this.#codec.valueFor(key, stored);
      },
      range: async (start, end, options = {}) => {
        live();
        if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) {
          throw new TypeError('range bounds must be Uint8Arrays');
        }
        const limit = checkedLimit(options.limit);
        if (limit === 0 || compareBytes(start, end) >= 0) return [];
        return this.#rangeIn(transaction, start, end, options.reverse === true, limit);
      },
      release,
    };
  }

  #rangeIn(
    transaction: ReturnType<Database<Uint8Array, Uint8Array>['useReadTransaction']>,
    start: Uint8Array,
    end: Uint8Array,
    reverse: boolean,
    limit: number,
  ): KvEntry[] {
    const bounds = this.#codec.storedBounds(start, end);
    // lmdb-js walks from `start` to `end`; in reverse, `start` is the high
    // bound. Properties are only set when defined: lmdb-js tests `'start' in`.
    const lmdbOptions: {
      transaction: typeof transaction;
      reverse?: boolean;
      start?: Uint8Array;
      end?: Uint8Array;
      exclusiveStart?: boolean;
      inclusiveEnd?: boolean;
    } = { transaction };
    if (reverse) {
      lmdbOptions.reverse = true;
      if (bounds.end !== undefined) {
        lmdbOptions.start = bounds.end;
        lmdbOptions.exclusiveStart = true;
      }
      // Without an explicit low bound lmdb-js stops before its default
      // beginning key, which would drop the key 0x00.
      lmdbOptions.end = bounds.start ?? SMALLEST_KEY;
      lmdbOptions.inclusiveEnd = true;
    } else {
      lmdbOptions.start = bounds.start ?? SMALLEST_KEY;
      if (bounds.end !== undefined) lmdbOptions.end = bounds.end;
    }
    const stored = this.#kv.getRange(lmdbOptions) as Iterable<{ key: Uint8Array; value: Uint8Array }>;
    return this.#codec.collectRange(stored, start, end, reverse, limit);
  }

  async commit(
    writes: readonly KvWrite[],
    expectations: readonly KvExpectation[] = [],
    options: CommitOptions = {},
  ): Promise<void> {
    this.#assertOpen();
    const codec = this.#codec;
    const sequence = checkedSequenceRequest(options.sequence);
    if (sequence === undefined && expectations.length === 0 && writes.every((w) => !(w.key instanceof Uint8Array) || !codec.isLong(w.key))) {
      // Any other write closes the open group (see readAndCommit), so that
      // a later call joins a new one and commits after this write.
      this.#environment.group = undefined;
      return this.#commitBlind(writes);
    }
    // Checked now, so a bad argument rejects before anything is queued. The
    // decision runs later, when the writer reaches the batch, so the
    // arguments are copied now: a caller may reuse its arrays as soon as
    // commit() returns.
    const expected: (Uint8Array | null)[] = [];
    const keys: Uint8Array[] = [];
    for (let i = 0; i < expectations.length; i++) {
      const e = expectations[i]!;
      assertKey(e.key, `expectations[${i}].key`);
      assertValue(e.value, `expectations[${i}].value`);
      keys.push(e.key);
      expected.push(e.value === null ? null : copyBytes(e.value));
    }
    const copies: KvWrite[] = [];
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i]!;
      assertKey(w.key, `writes[${i}].key`);
      assertValue(w.value, `writes[${i}].value`);
      copies.push({ key: copyBytes(w.key), value: w.value === null ? null : copyBytes(w.value) });
    }
    const decision: CommitDecision<undefined> =
      sequence === undefined ? { writes: copies, result: undefined } : { writes: copies, options: { sequence }, result: undefined };
    // Decided in the batch's transaction like a readAndCommit call (one
    // group, one callback), not as a child transaction of its own: the
    // expectations are checked, and the sequence writes made, before the
    // first put, so a failed expectation writes nothing and takes no numbers.
    await this.readAndCommit(keys, (values) => {
      for (let i = 0; i < values.length; i++) {
        const current = values[i];
        const value = expected[i] ?? null;
        const holds = value === null ? current === undefined : current !== undefined && bytesEqual(current, value);
        if (!holds) throw new CommitConflictError(i);
      }
      return decision;
    });
  }

  /**
   * Every call made while a group is open (consecutive calls, until another
   * write of this environment or the group's callback starts) joins one
   * lmdb-js transaction callback, which decides the calls one after
   * another inside the batch's write transaction, on the main thread
   * (#decideGroup). One callback, one promise from lmdb-js and one wait
   * per group, not per call; and the sequence counter is read once, at the
   * group's first numbered call, and written once, at its end: the calls'
   * numbers run on from one another. That is as correct as reading it per
   * call: the callback runs inside the LMDB write transaction, under LMDB's
   * cross-process write lock, and no other code (no other callback, handle
   * or process) writes between the group's read of the counter and its
   * write of it.
   *
   * Not a child transaction: everything that can throw in JavaScript for a
   * call — its `decide`, its sequence request, checking every one of its
   * writes — runs before that call's first put, so a throw fails that call
   * alone and leaves nothing of it to roll back, as in #commitBlind. A
   * nested LMDB transaction (begun, the pages it touches copied from the
   * parent's, merged back on commit) was most of the cost of a PITR write
   * (data/item-store writeLoggedBlind).
   */
  readAndCommit<T>(
    keys: readonly Uint8Array[],
    decide: (values: readonly (Uint8Array | undefined)[]) => CommitDecision<T>,
  ): Promise<T> {
    const codec = this.#codec;
    const copies: Uint8Array[] = [];
    const storedKeys: Uint8Array[] = [];
    let group: DecisionGroup;
    try {
      this.#assertOpen();
      // Copied now: the callback runs later, when the writer reaches it.
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (!(key instanceof Uint8Array) || key.length === 0) assertKey(key, `keys[${i}]`);
        const copy = copyBytes(key);
        copies.push(copy);
        storedKeys.push(codec.storedKey(copy));
      }
      group = this.#environment.group ?? this.#openGroup();
    } catch (error) {
      return Promise.reject(error);
    }
    if (!group.handles.includes(this)) {
      group.handles.push(this);
      this.#pending.add(group.done!);
    }
    return new Promise<T>((resolve, reject) => {
      group.calls.push({
        keys: copies,
        storedKeys,
        decide,
        resolve: resolve as (result: unknown) => void,
        reject,
        result: undefined,
        failed: false,
        error: undefined,
      });
    });
  }

  /** A new DecisionGroup, its callback queued in lmdb-js's next batch. */
  #openGroup(): DecisionGroup {
    const environment = this.#environment;
    const kv = this.#kv;
    const codec = this.#codec;
    const group: DecisionGroup = { calls: [], handles: [], done: undefined };
    let started = false;
    const done = kv.transaction(() => {
      started = true;
      if (environment.group === group) environment.group = undefined;
      decideGroup(kv, codec, group.calls);
    });
    // lmdb-js runs the callback at once inside a synchronous write
    // transaction of this process, before any call joined: openddb never
    // calls readAndCommit there.
    if (started) throw new Error('readAndCommit cannot run inside a synchronous LMDB transaction');
    group.done = done;
    environment.group = group;
    // Each call is answered once the batch is durable (or has failed).
    done.then(
      () => {
        for (const handle of group.handles) handle.#pending.delete(done);
        for (const call of group.calls) {
          if (call.failed) call.reject(call.error);
          else call.resolve(call.result);
        }
      },
      (error: unknown) => {
        for (const handle of group.handles) handle.#pending.delete(done);
        for (const call of group.calls) call.reject(call.failed ? call.error : error);
      },
    );
    return group;
  }

  /**
   * Unconditional writes of keys stored as themselves. They need no check,
   * so no child transaction: a nested LMDB transaction (begun, its dirty
   * pages merged into the parent's on commit) cost a bulk load ~2 µs per item.
   * One write is queued natively (lmdb-js applies it on its writer thread);
   * several are written by one callback run directly in the batch's
   * transaction. Both land in the same batched, synced transaction as every
   * other commit of this event turn, so they are just as durable, and still
   * atomic: everything that can throw in JavaScript is checked first, and an
   * LMDB failure part-way fails the whole LMDB transaction.
   *
   * Not lmdb-js's queued put for each of several writes, though it costs a
   * little less CPU: its instructions go to 64 KiB buffers that are soon
   * garbage but freed only by a full GC, which held 27 MB more RSS after
   * bulk-loading 500,000 items and 56 MB after 1,000,000.
   */
  async #commitBlind(writes: readonly KvWrite[]): Promise<void> {
    let bytes = 0;
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i]!;
      assertKey(w.key, `writes[${i}].key`);
      assertValue(w.value, `writes[${i}].value`);
      if (w.value !== null) bytes += w.value.length;
    }
    if (writes.length === 0) return;
    const kv = this.#kv;
    let written: Promise<unknown>;
    if (writes.length === 1) {
      // lmdb-js copies a queued write's key into its instruction buffer at
      // once, but reads the value when its writer thread gets to it: the
      // value is copied (a caller may reuse its array as soon as commit()
      // returns), the key is not. The copy comes from Node's pooled
      // allocator, whose shared slab also spares lmdb-js a native address
      // lookup per value.
      const only = writes[0]!;
      written = only.value === null ? kv.remove(only.key) : kv.put(only.key, pooledCopy(only.value));
    } else {
      // The callback runs later, so keys and values are copied now; the
      // values into one block, so lmdb-js resolves one native address per
      // commit rather than one per value.
      const block = Buffer.allocUnsafe(bytes);
      const keys: Uint8Array[] = [];
      const values: (Uint8Array | null)[] = [];
      let offset = 0;
      for (const w of writes) {
        keys.push(copyBytes(w.key));
        if (w.value === null) {
          values.push(null);
        } else {
          const end = offset + w.value.length;
          block.set(w.value, offset);
          values.push(block.subarray(offset, end));
          offset = end;
        }
      }
      written = kv.transaction(() => {
        for (let i = 0; i < keys.length; i++) {
          const value = values[i] ?? null;
          // Inside a write transaction the *Sync forms write into it directly.
          if (value === null) kv.removeSync(keys[i]!);
          else kv.putSync(keys[i]!, value);
        }
      });
    }
    this.#pending.add(written);
    try {
      await written;
    } finally {
      this.#pending.delete(written);
    }
  }

  /**
   * Copies the whole environment into the empty (or new) directory `dir`
   * from one read transaction, as LMDB's mdb_env_copy2 does: a consistent
   * copy, safe while any number of processes write (they are not blocked).
   * With `compact`, free pages are left out and the copy is renumbered. The
   * copy is a data directory of its own (`openddb serve --data dir`).
   * Whole-database backups (`openddb backup --data`); not part of the
   * storage contract.
   */
  async copyTo(dir: string, compact = true): Promise<void> {
    this.#assertOpen();
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
    // data.mdb holds everything, the layout (meta) included.
    await this.#root.backup(dir, compact);
    await fsyncDirectory(dir);
  }

  /** Waits for this handle's commits in flight; the last handle in the process closes the environment. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const release of [...this.#snapshots]) await release();
    await Promise.allSettled([...this.#pending]);
    if (--this.#environment.handles > 0) return;
    environments.delete(this.#path);
    await this.#root.close();
  }

  /**
   * Makes the next read start from the newest snapshot, unless a read
   * already did so in this synchronous stretch of JavaScript (see the
   * module comment): everything acknowledged before the stretch began is in
   * that snapshot. The microtask that ends the stretch runs before any
   * other callback (timer, I/O) can.
   */
  #newestSnapshot(): void {
    const environment = this.#environment;
    if (environment.renewed) return;
    environment.renewed = true;
    this.#root.resetReadTxn();
    queueMicrotask(environment.expire);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('storage engine is closed');
  }
}

/**
 * Opens the lmdb-js environment of a directory and its databases, and
 * checks (or, on a new directory, records) the layout.
 */
async function openEnvironment(path: string, maxStoredKeyBytes: number | undefined): Promise<Environment> {
  const root = openRoot(path);
  try {
    const kv = root.openDB<Uint8Array, Uint8Array>({
      name: 'kv',
      keyEncoding: 'binary',
      encoding: 'binary',
      // lmdb-js takes a custom encoder, but its typings do not list it.
      ...({ encoder: VALUE_CODEC } as object),
    });
    const meta = root.openDB<unknown, string>({ name: 'meta', encoding: 'json' });
    const lmdbMaxKey = (kv as unknown as { maxKeySize: number }).maxKeySize;
    const wanted = maxStoredKeyBytes ?? lmdbMaxKey;
    if (wanted > lmdbMaxKey) {
      throw new RangeError(`maxStoredKeyBytes ${wanted} exceeds LMDB's key limit ${lmdbMaxKey}`);
    }
    let layout = meta.get(LAYOUT_KEY) as Layout | undefined;
    if (layout === undefined) {
      // A new directory. One synchronous (durable) write transaction: LMDB's
      // cross-process writer lock makes check-and-record atomic when several
      // processes start on a new directory at once, and a refusal (thrown)
      // aborts it with nothing written. Only the first handle of a process
      // gets here, before any of its writes are queued (see "Shared use").
      layout = root.transactionSync(() => {
        const existing = meta.get(LAYOUT_KEY) as Layout | undefined;
        if (existing !== undefined) return existing;
        const created = { version: LAYOUT_VERSION, maxStoredKey: wanted };
        meta.putSync(LAYOUT_KEY, created);
        return created;
      });
    }
    checkLayout(path, layout, maxStoredKeyBytes, lmdbMaxKey);
    // LMDB fsyncs its files but not the directory that names them; a new
    // data.mdb must not vanish with a power cut after commits were acknowledged.
    await fsyncDirectory(path);
    const environment: Environment = {
      root,
      kv,
      codec: new LongKeyCodec(layout.maxStoredKey),
      handles: 0,
      renewed: false,
      expire: () => {
        environment.renewed = false;
      },
      group: undefined,
    };
    return environment;
  } catch (error) {
    await root.close();
    throw error;
  }
}

function openRoot(path: string): RootDatabase<Uint8Array, Uint8Array> {
  return open<Uint8Array, Uint8Array>({
    path,
    // A directory, whatever its name: lmdb-js takes a path with an extension
    // ("my.db", or mkdtemp's "tmp.Xy3") for a file unless told.
    noSubdir: false,
    pageSize: PAGE_SIZE,
    overlappingSync: false,
    maxDbs: 4,
    keyEncoding: 'binary',
    encoding: 'binary',
    mapSize: mapSizeFor(addressSpaceLimit()),
  });
}

/**
 * MAP_SIZE, or less under a capped address space (ulimit -v): there a
 * failed mmap crashes lmdb-js's open (it does not throw), so the map takes
 * an eighth of the cap at most, and grows as lmdb-js's default one does
 * (keeping old mappings) if the data outgrows it.
 */
export function mapSizeFor(limit: number): number {
  if (limit === Infinity) return MAP_SIZE;
  return Math.max(2 ** 20, Math.min(MAP_SIZE, Math.floor(limit / 8 / 2 ** 20) * 2 ** 20));
}

/** The process's soft RLIMIT_AS in bytes, from /proc (Infinity if none or unknown). */
function addressSpaceLimit(): number {
  let limits: string;
  try {
    limits = readFileSync('/proc/self/limits', 'latin1');
  } catch {
    return Infinity;
  }
  const soft = /^Max address space\s+(\S+)/m.exec(limits)?.[1];
  const bytes = soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  return Number.isFinite(bytes) ? bytes : Infinity;
}

async function fsyncDirectory(path: string): Promise<void> {
  const handle = await openFile(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function checkLayout(path: string, layout: Layout, requestedMaxKey: number | undefined, lmdbMaxKey: number): void {
  if (layout.version !== LAYOUT_VERSION) {
    throw new Error(
      `data directory ${path} has LMDB layout version ${layout.version}; this openddb reads version ${LAYOUT_VERSION}`,
    );
  }
  if (requestedMaxKey !== undefined && layout.maxStoredKey !== requestedMaxKey) {
    throw new Error(`data directory ${path} was created with maxStoredKeyBytes ${layout.maxStoredKey}, not ${requestedMaxKey}`);
  }
  if (layout.maxStoredKey > lmdbMaxKey) {
    throw new Error(`data directory ${path} stores keys of up to ${layout.maxStoredKey} bytes but LMDB allows ${lmdbMaxKey}`);
  }
}

/**
 * Decides a group's readAndCommit calls in order, inside the write
 * transaction (LmdbEngine.readAndCommit). A call that throws — its decide,
 * a bad sequence request, a bad write or a long key whose slot holds
 * another key — is marked failed before anything of it is written, and
 * takes no numbers: the next call's numbers follow the last call's that
 * succeeded. The counter is read at the first numbered call and written
 * once at the end (in `finally`: an LMDB failure part-way fails the whole
 * LMDB transaction anyway, but the counter must never lag the records).
 */
function decideGroup(kv: Database<Uint8Array, Uint8Array>, codec: LongKeyCodec, calls: readonly DecisionCall[]): void {
  let counterRead = false;
  let last: bigint | undefined;
  let issued = false;
  try {
    for (const call of calls) {
      try {
        const storedKeys = call.storedKeys;
        const values: (Uint8Array | undefined)[] = [];
        for (let i = 0; i < storedKeys.length; i++) {
          const stored = kv.get(storedKeys[i]!);
          values.push(stored === undefined ? undefined : codec.valueFor(call.keys[i]!, stored));
        }
        const decision = call.decide(values);
        const writes = decision.writes;
        checkWrites(kv, codec, writes, 'writes');
        const sequence = checkedSequenceRequest(decision.options?.sequence);
        let more: readonly KvWrite[] | undefined;
        let next = last;
        if (sequence !== undefined) {
          if (!counterRead) {
            last = next = decodeSequenceCounter(kv.get(SEQUENCE_COUNTER_KEY));
            counterRead = true;
          }
          const first = firstSequence(last, sequence);
          more = sequence.writes(first);
          checkWrites(kv, codec, more, 'sequence writes');
          next = first + BigInt(sequence.count) - 1n;
        }
        // Nothing below throws in JavaScript.
        if (sequence !== undefined) {
          last = next;
          issued = true;
        }
        putChecked(kv, codec, writes);
        if (more !== undefined) putChecked(kv, codec, more);
        call.result = decision.result;
      } catch (error) {
        call.failed = true;
        call.error = error;
      }
    }
  } finally {
    if (issued) kv.putSync(SEQUENCE_COUNTER_KEY, encodeSequenceCounter(last!));
  }
}

/**
 * Throws a TypeError on a bad write, or an Error for a long key whose slot
 * holds a different key (a SHA-256 collision), before anything is written.
 */
function checkWrites(kv: Database<Uint8Array, Uint8Array>, codec: LongKeyCodec, writes: readonly KvWrite[], label: string): void {
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!;
    if (!(w.key instanceof Uint8Array) || w.key.length === 0) assertKey(w.key, `${label}[${i}].key`);
    if (w.value !== null && !(w.value instanceof Uint8Array)) assertValue(w.value, `${label}[${i}].value`);
    if (w.value !== null && codec.isLong(w.key) && longSlotTaken(kv, codec, w.key)) {
      throw new Error(`${label}[${i}].key collides (SHA-256) with a stored long key; nothing was written`);
    }
  }
}

/** Writes checked by checkWrites into the current write transaction. */
function putChecked(kv: Database<Uint8Array, Uint8Array>, codec: LongKeyCodec, writes: readonly KvWrite[]): void {
  for (let i = 0; i < writes.length; i++) {
    const { key, value } = writes[i]!;
    // Inside a write transaction the *Sync forms write into it directly.
    if (!codec.isLong(key)) {
      if (value !== null) kv.putSync(key, value);
      else kv.removeSync(key);
    } else if (value !== null) {
      kv.putSync(codec.storedKey(key), codec.storedValue(key, value));
    } else if (!longSlotTaken(kv, codec, key)) {
      kv.removeSync(codec.storedKey(key));
    }
  }
}

/** Whether a long key's slot holds a different long key (whose hash collides). */
function longSlotTaken(kv: Database<Uint8Array, Uint8Array>, codec: LongKeyCodec, key: Uint8Array): boolean {
  const stored = kv.get(codec.storedKey(key));
  return stored !== undefined && codec.valueFor(key, stored) === undefined;
}
