/**
 * @module txn/conflicts
 * The hook plain writes (PutItem, UpdateItem, DeleteItem, BatchWriteItem
 * members: data/item-store writeItem) call before committing: DynamoDB
 * rejects a write to an item that an ongoing transaction holds with
 * TransactionConflictException ("Transaction is ongoing for the item").
 * Like everything in txn/in-flight this only shapes errors; the commit's
 * expectations keep the data serializable either way.
 */
import { errors } from '../errors/index.js';
import type { Database } from '../data/database.js';
import { inFlight } from './in-flight.js';
import { TRANSACTION_CONFLICT_MESSAGE } from './cancellation.js';

export function assertNotInTransaction(db: Database, storageKey: Uint8Array): void {
  if (inFlight(db).isHeld(storageKey)) throw errors.transactionConflict(TRANSACTION_CONFLICT_MESSAGE);
}
