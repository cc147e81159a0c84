/**
 * @module partiql/select-page
 * One page of a PartiQL SELECT, read with Query and Scan's page reader
 * (data/read-pages), so Limit (items evaluated, not returned), the 1 MB page
 * and consumed capacity behave as they do there. An equality on the
 * partition key (of the table, or of the index in `FROM t."index"`) makes
 * the read a Query of that partition, narrowed by the first sort-key
 * predicate a Query could use; otherwise it is a Scan, as in DynamoDB. The
 * whole WHERE clause filters what is read. ORDER BY may name the key
 * attributes of a Query (DESC reads the partition backwards).
 *
 * A NextToken carries the last key read and a digest of the request that
 * made it: DynamoDB refuses a token that is not its own with "NextToken
 * does not match request", and one it cannot read with "Invalid NextToken"
 * (dynoxide's captures).
 */
import { errors } from '../errors/index.js';
import type { Database } from '../data/database.js';
import { hashRange } from '../catalog/key-space.js';
import { ExpressionContext } from '../expr/index.js';
import type { Condition, KeyConditionPlan, KeyValue } from '../expr/index.js';
import { MAX_HASH_KEY_SIZE, keyValueSize } from '../values/index.js';
import type { AttributeValue, Item, KeyType } from '../values/types.js';
import { typeOf } from '../values/types.js';
import type { ReturnConsumedCapacity } from '../data/capacity.js';
import { compareKeys, queryRange, resumeAfter } from '../data/key-range.js';
import { readPage } from '../data/read-pages.js';
import { selectionFor } from '../data/read-selection.js';
import { readTarget, startKeyPosition } from '../data/read-target.js';
import type { ReadTarget } from '../data/read-target.js';
import { requireTable } from '../data/table-lookup.js';
import type { SelectStatement } from './ast.js';
import { keyEquality, conjuncts, sortKeyCondition } from './key-predicates.js';
import { projectForSelect, projectedAttributes } from './projection.js';
import { ExpressionWriter } from './to-expressions.js';
import { bare } from './write-plans.js';

export interface SelectOptions {
  readonly limit: number | undefined;
  readonly nextToken: string | undefined;
  readonly consistentRead: boolean;
  readonly returnConsumedCapacity: ReturnConsumedCapacity;
  /** Binds a NextToken to the request that minted it. */
  readonly digest: string;
}

/** The resolved WHERE clause of a statement, for filtering items. */
export function whereCondition(
  where: SelectStatement['where'],
  parameters: readonly AttributeValue[],
): Condition | undefined {
  if (where === undefined) return undefined;
  const writer = new ExpressionWriter(parameters);
  const text = writer.condition(where);
  return bare(() => {
    const names = Object.keys(writer.names).length > 0 ? writer.names : undefined;
    const values = Object.keys(writer.values).length > 0 ? writer.values : undefined;
    const context = new ExpressionContext(names, values);
    const condition = context.condition(text, 'ConditionExpression');
    context.assertAllUsed();
    return condition;
  });
}

/** The table or index a SELECT reads, with PartiQL's wording for a bad index. */
export function selectTarget(db: Database, statement: SelectStatement, consistentRead: boolean): ReadTarget {
  const table = requireTable(db, statement.from.table);
  const index = statement.from.index;
  if (index !== undefined) {
    const global = table.globalIndexes.some((i) => i.name === index);
    if (!global && !table.localIndexes.some((i) => i.name === index)) {
      throw errors.validation('The table does not have the specified index');
    }
    if (global && consistentRead) {
      throw errors.validation('Strongly consistent read is not supported on Global Secondary Indexes');
    }
  }
  return readTarget(table, index, consistentRead);
}

function fitsKey(value: AttributeValue, type: KeyType): boolean {
  return typeOf(value) === type;
}

export async function selectPage(
  db: Database,
  statement: SelectStatement,
  parameters: readonly AttributeValue[],
  options: SelectOptions,
): Promise<Record<string, unknown>> {
  const target = selectTarget(db, statement, options.consistentRead);
  const filter = whereCondition(statement.where, parameters);
  const { table, keySchema } = target;

  let plan: KeyConditionPlan | undefined;
  let empty = false;
  if (keySchema.composite !== undefined) ({ plan, empty } = compositePlan(statement, parameters, keySchema.composite));
  else for (const node of conjuncts(statement.where)) {
    const equality = keyEquality(node, parameters);
    if (equality === undefined || equality.name !== keySchema.hash.name) continue;
    if (!fitsKey(equality.value, keySchema.hash.type) || keyValueSize(equality.value) > MAX_HASH_KEY_SIZE) {
      // No item has a key of another type: nothing can match.
      empty = true;
      break;
    }
    const range = keySchema.range === undefined ? undefined : sortKeyCondition(statement.where, keySchema.range.name, parameters);
    const usable =
      range !== undefined &&
      range.values.every((v) => fitsKey(v, keySchema.range!.type)) &&
      !(range.operator === 'BEGINS_WITH' && keySchema.range!.type === 'N');
    plan = usable
      ? { hash: { name: keySchema.hash.name, value: equality.value }, range: { ...range!, operator: range!.operator as 'EQ' } }
      : { hash: { name: keySchema.hash.name, value: equality.value } };
    break;
  }

  const reverse = orderIsReversed(statement, target, plan);
  let start: Uint8Array;
  let end: Uint8Array;
  if (plan !== undefined) ({ start, end } = queryRange(table.id, target.indexId, plan));
  else [start, end] = hashRange(table.id, target.indexId, 0, 0x1_0000_0000);
  if (empty) end = start;

  if (options.nextToken !== undefined) {
    const startKey = decodeNextToken(options.nextToken, options.digest);
    if (target.startKeyNames.some((name) => startKey[name] === undefined)) throw errors.validation('Invalid NextToken');
    ({ start, end } = resumeAfter({ start, end }, startKeyPosition(target, startKey), reverse));
  }

  const projection = statement.projection;
  const selection = selectionFor(
    target,
    undefined,
    projection === undefined
      ? undefined
      : { parameter: 'ProjectionExpression', paths: projectedAttributes(projection).map((name) => [name]) },
  );
  const page = JSON.parse(
    (
      await readPage({
        db,
        target,
        start,
        end: compareKeys(end, start) < 0 ? start : end,
        reverse,
        limit: options.limit,
        filter,
        selection,
        consistentRead: options.consistentRead,
        returnConsumedCapacity: options.returnConsumedCapacity,
        operation: 'ExecuteStatement',
      })
    ).text(),
  ) as { Items: Item[]; LastEvaluatedKey?: Item; ConsumedCapacity?: unknown };

  const out: Record<string, unknown> = { Items: page.Items.map((item) => projectForSelect(item, projection)) };
  if (page.LastEvaluatedKey !== undefined) {
    out.NextToken = encodeNextToken(page.LastEvaluatedKey, options.digest);
    out.LastEvaluatedKey = page.LastEvaluatedKey;
  }
  if (page.ConsumedCapacity !== undefined) out.ConsumedCapacity = page.ConsumedCapacity;
  return out;
}

/**
 * The Query a WHERE clause allows on a multi-attribute key: an equality on
 * every HASH attribute, then equalities on leading RANGE attributes, then at
 * most one range condition on the next (what a KeyConditionExpression
 * could say); otherwise a Scan. The whole WHERE clause still filters.
 */
function compositePlan(
  statement: SelectStatement,
  parameters: readonly AttributeValue[],
  keys: NonNullable<ReadTarget['keySchema']['composite']>,
): { plan: KeyConditionPlan | undefined; empty: boolean } {
  const partition: KeyValue[] = [];
  for (const key of keys.hash) {
    let found: AttributeValue | undefined;
    for (const node of conjuncts(statement.where)) {
      const equality = keyEquality(node, parameters);
      if (equality !== undefined && equality.name === key.name) {
        found = equality.value;
        break;
      }
    }
    if (found === undefined) return { plan: undefined, empty: false };
    // No item has a key of another type: nothing can match.
    if (!fitsKey(found, key.type) || keyValueSize(found) > MAX_HASH_KEY_SIZE) return { plan: undefined, empty: true };
    partition.push({ name: key.name, value: found });
  }
  const equalities: KeyValue[] = [];
  let range: KeyConditionPlan['range'];
  for (const key of keys.range) {
    const condition = sortKeyCondition(statement.where, key.name, parameters);
    if (condition === undefined || !condition.values.every((v) => fitsKey(v, key.type))) break;
    if (condition.operator === 'EQ') {
      equalities.push({ name: key.name, value: condition.values[0]! });
      continue;
    }
    if (condition.operator !== 'BEGINS_WITH' || key.type !== 'N') range = { ...condition, operator: condition.operator as 'EQ' };
    break;
  }
  if (range === undefined && equalities.length > 0) {
    const last = equalities.pop()!;
    range = { name: last.name, operator: 'EQ', values: [last.value] };
  }
  return {
    plan: { hash: partition[0]!, ...(range === undefined ? {} : { range }), partition, rangePrefix: equalities },
    empty: false,
  };
}

/** ORDER BY on a Query's key attributes; only the sort key's direction matters. */
function orderIsReversed(statement: SelectStatement, target: ReadTarget, plan: KeyConditionPlan | undefined): boolean {
  if (statement.orderBy.length === 0) return false;
  if (plan === undefined) {
    throw errors.validation('Must have WHERE clause in the statement when using ORDER BY clause.');
  }
  let reverse = false;
  for (const { path, descending } of statement.orderBy) {
    const name = path.steps.length === 1 ? path.steps[0] : undefined;
    const { composite } = target.keySchema;
    if (composite !== undefined ? composite.range.some((k) => k.name === name) : name === target.keySchema.range?.name) {
      reverse = descending;
    } else if (composite !== undefined ? !composite.hash.some((k) => k.name === name) : name !== target.keySchema.hash.name) {
      throw errors.validation(`Variable reference [${path.steps.join('.')}] must be a key attribute to be used in ORDER BY clause`);
    }
  }
  return reverse;
}

function encodeNextToken(key: Item, digest: string): string {
  return Buffer.from(JSON.stringify({ d: digest, k: key })).toString('base64');
}

function decodeNextToken(token: string, digest: string): Item {
  let parsed: { d?: unknown; k?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { d?: unknown; k?: unknown };
  } catch {
    throw errors.validation('Invalid NextToken');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.k !== 'object' || parsed.k === null) {
    throw errors.validation('Invalid NextToken');
  }
  if (parsed.d !== digest) throw errors.validation('NextToken does not match request');
  return parsed.k as Item;
}
