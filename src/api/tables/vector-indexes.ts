/**
 * @module api/tables/vector-indexes
 * Vector indexes at the control plane: the request shapes of CreateTable's
 * VectorIndexes and UpdateTable's VectorIndexUpdates, DynamoDB's checks on
 * a definition, and the VectorIndexes of a TableDescription. The data side
 * is indexes/vector-entries (entries), data/vector-search (SearchVectors)
 * and data/index-backfill (UpdateTable's backfill).
 *
 * Messages quoted by DynamoDB's developer guide (VectorSearchTroubleshooting)
 * are DynamoDB's; the others follow the wording of the matching GSI check and
 * are listed in docs/compatibility.md.
 */
import { errors } from '../../errors/index.js';
import { list, long, str, struct } from '../../validate/index.js';
import type { KeySchema, TableRecord, VectorIndexRecord, DistanceFunction } from '../../catalog/table-record.js';
import { vectorIndexes } from '../../catalog/table-record.js';
import type { Database } from '../../data/database.js';
import type { TableStats } from '../../data/table-stats.js';
import { indexName, projection } from './table-schemas.js';
import { checkProjection, type ProjectionInput } from './create-table.js';

export interface VectorIndexInput {
  IndexName: string;
  VectorAttribute: { AttributeName: string };
  SearchSchema?: { AttributeName: string; SearchSchemaElementType: 'HASH' | 'INLINE_FILTER' }[];
  Projection: ProjectionInput;
  Dimensions: number;
  DistanceFunction: DistanceFunction;
}

const INVALID = 'One or more parameter values were invalid: ';
/** Largest Dimensions a vector index takes. */
export const MAX_DIMENSIONS = 4096;
/** Vector indexes per table. */
export const MAX_VECTOR_INDEXES = 5;
/** INLINE_FILTER elements of one SearchSchema (AWS's agent toolkit, "Requirements and limits"). */
const MAX_INLINE_FILTERS = 18;
/** Projected non-key attributes of one vector index, the vector and each INLINE_FILTER attribute counting as one. */
const MAX_PROJECTED = 20;

const vectorIndexMembers = {
  IndexName: indexName({ required: true }),
  VectorAttribute: { ...struct({ AttributeName: str({ required: true, min: 1, max: 255 }) }, { javaName: 'VectorAttributeDefinition' }), required: true },
  SearchSchema: list(
    struct(
      {
        AttributeName: str({ required: true, min: 1, max: 255 }),
        SearchSchemaElementType: str({ required: true, enum: ['HASH', 'INLINE_FILTER'] }),
      },
      { javaName: 'SearchSchemaElement' },
    ),
    { min: 1 },
  ),
  Projection: { ...projection, required: true },
  Dimensions: long({ required: true, min: 1 }),
  DistanceFunction: str({ required: true, enum: ['COSINE', 'DOT_PRODUCT', 'EUCLIDEAN'] }),
};

export const vectorIndexShape = struct(vectorIndexMembers, { javaName: 'VectorIndex' });

export const vectorIndexUpdateShape = struct({
  Create: struct(vectorIndexMembers, { javaName: 'CreateVectorIndexAction' }),
  Delete: struct({ IndexName: indexName({ required: true }) }, { javaName: 'DeleteVectorIndexAction' }),
});

export interface VectorIndexContext {
  readonly billingMode: string;
  readonly tableKeys: KeySchema;
  /** Attribute name → type: where SearchSchema attributes must be defined. */
  readonly definitions: ReadonlyMap<string, string>;
  /** Every index name the table already has (secondary and vector). */
  readonly names: Set<string>;
  /** The vector indexes the table will have besides this one (same-attribute dimension check). */
  readonly others: readonly VectorIndexRecord[];
}

export function checkBillingForVectors(billingMode: string): void {
  if (billingMode !== 'PAY_PER_REQUEST') {
    throw errors.validation(`${INVALID}Vector indexes are only supported for PAY_PER_REQUEST tables`);
  }
}

/** Checks one vector index definition and returns it as the catalog stores it (without id and status). */
export function checkVectorIndex(input: VectorIndexInput, ctx: VectorIndexContext): Omit<VectorIndexRecord, 'id' | 'status'> {
  checkBillingForVectors(ctx.billingMode);
  if (input.Dimensions > MAX_DIMENSIONS) {
    throw errors.validation(`${INVALID}Number of dimensions must be between 1 and ${MAX_DIMENSIONS} inclusive.`);
  }
  const vectorAttribute = input.VectorAttribute.AttributeName;
  if (vectorAttribute === ctx.tableKeys.hash || vectorAttribute === ctx.tableKeys.range) {
    throw errors.validation(`${INVALID}VectorAttribute ${vectorAttribute} of index ${input.IndexName} cannot be a key attribute of the table`);
  }
  let hash: string | undefined;
  const filters: string[] = [];
  const seen = new Set<string>();
  for (const element of input.SearchSchema ?? []) {
    const name = element.AttributeName;
    if (!ctx.definitions.has(name)) {
      throw errors.validation(`${INVALID}One element in SearchSchema is not defined in attribute definitions`);
    }
    if (seen.has(name) || name === vectorAttribute) {
      throw errors.validation(`${INVALID}Duplicate attribute in SearchSchema of index ${input.IndexName}: ${name}`);
    }
    seen.add(name);
    if (element.SearchSchemaElementType === 'HASH') {
      if (hash !== undefined) throw errors.validation(`${INVALID}SearchSchema of index ${input.IndexName} has more than one HASH element`);
      hash = name;
    } else {
      filters.push(name);
    }
  }
  if (filters.length > MAX_INLINE_FILTERS) {
    throw errors.validation(`${INVALID}SearchSchema of index ${input.IndexName} has ${filters.length} INLINE_FILTER elements, the limit is ${MAX_INLINE_FILTERS}`);
  }
  for (const other of ctx.others) {
    if (other.vectorAttribute === vectorAttribute && other.dimensions !== input.Dimensions) {
      throw errors.validation(
        `${INVALID}Conflicting attribute definition for '${vectorAttribute}'. All VectorIndexes on the same vector attribute must use the same dimensions.`,
      );
    }
  }
  const proj = checkProjection(input.Projection, ctx.tableKeys, ctx.tableKeys);
  const projected = (proj.nonKeyAttributes?.filter((n) => n !== vectorAttribute && !filters.includes(n) && n !== hash).length ?? 0) + 1 + filters.length;
  if (proj.type === 'INCLUDE' && projected > MAX_PROJECTED) {
    throw errors.validation(
      `${INVALID}Too many projected attributes in vector index ${input.IndexName}: ${projected}, the limit is ${MAX_PROJECTED} ` +
        '(NonKeyAttributes, the vector attribute and each INLINE_FILTER attribute count)',
    );
  }
  if (ctx.names.has(input.IndexName)) throw errors.validation(`${INVALID}Duplicate index name: ${input.IndexName}`);
  ctx.names.add(input.IndexName);
  return {
    name: input.IndexName,
    vectorAttribute,
    dimensions: input.Dimensions,
    distance: input.DistanceFunction,
    ...(hash === undefined ? {} : { hash }),
    filters,
    projection: proj,
  };
}

export function checkVectorIndexCount(count: number): void {
  if (count > MAX_VECTOR_INDEXES) {
    throw errors.limitExceeded(`${INVALID}VectorIndex count exceeds the per-table limit of ${MAX_VECTOR_INDEXES}`);
  }
}

/**
 * Query and Scan do not read vector indexes (VectorSearch.Requirements);
 * naming one gets the service's message (AWS's agent toolkit quotes Query's;
 * Scan's is worded the same way).
 */
export function refuseVectorIndexRead(table: TableRecord, indexName: string | undefined, operation: 'Query' | 'Scan'): void {
  if (indexName !== undefined && table.vectorIndexes !== undefined && table.vectorIndexes.some((v) => v.name === indexName)) {
    throw errors.validation(`${operation} operation not supported on this index type.`);
  }
}

/** The SearchSchema attributes of every vector index: attributes AttributeDefinitions may keep. */
export function vectorSchemaAttributes(indexes: readonly VectorIndexRecord[]): string[] {
  const out: string[] = [];
  for (const index of indexes) {
    if (index.hash !== undefined) out.push(index.hash);
    out.push(...index.filters);
  }
  return out;
}

/**
 * A vector index's definition as the API shows it (VectorIndexInfo: a
 * backup's SourceTableFeatureDetails; the first members of a
 * VectorIndexDescription).
 */
export function vectorIndexDefinition(index: VectorIndexRecord): Record<string, unknown> {
  const schema = [
    ...(index.hash === undefined ? [] : [{ AttributeName: index.hash, SearchSchemaElementType: 'HASH' }]),
    ...index.filters.map((name) => ({ AttributeName: name, SearchSchemaElementType: 'INLINE_FILTER' })),
  ];
  const d: Record<string, unknown> = { IndexName: index.name };
  if (schema.length > 0) d.SearchSchema = schema;
  d.Projection = {
    ProjectionType: index.projection.type,
    ...(index.projection.nonKeyAttributes ? { NonKeyAttributes: [...index.projection.nonKeyAttributes] } : {}),
  };
  d.VectorAttribute = { AttributeName: index.vectorAttribute };
  d.Dimensions = index.dimensions;
  d.DistanceFunction = index.distance;
  return d;
}

/**
 * The vector indexes of a table restored from `source` (a backup's table,
 * or the table a point-in-time restore reads): every one of the source's,
 * or those VectorIndexOverride lists, each of which must be one of the
 * source's, unchanged (API reference, RestoreTableFromBackup: "The indexes
 * provided must match existing vector indexes from the backup"). They come
 * back CREATING with new ids: as DynamoDB's, the definition is restored and
 * the entries rebuilt from the restored items, by the backfill
 * (data/index-backfill), which waits until the restore has made the table
 * ACTIVE.
 */
export function restoredVectorIndexes(
  source: TableRecord,
  override: readonly VectorIndexInput[] | undefined,
  billingMode: string,
  names: Set<string>,
  firstId: number,
): VectorIndexRecord[] {
  const existing = vectorIndexes(source);
  let kept: Omit<VectorIndexRecord, 'id' | 'status'>[];
  if (override === undefined) {
    kept = existing.map(({ id: _id, status: _status, backfilling: _b, ...definition }) => definition);
    for (const index of kept) {
      if (names.has(index.name)) throw errors.validation(`${INVALID}Duplicate index name: ${index.name}`);
      names.add(index.name);
    }
  } else {
    const ctx: VectorIndexContext = {
      billingMode,
      tableKeys: source.keySchema,
      definitions: new Map(Object.entries(source.attributeDefinitions)),
      names,
      others: [],
    };
    kept = override.map((input) => {
      const original = existing.find((v) => v.name === input.IndexName);
      if (original === undefined) {
        throw errors.validation(`${INVALID}VectorIndexOverride names a vector index the source table does not have: ${input.IndexName}`);
      }
      const checked = checkVectorIndex(input, ctx);
      const { id: _id, status: _status, backfilling: _b, ...definition } = original;
      if (!sameDefinition(checked, definition)) {
        throw errors.validation(`${INVALID}VectorIndexOverride does not match the source table's definition of vector index ${input.IndexName}`);
      }
      return definition;
    });
  }
  if (kept.length > 0) checkBillingForVectors(billingMode);
  return kept.map((definition, i) => ({ ...definition, id: firstId + i, status: 'CREATING', backfilling: false }));
}

function sameDefinition(a: Omit<VectorIndexRecord, 'id' | 'status'>, b: Omit<VectorIndexRecord, 'id' | 'status'>): boolean {
  const attributes = (names: readonly string[] | undefined): string => [...(names ?? [])].sort().join('\u0000');
  return (
    a.vectorAttribute === b.vectorAttribute &&
    a.dimensions === b.dimensions &&
    a.distance === b.distance &&
    a.hash === b.hash &&
    a.filters.join('\u0000') === b.filters.join('\u0000') &&
    a.projection.type === b.projection.type &&
    attributes(a.projection.nonKeyAttributes) === attributes(b.projection.nonKeyAttributes)
  );
}

/** The VectorIndexes of a TableDescription, or undefined when the table has none. */
export function describeVectorIndexes(db: Database, table: TableRecord, stats: TableStats | undefined): Record<string, unknown>[] | undefined {
  const indexes = vectorIndexes(table);
  if (indexes.length === 0) return undefined;
  const arn = db.tableArn(table.name);
  return indexes.map((index) => {
    const counts = stats?.indexes.get(index.id) ?? { itemCount: 0, sizeBytes: 0 };
    const d = vectorIndexDefinition(index);
    d.IndexStatus = index.status;
    if (index.backfilling !== undefined) d.Backfilling = index.backfilling;
    d.IndexSizeBytes = counts.sizeBytes;
    d.ItemCount = counts.itemCount;
    d.IndexArn = `${arn}/index/${index.name}`;
    return d;
  });
}
