/**
 * @module data/capacity
 * Consumed-capacity arithmetic as DynamoDB documents it: a write costs one
 * unit per started KB of the larger of the old and new item, a strongly
 * consistent read one unit per started 4 KB (half for eventually consistent),
 * and every index entry written costs its own write units.
 */
import type { TableRecord } from '../catalog/table-record.js';
import type { UsageMeter } from '../metrics/server-metrics.js';

export type ReturnConsumedCapacity = 'INDEXES' | 'TOTAL' | 'NONE' | undefined;

export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

export interface CapacityParts {
  readonly table: number;
  readonly localIndexes?: Readonly<Record<string, number>>;
  readonly globalIndexes?: Readonly<Record<string, number>>;
  /** Vector indexes: bytes written to each (VectorWriteRequestBytes), not capacity units. */
  readonly vectorIndexes?: Readonly<Record<string, number>>;
}

/**
 * Counts consumed capacity in the metrics, as CloudWatch splits it: a local
 * index's units go to its table, a global index's to the index.
 */
export function meterCapacity(meter: UsageMeter, kind: 'read' | 'write', tableName: string, parts: CapacityParts): void {
  let table = parts.table;
  const local = parts.localIndexes;
  if (local !== undefined) for (const name in local) table += local[name]!;
  if (kind === 'read') meter.read(tableName, table);
  else meter.write(tableName, table);
  const global = parts.globalIndexes;
  if (global === undefined) return;
  for (const name in global) {
    if (kind === 'read') meter.read(tableName, global[name]!, name);
    else meter.write(tableName, global[name]!, name);
  }
}

/** The ConsumedCapacity member of a response, or undefined when not asked for. */
export function consumedCapacity(
  mode: ReturnConsumedCapacity,
  table: TableRecord,
  parts: CapacityParts,
): Record<string, unknown> | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  let total = parts.table;
  for (const v of Object.values(parts.localIndexes ?? {})) total += v;
  for (const v of Object.values(parts.globalIndexes ?? {})) total += v;
  const out: Record<string, unknown> = { TableName: table.name, CapacityUnits: total };
  if (mode === 'INDEXES') {
    out.Table = { CapacityUnits: parts.table };
    if (parts.localIndexes && Object.keys(parts.localIndexes).length > 0) {
      out.LocalSecondaryIndexes = Object.fromEntries(
        Object.entries(parts.localIndexes).map(([k, v]) => [k, { CapacityUnits: v }]),
      );
    }
    if (parts.globalIndexes && Object.keys(parts.globalIndexes).length > 0) {
      out.GlobalSecondaryIndexes = Object.fromEntries(
        Object.entries(parts.globalIndexes).map(([k, v]) => [k, { CapacityUnits: v }]),
      );
    }
    if (parts.vectorIndexes && Object.keys(parts.vectorIndexes).length > 0) {
      out.VectorIndexes = Object.fromEntries(
        Object.entries(parts.vectorIndexes).map(([k, v]) => [k, { VectorWriteRequestBytes: v }]),
      );
    }
  }
  return out;
}
