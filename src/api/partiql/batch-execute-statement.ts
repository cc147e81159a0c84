/**
 * @module api/partiql/batch-execute-statement
 * BatchExecuteStatement: up to 25 PartiQL statements, all reads (SELECTs
 * naming whole keys: each a GetItem) or all writes (each its own item
 * write, not atomic together). A statement's own failure — a syntax error,
 * an unknown table, a failed condition, a duplicate INSERT — is reported in
 * its place in Responses as `{Error: {Code, Message}}` while the others
 * run; mixing reads and writes, or naming one item twice, fails the request.
 */
import { errors } from '../../errors/index.js';
import { bool, list, struct } from '../../validate/index.js';
import type { Database } from '../../data/database.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { itemKey } from '../../indexes/index-entries.js';
import { bytesToLatin1 } from '../../storage/byte-order.js';
import { itemSize } from '../../values/index.js';
import type { AttributeValue, Item } from '../../values/types.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import { readUnits } from '../../data/capacity.js';
import { returnConsumedCapacity, returnValuesOnConditionCheckFailure } from '../item-schemas.js';
import { decodeItem, writeItem } from '../../data/item-store.js';
import type { ItemAction } from '../../data/item-action.js';
import { defineOperation } from '../operation.js';
import { writeCost } from '../../data/run-item-write.js';
import { statementParameters, statementText } from './execute-statement.js';
import type { Statement } from '../../partiql/ast.js';
import { parseStatement } from '../../partiql/parser.js';
import { checkParameterCount } from '../../partiql/values.js';
import { keyedSelectResult, planKeyedSelect } from '../../partiql/keyed-select.js';
import type { KeyedSelect } from '../../partiql/keyed-select.js';
import { planWriteStatement } from '../../partiql/write-plans.js';
import { statementError } from '../../partiql/statement-errors.js';
import type { StatementError } from '../../partiql/statement-errors.js';
import { TransactionCapacity } from '../../txn/transaction-capacity.js';

interface BatchStatementRequest {
  Statement: string;
  Parameters?: AttributeValue[];
  ConsistentRead?: boolean;
  ReturnValuesOnConditionCheckFailure?: string;
}

interface BatchExecuteStatementInput {
  Statements: BatchStatementRequest[];
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

/** A statement's progress: parsed, planned, then answered. */
type Entry =
  | { readonly kind: 'failed'; readonly error: StatementError; readonly table?: string }
  | { readonly kind: 'read'; readonly select: KeyedSelect; readonly consistent: boolean }
  | { readonly kind: 'write'; readonly action: ItemAction };

export const batchExecuteStatement = defineOperation<BatchExecuteStatementInput>({
  name: 'BatchExecuteStatement',
  schema: {
    members: {
      Statements: list(
        struct(
          {
            Statement: statementText(),
            Parameters: statementParameters(),
            ConsistentRead: bool(),
            ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
          },
          { javaName: 'BatchStatementRequest' },
        ),
        { required: true, min: 1, max: 25, nullMember: 'The statement was empty.' },
      ),
      ReturnConsumedCapacity: returnConsumedCapacity(),
    },
  },
  async run({ db }, input) {
    const parsed = input.Statements.map((request) => {
      try {
        const { statement, parameterCount } = parseStatement(request.Statement);
        checkParameterCount(parameterCount, request.Parameters);
        return { statement };
      } catch (e) {
        return { error: failure(e) };
      }
    });
    const kinds = new Set(
      parsed.flatMap((p) => (p.statement === undefined ? [] : [p.statement.kind === 'select' ? 'read' : 'write'])),
    );
    if (kinds.size > 1) throw errors.validation('Read and write requests together in the same batch is not supported.');

    const entries: Entry[] = parsed.map((p, i) => {
      if (p.statement === undefined) return { kind: 'failed', error: p.error };
      const request = input.Statements[i]!;
      try {
        return plan(db, p.statement, request);
      } catch (e) {
        return { kind: 'failed', error: failure(e), table: echoedTable(p.statement, e) };
      }
    });
    checkDistinct(entries);

    const responses = new Array<Record<string, unknown>>(entries.length);
    const capacity = new TransactionCapacity(kinds.has('read') ? 'ReadCapacityUnits' : 'WriteCapacityUnits');
    const reads = entries.flatMap((entry, i) => (entry.kind === 'read' ? [{ entry, i }] : []));
    if (reads.length > 0) {
      const raws = await db.engine.getMany(reads.map(({ entry }) => itemKey(entry.select.table, entry.select.key)));
      reads.forEach(({ entry, i }, n) => {
        const raw = raws[n];
        const stored = raw === undefined ? undefined : decodeItem(raw);
        capacity.add(entry.select.table.name, { table: readUnits(stored === undefined ? 0 : itemSize(stored), entry.consistent) });
        const found = keyedSelectResult(entry.select, stored);
        responses[i] = found === undefined ? { TableName: entry.select.table.name } : { TableName: entry.select.table.name, Item: found };
      });
    }
    await Promise.all(
      entries.map(async (entry, i) => {
        if (entry.kind === 'failed') {
          responses[i] = entry.table === undefined ? { Error: entry.error } : { Error: entry.error, TableName: entry.table };
        } else if (entry.kind === 'write') {
          responses[i] = await runWrite(db, entry.action, capacity);
        }
      }),
    );
    const out: Record<string, unknown> = { Responses: responses };
    capacity.count(db.meter);
    const rendered = capacity.render(input.ReturnConsumedCapacity);
    if (rendered !== undefined && rendered.length > 0) out.ConsumedCapacity = rendered;
    return out;
  },
});

function plan(db: Database, statement: Statement, request: BatchStatementRequest): Entry {
  const parameters = request.Parameters ?? [];
  if (statement.kind === 'select') {
    const select = planKeyedSelect(db, statement, parameters);
    if (select === undefined) {
      throw errors.validation('Select statements within BatchExecuteStatement must specify the primary key in the where clause.');
    }
    return { kind: 'read', select, consistent: request.ConsistentRead === true };
  }
  if (statement.kind === 'exists') throw errors.validation('EXISTS is only supported within ExecuteTransaction');
  const { action } = planWriteStatement(db, statement, parameters, {
    returnValuesOnConditionCheckFailure: request.ReturnValuesOnConditionCheckFailure,
  });
  return { kind: 'write', action };
}

async function runWrite(db: Database, action: ItemAction, capacity: TransactionCapacity): Promise<Record<string, unknown>> {
  try {
    const outcome = await writeItem(db, action.table, action.key, (old) => action.apply(old));
    capacity.add(action.table.name, writeCost(action.table, outcome));
    const attributes = action.attributes(outcome);
    return attributes === undefined ? { TableName: action.table.name } : { TableName: action.table.name, Item: attributes };
  } catch (e) {
    return { Error: failure(e), TableName: action.table.name };
  }
}

function failure(e: unknown): StatementError {
  const error = statementError(e);
  if (error === undefined) throw e;
  return error;
}

/**
 * DynamoDB names the table on a statement that reached it and failed
 * there, but not on one refused as invalid (dynoxide's captures).
 */
function echoedTable(statement: Statement, e: unknown): string | undefined {
  const error = statementError(e);
  if (error === undefined || error.Code === 'ValidationError') return undefined;
  return statement.kind === 'exists' ? statement.select.from.table : statement.from.table;
}

/** Two statements on one item fail the whole batch. */
function checkDistinct(entries: readonly Entry[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    let target: { table: TableRecord; key: Item } | undefined;
    if (entry.kind === 'read') target = entry.select;
    else if (entry.kind === 'write') target = entry.action;
    if (target === undefined) continue;
    const id = bytesToLatin1(itemKey(target.table, target.key));
    if (seen.has(id)) throw errors.validation('Provided list of item keys contains duplicates');
    seen.add(id);
  }
}
