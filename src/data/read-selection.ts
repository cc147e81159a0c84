/**
 * @module data/read-selection
 * What a Query or Scan returns of each item: Select, ProjectionExpression
 * or AttributesToGet, checked against the index read. An index holds only
 * its projected attributes: a GSI cannot return others, while for an LSI
 * DynamoDB fetches the missing attributes from the table. Messages are
 * DynamoDB's (DynamoDB Local's shared validation code, Alternator's
 * DynamoDB-verified tests).
 */
import { errors } from '../errors/index.js';
import type { Condition, DocumentPath } from '../expr/index.js';
import { conditionPaths } from '../expr/index.js';
import type { ReadTarget } from './read-target.js';
import { keyAttributes } from '../catalog/table-record.js';

export type Select = 'ALL_ATTRIBUTES' | 'ALL_PROJECTED_ATTRIBUTES' | 'SPECIFIC_ATTRIBUTES' | 'COUNT';

export const SELECT_VALUES: readonly Select[] = [
  'SPECIFIC_ATTRIBUTES',
  'COUNT',
  'ALL_ATTRIBUTES',
  'ALL_PROJECTED_ATTRIBUTES',
];

/** A ProjectionExpression or AttributesToGet, resolved to paths. */
export interface RequestedProjection {
  readonly parameter: 'ProjectionExpression' | 'AttributesToGet';
  readonly paths: readonly DocumentPath[];
}

export interface Selection {
  /** Select=COUNT: the response carries no Items. */
  readonly count: boolean;
  /** The paths to keep of each item; undefined to return each entry whole. */
  readonly paths: readonly DocumentPath[] | undefined;
  /** Read each item from the table: an LSI asked for attributes it does not project. */
  readonly fetchFromTable: boolean;
}

const INVALID = 'One or more parameter values were invalid: ';

/** Checks Select against the projection asked for and the target, and says how to shape items. */
export function selectionFor(
  target: ReadTarget,
  select: Select | undefined,
  projection: RequestedProjection | undefined,
): Selection {
  const effective: Select =
    select ?? (projection !== undefined ? 'SPECIFIC_ATTRIBUTES' : target.index !== undefined ? 'ALL_PROJECTED_ATTRIBUTES' : 'ALL_ATTRIBUTES');
  const indexName = target.index?.name;
  switch (effective) {
    case 'ALL_ATTRIBUTES':
      if (projection !== undefined) {
        throw errors.validation(`Cannot specify the ${projection.parameter} when choosing to get ALL_ATTRIBUTES`);
      }
      if (target.projected !== undefined && target.global) {
        throw errors.validation(
          `${INVALID}Select type ALL_ATTRIBUTES is not supported for global secondary index ${indexName} because its projection type is not ALL`,
        );
      }
      return { count: false, paths: undefined, fetchFromTable: target.projected !== undefined };
    case 'ALL_PROJECTED_ATTRIBUTES':
      if (projection !== undefined) {
        throw errors.validation(
          `Cannot specify the ${projection.parameter} when choosing to get ALL_PROJECTED_ATTRIBUTES`,
        );
      }
      if (target.index === undefined) {
        throw errors.validation('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
      }
      return { count: false, paths: undefined, fetchFromTable: false };
    case 'COUNT':
      if (projection !== undefined) {
        throw errors.validation(`Cannot specify the ${projection.parameter} when choosing to get only the Count`);
      }
      return { count: true, paths: undefined, fetchFromTable: false };
    case 'SPECIFIC_ATTRIBUTES': {
      if (projection === undefined) {
        throw errors.validation(
          'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES',
        );
      }
      const missing = notProjected(target, projection.paths);
      if (missing.length > 0 && target.global) {
        throw errors.validation(`${INVALID}Global secondary index ${indexName} does not project [${missing.join(', ')}]`);
      }
      return { count: false, paths: projection.paths, fetchFromTable: missing.length > 0 };
    }
  }
}

/** The top-level attributes of `paths` the target does not hold, in first-seen order. */
function notProjected(target: ReadTarget, paths: readonly DocumentPath[]): string[] {
  const projected = target.projected;
  if (projected === undefined) return [];
  const missing: string[] = [];
  for (const path of paths) {
    const name = path[0] as string;
    if (!projected.has(name) && !missing.includes(name)) missing.push(name);
  }
  return missing;
}

/**
 * A Query filter may read only attributes the index holds, even when the
 * items will be fetched from the table (Alternator's test_lsi.py, checked
 * against DynamoDB).
 */
export function checkFilterProjected(target: ReadTarget, filter: Condition | undefined): void {
  if (filter === undefined || target.projected === undefined) return;
  const missing = notProjected(target, conditionPaths(filter)).sort();
  if (missing.length > 0) {
    throw errors.validation(
      `${INVALID}Secondary index ${target.index?.name} does not project one or more filter attributes: [${missing.join(', ')}]`,
    );
  }
}

/**
 * A Query filter may not name the key attributes of the key schema read;
 * they belong in the key condition.
 */
export function checkFilterNotOnKey(
  target: ReadTarget,
  filter: Condition | undefined,
  parameter: 'QueryFilter' | 'Filter Expression',
): void {
  if (filter === undefined) return;
  const names = new Set(conditionPaths(filter).map((path) => path[0] as string));
  // In KeySchema order: DynamoDB names the first key attribute the filter uses.
  const { composite } = target.keySchema;
  const attributes = composite ? [...composite.hash, ...composite.range] : [target.keySchema.hash, target.keySchema.range];
  for (const attribute of attributes) {
    if (attribute !== undefined && names.has(attribute.name)) {
      throw errors.validation(
        `${parameter} can only contain non-primary key attributes: Primary key attribute: ${attribute.name}`,
      );
    }
  }
}

/**
 * Key attributes are scalars: an expression may not reach inside one with
 * `.` or `[n]` (dynalite's DynamoDB-verified wording).
 */
export function checkKeyPathsScalar(target: ReadTarget, paths: readonly DocumentPath[]): void {
  const table = target.table;
  const tableKeys = new Set([table.keySchema.hash, table.keySchema.range]);
  const indexKeys = new Set<string>();
  for (const index of [...table.localIndexes, ...table.globalIndexes]) {
    for (const name of keyAttributes(index.keySchema)) indexKeys.add(name);
  }
  for (const path of paths) {
    if (path.length < 2) continue;
    const name = path[0] as string;
    const kind = tableKeys.has(name) ? 'Key' : indexKeys.has(name) ? 'IndexKey' : undefined;
    if (kind !== undefined) {
      throw errors.validation(
        `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ${kind}: ${name}`,
      );
    }
  }
}
