/**
 * @module partiql/write-plans
 * PartiQL writes → the item planners of the item API (data/item-actions),
 * the way DynamoDB runs them:
 * - INSERT is a PutItem that fails with DuplicateItemException when the
 *   item exists (INSERT never replaces);
 * - UPDATE is an UpdateItem of the item the WHERE clause's key equalities
 *   name, conditioned on the item existing and on the clause's other
 *   predicates (UPDATE never creates);
 * - DELETE is a DeleteItem conditioned on the clause's other predicates (a
 *   missing item is no error);
 * - [NOT] EXISTS(SELECT ...) is a transaction's ConditionCheck.
 */
import { errors, isDynamoError } from '../errors/index.js';
import type { Database } from '../data/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import type { AttributeValue, Item } from '../values/types.js';
import type { ItemAction } from '../data/item-action.js';
import { planConditionCheck, planDelete, planPut, planUpdate } from '../data/item-actions.js';
import { requireTable } from '../data/table-lookup.js';
import type { ConditionNode, DeleteStatement, ExistsStatement, InsertStatement, Returning, UpdateStatement } from './ast.js';
import { splitKeyPredicates } from './key-predicates.js';
import type { KeyPredicates } from './key-predicates.js';
import { MANDATORY_KEY_MESSAGE } from './partiql-error.js';
import { ExpressionWriter, allOf } from './to-expressions.js';
import { resolveValue } from './values.js';

export type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

export interface PlannedWrite {
  readonly kind: WriteKind;
  readonly action: ItemAction;
}

export interface WriteOptions {
  /** ReturnValuesOnConditionCheckFailure of the statement. */
  readonly returnValuesOnConditionCheckFailure?: string | undefined;
}

export type WriteStatement = InsertStatement | UpdateStatement | DeleteStatement | ExistsStatement;

export function planWriteStatement(
  db: Database,
  statement: WriteStatement,
  parameters: readonly AttributeValue[],
  options: WriteOptions = {},
): PlannedWrite {
  const onFailure = options.returnValuesOnConditionCheckFailure;
  switch (statement.kind) {
    case 'insert': {
      const value = resolveValue(statement.value, parameters);
      if (!('M' in value)) throw errors.validation('Unsupported type passed to INSERT: VALUE must be a tuple');
      const put = planPut(db, { TableName: statement.from.table, Item: value.M, ReturnValuesOnConditionCheckFailure: onFailure });
      return {
        kind: 'Put',
        action: {
          ...put,
          readsOld: true,
          apply(old) {
            if (old !== undefined) throw errors.duplicateItem();
            return put.apply(old);
          },
        },
      };
    }
    case 'update': {
      rejectIndex(statement.from.index);
      const table = requireTable(db, statement.from.table);
      const { key, rest } = addressedItem(table, statement.where, parameters);
      const writer = new ExpressionWriter(parameters);
      const update = writer.update(statement.clauses);
      const condition = allOf([
        `attribute_exists(${writer.name(table.keySchema.hash)})`,
        ...rest.map((node) => writer.condition(node)),
      ]);
      return {
        kind: 'Update',
        action: bare(() =>
          planUpdate(db, {
            TableName: statement.from.table,
            Key: key,
            UpdateExpression: update,
            ConditionExpression: condition,
            ...placeholders(writer),
            ReturnValues: returnValues(statement.returning),
            ReturnValuesOnConditionCheckFailure: onFailure,
          }),
        ),
      };
    }
    case 'delete': {
      rejectIndex(statement.from.index);
      if (statement.returning !== undefined && statement.returning !== 'ALL OLD') {
        throw errors.validation(
          `Invalid returning clause: RETURNING ${statement.returning} *. Only RETURNING ALL OLD * is allowed in DELETE statements.`,
        );
      }
      const table = requireTable(db, statement.from.table);
      const { key, rest } = addressedItem(table, statement.where, parameters);
      const writer = new ExpressionWriter(parameters);
      const condition = allOf(rest.map((node) => writer.condition(node)));
      return {
        kind: 'Delete',
        action: bare(() =>
          planDelete(db, {
            TableName: statement.from.table,
            Key: key,
            ConditionExpression: condition,
            ...placeholders(writer),
            ReturnValues: statement.returning === undefined ? 'NONE' : 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: onFailure,
          }),
        ),
      };
    }
    case 'exists': {
      const select = statement.select;
      rejectIndex(select.from.index);
      const table = requireTable(db, select.from.table);
      const { key, rest } = addressedItem(table, select.where, parameters);
      const writer = new ExpressionWriter(parameters);
      const exists = allOf([`attribute_exists(${writer.name(table.keySchema.hash)})`, ...rest.map((n) => writer.condition(n))])!;
      return {
        kind: 'ConditionCheck',
        action: bare(() =>
          planConditionCheck(db, {
            TableName: select.from.table,
            Key: key,
            ConditionExpression: statement.negated ? `NOT (${exists})` : exists,
            ...placeholders(writer),
            ReturnValuesOnConditionCheckFailure: onFailure,
          }),
        ),
      };
    }
  }
}

/** Writes address items of a table; DynamoDB refuses an index here. */
function rejectIndex(index: string | undefined): void {
  if (index !== undefined) throw errors.validation('This operation is not supported on an index');
}

/**
 * The item a WHERE clause addresses: an equality on every key attribute
 * (DynamoDB's "Where clause does not contain a mandatory equality on all
 * key attributes" otherwise), and the remaining predicates.
 */
export function addressedItem(
  table: TableRecord,
  where: ConditionNode | undefined,
  parameters: readonly AttributeValue[],
): { key: Item; rest: KeyPredicates['rest'] } {
  const names = [table.keySchema.hash, ...(table.keySchema.range === undefined ? [] : [table.keySchema.range])];
  const { equalities, rest } = splitKeyPredicates(where, names, parameters);
  const key: Item = {};
  for (const name of names) {
    const value = equalities.get(name);
    if (value === undefined) throw errors.validation(MANDATORY_KEY_MESSAGE);
    key[name] = value;
  }
  return { key, rest };
}

function placeholders(writer: ExpressionWriter): {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
} {
  const out: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } =
    {};
  if (Object.keys(writer.names).length > 0) out.ExpressionAttributeNames = writer.names;
  if (Object.keys(writer.values).length > 0) out.ExpressionAttributeValues = writer.values;
  return out;
}

function returnValues(returning: Returning | undefined): string {
  switch (returning) {
    case undefined:
      return 'NONE';
    case 'ALL OLD':
      return 'ALL_OLD';
    case 'MODIFIED OLD':
      return 'UPDATED_OLD';
    case 'ALL NEW':
      return 'ALL_NEW';
    case 'MODIFIED NEW':
      return 'UPDATED_NEW';
  }
}

const EXPRESSION_PREFIX = /^Invalid (?:Update|Condition)Expression: /;

/**
 * The expressions are ours, not the caller's: DynamoDB reports their
 * faults bare ("Incorrect operand type for operator or function; ..."),
 * without the "Invalid ConditionExpression: " of the item API.
 */
export function bare<T>(plan: () => T): T {
  try {
    return plan();
  } catch (e) {
    if (isDynamoError(e) && e.shortType === 'ValidationException' && EXPRESSION_PREFIX.test(e.message)) {
      throw errors.validation(e.message.replace(EXPRESSION_PREFIX, ''));
    }
    throw e;
  }
}
