/**
 * @module api/partiql/execute-transaction
 * ExecuteTransaction: up to 100 PartiQL statements run as one transaction,
 * with TransactWriteItems' and TransactGetItems' semantics. Either every
 * statement reads (a SELECT naming a whole key: the transaction is a
 * TransactGetItems) or every statement writes (INSERT, UPDATE, DELETE and
 * [NOT] EXISTS condition checks: a TransactWriteItems, with the same
 * ClientRequestToken idempotency, conflict handling and cancellation
 * reasons — DuplicateItem for an INSERT of an existing item,
 * ConditionalCheckFailed for an UPDATE of a missing one).
 */
import { errors } from '../../errors/index.js';
import { list, str, struct } from '../../validate/index.js';
import type { AttributeValue } from '../../values/types.js';
import type { Database } from '../../data/database.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import { returnConsumedCapacity, returnValuesOnConditionCheckFailure } from '../item-schemas.js';
import type { ItemAction } from '../../data/item-action.js';
import { defineOperation } from '../operation.js';
import { statementParameters, statementText } from './execute-statement.js';
import { checkDistinctItems, replayCapacity, writeTransactionCapacity } from '../transactions/transact-write-items.js';
import type { ActionKind } from '../transactions/transact-write-items.js';
import { readTransaction } from '../transactions/transact-get-items.js';
import type { Statement } from '../../partiql/ast.js';
import { parseStatement } from '../../partiql/parser.js';
import { checkParameterCount } from '../../partiql/values.js';
import { keyedSelectResult, planKeyedSelect } from '../../partiql/keyed-select.js';
import type { KeyedSelect } from '../../partiql/keyed-select.js';
import { planWriteStatement } from '../../partiql/write-plans.js';
import { itemSize } from '../../values/index.js';
import { isPerActionValidation } from '../../txn/action-errors.js';
import type { CancellationReason } from '../../txn/cancellation.js';
import { NO_REASON, reasonFor, transactionCanceled } from '../../txn/cancellation.js';
import { requestDigest } from '../../txn/client-tokens.js';
import { runWriteTransaction } from '../../txn/write-transaction.js';

interface ParameterizedStatement {
  Statement: string;
  Parameters?: AttributeValue[];
  ReturnValuesOnConditionCheckFailure?: string;
}

interface ExecuteTransactionInput {
  TransactStatements: ParameterizedStatement[];
  ClientRequestToken?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

export const executeTransaction = defineOperation<ExecuteTransactionInput>({
  name: 'ExecuteTransaction',
  schema: {
    members: {
      TransactStatements: list(
        struct(
          {
            Statement: statementText(),
            Parameters: statementParameters(),
            ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
          },
          { javaName: 'ParameterizedStatement' },
        ),
        { required: true, min: 1, max: 100, nullMember: 'ExecutePartiQLTransaction can not have empty statement.' },
      ),
      ClientRequestToken: str({ min: 1, max: 36 }),
      ReturnConsumedCapacity: returnConsumedCapacity(),
    },
  },
  async run({ db }, input) {
    const statements: Statement[] = input.TransactStatements.map((request, i) => {
      const { statement, parameterCount } = parseStatement(request.Statement);
      checkParameterCount(parameterCount, request.Parameters);
      if ((statement.kind === 'update' || statement.kind === 'delete') && statement.returning !== undefined) {
        throw errors.validation(
          `Validation failed in TransactStatements[${i}]: RETURNING clause is not supported in ExecuteTransaction.`,
        );
      }
      if (statement.kind === 'select' && statement.from.index !== undefined) {
        throw errors.validation(
          `Validation failed in TransactStatements[${i}]: Reads on indices are not supported within transactions.`,
        );
      }
      return statement;
    });
    const reads = statements.filter((s) => s.kind === 'select').length;
    if (reads > 0 && reads < statements.length) {
      throw errors.validation(
        'ExecuteTransaction API does not support both read and write operations in the same request.',
      );
    }
    return reads > 0 ? readSet(db, statements, input) : writeSet(db, statements, input);
  },
});



async function readSet(db: Database, statements: readonly Statement[], input: ExecuteTransactionInput): Promise<unknown> {
  const selects: KeyedSelect[] = statements.map((statement, i) => {
    if (statement.kind !== 'select') throw new Error('read set holds only SELECTs');
    const select = planKeyedSelect(db, statement, input.TransactStatements[i]!.Parameters ?? []);
    if (select === undefined) {
      throw errors.validation('Select statements within ExecuteTransaction must specify the primary key in the where clause.');
    }
    return select;
  });
  checkDistinctItems(selects);
  const { items, capacity } = await readTransaction(
    db,
    selects.map((s) => ({ table: s.table, key: s.key, paths: undefined })),
  );
  const out: Record<string, unknown> = {
    Responses: items.map((stored, i) => {
      const found = keyedSelectResult(selects[i]!, stored);
      return found === undefined ? {} : { Item: found };
    }),
  };
  capacity.count(db.meter);
  const rendered = capacity.render(input.ReturnConsumedCapacity);
  if (rendered !== undefined) out.ConsumedCapacity = rendered;
  return out;
}

async function writeSet(db: Database, statements: readonly Statement[], input: ExecuteTransactionInput): Promise<unknown> {
  const kinds: ActionKind[] = [];
  const actions: (ItemAction | undefined)[] = [];
  const failures: (CancellationReason | undefined)[] = [];
  statements.forEach((statement, i) => {
    if (statement.kind === 'select') throw new Error('write set holds no SELECT');
    const request = input.TransactStatements[i]!;
    try {
      const planned = planWriteStatement(db, statement, request.Parameters ?? [], {
        returnValuesOnConditionCheckFailure: request.ReturnValuesOnConditionCheckFailure,
      });
      kinds.push(planned.kind);
      actions.push(planned.action);
      failures.push(undefined);
    } catch (e) {
      if (!isPerActionValidation(e)) throw e;
      kinds.push('ConditionCheck');
      actions.push(undefined);
      failures.push(reasonFor(e));
    }
  });
  checkDistinctItems(actions);
  if (failures.some((reason) => reason !== undefined)) {
    throw transactionCanceled(failures.map((reason) => reason ?? NO_REASON));
  }
  const planned = actions as ItemAction[];
  const result = await runWriteTransaction(
    db,
    planned,
    (outcome, i) => [
      planned[i]!.table.name,
      Math.max(outcome.old === undefined ? 0 : itemSize(outcome.old), outcome.next === undefined ? 0 : itemSize(outcome.next)),
    ],
    input.ClientRequestToken === undefined
      ? undefined
      : {
          operation: 'ExecuteTransaction',
          token: input.ClientRequestToken,
          digest: requestDigest(input.TransactStatements),
        },
  );
  const capacity = result.replayed ? replayCapacity(result.sizes) : writeTransactionCapacity(planned, kinds, result.outcomes);
  const out: Record<string, unknown> = { Responses: planned.map(() => ({})) };
  capacity.count(db.meter);
  const rendered = capacity.render(input.ReturnConsumedCapacity);
  if (rendered !== undefined) out.ConsumedCapacity = rendered;
  return out;
}
