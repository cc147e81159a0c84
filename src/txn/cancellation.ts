/**
 * @module txn/cancellation
 * TransactionCanceledException as DynamoDB shapes it: one reason per action,
 * in action order — `{Code: 'None'}` for an action that would have
 * succeeded, else the failure's code and message (and the stored item for
 * a failed condition when ReturnValuesOnConditionCheckFailure is ALL_OLD) —
 * and a message that lists the codes:
 * "Transaction cancelled, please refer cancellation reasons for specific
 * reasons [None, ConditionalCheckFailed]" (conformance suite, tier 3).
 */
import { errors, isDynamoError } from '../errors/index.js';
import type { DynamoError } from '../errors/index.js';
import type { Item } from '../values/types.js';

export interface CancellationReason {
  readonly Code: string;
  readonly Message?: string;
  readonly Item?: Item;
}

export const NO_REASON: CancellationReason = Object.freeze({ Code: 'None' });

export const TRANSACTION_CONFLICT_MESSAGE = 'Transaction is ongoing for the item';

export const CONFLICT_REASON: CancellationReason = Object.freeze({
  Code: 'TransactionConflict',
  Message: TRANSACTION_CONFLICT_MESSAGE,
});

/** The cancellation code DynamoDB uses for an error type. */
const CODES: Readonly<Record<string, string>> = {
  ConditionalCheckFailedException: 'ConditionalCheckFailed',
  ValidationException: 'ValidationError',
  DuplicateItemException: 'DuplicateItem',
  TransactionConflictException: 'TransactionConflict',
  ItemCollectionSizeLimitExceededException: 'ItemCollectionSizeLimitExceeded',
  ProvisionedThroughputExceededException: 'ProvisionedThroughputExceeded',
  ThrottlingException: 'ThrottlingError',
};

/**
 * The reason an action's failure becomes, or undefined when the error is
 * not one a transaction reports per action (it then fails the request).
 */
export function reasonFor(error: unknown): CancellationReason | undefined {
  if (!isDynamoError(error)) return undefined;
  const code = CODES[error.shortType];
  if (code === undefined) return undefined;
  const item = (error.extra as { Item?: Item } | undefined)?.Item;
  return item === undefined ? { Code: code, Message: error.message } : { Code: code, Message: error.message, Item: item };
}

export function transactionCanceled(reasons: readonly CancellationReason[]): DynamoError {
  return errors.transactionCanceled(
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    [...reasons],
  );
}

/** Cancels with TransactionConflict for the actions at `positions` and None for the rest. */
export function conflictCancellation(count: number, positions: readonly number[]): DynamoError {
  const reasons: CancellationReason[] = Array.from({ length: count }, () => NO_REASON);
  for (const i of positions) reasons[i] = CONFLICT_REASON;
  return transactionCanceled(reasons);
}
