/**
 * @module api/items/get-item
 * GetItem. Without a projection the stored wire form is spliced into the
 * response as it is, so a read does not re-serialise the item; with one
 * (ProjectionExpression or the legacy AttributesToGet) the item is decoded
 * and projected — and comes back as `{}` when it holds none of the paths.
 *
 * Order of checks (dynalite's DynamoDB-verified validations/getItem.js and
 * actions/getItem.js): mixed expression and legacy parameters, the key's
 * values, duplicate AttributesToGet, the expressions; then the table, the
 * key, and no projection path inside a key attribute.
 */
import {
  ExpressionContext,
  attributesToGetToPaths,
  checkExpressionParameters,
  checkPlaceholderMaps,
  projectItem,
} from '../../expr/index.js';
import type { DocumentPath } from '../../expr/index.js';
import { bool, list, str, tableNameOrArn } from '../../validate/index.js';
import { itemSize } from '../../values/index.js';
import type { Item } from '../../values/types.js';
import { consumedCapacity, readUnits, type ReturnConsumedCapacity } from '../../data/capacity.js';
import { defineOperation } from '../operation.js';
import { checkAttributeValues, checkKeyParameter } from '../../data/item-keys.js';
import { EMPTY_ATTRIBUTE_NAME, expressionAttributeNames, item, returnConsumedCapacity } from '../item-schemas.js';
import { decodeItem } from '../../data/item-store.js';
import { requireTable } from '../../data/table-lookup.js';
import { itemKey } from '../../indexes/index-entries.js';
import { RawJson } from '../../data/raw-json.js';
import { checkScalarKeyPaths } from '../../data/update-key-checks.js';

type GetItemInput = {
  TableName: string;
  Key: Item;
  AttributesToGet?: string[];
  ConsistentRead?: boolean;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
};

const encoder = new TextEncoder();
const ITEM_OPEN = encoder.encode('{"Item":');
const CLOSE = encoder.encode('}');

/** The paths to project, or undefined for the whole item. */
function projection(input: GetItemInput): DocumentPath[] | undefined {
  let paths = input.AttributesToGet === undefined ? undefined : attributesToGetToPaths(input.AttributesToGet);
  const names = input.ExpressionAttributeNames;
  if (input.ProjectionExpression !== undefined || names !== undefined) {
    checkPlaceholderMaps(names, undefined);
    const context = new ExpressionContext(names);
    if (input.ProjectionExpression !== undefined) paths = context.projection(input.ProjectionExpression);
    context.assertAllUsed();
  }
  return paths;
}

export const getItem = defineOperation<GetItemInput>({
  name: 'GetItem',
  schema: {
    members: {
      ReturnConsumedCapacity: returnConsumedCapacity(),
      AttributesToGet: list(str(), { min: 1, emptyMember: EMPTY_ATTRIBUTE_NAME }),
      TableName: tableNameOrArn({ required: true }),
      Key: item({ required: true }),
      ConsistentRead: bool(),
      ProjectionExpression: str(),
      ExpressionAttributeNames: expressionAttributeNames(),
    },
  },
  async run({ db }, input) {
    checkExpressionParameters(input, ['ProjectionExpression'], ['AttributesToGet']);
    checkAttributeValues(input.Key);
    const paths = projection(input);
    const table = requireTable(db, input.TableName);
    checkKeyParameter(table, input.Key);
    if (paths !== undefined) checkScalarKeyPaths(table, paths);

    const raw = await db.engine.get(itemKey(table, input.Key));
    const mode = input.ReturnConsumedCapacity;
    const wantsCapacity = mode === 'TOTAL' || mode === 'INDEXES';
    // An item whose stored JSON fits in 4 KB is at most 4 KB by DynamoDB's
    // measure (JSON spends more bytes on every part), so it costs one unit
    // without being decoded and measured: the metrics count every read.
    const exact = wantsCapacity || (raw !== undefined && raw.length > 4096);
    const stored = raw !== undefined && (paths !== undefined || exact) ? decodeItem(raw) : undefined;
    // A read is charged on the whole item, whatever the projection keeps.
    const units = readUnits(stored === undefined ? 0 : itemSize(stored), input.ConsistentRead === true);
    db.meter.read(table.name, units);
    const capacity = wantsCapacity ? consumedCapacity(mode, table, { table: units }) : undefined;
    if (raw === undefined) return capacity ? { ConsumedCapacity: capacity } : {};
    if (paths !== undefined) {
      const out: Record<string, unknown> = { Item: projectItem(stored!, paths) };
      if (capacity) out.ConsumedCapacity = capacity;
      return out;
    }
    const tail = capacity ? encoder.encode(`,"ConsumedCapacity":${JSON.stringify(capacity)}}`) : CLOSE;
    return new RawJson([ITEM_OPEN, raw, tail]);
  },
});
