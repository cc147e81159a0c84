/**
 * @module txn/action-errors
 * Which validation failures of one transaction action DynamoDB reports as a
 * `ValidationError` cancellation reason for that action, rather than as a
 * ValidationException for the whole request. A key that does not fit the
 * table's schema (missing, wrong type, wrong attributes) is the action's
 * own fault and cancels the transaction (conformance suite,
 * transactGetItems "missing key attribute"; dynoxide's captures for
 * TransactWriteItems); so does a key value over DynamoDB's key size
 * limits, of the table's key or of an index key (ExtendDB's captures of
 * DynamoDB, ExtendDB/extenddb#211). Malformed expressions, empty key
 * values, oversized Put items and unknown tables fail the request outright.
 */
import { isDynamoError } from '../errors/index.js';
import { HASH_KEY_TOO_LARGE_MESSAGE, KEY_SCHEMA_MISMATCH_MESSAGE, RANGE_KEY_TOO_LARGE_MESSAGE } from '../values/index.js';

const PER_ACTION = [
  KEY_SCHEMA_MISMATCH_MESSAGE,
  HASH_KEY_TOO_LARGE_MESSAGE,
  RANGE_KEY_TOO_LARGE_MESSAGE,
  'One or more parameter values were invalid: Missing the key ',
  'One or more parameter values were invalid: Type mismatch for key ',
  'One or more parameter values were invalid: Type mismatch for Index Key ',
  'One or more parameter values were invalid: Size limit exceeded for Index Key ',
];

export function isPerActionValidation(error: unknown): boolean {
  return (
    isDynamoError(error) &&
    error.shortType === 'ValidationException' &&
    PER_ACTION.some((prefix) => error.message.startsWith(prefix))
  );
}
