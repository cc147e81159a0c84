/**
 * @module api/reads/search-vectors
 * SearchVectors: the TopK items of a vector index most similar to a search
 * vector, optionally narrowed by equalities on the index's SearchSchema
 * attributes (SearchConditionExpression). The search itself is
 * data/vector-search; this file checks the request in DynamoDB's order and
 * shapes the answer. No pagination: DynamoDB returns one answer of at most
 * TopK results (VectorSearch.Requirements).
 */
import { errors } from '../../errors/index.js';
import type { Condition, DocumentPath, Operand } from '../../expr/index.js';
import { ExpressionContext, checkPlaceholderMaps, projectItem } from '../../expr/index.js';
import { int, list, str, attrValue, tableNameOrArn } from '../../validate/index.js';
import type { TableRecord, VectorIndexRecord } from '../../catalog/table-record.js';
import { vectorIndexes } from '../../catalog/table-record.js';
import type { AttributeValue, Item } from '../../values/types.js';
import { typeOf, validateAttributeValue } from '../../values/index.js';
import type { ReturnConsumedCapacity } from '../../data/capacity.js';
import { expressionAttributeNames, expressionAttributeValues, returnConsumedCapacity } from '../item-schemas.js';
import { defineOperation } from '../operation.js';
import { indexName } from '../read-schemas.js';
import { requireTable } from '../../data/table-lookup.js';
import { searchVectors } from '../../data/vector-search.js';

interface SearchVectorsInput {
  TableName: string;
  IndexName: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ProjectionExpression?: string;
  SearchVector: AttributeValue[];
  SearchConditionExpression?: string;
  TopK: number;
}

const INVALID = 'One or more parameter values were invalid: ';
const MAX_TOP_K = 100;
const FLOAT32_MAX = 3.4028234663852886e38;
const INVALID_COMPARATOR = 'Invalid SearchConditionExpression: Invalid comparator used in SearchConditionExpression';
/** The least VectorSearchRequestBytes a search is metered. */
const MIN_REQUEST_BYTES = 1024;

/**
 * A result's Item without a ProjectionExpression: every projected
 * attribute but the vector itself, which DynamoDB leaves out unless the
 * ProjectionExpression names it (AWS's agent toolkit, "What comes back").
 */
function withoutVector(item: Item, index: VectorIndexRecord): Item {
  if (!(index.vectorAttribute in item)) return item;
  const { [index.vectorAttribute]: _vector, ...rest } = item;
  return rest;
}

export const searchVectorsOperation = defineOperation<SearchVectorsInput>({
  name: 'SearchVectors',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      IndexName: { ...indexName(), required: true },
      ReturnConsumedCapacity: returnConsumedCapacity(),
      ExpressionAttributeNames: expressionAttributeNames(),
      ExpressionAttributeValues: expressionAttributeValues(),
      ProjectionExpression: str(),
      SearchVector: list(attrValue(), { required: true }),
      SearchConditionExpression: str(),
      TopK: int({ required: true }),
    },
  },
  async run({ db }, input) {
    // DynamoDB's words (VectorSearchTroubleshooting; the values as AWS's agent toolkit quotes the service).
    if (input.TopK < 1 || input.TopK > MAX_TOP_K) {
      throw errors.validation(`Provided TopK value '${input.TopK}' is out of valid range. The value must be between 1 and ${MAX_TOP_K} inclusive`);
    }
    checkPlaceholderMaps(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const context = new ExpressionContext(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const condition =
      input.SearchConditionExpression === undefined ? undefined : context.condition(input.SearchConditionExpression, 'SearchConditionExpression');
    const paths = input.ProjectionExpression === undefined ? undefined : context.projection(input.ProjectionExpression);
    context.assertAllUsed();

    const table = requireTable(db, input.TableName);
    const index = vectorIndexes(table).find((v) => v.name === input.IndexName);
    if (index === undefined) throw errors.validation(`The table does not have the specified index: ${input.IndexName}`);
    if (index.status !== 'ACTIVE') throw errors.validation(`Cannot search backfilling vector index: ${input.IndexName}`);
    const vector = searchVector(input.SearchVector, index);
    const equalities = condition === undefined ? new Map<string, AttributeValue>() : searchEqualities(condition, table, index);
    const partition = index.hash === undefined ? undefined : equalities.get(index.hash);
    if (index.hash !== undefined && partition === undefined) {
      throw errors.validation('SearchConditionExpression must be provided when SearchSchema has a HASH key');
    }
    const filters = new Map([...equalities].filter(([name]) => name !== index.hash));

    const outcome = await searchVectors(db, table, index, {
      vector,
      topK: input.TopK,
      ...(partition === undefined ? {} : { partition }),
      filters,
    });
    const out: Record<string, unknown> = {
      SearchResults: outcome.results.map((r) => ({ Item: paths === undefined ? withoutVector(r.item, index) : projectItem(r.item, paths), Score: r.score })),
    };
    if (input.ReturnConsumedCapacity === 'TOTAL' || input.ReturnConsumedCapacity === 'INDEXES') {
      // Metered in bytes of vector data examined and returned (VectorSearchMonitoring); see docs/compatibility.md.
      // At least 1 KB per request, as DynamoDB meters it (AWS's agent toolkit, "Cost").
      out.ConsumedCapacity = { VectorSearchRequestBytes: Math.max(MIN_REQUEST_BYTES, outcome.examined * index.dimensions * 4 + outcome.returnedBytes) };
    }
    return out;
  },
});

/** The search vector as float32, refused unless it is Dimensions finite numbers. */
function searchVector(values: readonly AttributeValue[], index: VectorIndexRecord): Float32Array {
  for (const [i, value] of values.entries()) {
    // The AttributeValue rules first (null, empty, two types, bad numbers), with their usual messages.
    const invalid = validateAttributeValue(value);
    if (invalid !== undefined) throw errors.validation(invalid);
    if (!('N' in value)) {
      throw errors.validation(`${INVALID}Invalid type for parameter SearchVector[${i}], value type: ${typeOf(value)}, valid types: N`);
    }
    if (!(Math.abs(Number(value.N)) <= FLOAT32_MAX)) {
      throw errors.validation(`${INVALID}Value ${value.N} of SearchVector[${i}] is outside the range of a 32-bit floating point number`);
    }
  }
  if (values.length !== index.dimensions) {
    throw errors.validation(`Input search vector dimension ${values.length} does not match vector index dimension ${index.dimensions}`);
  }
  return Float32Array.from(values, (v) => Number((v as { N: string }).N));
}

/**
 * The attribute = value equalities of a SearchConditionExpression: a
 * conjunction (AND) of `=` comparisons between a top-level SearchSchema
 * attribute and a value, each attribute at most once, each value of the
 * attribute's defined type.
 */
function searchEqualities(condition: Condition, table: TableRecord, index: VectorIndexRecord): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  const schema = index.hash === undefined ? index.filters : [index.hash, ...index.filters];
  const visit = (c: Condition): void => {
    switch (c.kind) {
      case 'and':
        visit(c.left);
        visit(c.right);
        return;
      case 'compare': {
        if (c.op !== '=') throw errors.validation(INVALID_COMPARATOR);
        const [path, value] = pathAndValue(c.left, c.right);
        if (path.length !== 1 || typeof path[0] !== 'string') {
          throw errors.validation('Invalid SearchConditionExpression: Only top-level attributes of the SearchSchema can be referenced');
        }
        const name = path[0];
        if (!schema.includes(name)) {
          throw errors.validation(`Invalid SearchConditionExpression: Attribute ${name} is not in the SearchSchema of index ${index.name}`);
        }
        if (out.has(name)) throw errors.validation(`Invalid SearchConditionExpression: Attribute ${name} is used more than once`);
        if (!(table.attributeDefinitions[name]! in value)) {
          throw errors.validation(`${INVALID}Condition parameter type does not match schema type`);
        }
        out.set(name, value);
        return;
      }
      case 'between':
      case 'in':
        throw errors.validation(INVALID_COMPARATOR);
      default:
        throw errors.validation(
          'Invalid SearchConditionExpression: Only equality conditions (=) joined by AND on SearchSchema attributes are supported',
        );
    }
  };
  visit(condition);
  return out;
}

function pathAndValue(left: Operand, right: Operand): [DocumentPath, AttributeValue] {
  if (left.kind === 'path' && right.kind === 'value') return [left.path, right.value];
  if (left.kind === 'value' && right.kind === 'path') return [right.path, left.value];
  throw errors.validation('Invalid SearchConditionExpression: Each condition must compare a SearchSchema attribute with a value');
}
