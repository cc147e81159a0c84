/**
 * @module storage/compare-and-set
 * The one read → decide → commit loop. Every writer that must not lose an
 * update to another writer — in this process or another sharing the store
 * (docs/architecture.md, "Many processes") — reads what it depends on,
 * decides, and commits expecting what it read to be unchanged; if another
 * writer came first (CommitConflictError), it reads again and decides
 * again. Correctness comes from the commit's expectations, never from
 * anything held in memory, so a decision must be safe to make again.
 *
 * compareAndSetKeys is the form for a decision that is a pure function of
 * some keys' values: it expects exactly what it read, and after a lost race
 * it decides again inside the engine's commit (engine.readAndCommit) where
 * it cannot lose. Under group commit every writer of a hot key wins one
 * batch at most, so optimistic retries alone serialise N writers of one key
 * over N batches (fsyncs); decided in the commit, they share one.
 */
import { CommitConflictError } from './engine.js';
import type { CommitDecision, CommitOptions, KvExpectation, KvWrite, StorageEngine } from './engine.js';

/** A commit to attempt, and what compareAndSet resolves with if it lands. */
export interface CasCommit<T> {
  readonly writes: readonly KvWrite[];
  readonly expectations: readonly KvExpectation[];
  readonly options?: CommitOptions;
  /**
   * Runs synchronously just before the commit is issued, after the step's
   * promise settled (e.g. the in-flight transaction check of a plain write,
   * which should be as late as possible); it may throw to stop.
   */
  readonly check?: () => void;
  readonly result: T;
}

/** What one attempt decided: commit, or finish without writing. */
export type CasStep<T> = CasCommit<T> | { readonly done: T };

export interface CompareAndSetOptions {
  /** Attempts before giving up (default 1000: a conflict that persistent means something is wrong). */
  readonly maxAttempts?: number;
  /** Sees each conflict (the failed expectation's index); may throw to stop early. */
  readonly onConflict?: (error: CommitConflictError, attempt: number) => void;
  /** The error thrown when the attempts run out (default: a plain Error). */
  readonly exhausted?: () => Error;
}

const DEFAULT_ATTEMPTS = 1000;

/**
 * Calls `step` (attempt 0, 1, …) and commits what it returns, until a
 * commit lands (resolving with its result) or a step returns `{ done }`.
 * Errors other than CommitConflictError propagate at once.
 */
export async function compareAndSet<T>(
  engine: StorageEngine,
  step: (attempt: number) => Promise<CasStep<T>> | CasStep<T>,
  options: CompareAndSetOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const decided = await step(attempt);
    if ('done' in decided) return decided.done;
    decided.check?.();
    try {
      await engine.commit(decided.writes, decided.expectations, decided.options);
      return decided.result;
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      options.onConflict?.(error, attempt);
    }
  }
  throw options.exhausted?.() ?? new Error(`a compare-and-set did not settle after ${maxAttempts} attempts`);
}

/** A commit decided from some keys' values: those keys are its expectations. */
export type KeyedStep<T> = Omit<CasCommit<T>, 'expectations'> | { readonly done: T };

/** A decision that depends only on the values of `keys`. */
export interface KeyedDecision<T> {
  readonly keys: readonly Uint8Array[];
  /**
   * Decides from the keys' current values (in order): synchronous, quick,
   * safe to call again, touching no engine (it may run inside the engine's
   * commit). The keys are expected unchanged; `check` runs before each commit.
   */
  decide(values: readonly (Uint8Array | undefined)[]): KeyedStep<T>;
}

/**
 * compareAndSet over a KeyedDecision: read the keys, decide, commit
 * expecting them unchanged; after a lost race, decide inside the engine's
 * commit when the engine can (readAndCommit), else read and try again.
 */
export async function compareAndSetKeys<T>(
  engine: StorageEngine,
  decision: KeyedDecision<T>,
  options: CompareAndSetOptions = {},
): Promise<T> {
  const { keys } = decision;
  if (engine.readAndCommit === undefined) {
    return compareAndSet(
      engine,
      async (): Promise<CasStep<T>> => {
        const values = keys.length === 1 ? [await engine.get(keys[0]!)] : await engine.getMany(keys);
        const step = decision.decide(values);
        if ('done' in step) return step;
        return { ...step, expectations: expectationsOf(keys, values) };
      },
      options,
    );
  }
  // The first try, written out rather than through compareAndSet: every
  // item write comes here, and the step objects cost more than the loop.
  const values = keys.length === 1 ? [await engine.get(keys[0]!)] : await engine.getMany(keys);
  const first = decision.decide(values);
  if ('done' in first) return first.done;
  first.check?.();
  try {
    await engine.commit(first.writes, expectationsOf(keys, values), first.options);
    return first.result;
  } catch (error) {
    if (!(error instanceof CommitConflictError)) throw error;
    options.onConflict?.(error, 0);
  }
  return engine.readAndCommit(keys, (values): CommitDecision<T> => {
    const step = decision.decide(values);
    if ('done' in step) return { writes: [], result: step.done };
    step.check?.();
    return { writes: step.writes, ...(step.options === undefined ? {} : { options: step.options }), result: step.result };
  });
}

/** Each key expected to hold what was read (null: absent). */
function expectationsOf(keys: readonly Uint8Array[], values: readonly (Uint8Array | undefined)[]): KvExpectation[] {
  if (keys.length === 1) return [{ key: keys[0]!, value: values[0] ?? null }];
  return keys.map((key, i) => ({ key, value: values[i] ?? null }));
}
