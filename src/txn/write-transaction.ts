/**
 * @module txn/write-transaction
 * Runs a write transaction — TransactWriteItems, or ExecuteTransaction's
 * writes — as one storage commit:
 *
 * 1. A ClientRequestToken already used within its window replays (same
 *    request) or fails (different request) before anything is read.
 * 2. The items are claimed in this process's in-flight table; an item
 *    another transaction holds cancels the transaction with a
 *    TransactionConflict reason for that action (txn/in-flight).
 * 3. Every item is read from one snapshot and every action decides from its
 *    item (data/item-action `apply`); any failure cancels the transaction
 *    with one reason per action, in order (txn/cancellation).
 * 4. All item writes, their index entries and stream records, and the
 *    token's record go into one commit that expects every item read — ConditionCheck items
 *    included — to be unchanged. That expectation is what makes the
 *    transaction serializable against every other writer, in this process
 *    or another sharing the store. If another writer came first, the
 *    transaction starts again from 3 with what that writer left — unless
 *    that writer was a transaction which committed on the item while this
 *    one ran (txn/conflict-stamps, written by this same commit), which
 *    cancels this one with TransactionConflict, as DynamoDB does two
 *    overlapping transactions; a transaction that keeps losing is
 *    cancelled with TransactionConflict too.
 */
import { errors } from '../errors/index.js';
import type { Database } from '../data/database.js';
import { itemKey } from '../indexes/index-entries.js';
import { compareAndSet } from '../storage/compare-and-set.js';
import type { KvExpectation, KvWrite } from '../storage/engine.js';
import type { Item } from '../values/types.js';
import type { ItemAction } from '../data/item-action.js';
import { decodeItem, itemCommit } from '../data/item-store.js';
import { streamRecordsOption } from '../data/hooks.js';
import type { StreamRecordDraft } from '../data/hooks.js';
import type { WriteOutcome } from '../data/item-store.js';
import type { CancellationReason } from './cancellation.js';
import { NO_REASON, conflictCancellation, reasonFor, transactionCanceled } from './cancellation.js';
import { inFlight } from './in-flight.js';
import { conflictStampWrites, transactionChangedSince } from './conflict-stamps.js';
import type { ReplaySizes, TokenState } from './client-tokens.js';
import { readToken, stateOf, sweepExpiredTokens, tokenCommit } from './client-tokens.js';

/** A transaction that loses this many commit races in a row is cancelled as a conflict. */
const MAX_ATTEMPTS = 16;

export interface IdempotencyOptions {
  /** The operation, which scopes the token. */
  readonly operation: string;
  readonly token: string;
  /** Digest of the request's parameters (txn/client-tokens requestDigest). */
  readonly digest: string;
}

export type WriteTransactionResult =
  | { readonly replayed: false; readonly outcomes: readonly WriteOutcome[] }
  | { readonly replayed: true; readonly sizes: ReplaySizes };

/** How each action's size is recorded for a later replay: the larger of the item before and after. */
export type SizeOf = (outcome: WriteOutcome, index: number) => readonly [string, number];

export async function runWriteTransaction(
  db: Database,
  actions: readonly ItemAction[],
  sizeOf: SizeOf,
  idempotency?: IdempotencyOptions,
): Promise<WriteTransactionResult> {
  const registry = inFlight(db);
  if (idempotency !== undefined) {
    if (!registry.claimToken(idempotency.token)) {
      throw errors.transactionInProgress('The transaction with the given request token is already in progress.');
    }
  }
  try {
    let token: TokenState | undefined;
    if (idempotency !== undefined) {
      token = await readToken(db, idempotency.operation, idempotency.token);
      const replay = replayOf(token, idempotency);
      if (replay !== undefined) return replay;
    }
    const keys = actions.map((action) => itemKey(action.table, action.key));
    const { conflicts, release } = registry.acquire(keys, 'write');
    if (conflicts.length > 0) throw conflictCancellation(actions.length, conflicts);
    try {
      return await commitLoop(db, actions, keys, sizeOf, idempotency, token);
    } finally {
      release();
    }
  } finally {
    if (idempotency !== undefined) registry.releaseToken(idempotency.token);
  }
}

function replayOf(token: TokenState, idempotency: IdempotencyOptions): WriteTransactionResult | undefined {
  if (token.live === undefined) return undefined;
  if (token.live.hash !== idempotency.digest) {
    throw errors.idempotentParameterMismatch(
      'Request with the same client token was previously made with different parameters.',
    );
  }
  return { replayed: true, sizes: token.live.sizes };
}

async function commitLoop(
  db: Database,
  actions: readonly ItemAction[],
  keys: readonly Uint8Array[],
  sizeOf: SizeOf,
  idempotency: IdempotencyOptions | undefined,
  token: TokenState | undefined,
): Promise<WriteTransactionResult> {
  let lostTo = -1;
  let readAt = 0;
  const result = await compareAndSet<WriteTransactionResult>(
    db.engine,
    async () => {
      const previousReadAt = readAt;
      readAt = db.clock.now();
      const raws = await db.engine.getMany(token === undefined ? keys : [...keys, token.key]);
      if (token !== undefined && idempotency !== undefined) {
        // Another server may have completed the same token since it was looked up.
        token = stateOf(db, token.key, raws[keys.length]);
        const replay = replayOf(token, idempotency);
        if (replay !== undefined) return { done: replay };
      }
      if (lostTo >= 0 && (await transactionChangedSince(db, keys[lostTo]!, previousReadAt))) {
        // Another transaction (in another process: in this one, txn/in-flight
        // would have stopped it) committed on the item while this one ran.
        throw conflictCancellation(actions.length, [lostTo]);
      }
      lostTo = -1;

      const outcomes: WriteOutcome[] = [];
      const reasons: CancellationReason[] = [];
      let failed = false;
      const writes: KvWrite[] = [];
      const expectations: KvExpectation[] = [];
      const records: StreamRecordDraft[] = [];
      const changed: Uint8Array[] = [];
      actions.forEach((action, i) => {
        const oldRaw = raws[i];
        const old: Item | undefined = oldRaw === undefined ? undefined : decodeItem(oldRaw);
        let decision;
        try {
          decision = action.apply(old);
        } catch (e) {
          const reason = reasonFor(e);
          if (reason === undefined) throw e;
          failed = true;
          reasons.push(reason);
          outcomes.push({ old, next: old, written: false });
          return;
        }
        reasons.push(NO_REASON);
        // Every item read is expected unchanged, written or not: a condition
        // check is only as good as the item it checked still being there.
        expectations.push({ key: keys[i]!, value: oldRaw ?? null });
        if (decision === 'unchanged' || (decision.next === undefined && old === undefined)) {
          outcomes.push({ old, next: old, written: false });
          return;
        }
        const commit = itemCommit(db, action.table, keys[i]!, old, oldRaw, decision.next);
        changed.push(keys[i]!);
        writes.push(...commit.writes);
        records.push(...commit.records);
        outcomes.push({ old, next: decision.next, written: true });
      });
      if (failed) throw transactionCanceled(reasons);

      writes.push(...conflictStampWrites(db, changed));
      if (token !== undefined && idempotency !== undefined) {
        const record = tokenCommit(db, token, idempotency.digest, outcomes.map((o, i) => sizeOf(o, i)));
        writes.push(...record.writes);
        expectations.push(record.expectation);
      }
      const options = streamRecordsOption(records);
      return { writes, expectations, ...(options === undefined ? {} : { options }), result: { replayed: false, outcomes } };
    },
    {
      maxAttempts: MAX_ATTEMPTS,
      onConflict: (e) => {
        lostTo = e.expectationIndex < keys.length ? e.expectationIndex : -1;
      },
      exhausted: () => conflictCancellation(actions.length, lostTo >= 0 ? [lostTo] : []),
    },
  );
  if (!result.replayed && token !== undefined) sweepExpiredTokens(db);
  return result;
}
