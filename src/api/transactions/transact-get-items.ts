/**
 * @module api/transactions/transact-get-items
 * TransactGetItems: up to 100 Gets, across tables, read from one
 * consistent snapshot of the store (engine.getMany), so the answer is what
 * a serializable point in time held. A Get of an item an in-flight write
 * transaction holds cancels the request with a TransactionConflict reason
 * (txn/in-flight), as DynamoDB documents.
 *
 * Request-level failures (ValidationException): a malformed projection, an
 * unknown table, two Gets of one item. A key that does not fit its table
 * cancels the request with a ValidationError reason for that Get
 * (conformance suite, tier 3 transactGetItems).
 */
import { ExpressionContext, checkPlaceholderMaps, checkExpressionParameters, projectItem } from '../../expr/index.js';
import type { DocumentPath } from '../../expr/index.js';
import { list, str, struct, tableNameOrArn } from '../../validate/index.js';
import type { TableRecord } from '../../catalog/table-record.js';
import type { Database } from '../../data/database.js';
import { itemKey } from '../../indexes/index-entries.js';
import { itemSize } from '../../values/index.js';
import type { Item } from '../../values/types.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import { expressionAttributeNames, item, returnConsumedCapacity } from '../item-schemas.js';
import { checkAttributeValues, checkKeyParameter } from '../../data/item-keys.js';
import { decodeItem } from '../../data/item-store.js';
import { defineOperation } from '../operation.js';
import { requireTable } from '../../data/table-lookup.js';
import { checkDistinctItems } from './transact-write-items.js';
import { isPerActionValidation } from '../../txn/action-errors.js';
import type { CancellationReason } from '../../txn/cancellation.js';
import { NO_REASON, conflictCancellation, reasonFor, transactionCanceled } from '../../txn/cancellation.js';
import { inFlight } from '../../txn/in-flight.js';
import { TransactionCapacity, transactionalReadUnits } from '../../txn/transaction-capacity.js';

interface GetMembers {
  TableName: string;
  Key: Item;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

interface TransactGetItemsInput {
  TransactItems: { Get: GetMembers }[];
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

/** One planned Get. */
export interface PlannedGet {
  readonly table: TableRecord;
  readonly key: Item;
  readonly paths: readonly DocumentPath[] | undefined;
}

export const transactGetItems = defineOperation<TransactGetItemsInput>({
  name: 'TransactGetItems',
  schema: {
    members: {
      TransactItems: list(
        struct(
          {
            Get: struct(
              {
                Key: item({ required: true }),
                TableName: tableNameOrArn({ required: true }),
                ProjectionExpression: str(),
                ExpressionAttributeNames: expressionAttributeNames(),
              },
              { required: true, javaName: 'Get' },
            ),
          },
          { javaName: 'TransactGetItem' },
        ),
        { required: true, min: 1, max: 100 },
      ),
      ReturnConsumedCapacity: returnConsumedCapacity(),
    },
  },
  async run({ db }, input) {
    const gets: (PlannedGet | undefined)[] = [];
    const failures: (CancellationReason | undefined)[] = [];
    for (const { Get: get } of input.TransactItems) {
      checkExpressionParameters(get as unknown as Readonly<Record<string, unknown>>, ['ProjectionExpression'], []);
      checkPlaceholderMaps(get.ExpressionAttributeNames, undefined);
      let paths: DocumentPath[] | undefined;
      if (get.ProjectionExpression !== undefined) {
        const context = new ExpressionContext(get.ExpressionAttributeNames);
        paths = context.projection(get.ProjectionExpression);
        context.assertAllUsed();
      }
      const table = requireTable(db, get.TableName);
      try {
        checkAttributeValues(get.Key);
        checkKeyParameter(table, get.Key);
        gets.push({ table, key: get.Key, paths });
        failures.push(undefined);
      } catch (e) {
        if (!isPerActionValidation(e)) throw e;
        gets.push(undefined);
        failures.push(reasonFor(e));
      }
    }
    checkDistinctItems(gets);
    if (failures.some((reason) => reason !== undefined)) {
      throw transactionCanceled(failures.map((reason) => reason ?? NO_REASON));
    }
    const planned = gets as PlannedGet[];
    const { items, capacity } = await readTransaction(db, planned);
    const out: Record<string, unknown> = {
      Responses: items.map((found) => (found === undefined ? {} : { Item: found })),
    };
    capacity.count(db.meter);
    const rendered = capacity.render(input.ReturnConsumedCapacity);
    if (rendered !== undefined) out.ConsumedCapacity = rendered;
    return out;
  },
});

/**
 * Reads every planned Get from one snapshot, unless a write transaction
 * holds one of the items, and projects each. An item a projection leaves empty is
 * reported as not found, as DynamoDB does.
 */
export async function readTransaction(
  db: Database,
  gets: readonly PlannedGet[],
): Promise<{ items: (Item | undefined)[]; capacity: TransactionCapacity }> {
  const keys = gets.map((get) => itemKey(get.table, get.key));
  const { conflicts, release } = inFlight(db).acquire(keys, 'read');
  if (conflicts.length > 0) throw conflictCancellation(gets.length, conflicts);
  let raws: (Uint8Array | undefined)[];
  try {
    raws = await db.engine.getMany(keys);
  } finally {
    release();
  }
  const capacity = new TransactionCapacity('ReadCapacityUnits');
  const items = raws.map((raw, i) => {
    const get = gets[i]!;
    if (raw === undefined) {
      capacity.add(get.table.name, { table: transactionalReadUnits(0) });
      return undefined;
    }
    const stored = decodeItem(raw);
    capacity.add(get.table.name, { table: transactionalReadUnits(itemSize(stored)) });
    if (get.paths === undefined) return stored;
    const projected = projectItem(stored, get.paths);
    return Object.keys(projected).length === 0 ? undefined : projected;
  });
  return { items, capacity };
}
