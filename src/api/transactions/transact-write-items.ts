/**
 * @module api/transactions/transact-write-items
 * TransactWriteItems: up to 100 Put, Update, Delete and ConditionCheck
 * actions, across tables, applied all or nothing in one storage commit
 * (txn/write-transaction). Each action is planned by the same planner as
 * its single-item operation (data/item-actions), so conditions, updates and
 * their errors are those of PutItem, UpdateItem and DeleteItem.
 *
 * Request-level failures (ValidationException): an action with not exactly
 * one of its four members, a malformed expression, an unknown table, an
 * oversized Put, two actions on one item, more than 4 MB of items.
 * Per-action failures cancel the transaction (TransactionCanceledException
 * with a reason per action): a failed condition, a key that does not fit
 * the table, an update whose result is invalid, an item another
 * transaction holds.
 */
import { errors } from '../../errors/index.js';
import { list, str, struct, tableNameOrArn } from '../../validate/index.js';
import type { Database } from '../../data/database.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { itemKey } from '../../indexes/index-entries.js';
import { bytesToLatin1 } from '../../storage/byte-order.js';
import { itemSize } from '../../values/index.js';
import type { AttributeValue, Item } from '../../values/types.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import { writeUnits } from '../../data/capacity.js';
import {
  expressionAttributeNames,
  expressionAttributeValues,
  item,
  returnConsumedCapacity,
  returnItemCollectionMetrics,
  returnValuesOnConditionCheckFailure,
} from '../item-schemas.js';
import type { ItemAction } from '../../data/item-action.js';
import { planConditionCheck, planDelete, planPut, planUpdate } from '../../data/item-actions.js';
import type { WriteOutcome } from '../../data/item-store.js';
import { itemCollectionMetrics } from '../../data/item-collection-metrics.js';
import { defineOperation } from '../operation.js';
import { writeCapacity } from '../../data/write-capacity.js';
import { isPerActionValidation } from '../../txn/action-errors.js';
import type { CancellationReason } from '../../txn/cancellation.js';
import { NO_REASON, reasonFor, transactionCanceled } from '../../txn/cancellation.js';
import { requestDigest } from '../../txn/client-tokens.js';
import type { ReplaySizes } from '../../txn/client-tokens.js';
import { TRANSACTION_FACTOR, TransactionCapacity, transactionalReadUnits } from '../../txn/transaction-capacity.js';
import { runWriteTransaction } from '../../txn/write-transaction.js';

interface ActionMembers {
  TableName: string;
  Key?: Item;
  Item?: Item;
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  ReturnValuesOnConditionCheckFailure?: string;
}

interface TransactWriteItem {
  ConditionCheck?: ActionMembers;
  Put?: ActionMembers;
  Delete?: ActionMembers;
  Update?: ActionMembers;
}

interface TransactWriteItemsInput {
  TransactItems: TransactWriteItem[];
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnItemCollectionMetrics?: string;
  ClientRequestToken?: string;
}

/** A transaction's items may add up to 4 MB (developer guide, transaction limits). */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

const common = {
  TableName: tableNameOrArn({ required: true }),
  ConditionExpression: str(),
  ExpressionAttributeNames: expressionAttributeNames(),
  ExpressionAttributeValues: expressionAttributeValues(),
  ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
};

export const transactWriteItems = defineOperation<TransactWriteItemsInput>({
  name: 'TransactWriteItems',
  schema: {
    members: {
      TransactItems: list(
        struct(
          {
            ConditionCheck: struct(
              { Key: item({ required: true }), ...common, ConditionExpression: str({ required: true }) },
              { javaName: 'ConditionCheck' },
            ),
            Put: struct({ Item: item({ required: true }), ...common }, { javaName: 'Put' }),
            Delete: struct({ Key: item({ required: true }), ...common }, { javaName: 'Delete' }),
            Update: struct(
              { Key: item({ required: true }), UpdateExpression: str({ required: true }), ...common },
              { javaName: 'Update' },
            ),
          },
          { javaName: 'TransactWriteItem' },
        ),
        { required: true, min: 1, max: 100 },
      ),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      ReturnItemCollectionMetrics: returnItemCollectionMetrics(),
      ClientRequestToken: str({ min: 1, max: 36 }),
    },
  },
  async run({ db }, input) {
    const kinds: ActionKind[] = [];
    const actions: (ItemAction | undefined)[] = [];
    const keyFailures: (CancellationReason | undefined)[] = [];
    let bytes = 0;
    for (const member of input.TransactItems) {
      const { kind, request } = onlyAction(member);
      kinds.push(kind);
      try {
        actions.push(plan(db, kind, request));
        // Sized once planning has checked its values (a null one has no size).
        bytes += requestBytes(kind, request);
        keyFailures.push(undefined);
      } catch (e) {
        if (!isPerActionValidation(e)) throw e;
        actions.push(undefined);
        keyFailures.push(reasonFor(e));
      }
    }
    checkDistinctItems(actions);
    if (bytes > MAX_TRANSACTION_BYTES) {
      // DynamoDB's text, repeated as it answers it (a capture of its reply
      // kept in a client's tests); DynamoDB Local says it once, with the
      // same size: the sum of the items' sizes.
      const said = `Transaction payload size cannot exceed 4MB. Payload Size: ${bytes}`;
      throw errors.validation(`Transaction payload size cannot exceed 4MB. Payload Size: : ${said}`);
    }
    if (keyFailures.some((reason) => reason !== undefined)) {
      throw transactionCanceled(keyFailures.map((reason) => reason ?? NO_REASON));
    }
    const planned = actions as ItemAction[];

    const result = await runWriteTransaction(
      db,
      planned,
      (outcome, i) => [planned[i]!.table.name, Math.max(sizeOf(outcome.old), sizeOf(outcome.next))],
      input.ClientRequestToken === undefined
        ? undefined
        : {
            operation: 'TransactWriteItems',
            token: input.ClientRequestToken,
            digest: requestDigest({ TransactItems: input.TransactItems, Metrics: input.ReturnItemCollectionMetrics }),
          },
    );
    const out: Record<string, unknown> = {};
    const capacity = result.replayed
      ? replayCapacity(result.sizes)
      : writeTransactionCapacity(planned, kinds, result.outcomes);
    capacity.count(db.meter);
    const rendered = capacity.render(input.ReturnConsumedCapacity);
    if (rendered !== undefined) out.ConsumedCapacity = rendered;
    if (input.ReturnItemCollectionMetrics === 'SIZE' && !result.replayed) {
      const metrics = await collectionMetrics(db, planned, result.outcomes);
      if (metrics !== undefined) out.ItemCollectionMetrics = metrics;
    }
    return out;
  },
});

export type ActionKind = 'ConditionCheck' | 'Put' | 'Delete' | 'Update';

function onlyAction(member: TransactWriteItem): { kind: ActionKind; request: ActionMembers } {
  const present = (['ConditionCheck', 'Put', 'Delete', 'Update'] as const).filter((k) => member[k] !== undefined);
  if (present.length !== 1) throw errors.validation('TransactItems can only contain one of Check, Put, Update or Delete');
  const kind = present[0]!;
  return { kind, request: member[kind]! };
}

function plan(db: Database, kind: ActionKind, request: ActionMembers): ItemAction {
  switch (kind) {
    case 'Put':
      return planPut(db, { ...request, Item: request.Item! });
    case 'Update':
      return planUpdate(db, { ...request, Key: request.Key! });
    case 'Delete':
      return planDelete(db, { ...request, Key: request.Key! });
    case 'ConditionCheck':
      return planConditionCheck(db, { ...request, Key: request.Key!, ConditionExpression: request.ConditionExpression! });
  }
}

/** What an action contributes to the 4 MB limit: the item it carries, or its key and values. */
function requestBytes(kind: ActionKind, request: ActionMembers): number {
  if (kind === 'Put') return itemSize(request.Item ?? {});
  let bytes = itemSize(request.Key ?? {});
  if (kind === 'Update') bytes += itemSize(request.ExpressionAttributeValues ?? {});
  return bytes;
}

/** Two actions on one item are refused before anything is read. */
export function checkDistinctItems(actions: readonly ({ table: TableRecord; key: Item } | undefined)[]): void {
  const seen = new Set<string>();
  for (const action of actions) {
    if (action === undefined) continue;
    const id = bytesToLatin1(itemKey(action.table, action.key));
    if (seen.has(id)) throw errors.validation('Transaction request cannot include multiple operations on one item');
    seen.add(id);
  }
}

function sizeOf(item: Item | undefined): number {
  return item === undefined ? 0 : itemSize(item);
}

/**
 * Write capacity of a committed transaction: each item written costs twice
 * its units on the table (index entries once); a ConditionCheck, and a
 * write that wrote nothing, cost twice the units of the item read.
 */
export function writeTransactionCapacity(
  actions: readonly ItemAction[],
  kinds: readonly ActionKind[],
  outcomes: readonly WriteOutcome[],
): TransactionCapacity {
  const capacity = new TransactionCapacity('WriteCapacityUnits');
  outcomes.forEach((outcome, i) => {
    const table = actions[i]!.table;
    if (kinds[i] === 'ConditionCheck' || !outcome.written) {
      capacity.add(table.name, { table: TRANSACTION_FACTOR * writeUnits(sizeOf(outcome.old)) });
      return;
    }
    const parts = writeCapacity(table, outcome.old, outcome.next);
    capacity.add(table.name, { ...parts, table: TRANSACTION_FACTOR * parts.table });
  });
  return capacity;
}

/** A replayed token answers with the read capacity of the items it names. */
export function replayCapacity(sizes: ReplaySizes): TransactionCapacity {
  const capacity = new TransactionCapacity('ReadCapacityUnits');
  for (const [tableName, bytes] of sizes) capacity.add(tableName, { table: transactionalReadUnits(bytes) });
  return capacity;
}

/** ReturnItemCollectionMetrics=SIZE: per table with local indexes, the collections written. */
async function collectionMetrics(
  db: Database,
  actions: readonly ItemAction[],
  outcomes: readonly WriteOutcome[],
): Promise<Record<string, unknown[]> | undefined> {
  const out: Record<string, unknown[]> = {};
  let any = false;
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i]!;
    if (!outcomes[i]!.written) continue;
    const metrics = await itemCollectionMetrics(db, action.table, action.key);
    if (metrics === undefined) continue;
    (out[action.table.name] ??= []).push(metrics);
    any = true;
  }
  return any ? out : undefined;
}
