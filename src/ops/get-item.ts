/**
 * @module ops/get-item
 * GetItem. Without a projection the stored wire form is spliced into the
 * response as it is, so a read does not re-serialise the item.
 */
import { bool, list, str, tableNameOrArn } from '../validate/index.js';
import type { Item } from '../values/types.js';
import { consumedCapacity, readUnits, type ReturnConsumedCapacity } from './capacity.js';
import { defineOperation } from './operation.js';
import { checkAttributeValues, checkKeyParameter } from './item-keys.js';
import { expressionAttributeNames, item, returnConsumedCapacity } from './item-schemas.js';
import { requireTable } from './table-lookup.js';
import { itemKey } from '../indexes/index-entries.js';
import { RawJson } from './raw-json.js';
import { rejectUnsupportedConditions } from './unsupported.js';

interface GetItemInput {
  TableName: string;
  Key: Item;
  AttributesToGet?: string[];
  ConsistentRead?: boolean;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

const decoder = new TextDecoder();

export const getItem = defineOperation<GetItemInput>({
  name: 'GetItem',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      Key: item({ required: true }),
      AttributesToGet: list(str(), { min: 1 }),
      ConsistentRead: bool(),
      ReturnConsumedCapacity: returnConsumedCapacity(),
      ProjectionExpression: str(),
      ExpressionAttributeNames: expressionAttributeNames(),
    },
  },
  async run({ db }, input) {
    checkAttributeValues(input.Key);
    rejectUnsupportedConditions('GetItem', input);
    const table = requireTable(db, input.TableName);
    checkKeyParameter(table, input.Key);
    const raw = await db.engine.get(itemKey(table, input.Key));
    const capacity = consumedCapacity(input.ReturnConsumedCapacity, table, {
      table: readUnits(raw?.length ?? 0, input.ConsistentRead === true),
    });
    if (raw === undefined) return capacity ? { ConsumedCapacity: capacity } : {};
    const itemJson = decoder.decode(raw);
    return new RawJson(
      capacity ? `{"Item":${itemJson},"ConsumedCapacity":${JSON.stringify(capacity)}}` : `{"Item":${itemJson}}`,
    );
  },
});
