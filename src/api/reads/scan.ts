/**
 * @module api/reads/scan
 * Scan: every entry of the table or of an index, in partition-hash order,
 * one page at a time; with Segment/TotalSegments, one stable range of
 * partition hashes, so the segments of a parallel scan together return
 * every item exactly once. Checks run in DynamoDB's order (dynalite's
 * DynamoDB-verified tests and the conformance suite).
 */
import { errors } from '../../errors/index.js';
import type { Condition, LegacyCondition } from '../../expr/index.js';
import {
  ExpressionContext,
  attributesToGetToPaths,
  checkConditionalOperator,
  checkExpressionParameters,
  checkPlaceholderMaps,
  conditionPaths,
  filterToCondition,
} from '../../expr/index.js';
import { hashRange, keyPartitionHash } from '../../catalog/key-space.js';
import { bool, int, str, tableNameOrArn } from '../../validate/index.js';
import type { Item } from '../../values/types.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import {
  conditionalOperator,
  expressionAttributeNames,
  expressionAttributeValues,
  item,
  returnConsumedCapacity,
} from '../item-schemas.js';
import { resumeAfter, segmentRange } from '../../data/key-range.js';
import { defineOperation } from '../operation.js';
import { readPage } from '../../data/read-pages.js';
import { attributesToGet, indexName, legacyConditions, select } from '../read-schemas.js';
import type { RequestedProjection, Select } from '../../data/read-selection.js';
import { checkKeyPathsScalar, selectionFor } from '../../data/read-selection.js';
import { checkStartKey, checkStartKeyValues, readTarget, startKeyPosition } from '../../data/read-target.js';
import { requireTable } from '../../data/table-lookup.js';
import { refuseVectorIndexRead } from '../tables/vector-indexes.js';

interface ScanInput {
  TableName: string;
  IndexName?: string;
  AttributesToGet?: string[];
  Limit?: number;
  Select?: Select;
  ScanFilter?: Record<string, LegacyCondition>;
  ConditionalOperator?: 'AND' | 'OR';
  ExclusiveStartKey?: Item;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  TotalSegments?: number;
  Segment?: number;
  ProjectionExpression?: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ConsistentRead?: boolean;
}

export const scan = defineOperation<ScanInput>({
  name: 'Scan',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      IndexName: indexName(),
      AttributesToGet: attributesToGet(),
      Limit: int({ min: 1 }),
      Select: select(),
      ScanFilter: legacyConditions(),
      ConditionalOperator: conditionalOperator(),
      ExclusiveStartKey: item(),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      TotalSegments: int({ min: 1, max: 1_000_000 }),
      Segment: int({ min: 0, max: 999_999 }),
      ProjectionExpression: str(),
      FilterExpression: str(),
      ExpressionAttributeNames: expressionAttributeNames(),
      ExpressionAttributeValues: expressionAttributeValues(),
      ConsistentRead: bool(),
    },
  },
  async run({ db }, input) {
    checkExpressionParameters(
      input as unknown as Readonly<Record<string, unknown>>,
      ['ProjectionExpression', 'FilterExpression'],
      ['AttributesToGet', 'ScanFilter', 'ConditionalOperator'],
    );
    checkConditionalOperator(input.ConditionalOperator, input.ScanFilter);
    let projection: RequestedProjection | undefined =
      input.AttributesToGet === undefined
        ? undefined
        : { parameter: 'AttributesToGet', paths: attributesToGetToPaths(input.AttributesToGet) };
    let filter: Condition | undefined =
      input.ScanFilter === undefined ? undefined : filterToCondition(input.ScanFilter, input.ConditionalOperator);
    if (input.ExclusiveStartKey !== undefined) checkStartKeyValues(input.ExclusiveStartKey);
    const { Segment: segment, TotalSegments: totalSegments } = input;
    if (segment !== undefined && totalSegments === undefined) {
      throw errors.validation(
        'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
      );
    }
    if (totalSegments !== undefined) {
      if (segment === undefined) {
        throw errors.validation(
          'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
        );
      }
      if (segment >= totalSegments) {
        throw errors.validation(
          'The Segment parameter is zero-based and must be less than parameter TotalSegments: ' +
            `Segment: ${segment} is not less than TotalSegments: ${totalSegments}`,
        );
      }
    }

    checkPlaceholderMaps(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const context = new ExpressionContext(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    if (input.FilterExpression !== undefined) filter = context.condition(input.FilterExpression, 'FilterExpression');
    if (input.ProjectionExpression !== undefined) {
      projection = { parameter: 'ProjectionExpression', paths: context.projection(input.ProjectionExpression) };
    }
    context.assertAllUsed();

    const table = requireTable(db, input.TableName);
    refuseVectorIndexRead(table, input.IndexName, 'Scan');
    const target = readTarget(table, input.IndexName, input.ConsistentRead === true);
    const startKey = input.ExclusiveStartKey;
    if (startKey !== undefined) checkStartKey(target, startKey, 'Scan');
    const selection = selectionFor(target, input.Select, projection);
    checkKeyPathsScalar(target, [
      ...(projection?.parameter === 'ProjectionExpression' ? projection.paths : []),
      ...(filter === undefined ? [] : conditionPaths(filter)),
    ]);

    let start: Uint8Array;
    let end: Uint8Array;
    const position = startKey === undefined ? undefined : startKeyPosition(target, startKey);
    if (segment !== undefined && totalSegments !== undefined && totalSegments > 1) {
      const range = segmentRange(table.id, target.indexId, segment, totalSegments);
      ({ start, end } = range);
      if (position !== undefined) {
        // The partition hash the start key's entry has (over every HASH value of a multi-attribute key).
        const hash = keyPartitionHash(position);
        if (hash < range.fromHash || hash >= range.toHash) {
          throw errors.validation(
            'The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. ' +
              `TotalSegments: ${totalSegments} Segment: ${segment}`,
          );
        }
      }
    } else {
      [start, end] = hashRange(table.id, target.indexId, 0, 0x1_0000_0000);
    }
    if (position !== undefined) ({ start } = resumeAfter({ start, end }, position, false));
    return readPage({
      db,
      target,
      start,
      end,
      reverse: false,
      limit: input.Limit,
      filter,
      selection,
      consistentRead: input.ConsistentRead === true,
      returnConsumedCapacity: input.ReturnConsumedCapacity,
      operation: 'Scan',
    });
  },
});
