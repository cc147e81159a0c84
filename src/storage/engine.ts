/**
 * @module storage/engine
 * The storage contract (docs/architecture.md, "The storage contract"): one ordered key space of byte keys and
 * byte values, read by point and range, written by atomic conditional
 * commits that resolve only once durable. Every backend implements this
 * interface and passes the shared contract suite (contract.ts).
 */

/** A put (value is bytes) or a delete (value is null). */
export interface KvWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/**
 * A precondition of a commit: the key's current value must equal `value`
 * byte for byte, or (value null) the key must be absent.
 */
export interface KvExpectation {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

export interface KvEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface RangeOptions {
  /** Walk from `end` down to `start` instead of up. */
  readonly reverse?: boolean;
  /** Return at most this many entries. */
  readonly limit?: number;
}

export interface EngineCapabilities {
  /** Data survives a process crash once commit() resolves. */
  readonly durable: boolean;
  /**
   * Other handles (other processes, or other engines opened on the same
   * location) may share this engine's data. Then anything an upper layer
   * caches from the store (the catalog) can be stale and must be
   * revalidated; when false, this handle is the data's only writer.
   */
  readonly sharedAcrossProcesses: boolean;
}

/**
 * Keys starting 0x00 0x00 belong to the engines themselves
 * (catalog/key-space.ts documents the whole layout); nothing else writes them.
 */
export const ENGINE_KEY_PREFIX = Uint8Array.of(0x00, 0x00);

/**
 * The last sequence number issued (u64, big-endian): see CommitOptions.sequence.
 * Read and written only inside commits, by the engine.
 */
export const SEQUENCE_COUNTER_KEY = Uint8Array.of(0x00, 0x00, 0x01);

/** The largest sequence number an engine issues (u64). */
export const MAX_SEQUENCE = 2n ** 64n - 1n;

/**
 * Sequence numbers issued by the engine inside a commit (stream records'
 * keys). Inside the commit, after its expectations held, the engine takes
 * `count` consecutive numbers first … first + count − 1, with `first`
 * greater than every number issued before on this data by any handle or
 * process and at least `floor`, and adds writes(first)'s writes to the same
 * atomic commit (after the commit's own writes).
 *
 * Numbers follow commit order: a commit that becomes visible later holds
 * larger numbers than every commit visible before it. So a reader that has
 * seen every record up to number n never later finds a new record below n,
 * and can tail a range by reading on from its last key. Numbered commits
 * made through one handle in one synchronous stretch are decided in call
 * order (engines group them: LMDB and PostgreSQL decide one turn's in one
 * transaction), so one may expect what an earlier one wrote.
 *
 * `writes` runs synchronously while the engine holds its write lock: it
 * must be quick, must not touch the engine, and is called at most once
 * (not at all when an expectation fails). If it throws, the commit rejects
 * with that error and writes nothing.
 */
export interface SequenceRequest {
  readonly count: number;
  readonly floor: bigint;
  writes(first: bigint): readonly KvWrite[];
}

export interface CommitOptions {
  readonly sequence?: SequenceRequest;
}

/** What a readAndCommit decision writes, and what the call resolves with. */
export interface CommitDecision<T> {
  readonly writes: readonly KvWrite[];
  readonly options?: CommitOptions;
  readonly result: T;
}

/** Thrown (rejected) by commit() when an expectation does not hold; nothing was written. */
export class CommitConflictError extends Error {
  constructor(
    /** Index into the expectations array of the first one that failed. */
    readonly expectationIndex: number,
  ) {
    super(`commit expectation ${expectationIndex} did not hold`);
    this.name = 'CommitConflictError';
  }
}

/**
 * Rejected by a fenced view's statement (StorageEngine.fenced) when the
 * fence key no longer holds the expected bytes; nothing was written.
 */
export class StaleFenceError extends Error {
  constructor() {
    super('the fence key changed: what the caller cached is stale');
    this.name = 'StaleFenceError';
  }
}

/**
 * A consistent, long-lived view of the whole key space as it was when
 * engine.snapshot() resolved: every read through it sees exactly the commits
 * acknowledged before then, and none after, for as long as it is held
 * (backups copy a table from one, point-in-time reads combine a table with
 * its change log in one). Release it when done: an engine keeps old versions
 * alive for it (LMDB pages, a PostgreSQL transaction, memory-engine nodes).
 */
export interface StorageSnapshot {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** As StorageEngine.range, within the snapshot. */
  range(start: Uint8Array, end: Uint8Array, options?: RangeOptions): Promise<KvEntry[]>;
  /** Ends the snapshot; reads after it reject. Safe to call twice. */
  release(): Promise<void>;
}

/** A fenced view (StorageEngine.fenced), one per request. */
export interface FencedEngine extends StorageEngine {
  /** Whether a commit (or readAndCommit) through this view has landed: then the request must not be run again. */
  committed(): boolean;
}

export interface StorageEngine {
  readonly capabilities: EngineCapabilities;
  /**
   * The current value of a key, or undefined. Reads see every commit that
   * was acknowledged (by any handle) before the synchronous stretch of
   * JavaScript the read is called in began (the event-loop callback or
   * microtask run): a process learns of another's commit only through I/O,
   * which arrives in a later stretch. Reads within one stretch may share a
   * snapshot (LMDB renews it once per stretch).
   */
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * get() without the promise, for engines whose reads are local (LMDB, memory):
   * a check run on every request (the catalog's version) costs ~1 µs instead of
   * a promise and a microtask turn. A networked engine leaves it out.
   */
  getSync?(key: Uint8Array): Uint8Array | undefined;
  /** Several keys read from one consistent snapshot, in order. */
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  /**
   * Entries with start <= key < end in byte order (or from end down when
   * reverse), from one consistent snapshot.
   */
  range(start: Uint8Array, end: Uint8Array, options?: RangeOptions): Promise<KvEntry[]>;
  /**
   * Applies every write atomically if every expectation holds, resolving
   * once the whole batch is durable (for a durable engine). Rejects with
   * CommitConflictError, writing nothing, if an expectation fails.
   * Expectations are checked inside the engine's commit, so they hold
   * against every other handle's and process's commits too. With
   * options.sequence, the engine also issues sequence numbers (see
   * SequenceRequest; its writes callback learns them).
   */
  commit(writes: readonly KvWrite[], expectations?: readonly KvExpectation[], options?: CommitOptions): Promise<void>;
  /**
   * Reads `keys` and decides the commit from their values inside the
   * engine's write transaction, where no other writer (handle or process)
   * can come between the read and the write: it cannot conflict. For a
   * write that lost a race on a contended key (compare-and-set's second
   * try): under group commit every writer of a hot key otherwise wins one
   * batch at most, so N writers need N batches. `decide` runs synchronously
   * under the engine's write lock — it must be quick, must not touch the
   * engine, and is called once (but see below); if it throws, the call rejects with
   * that error and writes nothing. (PostgreSQL calls it again when its
   * decision writes a key whose lock another commit holds: the call is
   * then decided afresh, with that key locked first.) Engines that cannot
   * run code inside their commit leave it out.
   */
  readAndCommit?<T>(
    keys: readonly Uint8Array[],
    decide: (values: readonly (Uint8Array | undefined)[]) => CommitDecision<T>,
  ): Promise<T>;
  /**
   * A view of this engine whose every statement also checks, inside the
   * same statement (one snapshot; for a commit, under a lock that a commit
   * writing the fence key waits for), that `key` still holds `value` (null:
   * is absent), and otherwise rejects with StaleFenceError, writing nothing.
   * For an engine whose every read is a network round trip (PostgreSQL), so
   * that a cache validated by one key (the catalog's version) costs no round
   * trip of its own: the caller works from its cache and starts again when
   * the fence trips. Engines with local reads leave it out (getSync is
   * cheaper). The view's close() rejects: close the engine. Once a commit
   * through the view has landed, its later statements are not fenced (the
   * commit was checked; a caller must never run a landed write again).
   */
  fenced?(key: Uint8Array, value: Uint8Array | null): FencedEngine;
  /** Statements sent to a database server since open, each one round trip (networked engines: PostgreSQL); for metrics and the bench. */
  roundTrips?(): number;
  /**
   * A snapshot of the data as of now (see StorageSnapshot): it sees every
   * commit acknowledged, by any handle or process, before the call, and
   * nothing later. Used by backups and point-in-time reads (backup/).
   */
  snapshot(): Promise<StorageSnapshot>;
  /** Flushes and releases files; the engine is unusable afterwards. */
  close(): Promise<void>;
}
