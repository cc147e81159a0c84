/**
 * @module api/reads/query
 * Query: one partition of the table or of an index, optionally narrowed on
 * the sort key, read in sort-key order (or reversed) one page at a time.
 * Checks run in DynamoDB's order (dynalite's DynamoDB-verified tests and
 * the conformance suite): the request on its own, then against the table
 * and the index, then the start key against the key condition.
 */
import { errors } from '../../errors/index.js';
import type { Condition, KeyCondition, KeyValue, LegacyCondition } from '../../expr/index.js';
import {
  ExpressionContext,
  attributesToGetToPaths,
  checkConditionalOperator,
  checkExpressionParameters,
  checkPlaceholderMaps,
  conditionPaths,
  filterToCondition,
  keyConditionMatches,
  keyConditionsFromExpression,
  keyConditionsFromLegacy,
  planKeyConditions,
} from '../../expr/index.js';
import { bool, int, str, tableNameOrArn } from '../../validate/index.js';
import { validateKeyValue, valuesEqual } from '../../values/index.js';
import type { AttributeValue, Item } from '../../values/types.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import {
  conditionalOperator,
  expressionAttributeNames,
  expressionAttributeValues,
  item,
  returnConsumedCapacity,
} from '../item-schemas.js';
import { queryRange, resumeAfter } from '../../data/key-range.js';
import { defineOperation } from '../operation.js';
import { readPage } from '../../data/read-pages.js';
import { attributesToGet, indexName, legacyConditions, select } from '../read-schemas.js';
import type { RequestedProjection, Select } from '../../data/read-selection.js';
import {
  checkFilterNotOnKey,
  checkFilterProjected,
  checkKeyPathsScalar,
  selectionFor,
} from '../../data/read-selection.js';
import { checkStartKey, checkStartKeyValues, readTarget, startKeyPosition } from '../../data/read-target.js';
import { requireTable } from '../../data/table-lookup.js';
import { refuseVectorIndexRead } from '../tables/vector-indexes.js';

interface QueryInput {
  TableName: string;
  IndexName?: string;
  Select?: Select;
  AttributesToGet?: string[];
  Limit?: number;
  ConsistentRead?: boolean;
  KeyConditions?: Record<string, LegacyCondition>;
  QueryFilter?: Record<string, LegacyCondition>;
  ConditionalOperator?: 'AND' | 'OR';
  ScanIndexForward?: boolean;
  ExclusiveStartKey?: Item;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ProjectionExpression?: string;
  FilterExpression?: string;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export const query = defineOperation<QueryInput>({
  name: 'Query',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      IndexName: indexName(),
      Select: select(),
      AttributesToGet: attributesToGet(),
      // Checked in run(): DynamoDB words this one constraint in the newer
      // style ("Value at 'Limit'") while Query's others keep the classic one.
      Limit: int(),
      ConsistentRead: bool(),
      KeyConditions: legacyConditions(),
      QueryFilter: legacyConditions(),
      ConditionalOperator: conditionalOperator(),
      ScanIndexForward: bool(),
      ExclusiveStartKey: item(),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      ProjectionExpression: str(),
      FilterExpression: str(),
      KeyConditionExpression: str(),
      ExpressionAttributeNames: expressionAttributeNames(),
      ExpressionAttributeValues: expressionAttributeValues(),
    },
  },
  async run({ db }, input) {
    if (input.Limit !== undefined && input.Limit < 1) {
      throw errors.validation(
        "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
    }
    checkExpressionParameters(
      input as unknown as Readonly<Record<string, unknown>>,
      ['ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'],
      ['AttributesToGet', 'QueryFilter', 'ConditionalOperator', 'KeyConditions'],
    );
    checkConditionalOperator(input.ConditionalOperator, input.QueryFilter);
    let filter: Condition | undefined =
      input.QueryFilter === undefined ? undefined : filterToCondition(input.QueryFilter, input.ConditionalOperator);
    let projection: RequestedProjection | undefined =
      input.AttributesToGet === undefined
        ? undefined
        : { parameter: 'AttributesToGet', paths: attributesToGetToPaths(input.AttributesToGet) };
    if (input.ExclusiveStartKey !== undefined) checkStartKeyValues(input.ExclusiveStartKey);
    if (input.KeyConditions === undefined && input.KeyConditionExpression === undefined) {
      throw errors.validation(
        'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
      );
    }

    checkPlaceholderMaps(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const context = new ExpressionContext(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const keyExpression =
      input.KeyConditionExpression === undefined
        ? undefined
        : context.condition(input.KeyConditionExpression, 'KeyConditionExpression');
    if (input.FilterExpression !== undefined) filter = context.condition(input.FilterExpression, 'FilterExpression');
    if (input.ProjectionExpression !== undefined) {
      projection = { parameter: 'ProjectionExpression', paths: context.projection(input.ProjectionExpression) };
    }
    context.assertAllUsed();
    const keyConditions: KeyCondition[] =
      keyExpression !== undefined
        ? keyConditionsFromExpression(keyExpression)
        : keyConditionsFromLegacy(input.KeyConditions ?? {});
    // More than two conditions can be right for an index with a
    // multi-attribute key, so planKeyConditions judges those once the index is known.
    if (keyConditions.length === 0) throw errors.validation('Conditions can be of length 1 or 2 only');

    const table = requireTable(db, input.TableName);
    refuseVectorIndexRead(table, input.IndexName, 'Query');
    const target = readTarget(table, input.IndexName, input.ConsistentRead === true);
    if (keyConditions.length > 2 && target.keySchema.composite === undefined) {
      throw errors.validation('Conditions can be of length 1 or 2 only');
    }
    const startKey = input.ExclusiveStartKey;
    if (startKey !== undefined) checkStartKey(target, startKey, 'Query');
    const plan = planKeyConditions(keyConditions, target.keySchema);
    const composite = target.keySchema.composite;
    if (composite === undefined) {
      checkKeyValues(plan.hash.name, 'hash', [plan.hash.value], target.keySchema.hash.type);
      if (plan.range !== undefined) {
        checkKeyValues(plan.range.name, 'range', plan.range.values, target.keySchema.range!.type);
      }
    } else {
      for (const [i, key] of (plan.partition ?? []).entries()) {
        checkKeyValues(key.name, 'hash', [key.value], composite.hash[i]!.type);
      }
      for (const [i, key] of (plan.rangePrefix ?? []).entries()) {
        checkKeyValues(key.name, 'range', [key.value], composite.range[i]!.type);
      }
      if (plan.range !== undefined) {
        checkKeyValues(plan.range.name, 'range', plan.range.values, composite.range[plan.rangePrefix?.length ?? 0]!.type);
      }
    }
    if (startKey !== undefined) {
      const inPartition = keysMatch(startKey, plan.partition, plan.hash);
      if (plan.range === undefined) {
        if (!inPartition) {
          throw errors.validation(
            'The provided starting key is outside query boundaries based on provided conditions',
          );
        }
      } else {
        const inRange =
          keysMatch(startKey, plan.rangePrefix, undefined) && keyConditionMatches(plan.range, startKey[plan.range.name]!);
        if (!inRange) {
          throw errors.validation('The provided starting key does not match the range key predicate');
        }
        if (!inPartition) {
          throw errors.validation('The query can return at most one row and cannot be restarted');
        }
      }
    }
    checkKeyPathsScalar(target, [
      ...(projection?.parameter === 'ProjectionExpression' ? projection.paths : []),
      ...(filter === undefined ? [] : conditionPaths(filter)),
    ]);
    checkFilterNotOnKey(target, filter, input.QueryFilter !== undefined ? 'QueryFilter' : 'Filter Expression');
    checkFilterProjected(target, filter);
    const selection = selectionFor(target, input.Select, projection);

    const reverse = input.ScanIndexForward === false;
    let { start, end } = queryRange(table.id, target.indexId, plan);
    if (startKey !== undefined) ({ start, end } = resumeAfter({ start, end }, startKeyPosition(target, startKey), reverse));
    return readPage({
      db,
      target,
      start,
      end,
      reverse,
      limit: input.Limit,
      filter,
      selection,
      consistentRead: input.ConsistentRead === true,
      returnConsumedCapacity: input.ReturnConsumedCapacity,
    });
  },
});

/** Whether the start key has each of `keys` (or, without them, `single`). */
function keysMatch(startKey: Item, keys: readonly KeyValue[] | undefined, single: KeyValue | undefined): boolean {
  if (keys === undefined) return single === undefined || valuesEqual(startKey[single.name]!, single.value);
  for (const key of keys) if (!valuesEqual(startKey[key.name]!, key.value)) return false;
  return true;
}

/** Key condition values obey the key rules: not empty, within the key size limits. */
function checkKeyValues(
  name: string,
  role: 'hash' | 'range',
  values: readonly AttributeValue[],
  type: 'S' | 'N' | 'B',
): void {
  for (const value of values) {
    const message = validateKeyValue(name, value, type, role, 'key');
    if (message !== undefined) throw errors.validation(message);
  }
}
