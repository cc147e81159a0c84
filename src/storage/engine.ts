/**
 * @module storage/engine
 * The storage contract of DESIGN.md: one ordered key space of byte keys and
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
  /** Several server processes may share this engine's data. */
  readonly sharedAcrossProcesses: boolean;
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

export interface StorageEngine {
  readonly capabilities: EngineCapabilities;
  /** The current value of a key, or undefined. */
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
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
   */
  commit(writes: readonly KvWrite[], expectations?: readonly KvExpectation[]): Promise<void>;
  /** Flushes and releases files; the engine is unusable afterwards. */
  close(): Promise<void>;
}
