/**
 * @module api/items/batch-get-item
 * BatchGetItem: up to 100 keys over several tables, each table with its own
 * projection and read consistency. Items are read with one storage read per
 * table and spliced into the response as stored unless a projection
 * reshapes them. A response stops at 16 MB of items; the keys past that
 * come back in UnprocessedKeys with their table's read parameters, as
 * DynamoDB returns them.
 */
import { errors } from '../../errors/index.js';
import type { DocumentPath } from '../../expr/index.js';
import {
  ExpressionContext,
  attributesToGetToPaths,
  checkExpressionParameters,
  checkPlaceholderMaps,
  projectItem,
} from '../../expr/index.js';
import { itemKey } from '../../indexes/index-entries.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { bool, list, map, str, struct, tableNameOrArn } from '../../validate/index.js';
import { itemSize } from '../../values/index.js';
import type { Item } from '../../values/types.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import { consumedCapacity, readUnits } from '../../data/capacity.js';
import { checkAttributeValues, checkKeyParameter } from '../../data/item-keys.js';
import { expressionAttributeNames, item, returnConsumedCapacity } from '../item-schemas.js';
import { decodeItem } from '../../data/item-store.js';
import { defineOperation } from '../operation.js';
import { RawJson } from '../../data/raw-json.js';
import { checkKeyPathsScalar } from '../../data/read-selection.js';
import { readTarget } from '../../data/read-target.js';
import { attributesToGet } from '../read-schemas.js';
import { requireTable } from '../../data/table-lookup.js';

interface KeysAndAttributes {
  Keys?: Item[];
  AttributesToGet?: string[];
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

interface BatchGetItemInput {
  RequestItems: Record<string, KeysAndAttributes>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

const MAX_KEYS = 100;
/** DynamoDB's response limit. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const decoder = new TextDecoder();

export const batchGetItem = defineOperation<BatchGetItemInput>({
  name: 'BatchGetItem',
  schema: {
    newStyleMessages: true,
    members: {
      RequestItems: map(
        struct(
          {
            // Keys' null and length constraints are checked in run(): their
            // path reads "RequestItems.<table>.member.Keys".
            Keys: list(item(), {
              nullMember:
                'The list of keys in RequestItems for BatchGetItem may not contain null or empty values: {key} has one or more empty keys',
            }),
            AttributesToGet: attributesToGet(),
            ConsistentRead: bool(),
            ProjectionExpression: str(),
            ExpressionAttributeNames: expressionAttributeNames(),
          },
          { javaName: 'KeysAndAttributes' },
        ),
        {
          required: true,
          key: tableNameOrArn(),
          nullValue: 'The list of keys in RequestItems for BatchGetItem is required: {key} has empty list',
        },
      ),
      ReturnConsumedCapacity: returnConsumedCapacity(),
    },
  },
  async run({ db }, input) {
    const tableNames = Object.keys(input.RequestItems);
    if (tableNames.length === 0) throw errors.validation('The requestItems parameter is required for BatchGetItem');
    checkKeysLength(input.RequestItems);

    const projections = new Map<string, DocumentPath[] | undefined>();
    let count = 0;
    for (const name of tableNames) {
      const request = input.RequestItems[name]!;
      checkExpressionParameters(
        request as unknown as Readonly<Record<string, unknown>>,
        ['ProjectionExpression'],
        ['AttributesToGet'],
      );
      let paths = request.AttributesToGet === undefined ? undefined : attributesToGetToPaths(request.AttributesToGet);
      checkPlaceholderMaps(request.ExpressionAttributeNames, undefined);
      if (request.ProjectionExpression !== undefined) {
        const context = new ExpressionContext(request.ExpressionAttributeNames);
        paths = context.projection(request.ProjectionExpression);
        context.assertAllUsed();
      }
      projections.set(name, paths);
      const seen = new Set<string>();
      for (const key of request.Keys!) {
        checkAttributeValues(key);
        const id = canonicalKey(key);
        if (seen.has(id)) throw errors.validation('Provided list of item keys contains duplicates');
        seen.add(id);
        if (++count > MAX_KEYS) throw errors.validation('Too many items requested for the BatchGetItem call');
      }
    }

    const tables: TableRecord[] = [];
    for (const name of tableNames) {
      const table = requireTable(db, name);
      for (const key of input.RequestItems[name]!.Keys!) checkKeyParameter(table, key);
      const paths = projections.get(name);
      if (paths !== undefined) checkKeyPathsScalar(readTarget(table, undefined, false), paths);
      tables.push(table);
    }

    const mode = input.ReturnConsumedCapacity;
    const wantCapacity = mode === 'TOTAL' || mode === 'INDEXES';
    const responses: string[] = [];
    const unprocessed: Record<string, unknown> = {};
    const capacities: unknown[] = [];
    // JSON bytes never undercount an item's size, so exact sizes are only
    // worked out once the JSON read nears the limit.
    let exact = 0;
    const unsized: Uint8Array[] = [];
    let unsizedBytes = 0;
    let full = false;
    for (let t = 0; t < tableNames.length; t++) {
      const name = tableNames[t]!;
      const table = tables[t]!;
      const request = input.RequestItems[name]!;
      const keys = request.Keys!;
      const paths = projections.get(name);
      const consistent = request.ConsistentRead === true;
      const values = full ? [] : await db.engine.getMany(keys.map((key) => itemKey(table, key)));
      const rendered: string[] = [];
      let units = 0;
      let next = 0;
      for (; next < keys.length && !full; next++) {
        const value = values[next];
        let size = 0;
        let item: Item | undefined;
        if (value !== undefined) {
          // An item of over 4 KB of JSON is measured for its read units too (the metrics count them).
          if (wantCapacity || value.length > 4096 || exact + unsizedBytes + value.length > MAX_RESPONSE_BYTES) {
            for (const earlier of unsized) exact += itemSize(decodeItem(earlier));
            unsized.length = 0;
            unsizedBytes = 0;
            item = decodeItem(value);
            size = itemSize(item);
            if (exact + size > MAX_RESPONSE_BYTES) {
              full = true;
              break;
            }
            exact += size;
          } else {
            unsized.push(value);
            unsizedBytes += value.length;
          }
          rendered.push(
            paths === undefined
              ? decoder.decode(value)
              : JSON.stringify(projectItem(item ?? decodeItem(value), paths)),
          );
        }
        // Each key is read as a GetItem would be: its own 4 KB units.
        units += readUnits(size, consistent);
      }
      responses.push(`${JSON.stringify(name)}:[${rendered.join(',')}]`);
      if (next < keys.length) unprocessed[name] = { ...request, Keys: keys.slice(next) };
      db.meter.read(table.name, units);
      if (wantCapacity) capacities.push(consumedCapacity(mode, table, { table: units }));
    }
    const parts = [`"Responses":{${responses.join(',')}}`, `"UnprocessedKeys":${JSON.stringify(unprocessed)}`];
    if (wantCapacity) parts.push(`"ConsumedCapacity":${JSON.stringify(capacities)}`);
    return new RawJson(`{${parts.join(',')}}`);
  },
});

/**
 * Keys is required and holds 1 to 100 keys per table. DynamoDB reports
 * these in the newer message style, at the member path
 * RequestItems.<table>.member.Keys.
 */
function checkKeysLength(requestItems: Record<string, KeysAndAttributes>): void {
  const violations: string[] = [];
  for (const [name, request] of Object.entries(requestItems)) {
    const keys = request.Keys;
    const at = `Value at 'RequestItems.${name}.member.Keys' failed to satisfy constraint: `;
    if (keys === undefined) violations.push(`${at}Member must not be null`);
    else if (keys.length < 1) violations.push(`${at}Member must have length greater than or equal to 1`);
    else if (keys.length > MAX_KEYS) violations.push(`${at}Member must have length less than or equal to ${MAX_KEYS}`);
  }
  if (violations.length > 0) {
    const shown = violations.slice(0, 10);
    const n = shown.length;
    throw errors.validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${shown.join('; ')}`);
  }
}

/** A key's identity for the duplicate check: its attributes in name order, values validated (so canonical). */
function canonicalKey(key: Item): string {
  return JSON.stringify(Object.keys(key).sort().map((name) => [name, key[name]]));
}
