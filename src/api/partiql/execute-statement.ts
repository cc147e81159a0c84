/**
 * @module api/partiql/execute-statement
 * ExecuteStatement: one PartiQL statement (partiql/). A SELECT reads a page
 * (partiql/select-page: a Query when the WHERE clause fixes the partition
 * key, a Scan otherwise, with Limit and NextToken); INSERT, UPDATE and
 * DELETE run as the item write they stand for (partiql/write-plans), so
 * their conditions, errors and consumed capacity are the item API's.
 * Writes answer with `Items`: empty, or the item a RETURNING clause asks for.
 */
import { errors } from '../../errors/index.js';
import { attrValue, bool, int, list, str } from '../../validate/index.js';
import type { AttributeValue } from '../../values/types.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import { returnConsumedCapacity, returnValuesOnConditionCheckFailure } from '../item-schemas.js';
import { defineOperation } from '../operation.js';
import { runItemWrite } from '../../data/run-item-write.js';
import { parseStatement } from '../../partiql/parser.js';
import { checkParameterCount } from '../../partiql/values.js';
import { selectPage } from '../../partiql/select-page.js';
import { planWriteStatement } from '../../partiql/write-plans.js';
import { requestDigest } from '../../txn/client-tokens.js';

interface ExecuteStatementInput {
  Statement: string;
  Parameters?: AttributeValue[];
  ConsistentRead?: boolean;
  NextToken?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  Limit?: number;
  ReturnValuesOnConditionCheckFailure?: string;
}

/** Request members shared by the three PartiQL operations. */
export const statementText = () => str({ required: true, min: 1, max: 8192 });
export const statementParameters = () => list(attrValue(), { min: 1 });

export const executeStatement = defineOperation<ExecuteStatementInput>({
  name: 'ExecuteStatement',
  schema: {
    members: {
      Statement: statementText(),
      Parameters: statementParameters(),
      ConsistentRead: bool(),
      NextToken: str({ min: 1, max: 32768 }),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      Limit: int({ min: 1 }),
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure(),
    },
  },
  async run({ db }, input) {
    const { statement, parameterCount } = parseStatement(input.Statement);
    checkParameterCount(parameterCount, input.Parameters);
    const parameters = input.Parameters ?? [];
    if (statement.kind === 'select') {
      return selectPage(db, statement, parameters, {
        limit: input.Limit,
        nextToken: input.NextToken,
        consistentRead: input.ConsistentRead === true,
        returnConsumedCapacity: input.ReturnConsumedCapacity,
        digest: requestDigest({ s: input.Statement, p: parameters, c: input.ConsistentRead === true }),
      });
    }
    if (statement.kind === 'exists') {
      throw errors.validation('EXISTS is only supported within ExecuteTransaction');
    }
    const { action } = planWriteStatement(db, statement, parameters, {
      returnValuesOnConditionCheckFailure: input.ReturnValuesOnConditionCheckFailure,
    });
    const written = await runItemWrite(db, action, { ReturnConsumedCapacity: input.ReturnConsumedCapacity });
    const out: Record<string, unknown> = { Items: written.Attributes === undefined ? [] : [written.Attributes] };
    if (written.ConsumedCapacity !== undefined) out.ConsumedCapacity = written.ConsumedCapacity;
    return out;
  },
});
